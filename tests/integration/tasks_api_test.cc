// The Tasks API of API.md §1-4 against the real lockstepd binary.
#include <boost/json.hpp>

#include "fixture.h"

namespace json = boost::json;

namespace lockstep::testing {
namespace {

using TasksApi = ServerTest;

std::string task_path(const ApiResponse& created) { return "/v1/tasks/" + created.str("taskId"); }

TEST_F(TasksApi, create_returns_201_location_etag_and_version_1) {
  auto c = alice();
  auto r = c.create_task();
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_EQ(r.header("Location"), task_path(r));
  EXPECT_EQ(r.header("ETag"), r.str("eTag"));
  EXPECT_FALSE(r.header("Date").empty());  // RFC 9110 §6.6.1
  EXPECT_EQ(r.num("version"), 1);
  EXPECT_EQ(r.str("updatedBy"), "alice");
  EXPECT_EQ(r.str("taskStatus"), "NOT_STARTED");
  EXPECT_EQ(r.str("taskDescription"), "");
  EXPECT_TRUE(r.json.at("lock").is_null());
  EXPECT_EQ(r.str("taskId").size(), 26u);

  auto g = c.get(task_path(r));
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(g.header("ETag"), r.header("ETag"));
  EXPECT_EQ(g.json, r.json);
}

TEST_F(TasksApi, requests_without_a_valid_token_are_401_with_www_authenticate) {
  auto c = anonymous();
  auto r = c.get("/v1/tasks");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer realm=\"lockstep\"");
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(r.str("code"), "UNAUTHENTICATED");
  EXPECT_FALSE(r.json.at("retryable").as_bool());

  auto wrong = c.request("POST", "/v1/tasks", "{}", {{"Authorization", "Bearer lst_nope"}});
  EXPECT_EQ(wrong.status, 401);
  // 401 comes before 415 (API.md §1 order).
  auto no_type = c.request("POST", "/v1/tasks", "x", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(no_type.status, 401);
  EXPECT_EQ(c.get("/healthz").status, 200);
}

TEST_F(TasksApi, every_response_carries_a_request_id_echoed_when_valid) {
  auto c = alice();
  auto echoed = c.get("/v1/tasks", {{"X-Request-Id", "trace-42"}});
  EXPECT_EQ(echoed.header("X-Request-Id"), "trace-42");
  auto made = c.get("/v1/tasks", {{"X-Request-Id", std::string(129, 'x')}});
  EXPECT_NE(made.header("X-Request-Id"), std::string(129, 'x'));
  EXPECT_FALSE(made.header("X-Request-Id").empty());
}

TEST_F(TasksApi, wrong_content_type_is_415_and_malformed_json_400) {
  auto c = alice();
  auto r = c.request("POST", "/v1/tasks", "{}", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.str("code"), "UNSUPPORTED_MEDIA_TYPE");
  auto bad = c.request("POST", "/v1/tasks", "{\"userId\": ");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.str("code"), "MALFORMED_JSON");
  auto utf8 = c.request("POST", "/v1/tasks", "{\"userId\":\"a\",\"taskTitle\":\"\xC3\x28\"}");
  EXPECT_EQ(utf8.status, 400);
  EXPECT_EQ(utf8.str("code"), "MALFORMED_JSON");
  auto created = c.create_task();
  auto merge = c.request("PATCH", task_path(created), "{\"taskTitle\":\"x\"}",
                         {{"Content-Type", "application/merge-patch+json"}});
  EXPECT_EQ(merge.status, 200) << merge.raw.body;
}

TEST_F(TasksApi, validation_reports_all_field_errors_together) {
  auto c = alice();
  auto r = c.post("/v1/tasks", {{"taskTitle", std::string(81, 't')}, {"warningOffset", "5"}, {"owner", "x"}});
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.str("code"), "VALIDATION_FAILED");
  std::set<std::string> fields;
  for (const auto& e : r.json.at("errors").as_array()) fields.insert(std::string(e.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"taskTitle", "warningOffset", "owner", "userId", "dueDate"}));
}

