// Atomic batches, bulk reassignment, idempotent retries, rate limits and overload (API.md §6-7).
#include <atomic>
#include <barrier>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <mutex>
#include <thread>

#include "fixture.h"
#include "store_param.h"

namespace json = boost::json;

namespace lockstep::testing {
namespace {

using Batches = ServerTest;

json::object new_task(const std::string& title, std::int64_t offset = 0) {
  return {{"userId", "alice"}, {"taskTitle", title}, {"dueDate", "2099-01-01T00:00:00Z"}, {"warningOffset", offset}};
}

std::vector<ApiResponse> create_tasks(ApiClient& c, int n) {
  std::vector<ApiResponse> out;
  for (int i = 0; i < n; ++i) out.push_back(c.create_task("alice", "t" + std::to_string(i)));
  return out;
}

TEST_F(Batches, atomic_batch_with_one_stale_if_match_changes_nothing_one_412_and_49_424) {
  auto c = alice();
  auto tasks = create_tasks(c, 50);
  json::array ops;
  for (int i = 0; i < 50; ++i) {
    ops.push_back(json::object{{"op", "update"},
                               {"taskId", tasks[i].str("taskId")},
                               {"ifMatch", i == 17 ? "\"0-0\"" : tasks[i].header("ETag")},
                               {"patch", {{"warningOffset", 7}}}});
  }
  auto r = c.post("/v1/tasks:batch", {{"atomic", true}, {"operations", ops}});
  ASSERT_EQ(r.status, 409) << r.raw.body;
  EXPECT_EQ(r.str("code"), "BATCH_ABORTED");
  auto& results = r.json.at("results").as_array();
  ASSERT_EQ(results.size(), 50u);
  int failed = 0, not_applied = 0;
  for (const auto& res : results) {
    if (res.at("status").as_int64() == 412) {
      ++failed;
      EXPECT_EQ(res.at("index").as_int64(), 17);
      EXPECT_EQ(res.at("code").as_string(), "PRECONDITION_FAILED");
    } else {
      EXPECT_EQ(res.at("status").as_int64(), 424);
      EXPECT_EQ(res.at("code").as_string(), "NOT_APPLIED");
      ++not_applied;
    }
  }
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(not_applied, 49);
  for (const auto& t : tasks) EXPECT_EQ(c.get("/v1/tasks/" + t.str("taskId")).num("version"), 1);
}

TEST_F(Batches, atomic_batch_applies_creates_updates_and_deletes_together) {
  auto c = alice();
  auto tasks = create_tasks(c, 2);
  json::array ops{
      json::object{{"op", "create"}, {"task", new_task("made in a batch")}},
      json::object{{"op", "update"},
                   {"taskId", tasks[0].str("taskId")},
                   {"expectedVersion", 1},
                   {"patch", {{"taskStatus", "COMPLETED"}}}},
      json::object{{"op", "delete"}, {"taskId", tasks[1].str("taskId")}, {"ifMatch", tasks[1].header("ETag")}}};
  auto r = c.post("/v1/tasks:batch", {{"operations", ops}});  // atomic by default
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto& results = r.json.at("results").as_array();
  EXPECT_EQ(results[0].at("status").as_int64(), 201);
  EXPECT_EQ(results[0].at("task").at("taskTitle").as_string(), "made in a batch");
  EXPECT_EQ(results[1].at("status").as_int64(), 200);
  EXPECT_EQ(results[1].at("task").at("version").as_int64(), 2);
  EXPECT_EQ(results[2].at("status").as_int64(), 204);
  EXPECT_EQ(c.get("/v1/tasks/" + tasks[1].str("taskId")).status, 404);
}

TEST_F(Batches, non_atomic_batch_applies_what_it_can_and_counts) {
  auto c = alice();
  auto tasks = create_tasks(c, 2);
  json::array ops{json::object{{"op", "update"}, {"taskId", tasks[0].str("taskId")}, {"patch", {{"warningOffset", 3}}}},
                  json::object{{"op", "update"}, {"taskId", "missing"}, {"patch", {{"warningOffset", 3}}}},
                  json::object{{"op", "create"}, {"task", {{"userId", "alice"}}}}};
  auto r = c.post("/v1/tasks:batch", {{"atomic", false}, {"operations", ops}});
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.num("successful"), 1);
  EXPECT_EQ(r.num("failed"), 2);
  EXPECT_FALSE(r.json.at("allSucceeded").as_bool());
  auto& results = r.json.at("results").as_array();
  EXPECT_EQ(results[1].at("status").as_int64(), 404);
  EXPECT_EQ(results[2].at("status").as_int64(), 400);
  EXPECT_FALSE(results[2].at("errors").as_array().empty());
  EXPECT_EQ(c.get("/v1/tasks/" + tasks[0].str("taskId")).num("warningOffset"), 3);
}

TEST_F(Batches, problems_of_the_batch_itself_are_one_400_listing_each) {
  auto c = alice();
  json::array ops{json::object{{"op", "upsert"}}, json::object{{"op", "update"}, {"patch", json::object{}}},
                  json::object{{"op", "create"}}, json::object{{"op", "delete"}, {"taskId", "x"}, {"colour", 1}}};
  auto r = c.post("/v1/tasks:batch", {{"operations", ops}});
  ASSERT_EQ(r.status, 400);
  std::set<std::string> fields;
  for (const auto& e : r.json.at("errors").as_array()) fields.insert(std::string(e.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"operations[0].op", "operations[1].taskId", "operations[2].task",
                                           "operations[3].colour"}));
  json::array many;
  for (int i = 0; i < 101; ++i) many.push_back(json::object{{"op", "create"}, {"task", new_task("x")}});
  EXPECT_EQ(c.post("/v1/tasks:batch", {{"operations", many}}).status, 400);
  EXPECT_EQ(c.get("/v1/tasks").json.at("tasks").as_array().size(), 0u);
}

