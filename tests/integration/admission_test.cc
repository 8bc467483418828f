// What reaches the writer (docs/architecture.md, "Before the writer"): a write is authenticated,
// rate-limited and its body read before it is queued for the store's writer, so refused requests
// never take a place in the write queue, and a token revoked anywhere is refused at the very next
// write. On both stores.
#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <thread>

#include "store_param.h"

namespace json = boost::json;

namespace lockstep::testing {
namespace {

using Admission = StoreServerTest;

json::object new_task() {
  return {{"userId", "alice"}, {"taskTitle", "t"}, {"dueDate", "2099-01-01T00:00:00Z"}, {"warningOffset", 0}};
}

// Bad-token and rate-limited writes, sent as fast as the flooders can, in parallel with one real
// writer: the real writes are never shed. The queue allows 3 pending writes, more than the real
// writer's own (the one being admitted, and its previous one, which may still be counted for a
// moment after its answer) plus one of the sweeper's. On b59e177, which authenticated and
// rate-limited inside the write queue, the flooders' requests filled it and real writes got 503.
TEST_P(Admission, bad_token_and_rate_limited_writes_never_count_against_max_pending_writes) {
  start({"--max-pending-writes", "3", "--rate-limit", "0.001/100"});
  // Bob spends his burst on reads (which never enter the write queue) until he is limited.
  {
    auto b = bob();
    int reads = 0;
    while (b.get("/v1/tasks").status == 200) ASSERT_LT(++reads, 1000);
  }
  constexpr int kBadToken = 10, kLimited = 4, kWrites = 40;
  std::atomic<bool> stop{false};
  std::latch flooding(kBadToken + kLimited);
  std::mutex mu;
  std::map<int, int> bad_token_answers, limited_answers;  // status -> count
  std::vector<std::thread> flooders;
  for (int i = 0; i < kBadToken + kLimited; ++i) {
    const bool bad_token = i < kBadToken;
    flooders.emplace_back([&, bad_token] {
      ApiClient c(server_->port(), bad_token ? "lst_not_a_token" : bob_token_);
      std::map<int, int> seen;
      const std::string body = json::serialize(new_task());
      for (bool first = true; first || !stop.load(); first = false) {
        ++seen[c.request("POST", "/v1/tasks", body).status];
        if (first) flooding.count_down();
      }
      std::lock_guard lock(mu);
      for (auto [status, n] : seen) (bad_token ? bad_token_answers : limited_answers)[status] += n;
    });
  }
  flooding.wait();
  std::map<int, int> real_answers;
  {
    auto a = alice();
    for (int i = 0; i < kWrites; ++i) ++real_answers[a.post("/v1/tasks", new_task()).status];
  }
  stop = true;
  for (auto& t : flooders) t.join();
  EXPECT_EQ(real_answers, (std::map<int, int>{{201, kWrites}}));
  ASSERT_EQ(bad_token_answers.size(), 1u);
  EXPECT_EQ(bad_token_answers.begin()->first, 401);
  ASSERT_EQ(limited_answers.size(), 1u);
  EXPECT_EQ(limited_answers.begin()->first, 429);
  EXPECT_EQ(alice().get("/v1/tasks?limit=100").json.at("tasks").as_array().size(), static_cast<std::size_t>(kWrites));
  RecordProperty("bad_token_requests", bad_token_answers.begin()->second);
  RecordProperty("rate_limited_requests", limited_answers.begin()->second);
}

// Authentication moved out of the write transaction to a read just before it: a token revoked by
// `lockstepd user revoke` (another process on the same database) or by an admin over HTTP is
// refused on the very next write of any kind, and nothing it sends is written.
TEST_P(Admission, a_revoked_token_is_refused_on_the_very_next_write) {
  auto task = alice().create_task();
  ASSERT_EQ(task.status, 201);
  const std::string path = "/v1/tasks/" + task.str("taskId");
  for (const std::string name : {"carol", "dora"}) {
    ApiClient c(server_->port(), add_user(db_, name));
    ASSERT_EQ(c.patch(path, {{"taskTitle", name}}).status, 200);
    if (name == "carol") {
      auto revoked = run_lockstepd({"user", "revoke", name, "--db", db_});
      ASSERT_EQ(revoked.status, 0) << revoked.err;
    } else {
      ASSERT_EQ(admin().del("/v1/users/" + name).status, 204);
    }
    EXPECT_EQ(c.patch(path, {{"taskTitle", name + " again"}}).status, 401) << name;
    EXPECT_EQ(c.post("/v1/tasks", new_task()).status, 401) << name;
    EXPECT_EQ(
        c.post("/v1/tasks:batch", {{"operations", json::array{{{"op", "delete"}, {"taskId", task.str("taskId")}}}}})
            .status,
        401)
        << name;
    EXPECT_EQ(c.post(path + "/lock", {{"ttlSeconds", 60}}).status, 401) << name;
    EXPECT_EQ(c.del(path).status, 401) << name;
  }
  auto now = alice().get(path);
  ASSERT_EQ(now.status, 200);
  EXPECT_EQ(now.str("taskTitle"), "dora");
  EXPECT_EQ(alice().get(path + "/lock").status, 404);
  EXPECT_EQ(alice().get("/v1/tasks").json.at("tasks").as_array().size(), 1u);
}

}  // namespace

LOCKSTEP_ON_BOTH_STORES(Admission);

}  // namespace lockstep::testing