TEST_F(TasksApi, stale_if_match_returns_412_with_current_and_changes_nothing) {
  auto c = alice();
  auto created = c.create_task();
  std::string etag1 = created.header("ETag");
  auto p = c.patch(task_path(created), {{"taskStatus", "BLOCKED"}}, {{"If-Match", etag1}});
  ASSERT_EQ(p.status, 200) << p.raw.body;
  EXPECT_EQ(p.num("version"), 2);
  EXPECT_NE(p.header("ETag"), etag1);

  auto stale = c.patch(task_path(created), {{"taskStatus", "COMPLETED"}}, {{"If-Match", etag1}});
  ASSERT_EQ(stale.status, 412);
  EXPECT_EQ(stale.str("code"), "PRECONDITION_FAILED");
  EXPECT_EQ(stale.num("currentVersion"), 2);
  EXPECT_EQ(stale.json.at("current").at("taskStatus").as_string(), "BLOCKED");
  EXPECT_EQ(stale.header("ETag"), p.header("ETag"));
  EXPECT_EQ(c.get(task_path(created)).str("taskStatus"), "BLOCKED");

  // A list that holds the current ETag matches; * matches any existing task.
  auto listed = c.patch(task_path(created), {{"warningOffset", 1}}, {{"If-Match", "\"nope\", " + p.header("ETag")}});
  EXPECT_EQ(listed.status, 200);
  EXPECT_EQ(c.patch(task_path(created), {{"warningOffset", 2}}, {{"If-Match", "*"}}).status, 200);
  EXPECT_EQ(c.patch(task_path(created), {{"warningOffset", 3}}, {{"If-Match", "nonsense"}}).status, 400);
}

TEST_F(TasksApi, stale_body_version_returns_409_version_conflict_with_current) {
  auto c = alice();
  auto created = c.create_task();
  ASSERT_EQ(c.patch(task_path(created), {{"warningOffset", 5}, {"expectedVersion", 1}}).status, 200);
  auto stale = c.patch(task_path(created), {{"warningOffset", 6}, {"expectedVersion", 1}});
  ASSERT_EQ(stale.status, 409);
  EXPECT_EQ(stale.str("code"), "VERSION_CONFLICT");
  EXPECT_EQ(stale.num("currentVersion"), 2);
  EXPECT_EQ(stale.json.at("current").at("warningOffset").as_int64(), 5);
  // A resource read earlier and sent back carries `version`: the same precondition.
  auto read = c.get(task_path(created)).json.as_object();
  read["taskTitle"] = "renamed";
  EXPECT_EQ(c.put(task_path(created), read).status, 200);
  EXPECT_EQ(c.put(task_path(created), read).status, 409);
}

TEST_F(TasksApi, precondition_order_404_then_412_then_400_then_409) {
  auto c = alice();
  // PATCH and DELETE on a missing task are 404 whatever their preconditions.
  EXPECT_EQ(c.patch("/v1/tasks/missing", {{"x", 1}}, {{"If-Match", "\"1-1\""}}).status, 404);
  EXPECT_EQ(c.del("/v1/tasks/missing", {{"If-Match", "\"1-1\""}}).status, 404);
  auto created = c.create_task();
  // A stale If-Match wins over an invalid body (headers are evaluated before the content).
  auto r = c.request("PATCH", task_path(created), "{not json", {{"If-Match", "\"0-0\""}});
  EXPECT_EQ(r.status, 412);
  // An invalid body wins over a stale body version.
  auto v = c.patch(task_path(created), {{"warningOffset", -1}, {"expectedVersion", 9}});
  EXPECT_EQ(v.status, 400);
}

TEST_F(TasksApi, noop_patch_keeps_version_and_etag) {
  auto c = alice();
  auto created = c.create_task();
  auto same = c.patch(task_path(created), {{"taskTitle", "Ship v1"}});
  ASSERT_EQ(same.status, 200);
  EXPECT_EQ(same.num("version"), 1);
  EXPECT_EQ(same.header("ETag"), created.header("ETag"));
}

TEST_F(TasksApi, put_replaces_creates_with_if_none_match_star_and_respects_preconditions) {
  auto c = alice();
  json::object body{
      {"userId", "bob"}, {"taskTitle", "Chosen id"}, {"dueDate", "2099-01-01T00:00:00Z"}, {"warningOffset", 10}};
  auto made = c.put("/v1/tasks/my-task_1", body, {{"If-None-Match", "*"}});
  ASSERT_EQ(made.status, 201) << made.raw.body;
  EXPECT_EQ(made.str("taskId"), "my-task_1");
  EXPECT_EQ(made.header("Location"), "/v1/tasks/my-task_1");
  EXPECT_EQ(c.put("/v1/tasks/my-task_1", body, {{"If-None-Match", "*"}}).status, 412);
  EXPECT_EQ(c.put("/v1/tasks/other", body, {{"If-Match", "\"1-1\""}}).status, 412);
  EXPECT_EQ(c.put("/v1/tasks/bad.id", body).status, 400);

  body["taskTitle"] = "Replaced";
  body.erase("warningOffset");
  EXPECT_EQ(c.put("/v1/tasks/my-task_1", body).status, 400);  // a replace needs every required field
  body["warningOffset"] = 11;
  auto replaced = c.put("/v1/tasks/my-task_1", body, {{"If-Match", made.header("ETag")}});
  ASSERT_EQ(replaced.status, 200);
  EXPECT_EQ(replaced.num("version"), 2);
  EXPECT_EQ(replaced.str("taskTitle"), "Replaced");
  body["taskId"] = "different";
  EXPECT_EQ(c.put("/v1/tasks/my-task_1", body).status, 400);
}