// The text of a batch of `n` create operations, left open: the caller says how it goes on.
std::string open_batch(int n) {
  const std::string op = json::serialize(json::object{{"op", "create"}, {"task", new_task("x")}});
  std::string b = R"({"atomic":true,"operations":[)";
  for (int i = 0; i < n; ++i) b += op + ",";
  return b;
}

// docs/api.md: a batch over the operation limit is refused on its count as soon as the operation
// past the limit begins, before the rest of the body is parsed (and before it reaches the writer):
// here the rest is text that would be MALFORMED_JSON if it were parsed.
TEST_F(Batches, a_batch_over_the_operation_limit_is_refused_on_its_count_before_the_rest_is_parsed) {
  auto c = alice();
  // 101 operations and garbage; the 101st only begun, then garbage; a number, then garbage.
  for (const std::string& body :
       {open_batch(101) + "garbage, not JSON", open_batch(100) + R"({"op":"create","task":{"taskTitle":garbage)",
        open_batch(100) + "1" + std::string(1 << 19, '!')}) {
    auto over = c.request("POST", "/v1/tasks:batch", body);
    ASSERT_EQ(over.status, 400) << over.raw.body;
    EXPECT_EQ(over.str("code"), "VALIDATION_FAILED");
    const auto& errors = over.json.at("errors").as_array();
    ASSERT_EQ(errors.size(), 1u) << over.raw.body;
    EXPECT_EQ(errors[0].at("field").as_string(), "operations");
    EXPECT_NE(std::string(errors[0].at("message").as_string()).find("at most 100"), std::string::npos);
  }
  // At the limit (the 101st element never begins) the whole body is parsed: then it is not JSON.
  auto at_limit = c.request("POST", "/v1/tasks:batch", open_batch(100) + "garbage");
  EXPECT_EQ(at_limit.status, 400);
  EXPECT_EQ(at_limit.str("code"), "MALFORMED_JSON");
  // Only the top-level `operations` counts, and every kind of element in it does.
  std::string many = "1";
  for (int i = 1; i < 200; ++i) many += ",1";
  auto nested =
      c.request("POST", "/v1/tasks:batch", R"({"operations":[{"op":"create","task":{"operations":[)" + many + "]}}]}");
  EXPECT_EQ(nested.status, 409) << nested.raw.body;  // a valid batch whose one create fails
  std::string scalars = R"({"operations":[)";
  for (int i = 0; i < 101; ++i) scalars += i % 4 == 0 ? "1," : i % 4 == 1 ? "\"s\"," : i % 4 == 2 ? "null," : "[],";
  auto mixed = c.request("POST", "/v1/tasks:batch", scalars + "}");
  EXPECT_EQ(mixed.str("code"), "VALIDATION_FAILED") << mixed.raw.body;
  EXPECT_EQ(mixed.json.at("errors").as_array().size(), 1u);
  // The order of API.md §1 still holds: 401 before the body.
  EXPECT_EQ(ApiClient(server_->port(), "lst_wrong").request("POST", "/v1/tasks:batch", open_batch(101)).status, 401);
  EXPECT_EQ(c.get("/v1/tasks").json.at("tasks").as_array().size(), 0u);
}

