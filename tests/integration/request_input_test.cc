// What a request may hold (API.md §1), against the real binary: U+0000 is refused in every text
// field and names nothing in a path, on both stores (libpq reads C strings, so PostgreSQL would
// otherwise keep less than it acknowledged, or find task ID for `ID%00whatever`); a repeated
// member name is malformed in every body at any depth; every problem is valid JSON whatever bytes
// the request held.
#include <boost/json.hpp>

#include <string>
#include <vector>

#include "store_param.h"

namespace json = boost::json;

namespace lockstep::testing {
namespace {

class NulText : public StoreServerTest {};
LOCKSTEP_ON_BOTH_STORES(NulText);

std::string path_of(const ApiResponse& created) { return "/v1/tasks/" + created.str("taskId"); }

const std::string kDue = R"("dueDate":"2099-12-01T17:00:00.000Z","warningOffset":0)";

// Every field named by `r`'s errors.
std::vector<std::string> fields_of(const ApiResponse& r) {
  std::vector<std::string> out;
  if (const auto* errors = r.json.is_object() ? r.json.as_object().if_contains("errors") : nullptr) {
    for (const auto& e : errors->as_array()) out.emplace_back(e.at("field").as_string());
  }
  return out;
}

// The problem's code, or "" when the answer is not a problem.
std::string code_of(const ApiResponse& r) {
  const json::value* code = r.json.is_object() ? r.json.as_object().if_contains("code") : nullptr;
  return code && code->is_string() ? std::string(code->get_string()) : "";
}

void expect_refused(const ApiResponse& r, const std::string& field, const std::string& what) {
  EXPECT_EQ(r.status, 400) << what << ": " << r.raw.body;
  EXPECT_EQ(code_of(r), "VALIDATION_FAILED") << what;
  EXPECT_EQ(fields_of(r), std::vector<std::string>{field}) << what << ": " << r.raw.body;
}

TEST_P(NulText, text_holding_u0000_is_refused_naming_the_field_and_nothing_is_stored) {
  auto c = alice();
  auto task = c.create_task();
  ASSERT_EQ(task.status, 201);
  const std::string path = path_of(task);
  auto product = c.post("/v1/products", {{"name", "Widget"}, {"stock", 5}, {"price", 1.5}});
  ASSERT_EQ(product.status, 201);
  const std::string product_path = "/v1/products/" + product.str("productId");
  struct Case {
    const char* method;
    std::string target, body, field;
  };
  const Case cases[] = {
      {"POST", "/v1/tasks", R"({"userId":"alice","taskTitle":"\u0000hidden",)" + kDue + "}", "taskTitle"},
      {"POST", "/v1/tasks", R"({"userId":"alice","taskTitle":"t","taskDescription":"a\u0000b",)" + kDue + "}",
       "taskDescription"},
      {"POST", "/v1/tasks", R"({"userId":"al\u0000ice","taskTitle":"t",)" + kDue + "}", "userId"},
      {"PATCH", path, R"({"taskTitle":"cut\u0000"})", "taskTitle"},
      {"PUT", path, R"({"userId":"alice","taskTitle":"\u0000",)" + kDue + "}", "taskTitle"},
      {"PUT", "/v1/tasks/fresh-id", R"({"userId":"alice","taskTitle":"x\u0000y",)" + kDue + "}", "taskTitle"},
      {"POST", "/v1/tasks:batch",
       R"({"operations":[{"op":"update","taskId":")" + task.str("taskId") + R"(\u0000x","patch":{"taskTitle":"b"}}]})",
       "operations[0].taskId"},
      {"POST", "/v1/tasks:batch",
       R"({"operations":[{"op":"update","taskId":")" + task.str("taskId") + R"(","patch":{"taskTitle":"b\u0000"}}]})",
       "operations[0].patch.taskTitle"},
      {"POST", "/v1/tasks:batch",
       R"({"operations":[{"op":"create","task":{"userId":"alice","taskTitle":"\u0000",)" + kDue + "}}]}",
       "operations[0].task.taskTitle"},
      {"POST", "/v1/tasks:reassign", R"({"fromUserId":"alice\u0000","toUserId":"bob"})", "fromUserId"},
      {"POST", "/v1/products", R"({"name":"W\u0000","stock":1,"price":1})", "name"},
      {"PATCH", product_path, R"({"name":"\u0000"})", "name"},
      {"POST", path + "/lock", R"({"ttlSeconds":60,"x\u0000":1})", std::string("x\0", 2)},
  };
  for (const auto& k : cases) {
    expect_refused(c.request(k.method, k.target, k.body, {{"Content-Type", "application/json"}}), k.field,
                   std::string(k.method) + " " + k.target + " " + k.body);
  }
  expect_refused(
      admin().request("POST", "/v1/users", R"({"name":"eve\u0000"})", {{"Content-Type", "application/json"}}), "name",
      "POST /v1/users");
  // Every store kept what it had acknowledged, and nothing else.
  auto now = c.get(path);
  EXPECT_EQ(now.num("version"), 1);
  EXPECT_EQ(now.str("taskTitle"), task.str("taskTitle"));
  EXPECT_EQ(now.str("userId"), "alice");
  EXPECT_EQ(c.get("/v1/tasks/fresh-id").status, 404);
  EXPECT_EQ(c.get("/v1/tasks").json.at("tasks").as_array().size(), 1u);
  EXPECT_EQ(c.get(product_path).num("version"), 1);
  EXPECT_EQ(c.get("/v1/products").json.at("products").as_array().size(), 1u);
  EXPECT_EQ(c.get(path + "/lock").status, 404);
}

TEST_P(NulText, a_path_id_holding_u0000_names_nothing) {
  auto c = alice();
  auto task = c.create_task();
  ASSERT_EQ(task.status, 201);
  const std::string id = task.str("taskId");
  auto product = c.post("/v1/products", {{"name", "Widget"}, {"stock", 5}, {"price", 1.5}});
  ASSERT_EQ(product.status, 201);
  const std::string pid = product.str("productId");
  const std::string json = "application/json";
  struct Case {
    const char* method;
    std::string target, body;
  };
  const Case cases[] = {
      {"GET", "/v1/tasks/" + id + "%00whatever", ""},
      {"HEAD", "/v1/tasks/" + id + "%00", ""},
      {"PATCH", "/v1/tasks/" + id + "%00whatever", R"({"taskTitle":"through the back door"})"},
      {"PUT", "/v1/tasks/" + id + "%00x", R"({"userId":"alice","taskTitle":"x",)" + kDue + "}"},
      {"DELETE", "/v1/tasks/" + id + "%00x", ""},
      {"GET", "/v1/tasks/" + id + "%00x/versions", ""},
      {"POST", "/v1/tasks/" + id + "%00x/lock", ""},
      {"GET", "/v1/tasks/" + id + "%00x/lock", ""},
      {"GET", "/v1/products/" + pid + "%00x", ""},
      {"PATCH", "/v1/products/" + pid + "%00x", R"({"stock":0})"},
      {"POST", "/v1/products/" + pid + "%00x/purchase", R"({"quantity":1})"},
      {"DELETE", "/v1/products/" + pid + "%00x", ""},
  };
  for (const auto& k : cases) {
    HttpHeaders headers;
    if (!k.body.empty()) headers.emplace_back("Content-Type", json);
    auto r = c.request(k.method, k.target, k.body, headers);
    EXPECT_EQ(r.status, 404) << k.method << " " << k.target << ": " << r.raw.body;
  }
  EXPECT_EQ(admin().del("/v1/users/alice%00x").status, 404);
  EXPECT_EQ(c.get("/v1/tasks").status, 200);  // alice was not revoked
  auto now = c.get("/v1/tasks/" + id);
  EXPECT_EQ(now.num("version"), 1);
  EXPECT_EQ(now.str("taskTitle"), task.str("taskTitle"));
  EXPECT_EQ(c.get("/v1/tasks/" + id + "/lock").status, 404);
  EXPECT_EQ(c.get("/v1/products/" + pid).num("stock"), 5);
}

TEST_P(NulText, a_query_value_holding_u0000_is_refused_naming_the_parameter) {
  auto c = alice();
  auto task = c.create_task();
  ASSERT_EQ(task.status, 201);
  const std::string path = path_of(task);
  ASSERT_EQ(c.post(path + "/lock", {{"ttlSeconds", 600}}).status, 200);
  const std::pair<std::string, std::string> cases[] = {
      {"/v1/tasks?userId=alice%00x", "userId"},
      {"/v1/tasks?taskStatus=NOT_STARTED%00", "taskStatus"},
      {"/v1/tasks?dueBefore=2099-12-01T17:00:00.000Z%00", "dueBefore"},
      {"/v1/tasks?limit=5%00", "limit"},
      {"/v1/changes?since=0%00", "since"},
      {"/v1/products?pageToken=%00", "pageToken"},
      {path + "?x%00=1", std::string("x\0", 2)},  // a route that reads no query at all
  };
  for (const auto& [target, field] : cases) expect_refused(c.get(target), field, target);
  // Read as "not true", this would be a plain release of alice's lock by someone else.
  expect_refused(admin().del(path + "/lock?force=true%00"), "force", "force=true%00");
  EXPECT_EQ(c.get(path + "/lock").status, 200);
}

// API.md §1: an object that repeats a member name is malformed, in every object of every body.
using RepeatedMembers = ServerTest;

TEST_F(RepeatedMembers, a_repeated_member_name_is_malformed_in_every_body_at_any_depth) {
  auto c = alice();
  auto task = c.create_task();
  ASSERT_EQ(task.status, 201);
  const std::string path = path_of(task);
  const std::string id = task.str("taskId");
  auto product = c.post("/v1/products", {{"name", "Widget"}, {"stock", 5}, {"price", 1.5}});
  ASSERT_EQ(product.status, 201);
  const std::string product_path = "/v1/products/" + product.str("productId");
  struct Case {
    const char* method;
    std::string target, body;
  };
  const Case cases[] = {
      {"POST", "/v1/tasks", R"({"userId":"alice","taskTitle":"a",)" + kDue + R"(,"taskTitle":"b"})"},
      {"PATCH", path, R"({"taskTitle":"a","taskTitle":"b"})"},
      {"PUT", path, R"({"userId":"alice","taskTitle":"a","userId":"bob",)" + kDue + "}"},
      {"DELETE", path, R"({"expectedVersion":1,"expectedVersion":1})"},
      {"POST", "/v1/tasks:batch",
       R"({"operations":[{"op":"update","taskId":")" + id + R"(","patch":{"taskTitle":"a","taskTitle":"b"}}]})"},
      {"POST", "/v1/tasks:batch", R"({"operations":[{"op":"delete","taskId":")" + id + R"(","taskId":"other"}]})"},
      {"POST", "/v1/tasks:batch",
       R"({"atomic":false,"atomic":true,"operations":[{"op":"update","taskId":")" + id +
           R"(","patch":{"taskTitle":"a"}}]})"},
      {"POST", "/v1/tasks:reassign", R"({"fromUserId":"alice","toUserId":"bob","toUserId":"root"})"},
      {"POST", "/v1/products", R"({"name":"a","stock":1,"price":1,"stock":2})"},
      {"PATCH", product_path, R"({"stock":1,"stock":2})"},
      {"PATCH", product_path + "/stock", R"({"stock":1,"version":1,"stock":2})"},
      {"POST", product_path + "/purchase", R"({"quantity":1,"quantity":2})"},
      {"POST", path + "/lock", R"({"ttlSeconds":60,"ttlSeconds":1})"},
  };
  for (const auto& k : cases) {
    auto r = c.request(k.method, k.target, k.body, {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, 400) << k.method << " " << k.target << " " << k.body << ": " << r.raw.body;
    EXPECT_EQ(code_of(r), "MALFORMED_JSON") << k.body;
  }
  auto user = admin().request("POST", "/v1/users", R"({"name":"eve","name":"mallory"})",
                              {{"Content-Type", "application/json"}});
  EXPECT_EQ(user.status, 400);
  EXPECT_EQ(code_of(user), "MALFORMED_JSON");
  EXPECT_EQ(admin().get("/v1/users").json.at("users").as_array().size(), 3u);
  auto now = c.get(path);
  EXPECT_EQ(now.num("version"), 1);
  EXPECT_EQ(c.get("/v1/tasks").json.at("tasks").as_array().size(), 1u);
  EXPECT_EQ(c.get(product_path).num("version"), 1);
  EXPECT_EQ(c.get(path + "/lock").status, 404);
}

