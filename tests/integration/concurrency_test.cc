// No lost update under real concurrency: real threads, real connections, started together by a
// barrier.
#include <atomic>
#include <barrier>
#include <thread>

#include "fixture.h"

namespace lockstep::testing {
namespace {

using Concurrency = ServerTest;

// The seed scenario: A and B read the same task; A sets BLOCKED; B's stale COMPLETED is refused
// with 412 and the current state.
TEST_F(Concurrency, seed_scenario_second_stale_writer_gets_412_with_current_state) {
  auto a = alice();
  auto b = bob();
  auto created = a.create_task("alice", "Seed");
  std::string path = "/v1/tasks/" + created.str("taskId");
  auto read_a = a.get(path);
  auto read_b = b.get(path);
  ASSERT_EQ(read_a.header("ETag"), read_b.header("ETag"));

  auto wa = a.patch(path, {{"taskStatus", "BLOCKED"}}, {{"If-Match", read_a.header("ETag")}});
  ASSERT_EQ(wa.status, 200);
  auto wb = b.patch(path, {{"taskStatus", "COMPLETED"}}, {{"If-Match", read_b.header("ETag")}});
  ASSERT_EQ(wb.status, 412);
  EXPECT_EQ(wb.json.at("current").at("taskStatus").as_string(), "BLOCKED");
  EXPECT_EQ(wb.json.at("current").at("updatedBy").as_string(), "alice");
  auto final_state = b.get(path);
  EXPECT_EQ(final_state.str("taskStatus"), "BLOCKED");
  EXPECT_EQ(final_state.num("version"), 2);
}

TEST_F(Concurrency, of_32_writers_holding_one_etag_exactly_one_wins) {
  auto setup = alice();
  auto created = setup.create_task();
  std::string path = "/v1/tasks/" + created.str("taskId");
  std::string etag = created.header("ETag");

  constexpr int kWriters = 32;
  std::barrier start(kWriters);
  std::atomic<int> ok{0}, failed{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      ApiClient c(server_->port(), i % 2 ? alice_token_ : bob_token_);
      c.get("/healthz");  // connect before the race starts
      start.arrive_and_wait();
      auto r = c.patch(path, {{"warningOffset", i + 1}}, {{"If-Match", etag}});
      (r.status == 200 ? ok : r.status == 412 ? failed : other)++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(failed.load(), kWriters - 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(setup.get(path).num("version"), 2);
}

// Each thread increments warningOffset with read-modify-write and If-Match, re-reading from the
// 412 answer's `current`. At the end the counter equals the number of acknowledged increments.
TEST_F(Concurrency, read_modify_write_loop_loses_no_increment) {
  auto setup = alice();
  auto created = setup.create_task();
  std::string path = "/v1/tasks/" + created.str("taskId");

  constexpr int kThreads = 8;
  constexpr int kIncrementsEach = 25;
  std::barrier start(kThreads);
  std::atomic<int> conflicts{0}, unexpected{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      ApiClient c(server_->port(), alice_token_);
      auto current = c.get(path);
      start.arrive_and_wait();
      for (int done = 0; done < kIncrementsEach;) {
        std::int64_t value = current.json.at("warningOffset").as_int64();
        auto r = c.patch(path, {{"warningOffset", value + 1}}, {{"If-Match", current.header("ETag")}});
        if (r.status == 200) {
          ++done;
          current = r;
        } else if (r.status == 412) {
          ++conflicts;
          current.json = r.json.at("current");
          current.raw.headers = {{"ETag", r.header("ETag")}};
        } else {
          ++unexpected;
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  auto final_state = setup.get(path);
  EXPECT_EQ(final_state.num("warningOffset"), kThreads * kIncrementsEach);
  EXPECT_EQ(final_state.num("version"), 1 + kThreads * kIncrementsEach);
  RecordProperty("conflicts", conflicts.load());
}

}  // namespace
}  // namespace lockstep::testing
