// Operating lockstepd (API.md §10): /openapi.json describes what the server really does, /metrics
// counts it, /healthz and /readyz, graceful stop, backup.
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "fixture.h"
#include "schema_check.h"

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
  EXPECT_TRUE(problems.empty()) << schema << ":\n" << [&] {
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

TEST_F(Operations, real_answers_match_their_documented_schemas) {
  auto a = alice();
  auto doc = openapi(a);
  auto task = a.create_task();
  expect_matches(doc, "Task", task);
  const std::string path = "/v1/tasks/" + task.str("taskId");
  expect_matches(doc, "TaskPage", a.get("/v1/tasks"));
  expect_matches(doc, "Problem", a.patch(path, {{"warningOffset", 1}}, {{"If-Match", "\"0-0\""}}));
  expect_matches(doc, "Problem", a.post("/v1/tasks", {{"taskTitle", 5}}));
  auto lock = a.post(path + "/lock", json::object{});
  expect_matches(doc, "Lock", lock);
  expect_matches(doc, "Task", a.get(path));  // with its lock
  expect_matches(doc, "Problem", bob().patch(path, {{"warningOffset", 1}}));
  a.del(path + "/lock");
  a.patch(path, {{"taskStatus", "BLOCKED"}});
  expect_matches(doc, "ChangePage", a.get("/v1/changes?since=0"));
  expect_matches(doc, "Versions", a.get(path + "/versions"));
  expect_matches(doc, "BatchResults",
                 a.post("/v1/tasks:batch", {{"atomic", false},
                                            {"operations", json::array{json::object{{"op", "delete"}, {"taskId", "nope"}}}}}));
  auto product = a.post("/v1/products", {{"name", "P"}, {"stock", 1}, {"price", 2}});
  expect_matches(doc, "Product", product);
  expect_matches(doc, "Problem",
                 a.post("/v1/products/" + product.str("productId") + "/purchase", {{"quantity", 5}}));
  expect_matches(doc, "Problem", a.get("/v1/changes?since=999"));
}

TEST_F(Operations, metrics_have_prometheus_names_and_counters_move) {
  auto a = alice();
  auto count = [&](const std::string& series) -> long {
    auto body = a.get("/metrics").raw.body;
    auto pos = body.find("\n" + series + " ");
    return pos == std::string::npos ? 0 : std::stol(body.substr(pos + series.size() + 2));
  };
  auto m = a.get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_TRUE(m.header("Content-Type").starts_with("text/plain"));
  for (const char* name : {"# TYPE lockstep_http_requests_total counter", "# TYPE lockstep_http_request_duration_seconds histogram",
                           "# TYPE lockstep_commit_duration_seconds histogram", "# TYPE lockstep_commit_group_size histogram",
                           "# TYPE lockstep_locks_held gauge", "# TYPE lockstep_idempotent_replays_total counter"}) {
    EXPECT_NE(m.raw.body.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(anonymous().get("/metrics").status, 401);

  auto task = a.create_task();
  const std::string created = "lockstep_http_requests_total{route=\"/v1/tasks\",method=\"POST\",status=\"201\"}";
  long before = count(created);
  a.create_task();
  EXPECT_EQ(count(created), before + 1);
  const std::string stale = "lockstep_conflicts_total{route=\"/v1/tasks/{id}\",code=\"PRECONDITION_FAILED\"}";
  long stale_before = count(stale);
  a.patch("/v1/tasks/" + task.str("taskId"), {{"warningOffset", 1}}, {{"If-Match", "\"0-0\""}});
  EXPECT_EQ(count(stale), stale_before + 1);
  a.post("/v1/tasks/" + task.str("taskId") + "/lock", json::object{});
  EXPECT_EQ(count("lockstep_locks_held"), 1);
  bob().patch("/v1/tasks/" + task.str("taskId"), {{"warningOffset", 1}});
  EXPECT_EQ(count("lockstep_locked_total{route=\"/v1/tasks/{id}\"}"), 1);
  long replays = count("lockstep_idempotent_replays_total");
  for (int i = 0; i < 2; ++i) a.request("POST", "/v1/tasks", "{}", {{"Idempotency-Key", "metrics-1"}});
  EXPECT_EQ(count("lockstep_idempotent_replays_total"), replays + 1);
  EXPECT_GT(count("lockstep_commit_group_size_count"), 0);
}

TEST_F(Operations, health_readiness_and_a_graceful_stop) {
  auto c = anonymous();
  EXPECT_EQ(c.get("/healthz").status, 200);
  auto ready = c.get("/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.json.at("status").as_string(), "ready");
  EXPECT_EQ(server_->terminate(), 0);
  bool stopped = false;
  for (const auto& line : server_->log_lines()) stopped = stopped || line.find("\"msg\":\"stopped\"") != std::string::npos;
  EXPECT_TRUE(stopped);
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

}  // namespace
}  // namespace lockstep::testing
