// Operating lockstepd (API.md §10): /openapi.json describes what the server really does, /metrics
// counts it, /healthz and /readyz, graceful stop, backup; no token or database password is kept
// or shown anywhere (API.md §2).
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "fixture.h"
#include "schema_check.h"
#include "sse_reader.h"
#include "store_param.h"

namespace json = boost::json;

namespace lockstep::testing {
namespace {

using Operations = ServerTest;

json::value openapi(ApiClient& c) {
  auto r = c.get("/openapi.json");
  EXPECT_EQ(r.status, 200);
  return r.json;
}

// Checks a real answer against the schema documented for it.
void expect_matches(const json::value& doc, const std::string& schema, const ApiResponse& r) {
  auto problems = schema_problems(doc, component(doc, schema), r.json);
  EXPECT_TRUE(problems.empty()) << schema << ":\n"
                                << [&] {
                                     std::string all;
                                     for (const auto& p : problems) all += p + "\n";
                                     return all + r.raw.body;
                                   }();
}

TEST_F(Operations, openapi_is_served_and_equals_the_document_in_the_repository) {
  auto c = anonymous();
  auto served = c.get("/openapi.json");
  ASSERT_EQ(served.status, 200);
  std::ifstream in(LOCKSTEP_SOURCE_DIR "/docs/openapi.json");
  std::stringstream file;
  file << in.rdbuf();
  EXPECT_EQ(served.json, json::parse(file.str()));
  EXPECT_EQ(served.json.at("openapi").as_string(), "3.1.0");
}

// Checks a real answer against the operation METHOD PATH of the document: a documented status,
// Content-Type and schema.
void expect_documented(const json::value& doc, const std::string& method, const std::string& path,
                       const ApiResponse& r) {
  auto problems = answer_problems(doc, method, path, r.status, r.header("Content-Type"), r.json);
  EXPECT_TRUE(problems.empty()) << [&] {
    std::string all;
    for (const auto& p : problems) all += p + "\n";
    return all + r.raw.body;
  }();
}

TEST_F(Operations, task_lock_batch_and_feed_answers_match_their_documented_schemas) {
  auto a = alice();
  auto doc = openapi(a);
  auto task = a.create_task();
  expect_matches(doc, "Task", task);
  expect_documented(doc, "POST", "/v1/tasks", task);
  const std::string id = task.str("taskId"), path = "/v1/tasks/" + id, item = "/v1/tasks/{id}";
  expect_documented(doc, "GET", "/v1/tasks", a.get("/v1/tasks"));
  expect_documented(doc, "GET", "/v1/tasks", a.get("/v1/tasks?userId=alice&taskStatus=NOT_STARTED&limit=1"));
  expect_documented(doc, "GET", "/v1/tasks", a.get("/v1/tasks?limit=0"));
  expect_documented(doc, "PATCH", item, a.patch(path, {{"warningOffset", 1}}, {{"If-Match", "\"0-0\""}}));
  expect_documented(doc, "POST", "/v1/tasks", a.post("/v1/tasks", {{"taskTitle", 5}}));
  expect_documented(doc, "GET", item, a.get("/v1/tasks/nope"));
  expect_documented(doc, "GET", item + "/lock", a.get(path + "/lock"));                           // 404: not locked
  expect_documented(doc, "POST", item + "/lock", a.post("/v1/tasks/nope/lock", json::object{}));  // 404: no task
  auto lock = a.post(path + "/lock", json::object{});
  expect_documented(doc, "POST", item + "/lock", lock);
  expect_documented(doc, "GET", item + "/lock", a.get(path + "/lock"));
  expect_documented(doc, "GET", item, a.get(path));                                  // with its lock
  expect_documented(doc, "PATCH", item, bob().patch(path, {{"warningOffset", 1}}));  // 423
  expect_documented(doc, "DELETE", item + "/lock", a.del(path + "/lock"));
  expect_documented(doc, "PATCH", item, a.patch(path, {{"taskStatus", "BLOCKED"}}));
  expect_documented(doc, "GET", "/v1/changes", a.get("/v1/changes?since=0"));
  expect_documented(doc, "GET", "/v1/changes", a.get("/v1/changes?since=999"));
  expect_documented(doc, "GET", item + "/versions", a.get(path + "/versions"));
  const json::value missing = json::object{{"op", "delete"}, {"taskId", "nope"}};
  expect_documented(doc, "POST", "/v1/tasks:batch",
                    a.post("/v1/tasks:batch", {{"atomic", false}, {"operations", json::array{missing}}}));
  auto aborted = a.post("/v1/tasks:batch", {{"atomic", true}, {"operations", json::array{missing}}});
  EXPECT_EQ(aborted.status, 409);
  expect_documented(doc, "POST", "/v1/tasks:batch", aborted);
  auto moved = a.post("/v1/tasks:reassign", {{"fromUserId", "alice"}, {"toUserId", "bob"}});
  EXPECT_EQ(moved.status, 200);
  expect_documented(doc, "POST", "/v1/tasks:reassign", moved);
  expect_documented(doc, "DELETE", item, a.del(path));
}

TEST_F(Operations, product_answers_match_their_documented_schemas) {
  auto a = alice();
  auto doc = openapi(a);
  auto product = a.post("/v1/products", {{"name", "P"}, {"stock", 1}, {"price", 2}});
  expect_matches(doc, "Product", product);
  expect_documented(doc, "POST", "/v1/products", product);
  const std::string path = "/v1/products/" + product.str("productId"), item = "/v1/products/{id}";
  expect_documented(doc, "GET", "/v1/products", a.get("/v1/products"));
  expect_documented(doc, "GET", item, a.get(path));
  auto stock = a.patch(path + "/stock", {{"stock", 3}, {"version", 1}});
  EXPECT_EQ(stock.status, 200);
  expect_documented(doc, "PATCH", item + "/stock", stock);
  expect_documented(doc, "PATCH", item + "/stock", a.patch(path + "/stock", {{"stock", 3}, {"version", 1}}));  // 409
  expect_documented(doc, "PATCH", item + "/stock", a.patch(path + "/stock", {{"stock", 3}}));                  // 400
  auto bought = a.post(path + "/purchase", {{"quantity", 2}});
  EXPECT_EQ(bought.status, 200);
  expect_documented(doc, "POST", item + "/purchase", bought);
  auto out = a.post(path + "/purchase", {{"quantity", 5}});
  EXPECT_EQ(out.status, 409);
  expect_documented(doc, "POST", item + "/purchase", out);
  expect_documented(doc, "PATCH", item, a.patch(path, {{"price", 3}}, {{"If-Match", product.header("ETag")}}));  // 412
  expect_documented(doc, "PATCH", item, a.patch(path, {{"price", 3}}));
  expect_documented(doc, "DELETE", item, a.del(path));
  expect_documented(doc, "GET", item, a.get(path));  // 404
}

TEST_F(Operations, me_names_the_token_s_own_user_and_role_for_every_user) {
  auto me = alice().get("/v1/me");
  ASSERT_EQ(me.status, 200) << me.raw.body;
  EXPECT_EQ(me.str("name"), "alice");
  EXPECT_EQ(me.str("role"), "user");
  auto root = admin().get("/v1/me");
  ASSERT_EQ(root.status, 200) << root.raw.body;
  EXPECT_EQ(root.str("role"), "admin");
  EXPECT_EQ(anonymous().get("/v1/me").status, 401);
}

TEST_F(Operations, user_and_operations_answers_match_their_documented_schemas) {
  auto root = admin();
  auto doc = openapi(root);
  expect_documented(doc, "GET", "/v1/users", root.get("/v1/users"));
  expect_documented(doc, "GET", "/v1/users", alice().get("/v1/users"));  // 403
  auto made = root.post("/v1/users", {{"name", "dora"}});
  EXPECT_EQ(made.status, 201);
  expect_documented(doc, "POST", "/v1/users", made);
  expect_documented(doc, "POST", "/v1/users", root.post("/v1/users", {{"name", "dora"}}));  // 409
  expect_documented(doc, "DELETE", "/v1/users/{name}", root.del("/v1/users/dora"));
  expect_documented(doc, "DELETE", "/v1/users/{name}", root.del("/v1/users/nobody"));
  expect_documented(doc, "GET", "/v1/me", root.get("/v1/me"));
  auto c = anonymous();
  expect_documented(doc, "GET", "/healthz", c.get("/healthz"));
  expect_documented(doc, "GET", "/readyz", c.get("/readyz"));
  expect_documented(doc, "GET", "/metrics", c.get("/metrics"));  // 401
  expect_documented(doc, "GET", "/metrics", root.get("/metrics"));
  expect_documented(doc, "GET", "/v1/tasks", c.get("/v1/tasks"));  // 401
}

// The value of one series of /metrics, e.g. `lockstep_purchases_total{outcome="purchased"}`; 0 when absent.
double metric(ApiClient& c, const std::string& series) {
  auto body = c.get("/metrics").raw.body;
  auto pos = body.find("\n" + series + " ");
  return pos == std::string::npos ? 0 : std::stod(body.substr(pos + series.size() + 2));
}

// Waits (boundedly) until a gauge shows `value`: a readiness probe for "the request is parked now".
void wait_for_metric(ApiClient& c, const std::string& series, double value) {
  for (int i = 0; i < 2000 && metric(c, series) != value; ++i) std::this_thread::yield();
  ASSERT_EQ(metric(c, series), value) << series;
}

TEST_F(Operations, metrics_have_prometheus_names_and_counters_move) {
  auto a = alice();
  auto count = [&](const std::string& series) { return metric(a, series); };
  auto m = a.get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_TRUE(m.header("Content-Type").starts_with("text/plain"));
  for (const char* name :
       {"# TYPE lockstep_http_requests_total counter", "# TYPE lockstep_http_request_duration_seconds histogram",
        "# TYPE lockstep_commit_duration_seconds histogram", "# TYPE lockstep_commit_group_size histogram",
        "# TYPE lockstep_locks_held gauge", "# TYPE lockstep_idempotent_replays_total counter",
        "# TYPE lockstep_purchases_total counter", "# TYPE lockstep_batches_total counter",
        "# TYPE lockstep_change_followers gauge", "# TYPE lockstep_event_streams gauge",
        "# TYPE lockstep_lock_wait_seconds histogram"}) {
    EXPECT_NE(m.raw.body.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(anonymous().get("/metrics").status, 401);

  auto task = a.create_task();
  const std::string created = "lockstep_http_requests_total{route=\"/v1/tasks\",method=\"POST\",status=\"201\"}";
  double before = count(created);
  a.create_task();
  EXPECT_EQ(count(created), before + 1);
  const std::string stale = "lockstep_conflicts_total{route=\"/v1/tasks/{id}\",code=\"PRECONDITION_FAILED\"}";
  double stale_before = count(stale);
  a.patch("/v1/tasks/" + task.str("taskId"), {{"warningOffset", 1}}, {{"If-Match", "\"0-0\""}});
  EXPECT_EQ(count(stale), stale_before + 1);
  a.post("/v1/tasks/" + task.str("taskId") + "/lock", json::object{});
  EXPECT_EQ(count("lockstep_locks_held"), 1);
  bob().patch("/v1/tasks/" + task.str("taskId"), {{"warningOffset", 1}});
  EXPECT_EQ(count("lockstep_locked_total{route=\"/v1/tasks/{id}\"}"), 1);
  double replays = count("lockstep_idempotent_replays_total");
  for (int i = 0; i < 2; ++i) a.request("POST", "/v1/tasks", "{}", {{"Idempotency-Key", "metrics-1"}});
  EXPECT_EQ(count("lockstep_idempotent_replays_total"), replays + 1);
  EXPECT_GT(count("lockstep_commit_group_size_count"), 0);
}

TEST_F(Operations, metrics_count_purchases_batches_merges_and_lock_waits_once_each) {
  auto a = alice();
  const std::string bought = "lockstep_purchases_total{outcome=\"purchased\"}";
  const std::string sold_out = "lockstep_purchases_total{outcome=\"out_of_stock\"}";
  auto product = a.post("/v1/products", {{"name", "P"}, {"stock", 1}, {"price", 2}});
  const std::string buy = "/v1/products/" + product.str("productId") + "/purchase";
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(a.request("POST", buy, R"({"quantity":1})", {{"Idempotency-Key", "buy-1"}}).status, 200);
  EXPECT_EQ(metric(a, bought), 1);  // the replay is not a second purchase
  EXPECT_EQ(a.post(buy, {{"quantity", 1}}).status, 409);
  EXPECT_EQ(metric(a, sold_out), 1);

  const json::value create = json::object{
      {"op", "create"},
      {"task",
       {{"userId", "alice"}, {"taskTitle", "B"}, {"dueDate", "2099-01-01T00:00:00.000Z"}, {"warningOffset", 0}}}};
  const json::value missing = json::object{{"op", "delete"}, {"taskId", "nope"}};
  auto applied = a.post("/v1/tasks:batch", {{"operations", json::array{create}}});
  EXPECT_EQ(applied.status, 200) << applied.raw.body;
  EXPECT_EQ(a.post("/v1/tasks:batch", {{"operations", json::array{create, missing}}}).status, 409);
  EXPECT_EQ(a.post("/v1/tasks:batch", {{"atomic", false}, {"operations", json::array{create, missing}}}).status, 200);
  for (const char* outcome : {"applied", "aborted", "independent"}) {
    EXPECT_EQ(metric(a, std::string("lockstep_batches_total{outcome=\"") + outcome + "\"}"), 1) << outcome;
  }

  auto task = a.create_task();
  const std::string path = "/v1/tasks/" + task.str("taskId"), base = task.header("ETag");
  ASSERT_EQ(a.patch(path, {{"taskTitle", "theirs"}}).status, 200);
  auto merged = bob().patch(path, {{"warningOffset", 45}}, {{"Prefer", "conflict=merge"}, {"If-Match", base}});
  ASSERT_EQ(merged.header("Preference-Applied"), "conflict=merge");
  EXPECT_EQ(metric(a, "lockstep_merges_total"), 1);

  ASSERT_EQ(a.post(path + "/lock", {{"ttlSeconds", 300}}).status, 200);
  ApiResponse got;
  std::thread waiter([&] { got = bob().post(path + "/lock", {{"ttlSeconds", 30}, {"waitSeconds", 20}}); });
  wait_for_metric(a, "lockstep_lock_waiters", 1);
  EXPECT_EQ(metric(a, "lockstep_change_followers"), 0);  // a lock waiter is not a follower
  ASSERT_EQ(a.del(path + "/lock").status, 204);
  waiter.join();
  EXPECT_EQ(got.status, 200) << got.raw.body;
  EXPECT_EQ(metric(a, "lockstep_lock_wait_seconds_count"), 1);
  EXPECT_GT(metric(a, "lockstep_lock_wait_seconds_sum"), 0);
}

TEST_F(Operations, metrics_show_parked_followers_event_streams_and_the_oldest_revision) {
  start({"--retain-changes", "2"});
  auto a = alice();
  for (int i = 0; i < 4; ++i) a.create_task();
  EXPECT_EQ(metric(a, "lockstep_oldest_revision"), 3);
  ApiResponse polled;
  std::thread follower([&] { polled = alice().get("/v1/changes?since=4&wait=20"); });
  wait_for_metric(a, "lockstep_change_followers", 1);
  EXPECT_EQ(metric(a, "lockstep_lock_waiters"), 0);
  {
    SseReader stream(server_->port(), "/v1/changes/stream", alice_token_);
    wait_for_metric(a, "lockstep_event_streams", 1);
    a.create_task();
    follower.join();
    EXPECT_EQ(polled.status, 200);
    EXPECT_TRUE(stream.next(std::chrono::seconds(5)).has_value());
    EXPECT_EQ(metric(a, "lockstep_change_followers"), 0);
  }
}

TEST_F(Operations, metrics_count_rate_limited_and_shed_requests) {
  start({"--rate-limit", "1/1"});
  auto a = alice();
  int refused = 0;
  for (int i = 0; i < 3; ++i) refused += a.get("/v1/tasks").status == 429;
  EXPECT_GE(refused, 1);
  EXPECT_EQ(metric(a, "lockstep_rate_limited_total"), refused);  // /metrics takes no token
  start({"--max-pending-writes", "0", "--rate-limit", "0"});     // every write is shed
  auto b = alice();
  EXPECT_EQ(b.create_task().status, 503);
  EXPECT_EQ(metric(b, "lockstep_shed_total"), 1);
  EXPECT_EQ(metric(b, "lockstep_http_requests_total{route=\"/v1/tasks\",method=\"POST\",status=\"503\"}"), 1);
}

TEST_F(Operations, health_readiness_and_a_graceful_stop) {
  auto c = anonymous();
  EXPECT_EQ(c.get("/healthz").status, 200);
  for (const char* path : {"/healthz", "/readyz", "/metrics", "/openapi.json"}) {
    auto post = c.request("POST", path, "{}");
    EXPECT_EQ(post.status, 405) << path;
    EXPECT_EQ(post.header("Allow"), "GET, HEAD") << path;
  }
  auto ready = c.get("/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.json.at("status").as_string(), "ready");
  EXPECT_EQ(server_->terminate(), 0);
  bool stopped = false;
  for (const auto& line : server_->log_lines())
    stopped = stopped || line.find("\"msg\":\"stopped\"") != std::string::npos;
  EXPECT_TRUE(stopped);
}

TEST_F(Operations, a_graceful_stop_answers_a_parked_long_poll_at_once) {
  auto watcher = alice();
  const std::int64_t latest = watcher.get("/v1/tasks").num("revision");
  std::optional<ApiResponse> answer;
  std::thread poll([&] { answer = watcher.get("/v1/changes?since=" + std::to_string(latest) + "&wait=30"); });
  auto probe = alice();
  wait_for_metric(probe, "lockstep_change_followers", 1);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(server_->terminate(), 0);
  const auto took = std::chrono::steady_clock::now() - started;
  poll.join();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200);
  EXPECT_TRUE(answer->json.at("changes").as_array().empty());
  // Not the 10 s shutdown grace of an answer that was never sent, nor the poll's 30 s.
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(Operations, online_backup_and_restore_keep_every_task_and_etag) {
  auto a = alice();
  auto task = a.create_task();
  const std::string backup = dir_.file("backup.db");
  auto made = run_lockstepd({"backup", backup, "--db", db_});
  ASSERT_EQ(made.status, 0) << made.err;  // while the server runs
  // Restoring under a running server is refused; into a fresh file it works.
  auto busy = run_lockstepd({"restore", backup, "--db", db_});
  EXPECT_NE(busy.status, 0);
  const std::string restored = dir_.file("restored.db");
  auto ok = run_lockstepd({"restore", backup, "--db", restored});
  ASSERT_EQ(ok.status, 0) << ok.err;
  ServerProcess second(restored);
  auto g = ApiClient(second.port(), alice_token_).get("/v1/tasks/" + task.str("taskId"));
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(g.header("ETag"), task.header("ETag"));
  auto junk = dir_.file("junk.txt");
  std::ofstream(junk) << "not a database";
  EXPECT_NE(run_lockstepd({"restore", junk, "--db", dir_.file("x.db")}).status, 0);
}

TEST_F(Operations, every_request_is_one_structured_log_line) {
  auto a = alice();
  a.get("/v1/tasks", {{"X-Request-Id", "log-me-1"}});
  EXPECT_TRUE(server_->wait_for_line(
      [](const std::string& l) {
        if (l.find("log-me-1") == std::string::npos) return false;
        auto j = json::parse(l);
        return j.at("principal").as_string() == "alice" && j.at("route").as_string() == "/v1/tasks" &&
               j.at("status").as_int64() == 200 && j.at("method").as_string() == "GET" &&
               j.as_object().contains("latencyUs") && j.as_object().contains("time");
      },
      std::chrono::seconds(5)));
}

using Secrets = StoreServerTest;
LOCKSTEP_ON_BOTH_STORES(Secrets);

// Everything a file holds, as bytes ("" when it does not exist).
std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST_P(Secrets, a_new_token_is_in_its_answer_only_not_in_the_store_a_backup_or_a_replay) {
  auto root = admin();
  const std::string body = R"({"name":"dora"})";
  auto made = root.request("POST", "/v1/users", body, {{"Idempotency-Key", "make-dora"}});
  ASSERT_EQ(made.status, 201) << made.raw.body;
  const std::string token = made.str("token");
  ASSERT_TRUE(token.starts_with("lst_")) << token;
  EXPECT_EQ(ApiClient(server_->port(), token).get("/v1/tasks").status, 200);

  auto replayed = root.request("POST", "/v1/users", body, {{"Idempotency-Key", "make-dora"}});
  EXPECT_EQ(replayed.status, 201);
  EXPECT_EQ(replayed.header("Idempotent-Replayed"), "true");
  EXPECT_TRUE(replayed.json.at("token").is_null()) << replayed.raw.body;
  EXPECT_EQ(replayed.str("name"), "dora");
  EXPECT_EQ(replayed.header("Location"), made.header("Location"));
  expect_documented(openapi(root), "POST", "/v1/users", replayed);

  if (GetParam() == "sqlite") {
    // Every byte of the database, its write-ahead log and a backup of it.
    const std::string backup = dir_.file("backup.db");
    auto backed_up = run_lockstepd({"backup", backup, "--db", db_});
    ASSERT_EQ(backed_up.status, 0) << backed_up.err;
    for (const auto& file : {db_, db_ + "-wal", backup})
      EXPECT_EQ(file_bytes(file).find(token), std::string::npos) << file;
  } else {
    // The stored answer is there, without the token (exec throws on the exception raised).
    EXPECT_NO_THROW(PgServer::shared().exec(db_.substr(db_.rfind('/') + 1), R"sql(
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM idempotency WHERE key = 'make-dora') THEN RAISE 'no stored answer'; END IF;
        IF EXISTS (SELECT 1 FROM idempotency WHERE strpos(response, ')sql" + token +
                                                                                R"sql(') > 0) THEN
          RAISE 'the token is kept';
        END IF;
      END $$)sql"));
  }
  for (const auto& line : server_->log_lines()) EXPECT_EQ(line.find(token), std::string::npos) << line;
}

TEST_P(Secrets, a_database_password_in_any_form_never_reaches_the_log_or_a_message) {
  // A URL with a password in both places libpq reads one; a key=value connection string (which
  // lockstepd takes for a SQLite file name, and shows all the same).
  const std::string db =
      GetParam() == "postgres"
          ? "postgresql://lockstep:hunter1@" + db_.substr(db_.find('@') + 1) + "?password=hunter2&sslpassword=hunter3"
          : dir_.file("host=localhost password='hunter 4' sslpassword=hunter5 dbname=x");
  auto added = run_lockstepd({"user", "add", "erin", "--create", "--db", db});
  EXPECT_EQ(added.status, 0) << added.err;
  EXPECT_EQ((added.out + added.err).find("hunter"), std::string::npos) << added.out << added.err;
  std::string shown;
  {
    ServerProcess node(db);
    for (const auto& line : node.log_lines()) {
      EXPECT_EQ(line.find("hunter"), std::string::npos) << line;
      if (line.find("\"listening\"") != std::string::npos) shown = std::string(json::parse(line).at("db").as_string());
    }
    EXPECT_EQ(ApiClient(node.port(), admin_token_).get("/v1/tasks").status, GetParam() == "postgres" ? 200 : 401);
  }
  EXPECT_NE(shown.find("***"), std::string::npos) << shown;
  if (GetParam() == "sqlite") {
    ServerProcess busy(db);  // a message that names the database: one server per file
    auto second = run_lockstepd({"serve", "--listen", "127.0.0.1:0", "--db", db});
    EXPECT_EQ(second.status, 1);
    EXPECT_NE(second.err.find("another lockstepd"), std::string::npos) << second.err;
    EXPECT_EQ(second.err.find("hunter"), std::string::npos) << second.err;
  }
}

}  // namespace
}  // namespace lockstep::testing
