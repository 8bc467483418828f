// A 2xx means committed to disk: restarts keep data and ETags, and kill -9 in the middle of writes
// loses no acknowledged write.
#include <atomic>
#include <barrier>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "fixture.h"

namespace lockstep::testing {
namespace {

using Durability = ServerTest;

TEST_F(Durability, restart_keeps_tasks_versions_and_etags) {
  std::string path, etag;
  {
    auto c = alice();
    auto created = c.create_task();
    path = "/v1/tasks/" + created.str("taskId");
    auto p = c.patch(path, {{"taskStatus", "IN_PROGRESS"}}, {{"If-Match", created.header("ETag")}});
    ASSERT_EQ(p.status, 200);
    etag = p.header("ETag");
  }
  EXPECT_EQ(server_->terminate(), 0);  // graceful stop exits 0
  start();
  auto c = alice();
  auto g = c.get(path);
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(g.header("ETag"), etag);
  EXPECT_EQ(g.num("version"), 2);
  EXPECT_EQ(g.str("taskStatus"), "IN_PROGRESS");
  EXPECT_EQ(c.get(path, {{"If-None-Match", etag}}).status, 304);
  // New writes after the restart get ETags never seen before.
  auto p = c.patch(path, {{"taskStatus", "COMPLETED"}}, {{"If-Match", etag}});
  ASSERT_EQ(p.status, 200);
  EXPECT_NE(p.header("ETag"), etag);
}

TEST_F(Durability, kill_9_during_writes_loses_no_acknowledged_write) {
  constexpr int kWriters = 6;
  std::mutex mu;
  std::vector<std::string> acknowledged;  // guarded by mu
  std::condition_variable progress;
  std::atomic<int> acked{0};
  std::barrier go(kWriters + 1);
  std::vector<std::thread> threads;
  const unsigned short port = server_->port();
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      ApiClient c(port, alice_token_);
      go.arrive_and_wait();
      for (int n = 0;; ++n) {
        try {
          auto r = c.create_task("alice", "w" + std::to_string(i) + "-" + std::to_string(n));
          if (r.status != 201) return;
          std::lock_guard lock(mu);
          acknowledged.push_back(r.str("taskId"));
          ++acked;
          progress.notify_all();
        } catch (const ConnectionError&) {
          return;  // the server is gone: whatever was not acknowledged may or may not be there
        }
      }
    });
  }
  go.arrive_and_wait();
  // Kill once a good number of writes was acknowledged (no fixed delay: wait on progress). Killed
  // either way, so that the writers end and are joined before the test returns.
  {
    std::unique_lock lock(mu);
    EXPECT_TRUE(progress.wait_for(lock, std::chrono::seconds(60), [&] { return acked.load() >= 200; }))
        << "writers made no progress";
  }
  server_->kill9();
  for (auto& t : threads) t.join();

  start();
  auto c = alice();
  std::set<std::string> present;
  std::string token;
  for (;;) {
    auto page = c.get("/v1/tasks?limit=500" + (token.empty() ? "" : "&pageToken=" + token));
    ASSERT_EQ(page.status, 200);
    for (const auto& t : page.json.at("tasks").as_array()) present.insert(std::string(t.at("taskId").as_string()));
    if (page.json.at("nextPageToken").is_null()) break;
    token = std::string(page.json.at("nextPageToken").as_string());
  }
  std::size_t lost = 0;
  for (const auto& id : acknowledged) lost += present.count(id) == 0;
  EXPECT_GE(acknowledged.size(), 200u);
  EXPECT_EQ(lost, 0u) << "of " << acknowledged.size() << " acknowledged creates";
  RecordProperty("acknowledged", static_cast<int>(acknowledged.size()));
}

}  // namespace
}  // namespace lockstep::testing