TEST_F(TasksApi, delete_is_204_then_404_and_etags_never_repeat_after_recreate) {
  auto c = alice();
  json::object body{
      {"userId", "bob"}, {"taskTitle", "Again"}, {"dueDate", "2099-01-01T00:00:00Z"}, {"warningOffset", 1}};
  auto first = c.put("/v1/tasks/again", body, {{"If-None-Match", "*"}});
  ASSERT_EQ(first.status, 201);
  EXPECT_EQ(c.del("/v1/tasks/again", {{"If-Match", "\"0-0\""}}).status, 412);
  EXPECT_EQ(c.del("/v1/tasks/again", {{"If-Match", first.header("ETag")}}).status, 204);
  EXPECT_EQ(c.get("/v1/tasks/again").status, 404);
  EXPECT_EQ(c.del("/v1/tasks/again").status, 404);
  auto second = c.put("/v1/tasks/again", body, {{"If-None-Match", "*"}});
  ASSERT_EQ(second.status, 201);
  EXPECT_EQ(second.num("version"), 1);
  EXPECT_NE(second.header("ETag"), first.header("ETag"));
  // The old ETag does not match the new task.
  EXPECT_EQ(c.patch("/v1/tasks/again", {{"warningOffset", 2}}, {{"If-Match", first.header("ETag")}}).status, 412);
  // A delete may carry its expected version in the body.
  auto stale = c.request("DELETE", "/v1/tasks/again", "{\"expectedVersion\":7}");
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(c.request("DELETE", "/v1/tasks/again", "{\"expectedVersion\":1}").status, 204);
}

TEST_F(TasksApi, get_and_head_answer_304_for_a_matching_if_none_match) {
  auto c = alice();
  auto created = c.create_task();
  auto nm = c.get(task_path(created), {{"If-None-Match", created.header("ETag")}});
  EXPECT_EQ(nm.status, 304);
  EXPECT_EQ(nm.header("ETag"), created.header("ETag"));
  EXPECT_TRUE(nm.raw.body.empty());
  EXPECT_EQ(c.get(task_path(created), {{"If-None-Match", "\"other\""}}).status, 200);
  auto head = c.request("HEAD", task_path(created));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("ETag"), created.header("ETag"));
  EXPECT_TRUE(head.raw.body.empty());
  auto lm = c.get(task_path(created), {{"If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"}});
  EXPECT_EQ(lm.status, 304);
}

TEST_F(TasksApi, if_unmodified_since_guards_writes_without_if_match) {
  auto c = alice();
  auto created = c.create_task();
  EXPECT_EQ(
      c.patch(task_path(created), {{"warningOffset", 1}}, {{"If-Unmodified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"}})
          .status,
      412);
  EXPECT_EQ(
      c.patch(task_path(created), {{"warningOffset", 1}}, {{"If-Unmodified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"}})
          .status,
      200);
}

TEST_F(TasksApi, a_write_whose_if_none_match_names_the_current_etag_is_412) {
  auto c = alice();
  auto created = c.create_task();
  const std::string etag = created.header("ETag");
  auto refused = c.patch(task_path(created), {{"warningOffset", 1}}, {{"If-None-Match", etag}});
  EXPECT_EQ(refused.status, 412);
  EXPECT_EQ(refused.num("currentVersion"), 1);
  EXPECT_EQ(c.patch(task_path(created), {{"warningOffset", 1}}, {{"If-None-Match", "\"9-9\""}}).status, 200);
  EXPECT_EQ(c.get(task_path(created)).num("version"), 2);
}