// Batches that move amounts between two tasks' warningOffset keep the sum, whatever their order,
// and no reader ever sees half of one.
TEST_F(Batches, concurrent_atomic_batches_keep_an_invariant_and_are_never_seen_half_applied) {
  auto setup = alice();
  auto a = setup.post("/v1/tasks", new_task("a", 1000));
  auto b = setup.post("/v1/tasks", new_task("b", 1000));
  const std::string ida = a.str("taskId"), idb = b.str("taskId");
  constexpr int kMovers = 6, kMovesEach = 15;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0}, reads{0};
  std::thread reader([&] {
    ApiClient c(server_->port(), bob_token_);
    while (!done) {
      auto r = c.post("/v1/tasks:batch", json::object{{"atomic", false}, {"operations", json::array{}}});
      (void)r;
      auto list = c.get("/v1/tasks?limit=10");
      std::int64_t sum = 0;
      for (const auto& t : list.json.at("tasks").as_array()) sum += t.at("warningOffset").as_int64();
      torn += sum != 2000;
      ++reads;
    }
  });
  std::barrier go(kMovers);
  std::vector<std::thread> movers;
  for (int m = 0; m < kMovers; ++m) {
    movers.emplace_back([&, m] {
      ApiClient c(server_->port(), alice_token_);
      go.arrive_and_wait();
      for (int i = 0; i < kMovesEach;) {
        auto ta = c.get("/v1/tasks/" + ida), tb = c.get("/v1/tasks/" + idb);
        // Movers alternate direction and the order of the two operations.
        bool forward = (m + i) % 2 == 0;
        std::int64_t d = forward ? 3 : -3;
        json::object opa{{"op", "update"},
                         {"taskId", ida},
                         {"ifMatch", ta.header("ETag")},
                         {"patch", {{"warningOffset", ta.num("warningOffset") - d}}}};
        json::object opb{{"op", "update"},
                         {"taskId", idb},
                         {"ifMatch", tb.header("ETag")},
                         {"patch", {{"warningOffset", tb.num("warningOffset") + d}}}};
        json::array ops = forward ? json::array{opa, opb} : json::array{opb, opa};
        auto r = c.post("/v1/tasks:batch", {{"operations", ops}});
        if (r.status == 200)
          ++i;
        else
          ASSERT_EQ(r.status, 409) << r.raw.body;
      }
    });
  }
  for (auto& t : movers) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_EQ(setup.get("/v1/tasks/" + ida).num("warningOffset") + setup.get("/v1/tasks/" + idb).num("warningOffset"),
            2000);
}

