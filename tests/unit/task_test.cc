#include "domain/task.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace json = boost::json;

namespace lockstep {
namespace {

constexpr Millis kNow = 1'800'000'000'000;  // 2027-01-15

json::object valid_task() {
  return {
      {"userId", "alice"}, {"taskTitle", "Ship v1"}, {"dueDate", "2099-12-01T17:00:00.000Z"}, {"warningOffset", 30}};
}

// The field errors of a body, or an empty list when it is valid.
std::vector<std::string> fields_failing(const json::value& body, WriteKind kind = WriteKind::kCreate,
                                        std::string_view path_id = "") {
  auto r = parse_task_write(body, kind, kNow, path_id);
  std::vector<std::string> out;
  if (!r) {
    EXPECT_EQ(r.error().code, Code::kValidationFailed);
    for (const auto& e : r.error().errors) out.push_back(e.field);
  }
  return out;
}

json::object with(std::string_view key, json::value v) {
  auto o = valid_task();
  o[key] = std::move(v);
  return o;
}

json::object with_text(std::string_view key, const std::string& text) {
  return with(key, json::value(json::string(text)));
}

using Fields = std::vector<std::string>;

TEST(TaskValidation, title_counts_code_points_1_to_80) {
  EXPECT_EQ(fields_failing(with_text("taskTitle", std::string(80, 'x'))), Fields{});
  EXPECT_EQ(fields_failing(with_text("taskTitle", std::string(81, 'x'))), Fields{"taskTitle"});
  EXPECT_EQ(fields_failing(with("taskTitle", "")), Fields{"taskTitle"});
  std::string eighty_e_acute;
  for (int i = 0; i < 80; ++i) eighty_e_acute += "\xC3\xA9";  // 160 bytes, 80 code points
  EXPECT_EQ(fields_failing(with_text("taskTitle", eighty_e_acute)), Fields{});
  EXPECT_EQ(fields_failing(with_text("taskTitle", eighty_e_acute + "\xC3\xA9")), Fields{"taskTitle"});
}

TEST(TaskValidation, description_0_to_255) {
  EXPECT_EQ(fields_failing(with("taskDescription", "")), Fields{});
  EXPECT_EQ(fields_failing(with_text("taskDescription", std::string(255, 'd'))), Fields{});
  EXPECT_EQ(fields_failing(with_text("taskDescription", std::string(256, 'd'))), Fields{"taskDescription"});
}

TEST(TaskValidation, warning_offset_is_a_json_integer_0_to_64000) {
  EXPECT_EQ(fields_failing(with("warningOffset", 0)), Fields{});
  EXPECT_EQ(fields_failing(with("warningOffset", 64000)), Fields{});
  EXPECT_EQ(fields_failing(with("warningOffset", -1)), Fields{"warningOffset"});
  EXPECT_EQ(fields_failing(with("warningOffset", 64001)), Fields{"warningOffset"});
  EXPECT_EQ(fields_failing(with("warningOffset", 1.5)), Fields{"warningOffset"});
  EXPECT_EQ(fields_failing(with("warningOffset", 30.0)), Fields{"warningOffset"});
  EXPECT_EQ(fields_failing(with("warningOffset", "5")), Fields{"warningOffset"});
  EXPECT_EQ(fields_failing(
                json::parse(R"({"userId":"a","taskTitle":"t","dueDate":"2099-01-01T00:00:00Z","warningOffset":3e1})")),
            Fields{"warningOffset"});
}

TEST(TaskValidation, due_date_is_rfc3339_and_in_the_future_on_create_only) {
  EXPECT_EQ(fields_failing(with("dueDate", "2020-01-01T00:00:00Z")), Fields{"dueDate"});
  EXPECT_EQ(fields_failing(with("dueDate", "2099-02-30T00:00:00Z")), Fields{"dueDate"});
  EXPECT_EQ(fields_failing(with("dueDate", 12345)), Fields{"dueDate"});
  EXPECT_EQ(fields_failing(with("dueDate", "2020-01-01T00:00:00Z"), WriteKind::kReplace), Fields{});
  EXPECT_EQ(fields_failing(json::object{{"dueDate", "2020-01-01T00:00:00Z"}}, WriteKind::kPatch), Fields{});
}

TEST(TaskValidation, user_id_and_status) {
  EXPECT_EQ(fields_failing(with_text("userId", std::string(64, 'u'))), Fields{});
  EXPECT_EQ(fields_failing(with_text("userId", std::string(65, 'u'))), Fields{"userId"});
  EXPECT_EQ(fields_failing(with("userId", "a b")), Fields{"userId"});
  EXPECT_EQ(fields_failing(with("taskStatus", "DONE")), Fields{"taskStatus"});
  EXPECT_EQ(fields_failing(with("taskStatus", "BLOCKED")), Fields{});
}

TEST(TaskValidation, reports_every_error_at_once_including_unknown_and_missing_fields) {
  json::object body{{"taskTitle", ""}, {"warningOffset", 1.5}, {"color", "red"}, {"size", 3}};
  auto failing = fields_failing(body);
  std::sort(failing.begin(), failing.end());
  EXPECT_EQ(failing, (Fields{"color", "dueDate", "size", "taskTitle", "userId", "warningOffset"}));
}

TEST(TaskValidation, server_managed_fields_are_ignored_but_task_id_must_match_the_path) {
  auto body = valid_task();
  body["eTag"] = "\"1-1\"";
  body["createdAt"] = "whenever";
  body["lock"] = nullptr;
  EXPECT_EQ(fields_failing(body), Fields{});
  body["taskId"] = "other";
  EXPECT_EQ(fields_failing(body, WriteKind::kReplace, "mine"), Fields{"taskId"});
  body["taskId"] = "mine";
  EXPECT_EQ(fields_failing(body, WriteKind::kReplace, "mine"), Fields{});
}

TEST(TaskValidation, patch_null_resets_optional_and_rejects_required) {
  auto r = parse_task_write(json::parse(R"({"taskDescription":null})"), WriteKind::kPatch, kNow, "x");
  ASSERT_TRUE(r);
  TaskFields base;
  base.description = "old";
  EXPECT_EQ(r->apply_to(base).description, "");
  EXPECT_EQ(fields_failing(json::parse(R"({"taskTitle":null})"), WriteKind::kPatch, "x"), Fields{"taskTitle"});
}

TEST(TaskValidation, body_version_is_a_precondition_and_must_agree) {
  auto r = parse_task_write(json::parse(R"({"version":3})"), WriteKind::kPatch, kNow, "x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->expected_version, 3);
  EXPECT_EQ(fields_failing(json::parse(R"({"version":3,"expectedVersion":4})"), WriteKind::kPatch, "x"),
            Fields{"expectedVersion"});
  EXPECT_EQ(fields_failing(json::parse(R"({"expectedVersion":0})"), WriteKind::kPatch, "x"), Fields{"expectedVersion"});
  EXPECT_EQ(fields_failing(with("expectedVersion", 1)), Fields{"expectedVersion"});  // POST create
}

TEST(TaskValidation, body_must_be_an_object) { EXPECT_EQ(fields_failing(json::array{1, 2}), Fields{""}); }

TEST(TaskJson, representation_has_every_member_of_the_contract) {
  Task t;
  t.id = "01J";
  t.fields.user_id = "alice";
  t.fields.title = "Ship";
  t.fields.due = kNow;
  t.version = 3;
  t.revision = 7;
  auto o = json::parse(task_json(t)).as_object();
  for (const char* k : {"taskId", "userId", "taskTitle", "taskDescription", "dueDate", "warningOffset", "taskStatus",
                        "version", "eTag", "createdAt", "updatedAt", "updatedBy", "lock"}) {
    EXPECT_TRUE(o.contains(k)) << k;
  }
  EXPECT_EQ(o["eTag"].as_string(), t.etag().to_string());
  EXPECT_EQ(o["taskStatus"].as_string(), "NOT_STARTED");
}

}  // namespace
}  // namespace lockstep
