// Pessimistic locks with leases and fencing tokens (API.md §5), against the real binary, on both
// stores (SQLite and PostgreSQL).
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <barrier>
#include <mutex>
#include <thread>
#include <vector>

#include "store_param.h"

namespace json = boost::json;

namespace lockstep::testing {
namespace {

class Locks : public StoreServerTest {};
LOCKSTEP_ON_BOTH_STORES(Locks);

std::string lock_path(const ApiResponse& task) { return "/v1/tasks/" + task.str("taskId") + "/lock"; }
std::string task_path(const ApiResponse& task) { return "/v1/tasks/" + task.str("taskId"); }

// A readiness probe for "the request is parked now".
void wait_for_gauge(ApiClient& c, const std::string& name, std::int64_t value) {
  for (int i = 0; i < 2000 && c.metric(name) != value; ++i) std::this_thread::yield();
  ASSERT_EQ(c.metric(name), value) << name;
}

TEST_P(Locks, acquire_shows_the_lock_without_changing_version_or_etag) {
  auto a = alice();
  auto task = a.create_task();
  auto l = a.post(lock_path(task), {{"ttlSeconds", 60}});
  ASSERT_EQ(l.status, 200) << l.raw.body;
  EXPECT_EQ(l.str("owner"), "alice");
  EXPECT_EQ(l.str("taskId"), task.str("taskId"));
  EXPECT_EQ(l.header("Lock-Token"), std::to_string(l.num("token")));
  auto g = a.get(task_path(task));
  EXPECT_EQ(g.header("ETag"), task.header("ETag"));
  EXPECT_EQ(g.num("version"), 1);
  EXPECT_EQ(g.json.at("lock").at("owner").as_string(), "alice");
  EXPECT_EQ(a.get(lock_path(task)).num("token"), l.num("token"));
  EXPECT_EQ(a.get("/v1/changes?since=1").json.at("changes").as_array().size(), 0u);  // no change entry
  EXPECT_EQ(a.post(lock_path(task), {{"ttlSeconds", 0}}).status, 400);
  // No body at all (and so no Content-Type): the defaults.
  EXPECT_EQ(bob().request("POST", lock_path(task)).status, 423);
  EXPECT_EQ(a.post("/v1/tasks/nope/lock", json::object{}).status, 404);
}

TEST_P(Locks, others_writes_are_423_with_the_lock_and_retry_after_owner_writes_pass) {
  auto a = alice();
  auto b = bob();
  auto task = a.create_task();
  ASSERT_EQ(a.post(lock_path(task), {{"ttlSeconds", 120}}).status, 200);
  auto denied = b.patch(task_path(task), {{"warningOffset", 1}}, {{"If-Match", task.header("ETag")}});
  ASSERT_EQ(denied.status, 423);
  EXPECT_EQ(denied.str("code"), "LOCKED");
  EXPECT_TRUE(denied.json.at("retryable").as_bool());
  EXPECT_EQ(denied.json.at("lock").at("owner").as_string(), "alice");
  int retry_after = std::stoi(denied.header("Retry-After"));
  EXPECT_GE(retry_after, 110);
  EXPECT_LE(retry_after, 120);
  EXPECT_EQ(b.del(task_path(task)).status, 423);
  // 423 comes before 412: a stale If-Match from someone else still sees the lock first.
  EXPECT_EQ(b.patch(task_path(task), {{"warningOffset", 1}}, {{"If-Match", "\"0-0\""}}).status, 423);
  EXPECT_EQ(a.patch(task_path(task), {{"warningOffset", 1}}, {{"If-Match", "\"0-0\""}}).status, 412);
  EXPECT_EQ(a.patch(task_path(task), {{"warningOffset", 1}}, {{"If-Match", task.header("ETag")}}).status, 200);
}

TEST_P(Locks, of_two_racing_acquirers_exactly_one_wins) {
  auto task = alice().create_task();
  for (int round = 0; round < 5; ++round) {
    std::barrier go(2);
    std::vector<ApiResponse> answers(2);
    auto racer = [&](std::size_t i, const std::string& token) {
      ApiClient c(server_->port(), token);
      c.get("/healthz");  // connected before the race starts
      go.arrive_and_wait();
      answers[i] = c.post(lock_path(task), {{"ttlSeconds", 30}});
    };
    std::thread t1(racer, 0, alice_token_), t2(racer, 1, bob_token_);
    t1.join();
    t2.join();
    // Neither releases before both have answered: one holds it, the other met that very lock.
    const bool first_won = answers[0].status == 200;
    const ApiResponse& winner = answers[first_won ? 0 : 1];
    const ApiResponse& loser = answers[first_won ? 1 : 0];
    ASSERT_EQ(winner.status, 200) << winner.raw.body;
    ASSERT_EQ(loser.status, 423) << loser.raw.body;
    EXPECT_EQ(loser.json.at("lock").at("token").as_int64(), winner.num("token"));
    EXPECT_EQ(ApiClient(server_->port(), first_won ? alice_token_ : bob_token_).del(lock_path(task)).status, 204);
  }
}

TEST_P(Locks, renewal_keeps_the_token_release_and_force) {
  auto a = alice();
  auto b = bob();
  auto root = admin();
  auto task = a.create_task();
  auto first = a.post(lock_path(task), {{"ttlSeconds", 10}});
  auto renewed = a.post(lock_path(task), {{"ttlSeconds", 100}});
  ASSERT_EQ(renewed.status, 200);
  EXPECT_EQ(renewed.num("token"), first.num("token"));
  EXPECT_GT(renewed.str("expiresAt"), first.str("expiresAt"));
  auto not_owner = b.del(lock_path(task));
  EXPECT_EQ(not_owner.status, 403);
  EXPECT_EQ(not_owner.str("code"), "NOT_LOCK_OWNER");
  EXPECT_EQ(b.del(lock_path(task) + "?force=true").status, 403);  // only admins break locks
  EXPECT_EQ(root.del(lock_path(task) + "?force=true").status, 204);
  EXPECT_EQ(a.get(lock_path(task)).status, 404);
  EXPECT_EQ(a.del(lock_path(task)).status, 404);
  auto again = b.post(lock_path(task), json::object{});
  ASSERT_EQ(again.status, 200);
  EXPECT_GT(again.num("token"), first.num("token"));  // fencing tokens only go up
  EXPECT_EQ(b.del(lock_path(task)).status, 204);
}

TEST_P(Locks, a_waiter_is_woken_by_release) {
  auto a = alice();
  auto task = a.create_task();
  ASSERT_EQ(a.post(lock_path(task), {{"ttlSeconds", 300}}).status, 200);
  ApiResponse got;
  std::thread waiter([&] { got = bob().post(lock_path(task), {{"ttlSeconds", 30}, {"waitSeconds", 20}}); });
  wait_for_gauge(a, "lockstep_lock_waiters", 1);
  auto released_at = std::chrono::steady_clock::now();
  ASSERT_EQ(a.del(lock_path(task)).status, 204);
  waiter.join();
  EXPECT_EQ(got.status, 200) << got.raw.body;
  EXPECT_EQ(got.str("owner"), "bob");
  EXPECT_LT(std::chrono::steady_clock::now() - released_at, std::chrono::seconds(5));
}

// Leases that run out on the server's clock, which the test moves past them instead of waiting.
class LockExpiry : public StoreServerTest {
 protected:
  LockExpiry() { first_start_args_ = {"--test-only-movable-clock"}; }
};
LOCKSTEP_ON_BOTH_STORES(LockExpiry);

TEST_P(LockExpiry, a_waiter_is_woken_by_expiry_and_a_stale_holder_is_fenced_off) {
  auto a = alice();
  auto task = a.create_task();
  auto held = a.post(lock_path(task), {{"ttlSeconds", 60}});
  ASSERT_EQ(held.status, 200);
  ApiResponse got;
  std::thread waiter([&] { got = bob().post(lock_path(task), {{"ttlSeconds", 60}, {"waitSeconds", 30}}); });
  wait_for_gauge(a, "lockstep_lock_waiters", 1);  // parked: alice's lease has 60 s left
  server_->advance_clock(std::chrono::seconds(61));
  waiter.join();
  ASSERT_EQ(got.status, 200) << got.raw.body;
  EXPECT_EQ(got.str("owner"), "bob");
  EXPECT_GT(got.num("token"), held.num("token"));
  // Alice's lease ran out and was re-granted: her token no longer lets her write.
  auto fenced = a.patch(task_path(task), {{"warningOffset", 1}}, {{"Lock-Token", held.header("Lock-Token")}});
  EXPECT_EQ(fenced.status, 423);
  auto b = bob();
  EXPECT_EQ(b.patch(task_path(task), {{"warningOffset", 2}}, {{"Lock-Token", got.header("Lock-Token")}}).status, 200);
  EXPECT_EQ(b.patch(task_path(task), {{"warningOffset", 3}}, {{"Lock-Token", "12345"}}).status, 423);
  b.del(lock_path(task));
  EXPECT_EQ(b.patch(task_path(task), {{"warningOffset", 4}}, {{"Lock-Token", got.header("Lock-Token")}}).status, 423);
}

TEST_P(Locks, waiters_get_the_lock_first_come_first_served) {
  auto a = alice();
  auto task = a.create_task();
  ASSERT_EQ(a.post(lock_path(task), {{"ttlSeconds", 300}}).status, 200);
  std::vector<std::string> order;
  std::mutex mu;
  std::vector<std::thread> waiters;
  const std::vector<std::string> tokens{bob_token_, admin_token_, alice_token_};
  const std::vector<std::string> names{"bob", "root", "alice"};
  // Alice already holds it; a renewal would not wait, so the third waiter is a fresh user.
  std::string carol = add_user(db_, "carol");
  for (int i = 0; i < 3; ++i) {
    std::string token = i == 2 ? carol : tokens[static_cast<std::size_t>(i)];
    waiters.emplace_back([&, token] {
      ApiClient c(server_->port(), token);
      auto r = c.post(lock_path(task), {{"ttlSeconds", 30}, {"waitSeconds", 25}});
      std::lock_guard lock(mu);
      order.push_back(r.status == 200 ? r.str("owner") : "status " + std::to_string(r.status));
      c.del(lock_path(task));  // hand it on
    });
    wait_for_gauge(a, "lockstep_lock_waiters", i + 1);
  }
  ASSERT_EQ(a.del(lock_path(task)).status, 204);
  for (auto& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<std::string>{"bob", "root", "carol"}));
}

TEST_P(Locks, a_lock_survives_a_restart_and_deleting_the_task_drops_it) {
  auto task = alice().create_task();
  auto held = alice().post(lock_path(task), {{"ttlSeconds", 300}});
  ASSERT_EQ(held.status, 200);
  server_->terminate();
  start();
  auto b = bob();
  EXPECT_EQ(b.patch(task_path(task), {{"warningOffset", 1}}).status, 423);
  auto a = alice();
  EXPECT_EQ(a.get(lock_path(task)).num("token"), held.num("token"));
  EXPECT_EQ(a.del(task_path(task)).status, 204);
  EXPECT_EQ(a.get(lock_path(task)).status, 404);
}

// Grants, releases, an expiry and a break, then a crash: the next grant's token is still above
// every token handed out before (the counter is in the store, not in the process).
TEST_P(Locks, a_token_granted_after_a_restart_is_greater_than_every_earlier_one) {
  auto task = alice().create_task();
  std::int64_t highest = 0;
  {
    auto a = alice();
    auto root = admin();
    for (int i = 0; i < 3; ++i) {
      auto l = a.post(lock_path(task), {{"ttlSeconds", 60}});
      ASSERT_EQ(l.status, 200) << l.raw.body;
      EXPECT_GT(l.num("token"), highest);
      highest = l.num("token");
      ASSERT_EQ(i == 1 ? root.del(lock_path(task) + "?force=true").status : a.del(lock_path(task)).status, 204);
    }
    auto left = bob().post(lock_path(task), {{"ttlSeconds", 60}});  // left to expire across the crash
    ASSERT_EQ(left.status, 200);
    EXPECT_GT(left.num("token"), highest);
    highest = left.num("token");
  }
  server_->kill9();
  start({"--test-only-movable-clock"});
  EXPECT_EQ(alice().post(lock_path(task), json::object{}).status, 423);  // bob's lease outlived the crash
  server_->advance_clock(std::chrono::seconds(61));
  auto after = alice().post(lock_path(task), {{"ttlSeconds", 60}});
  ASSERT_EQ(after.status, 200) << after.raw.body;
  EXPECT_GT(after.num("token"), highest);
  ASSERT_EQ(alice().del(lock_path(task)).status, 204);
  // With no lock live, the old tokens fence their holders off all the same.
  auto fenced = bob().patch(task_path(task), {{"warningOffset", 1}}, {{"Lock-Token", std::to_string(highest)}});
  EXPECT_EQ(fenced.status, 423);
}

TEST_P(Locks, admins_manage_users_over_http_and_revocation_is_immediate) {
  auto root = admin();
  auto made = root.post("/v1/users", {{"name", "dora"}});
  ASSERT_EQ(made.status, 201) << made.raw.body;
  EXPECT_EQ(made.str("role"), "user");
  ApiClient dora(server_->port(), made.str("token"));
  EXPECT_EQ(dora.get("/v1/tasks").status, 200);
  EXPECT_EQ(dora.get("/v1/users").status, 403);
  EXPECT_EQ(alice().post("/v1/users", {{"name", "eve"}}).status, 403);
  EXPECT_EQ(root.post("/v1/users", {{"name", "dora"}}).status, 409);
  EXPECT_EQ(root.post("/v1/users", {{"name", "x y"}}).status, 400);
  auto list = root.get("/v1/users");
  EXPECT_EQ(list.json.at("users").as_array().size(), 4u);
  EXPECT_EQ(root.del("/v1/users/dora").status, 204);
  EXPECT_EQ(dora.get("/v1/tasks").status, 401);
}

// API.md §5: a waiter leaves the queue however its wait ends. Each test below ends a wait one way
// and then checks that the lock can be taken at once: a waiter left behind at the head of the
// queue made every later acquire 423 "Others are waiting" until the server restarted.

json::object wait_body() { return {{"ttlSeconds", 30}, {"waitSeconds", 20}}; }

TEST_P(Locks, a_waiter_leaves_the_queue_when_its_task_is_deleted) {
  auto a = alice();
  json::object body{
      {"userId", "alice"}, {"taskTitle", "Doomed"}, {"dueDate", "2099-01-01T00:00:00Z"}, {"warningOffset", 10}};
  ASSERT_EQ(a.put("/v1/tasks/doomed", body, {{"If-None-Match", "*"}}).status, 201);
  ASSERT_EQ(a.post("/v1/tasks/doomed/lock", {{"ttlSeconds", 300}}).status, 200);
  ApiResponse waited;
  std::thread waiter([&] { waited = bob().post("/v1/tasks/doomed/lock", wait_body()); });
  wait_for_gauge(a, "lockstep_lock_waiters", 1);
  EXPECT_EQ(a.del("/v1/tasks/doomed").status, 204);
  waiter.join();
  EXPECT_EQ(waited.status, 404) << waited.raw.body;
  // The same id again: nobody is waiting for its lock any more.
  ASSERT_EQ(a.put("/v1/tasks/doomed", body, {{"If-None-Match", "*"}}).status, 201);
  auto taken = a.post("/v1/tasks/doomed/lock", {{"ttlSeconds", 30}});
  EXPECT_EQ(taken.status, 200) << taken.raw.body;
  EXPECT_EQ(a.metric("lockstep_lock_waiters"), 0);
}

TEST_P(Locks, a_waiter_whose_token_is_revoked_leaves_the_queue) {
  auto root = admin();
  auto made = root.post("/v1/users", {{"name", "dora"}});
  ASSERT_EQ(made.status, 201) << made.raw.body;
  auto a = alice();
  auto task = a.create_task();
  ASSERT_EQ(a.post(lock_path(task), {{"ttlSeconds", 300}}).status, 200);
  ApiResponse waited;
  std::thread waiter(
      [&] { waited = ApiClient(server_->port(), made.str("token")).post(lock_path(task), wait_body()); });
  wait_for_gauge(a, "lockstep_lock_waiters", 1);
  EXPECT_EQ(root.del("/v1/users/dora").status, 204);
  waiter.join();
  EXPECT_EQ(waited.status, 401) << waited.raw.body;
  ASSERT_EQ(a.del(lock_path(task)).status, 204);
  auto taken = bob().post(lock_path(task), {{"ttlSeconds", 30}});
  EXPECT_EQ(taken.status, 200) << taken.raw.body;
}

TEST_P(Locks, a_waiter_whose_client_hangs_up_is_not_granted_and_the_next_waiter_is) {
  namespace net = boost::asio;
  using tcp = net::ip::tcp;
  auto a = alice();
  auto task = a.create_task();
  ASSERT_EQ(a.post(lock_path(task), {{"ttlSeconds", 300}}).status, 200);
  // Bob waits on a connection of his own, then hangs up without reading the answer.
  net::io_context ioc;
  tcp::socket gone(ioc);
  gone.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
  const std::string body = json::serialize(wait_body());
  const std::string request =
      "POST " + lock_path(task) + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + bob_token_ +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  net::write(gone, net::buffer(request));
  wait_for_gauge(a, "lockstep_lock_waiters", 1);
  ApiResponse next;
  std::thread waiter([&] { next = admin().post(lock_path(task), wait_body()); });
  wait_for_gauge(a, "lockstep_lock_waiters", 2);
  gone.close();
  wait_for_gauge(a, "lockstep_lock_waiters", 1);  // the server noticed, and bob left the queue
  EXPECT_EQ(a.del(lock_path(task)).status, 204);
  waiter.join();
  ASSERT_EQ(next.status, 200) << next.raw.body;
  EXPECT_EQ(next.str("owner"), "root");
  EXPECT_EQ(a.get(lock_path(task)).str("owner"), "root");
  ASSERT_EQ(admin().del(lock_path(task)).status, 204);
  EXPECT_EQ(a.post(lock_path(task), {{"ttlSeconds", 30}}).status, 200);
}

// The waiter's Idempotency-Key is used through another node while it waits (several nodes share
// a database on PostgreSQL only; on one node the key in flight keeps every other use out): its
// next look answers from the stored record, and it must still leave this node's queue.
TEST_P(Locks, a_waiter_answered_from_its_idempotency_key_leaves_the_queue) {
  if (GetParam() == "sqlite") GTEST_SKIP() << "several nodes share a database on PostgreSQL only";
  ServerProcess other(db_);
  auto a = alice();
  auto task = a.create_task();
  ASSERT_EQ(a.post(lock_path(task), {{"ttlSeconds", 300}}).status, 200);
  const HttpHeaders key{{"Idempotency-Key", "bobs-key"}};
  ApiResponse waited;
  std::thread waiter([&] { waited = bob().post(lock_path(task), wait_body(), key); });
  wait_for_gauge(a, "lockstep_lock_waiters", 1);
  // The other node's commit wakes the waiter here, which finds the key answered.
  EXPECT_EQ(ApiClient(other.port(), bob_token_)
                .post("/v1/tasks",
                      json::object{{"userId", "bob"},
                                   {"taskTitle", "Same key"},
                                   {"dueDate", "2099-01-01T00:00:00Z"},
                                   {"warningOffset", 10}},
                      key)
                .status,
            201);
  waiter.join();
  EXPECT_EQ(waited.status, 422) << waited.raw.body;
  EXPECT_EQ(waited.str("code"), "IDEMPOTENCY_KEY_REUSED");
  ASSERT_EQ(a.del(lock_path(task)).status, 204);
  auto taken = admin().post(lock_path(task), {{"ttlSeconds", 30}});
  EXPECT_EQ(taken.status, 200) << taken.raw.body;
  EXPECT_EQ(a.metric("lockstep_lock_waiters"), 0);
}

// A waiter is re-run by what concerns its task only: commits to other tasks leave it parked. (On
// PostgreSQL a commit's notification does not say which task it touched, so there every commit,
// this node's too, re-runs the waiters once; only the grant is checked.)
TEST_P(Locks, a_waiter_is_not_re_run_by_commits_to_other_tasks) {
  auto a = alice();
  auto task = a.create_task();
  auto other = a.create_task();
  ASSERT_EQ(a.post(lock_path(task), {{"ttlSeconds", 300}}).status, 200);
  ApiResponse waited;
  std::thread waiter([&] { waited = bob().post(lock_path(task), wait_body()); });
  wait_for_gauge(a, "lockstep_lock_waiters", 1);
  const std::int64_t runs = a.metric("lockstep_lock_wait_runs_total");
  EXPECT_GE(runs, 0);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(a.patch(task_path(other), {{"warningOffset", i}}).status, 200);
    EXPECT_EQ(a.post(lock_path(other), {{"ttlSeconds", 30}}).status, 200);
    EXPECT_EQ(a.del(lock_path(other)).status, 204);
  }
  a.create_task();
  if (GetParam() == "sqlite") {
    EXPECT_EQ(a.metric("lockstep_lock_wait_runs_total"), runs);
  }
  EXPECT_EQ(a.metric("lockstep_lock_waiters"), 1);
  ASSERT_EQ(a.del(lock_path(task)).status, 204);
  waiter.join();
  EXPECT_EQ(waited.status, 200) << waited.raw.body;
  EXPECT_GT(a.metric("lockstep_lock_wait_runs_total"), runs);
}

}  // namespace
}  // namespace lockstep::testing