TEST_F(Batches, reassign_moves_every_task_or_none_when_one_is_locked_by_someone_else) {
  auto a = alice();
  auto b = bob();
  for (int i = 0; i < 3; ++i) a.post("/v1/tasks", new_task("mine " + std::to_string(i)));
  auto locked = a.post("/v1/tasks", new_task("locked"));
  ASSERT_EQ(b.post("/v1/tasks/" + locked.str("taskId") + "/lock", json::object{}).status, 200);
  auto refused = a.post("/v1/tasks:reassign", {{"fromUserId", "alice"}, {"toUserId", "carol"}});
  ASSERT_EQ(refused.status, 423);
  EXPECT_NE(refused.str("detail").find(locked.str("taskId")), std::string::npos);
  EXPECT_EQ(a.get("/v1/tasks?userId=carol").json.at("tasks").as_array().size(), 0u);
  ASSERT_EQ(b.del("/v1/tasks/" + locked.str("taskId") + "/lock").status, 204);
  auto moved = a.post("/v1/tasks:reassign", {{"fromUserId", "alice"}, {"toUserId", "carol"}});
  ASSERT_EQ(moved.status, 200) << moved.raw.body;
  EXPECT_EQ(moved.num("reassigned"), 4);
  EXPECT_EQ(moved.json.at("taskIds").as_array().size(), 4u);
  EXPECT_EQ(a.get("/v1/tasks?userId=carol").json.at("tasks").as_array().size(), 4u);
  EXPECT_EQ(a.post("/v1/tasks:reassign", {{"fromUserId", "alice"}}).status, 400);
}

// Sends a request and closes the connection before reading the answer.
void send_and_vanish(unsigned short port, const std::string& request) {
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket s(ioc);
  s.connect({net::ip::make_address("127.0.0.1"), port});
  net::write(s, net::buffer(request));
  s.close();
}

TEST_F(Batches, a_lost_answer_retried_with_the_same_key_gets_the_original_200_applied_once) {
  auto c = alice();
  auto task = c.create_task();
  const std::string path = "/v1/tasks/" + task.str("taskId");
  const std::string body = R"({"warningOffset":42})";
  send_and_vanish(server_->port(), "PATCH " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + alice_token_ +
                                       "\r\nContent-Type: application/json\r\nIf-Match: " + task.header("ETag") +
                                       "\r\nIdempotency-Key: k-1\r\nContent-Length: " + std::to_string(body.size()) +
                                       "\r\n\r\n" + body);
  // The answer is lost, but the write was carried out: wait for its commit on the change feed.
  auto committed = c.get("/v1/changes?since=1&wait=20");
  ASSERT_EQ(committed.json.at("changes").as_array().size(), 1u);
  HttpHeaders retry{{"If-Match", task.header("ETag")}, {"Idempotency-Key", "k-1"}};
  ApiResponse r;
  for (int i = 0; i < 200; ++i) {  // the original may still be running: 409 IN_PROGRESS is retryable
    r = c.request("PATCH", path, body, retry);
    if (r.status != 409) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(r.header("Retry-After")) * 10));
  }
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(r.num("version"), 2);
  EXPECT_EQ(c.get(path).num("version"), 2);  // applied once
  auto reused = c.request("PATCH", path, R"({"warningOffset":43})", retry);
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(reused.str("code"), "IDEMPOTENCY_KEY_REUSED");
  // Keys are per principal: bob's k-1 is his own.
  EXPECT_EQ(bob().request("PATCH", path, body, {{"Idempotency-Key", "k-1"}}).status, 200);
}