// API.md §1: every problem is valid JSON, whatever bytes of the request it quotes.
using HostileBytes = ServerTest;

TEST_F(HostileBytes, every_problem_is_valid_json_whatever_the_request_held) {
  const std::string auth = "Authorization: Bearer " + alice_token_ + "\r\n";
  const std::string admin_auth = "Authorization: Bearer " + admin_token_ + "\r\n";
  auto task = alice().create_task();
  ASSERT_EQ(task.status, 201);
  const std::string requests[] = {
      "PATCH /v1/tasks/" + task.str("taskId") +
          " HTTP/1.1\r\nLock-Token: 1\xFF\xFE\r\n"
          "Content-Type: application/json\r\nContent-Length: 2\r\n" +
          auth,
      "GET /v1/tasks/%FF%FE HTTP/1.1\r\n" + auth,
      "GET /v1/tasks/\xFF\xFE HTTP/1.1\r\n" + auth,
      "GET /v1/tasks/%C3 HTTP/1.1\r\n" + auth,
      "GET /v1/tasks/%ED%A0%80/lock HTTP/1.1\r\n" + auth,
      "DELETE /v1/tasks/%FF/lock HTTP/1.1\r\n" + auth,
      "PATCH /v1/tasks/%FF HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n" + auth,
      "GET /v1/products/%FF%22%5C HTTP/1.1\r\n" + auth,
      "DELETE /v1/users/%FF HTTP/1.1\r\n" + admin_auth,
      "GET /v1/%FF%FE HTTP/1.1\r\n" + auth,
      "GET /%FF%FE HTTP/1.1\r\n",
      "GET /v1/tasks?%FF%FE=1 HTTP/1.1\r\n" + auth,
      "GET /v1/tasks?userId=%FF HTTP/1.1\r\n" + auth,
      "GET /v1/tasks?pageToken=%FF&limit=%C3 HTTP/1.1\r\n" + auth,
      "GET /v1/changes?since=%FF&%C3%28=1 HTTP/1.1\r\n" + auth,
      "GET /v1/tasks?%00%FF=%00 HTTP/1.1\r\n" + auth,
      "GET /v1/tasks/%25%FF HTTP/1.1\r\n",
      "GET /v1/tasks HTTP/1.1\r\nAuthorization: Bearer \xFF\xFE\r\n",
      "GET /v1/tasks/x HTTP/1.1\r\nIf-Match: \"\xFF\r\n" + auth,
      "PATCH /v1/tasks/x HTTP/1.1\r\nIdempotency-Key: \xFF\xFE\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\n" +
          auth,
      "PATCH /v1/tasks/x HTTP/1.1\r\nContent-Type: \xFF\r\nContent-Length: 2\r\n" + auth,
      "GET /v1/tasks/%FF HTTP/1.1\r\nX-Request-Id: \xFF\xFE\r\n" + auth,
      "POST /v1/tasks HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 4\r\n" + auth,
  };
  for (const auto& head : requests) {
    HttpConnection conn("127.0.0.1", server_->port());
    std::string bytes = head + "Host: x\r\n\r\n";
    if (head.find("Content-Length: 2") != std::string::npos) bytes += "{}";
    if (head.find("Content-Length: 4") != std::string::npos) bytes += "\"\xFF\xFE\"";
    auto r = conn.raw(bytes);
    EXPECT_GE(r.status, 400) << head;
    EXPECT_EQ(r.header("Content-Type").value_or(""), "application/problem+json") << head;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);  // strict: invalid UTF-8 is an error
    ASSERT_FALSE(ec) << head << " -> " << r.status << " " << r.body;
    EXPECT_EQ(v.at("status").to_number<int>(), r.status) << head;
  }
  EXPECT_EQ(alice().get("/healthz").status, 200);
}

}  // namespace
}  // namespace lockstep::testing