TEST_F(TasksApi, if_unmodified_since_on_a_missing_task_is_404_for_patch_and_delete) {
  auto c = alice();
  const HttpHeaders old_date{{"If-Unmodified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"}};
  EXPECT_EQ(c.patch("/v1/tasks/nope", {{"warningOffset", 1}}, old_date).status, 404);
  EXPECT_EQ(c.del("/v1/tasks/nope", old_date).status, 404);
}

TEST_F(TasksApi, list_filters_paginates_and_reports_the_revision) {
  auto a = alice();
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i)
    ids.push_back(a.create_task(i % 2 ? "bob" : "alice", "t" + std::to_string(i)).str("taskId"));
  auto p1 = a.get("/v1/tasks?limit=3");
  ASSERT_EQ(p1.status, 200) << p1.raw.body;
  EXPECT_EQ(p1.json.at("tasks").as_array().size(), 3u);
  EXPECT_EQ(p1.num("revision"), 7);
  EXPECT_TRUE(p1.header("ETag").starts_with("W/"));
  std::vector<std::string> seen;
  std::string token;
  auto page = p1;
  for (;;) {
    for (const auto& t : page.json.at("tasks").as_array()) seen.push_back(std::string(t.at("taskId").as_string()));
    if (page.json.at("nextPageToken").is_null()) break;
    token = std::string(page.json.at("nextPageToken").as_string());
    page = a.get("/v1/tasks?limit=3&pageToken=" + token);
    ASSERT_EQ(page.status, 200);
  }
  EXPECT_EQ(seen, ids);  // stable, creation order, no duplicates

  auto bobs = a.get("/v1/tasks?userId=bob");
  EXPECT_EQ(bobs.json.at("tasks").as_array().size(), 3u);
  a.patch("/v1/tasks/" + ids[0], {{"taskStatus", "BLOCKED"}});
  auto blocked = a.get("/v1/tasks?taskStatus=BLOCKED");
  ASSERT_EQ(blocked.json.at("tasks").as_array().size(), 1u);
  EXPECT_EQ(blocked.json.at("tasks").as_array()[0].at("taskId").as_string(), ids[0]);
  EXPECT_EQ(a.get("/v1/tasks?dueBefore=2099-01-01T00:00:00Z").json.at("tasks").as_array().size(), 0u);
  EXPECT_EQ(a.get("/v1/tasks?dueBefore=2100-01-01T00:00:00Z").json.at("tasks").as_array().size(), 7u);

  auto bad = a.get("/v1/tasks?limit=0&taskStatus=DONE&color=red");
  ASSERT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json.at("errors").as_array().size(), 3u);
  auto etag = a.get("/v1/tasks").header("ETag");
  EXPECT_EQ(a.get("/v1/tasks", {{"If-None-Match", etag}}).status, 304);
}

TEST_F(TasksApi, require_preconditions_makes_unconditional_writes_428) {
  start({"--require-preconditions"});
  auto c = alice();
  auto created = c.create_task();  // a create needs no precondition
  ASSERT_EQ(created.status, 201);
  auto r = c.patch(task_path(created), {{"warningOffset", 1}});
  EXPECT_EQ(r.status, 428);
  EXPECT_EQ(r.str("code"), "PRECONDITION_REQUIRED");
  EXPECT_EQ(c.del(task_path(created)).status, 428);
  EXPECT_EQ(c.patch("/v1/tasks/missing", {{"warningOffset", 1}}).status, 404);  // 404 before 428
  EXPECT_EQ(c.patch(task_path(created), {{"warningOffset", 1}}, {{"If-Match", created.header("ETag")}}).status, 200);
  EXPECT_EQ(c.patch(task_path(created), {{"warningOffset", 2}, {"expectedVersion", 2}}).status, 200);
}

TEST_F(TasksApi, unknown_routes_are_404_and_wrong_methods_405_with_allow) {
  auto c = alice();
  EXPECT_EQ(c.get("/v1/nothing").status, 404);
  EXPECT_EQ(c.get("/elsewhere").status, 404);
  auto r = c.request("DELETE", "/v1/tasks");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD, POST");
}

TEST_F(TasksApi, updated_at_never_goes_backwards_and_updated_by_is_the_writer) {
  auto a = alice();
  auto b = bob();
  auto created = a.create_task();
  auto p = b.patch(task_path(created), {{"warningOffset", 9}});
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(p.str("updatedBy"), "bob");
  EXPECT_GE(p.str("updatedAt"), created.str("updatedAt"));
  EXPECT_EQ(p.str("createdAt"), created.str("createdAt"));
}

}  // namespace
}  // namespace lockstep::testing