TEST_F(Batches, failed_answers_are_replayed_too_but_not_423) {
  auto c = alice();
  auto r1 = c.request("POST", "/v1/tasks", R"({"userId":"alice"})", {{"Idempotency-Key", "bad-1"}});
  ASSERT_EQ(r1.status, 400);
  auto r2 = c.request("POST", "/v1/tasks", R"({"userId":"alice"})", {{"Idempotency-Key", "bad-1"}});
  EXPECT_EQ(r2.status, 400);
  EXPECT_EQ(r2.header("Idempotent-Replayed"), "true");
  auto created = c.request("POST", "/v1/tasks", json::serialize(new_task("once")), {{"Idempotency-Key", "create-1"}});
  auto again = c.request("POST", "/v1/tasks", json::serialize(new_task("once")), {{"Idempotency-Key", "create-1"}});
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.str("taskId"), created.str("taskId"));
  EXPECT_EQ(c.get("/v1/tasks").json.at("tasks").as_array().size(), 1u);
  EXPECT_EQ(c.request("POST", "/v1/tasks", "{}", {{"Idempotency-Key", std::string(256, 'k')}}).status, 400);
}

// API.md §7: a key's answer is kept --idempotency-ttl seconds, then the key is free again; on both
// stores, which replace the expired key's row. The server's clock is moved past the TTL.
class IdempotencyExpiry : public StoreServerTest {
 protected:
  IdempotencyExpiry() { first_start_args_ = {"--idempotency-ttl", "60", "--test-only-movable-clock"}; }
};
LOCKSTEP_ON_BOTH_STORES(IdempotencyExpiry);

TEST_P(IdempotencyExpiry, a_key_is_replayed_within_its_ttl_and_free_again_after_it) {
  auto c = alice();
  const HttpHeaders key{{"Idempotency-Key", "ttl-1"}};
  auto first = c.request("POST", "/v1/tasks", json::serialize(new_task("one")), key);
  ASSERT_EQ(first.status, 201) << first.raw.body;
  server_->advance_clock(std::chrono::seconds(59));
  auto replayed = c.request("POST", "/v1/tasks", json::serialize(new_task("one")), key);
  EXPECT_EQ(replayed.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(replayed.str("taskId"), first.str("taskId"));
  EXPECT_EQ(c.request("POST", "/v1/tasks", json::serialize(new_task("two")), key).status, 422);
  server_->advance_clock(std::chrono::seconds(2));
  auto fresh = c.request("POST", "/v1/tasks", json::serialize(new_task("two")), key);
  ASSERT_EQ(fresh.status, 201) << fresh.raw.body;
  EXPECT_EQ(fresh.header("Idempotent-Replayed"), "");
  EXPECT_NE(fresh.str("taskId"), first.str("taskId"));
  auto again = c.request("POST", "/v1/tasks", json::serialize(new_task("two")), key);  // the new answer is kept
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.str("taskId"), fresh.str("taskId"));
}

TEST_F(Batches, rate_limit_answers_429_with_retry_after_and_headers_then_lets_through) {
  start({"--rate-limit", "1/2", "--test-only-movable-clock"});
  auto c = alice();
  auto first = c.get("/v1/tasks");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.header("RateLimit-Policy"), "\"default\";q=1;w=1");
  EXPECT_TRUE(first.header("RateLimit").starts_with("\"default\";r=1;t="));
  EXPECT_EQ(c.get("/v1/tasks").status, 200);
  auto limited = c.get("/v1/tasks");
  ASSERT_EQ(limited.status, 429);
  EXPECT_EQ(limited.str("code"), "RATE_LIMITED");
  EXPECT_TRUE(limited.json.at("retryable").as_bool());
  EXPECT_EQ(limited.header("Retry-After"), "1");
  EXPECT_EQ(limited.header("RateLimit").substr(0, 14), "\"default\";r=0;");
  EXPECT_EQ(bob().get("/v1/tasks").status, 200);  // one bucket per principal
  EXPECT_EQ(c.get("/healthz").status, 200);       // outside /v1: not limited
  // Retry-After seconds later, on the server's clock, the bucket has a token again.
  server_->advance_clock(std::chrono::seconds(std::stoi(limited.header("Retry-After"))));
  EXPECT_EQ(c.get("/v1/tasks").status, 200);
}

TEST_F(Batches, every_authenticated_answer_under_v1_carries_the_rate_limit_headers) {
  start({"--rate-limit", "100/200"});
  auto c = alice();
  const std::int64_t latest = c.get("/v1/tasks").num("revision");
  auto answers = std::vector<std::pair<std::string, ApiResponse>>{
      {"long poll answered at its timeout", c.get("/v1/changes?since=" + std::to_string(latest) + "&wait=1")},
      {"404", c.get("/v1/tasks/no-such-task")},
      {"400", c.request("POST", "/v1/tasks", "{")},
      {"403", bob().get("/v1/users")},
  };
  const json::value task = {
      {"userId", "alice"}, {"taskTitle", "t"}, {"dueDate", "2099-12-01T17:00:00.000Z"}, {"warningOffset", 0}};
  answers.emplace_back("201", c.post("/v1/tasks", task, {{"Idempotency-Key", "rl-1"}}));
  answers.emplace_back("replay", c.post("/v1/tasks", task, {{"Idempotency-Key", "rl-1"}}));
  for (const auto& [what, r] : answers) {
    EXPECT_EQ(r.header("RateLimit-Policy"), "\"default\";q=100;w=1") << what;
    EXPECT_TRUE(r.header("RateLimit").starts_with("\"default\";r=")) << what << ": " << r.header("RateLimit");
  }
  EXPECT_EQ(answers.back().second.header("Idempotent-Replayed"), "true");
}

TEST_F(Batches, an_admin_only_route_answers_403_before_looking_at_the_body) {
  auto r = bob().request("POST", "/v1/users", "name=eve", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.str("code"), "FORBIDDEN");
  EXPECT_EQ(admin().request("POST", "/v1/users", "name=eve", {{"Content-Type", "text/plain"}}).status, 415);
}

TEST_F(Batches, past_the_connection_limit_new_connections_get_503_but_healthz_is_never_shed) {
  start({"--max-connections", "2"});
  auto a = alice();
  auto b = bob();
  ASSERT_EQ(a.get("/v1/tasks").status, 200);  // two connections held open
  ASSERT_EQ(b.get("/v1/tasks").status, 200);
  auto third = alice();
  auto shed = third.get("/v1/tasks");
  EXPECT_EQ(shed.status, 503);
  EXPECT_EQ(shed.str("code"), "OVERLOADED");
  EXPECT_NE(shed.header("X-Request-Id"), "-");
  EXPECT_EQ(anonymous().get("/healthz").status, 200);
}

TEST_F(Batches, overload_sheds_writes_fast_with_503_and_loses_nothing_acknowledged) {
  start({"--max-pending-writes", "2", "--rate-limit", "0"});
  constexpr int kWriters = 24, kEach = 10;
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<int> shed{0}, other{0};
  std::barrier go(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      ApiClient c(server_->port(), alice_token_);
      go.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        auto r = c.create_task();
        if (r.status == 201) {
          std::lock_guard lock(mu);
          acknowledged.push_back(r.str("taskId"));
        } else if (r.status == 503) {
          ++shed;
          EXPECT_EQ(r.str("code"), "OVERLOADED");
          EXPECT_FALSE(r.header("Retry-After").empty());
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(shed.load(), 0) << "offered load never exceeded the queue";
  auto c = alice();
  EXPECT_EQ(c.get("/healthz").status, 200);
  EXPECT_EQ(c.get("/readyz").status, 200);  // recovered once the load dropped
  ASSERT_FALSE(acknowledged.empty()) << "every write was shed: nothing acknowledged to check";
  for (const auto& id : acknowledged) EXPECT_EQ(c.get("/v1/tasks/" + id).status, 200) << id;
  EXPECT_EQ(c.get("/v1/tasks?limit=500").json.at("tasks").as_array().size(), acknowledged.size());  // and no shed one
  RecordProperty("shed", shed.load());
}

}  // namespace
}  // namespace lockstep::testing
