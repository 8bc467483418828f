// The JSON text writer answers every task and lock: its output must be exactly what Boost.JSON
// writes for the same members (clients and the change log see one representation), for any
// string a user can store.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/json_text.h"
#include "domain/task.h"

namespace lockstep {
namespace {

namespace json = boost::json;

const std::string kHard[] = {
    "",
    "plain",
    "quote \" and backslash \\ and slash /",
    "controls \b\f\n\r\t and \x01\x1f and \x7f",
    std::string("nul \0 inside", 12),
    "ünïcödé ✓ 🚀 中文",
    "\"\\\"\\",
};

TEST(JsonText, strings_are_written_as_boost_json_writes_them) {
  for (const auto& s : kHard) {
    std::string out;
    append_json_string(out, s);
    EXPECT_EQ(out, json::serialize(json::string_view(s))) << s;
    EXPECT_EQ(json::parse(out).as_string(), s) << "does not read back: " << out;
  }
}

TEST(JsonText, an_object_is_its_members_in_order) {
  std::string out;
  JsonObjectWriter o(out);
  o.string("a", kHard[3]).integer("n", -9'223'372'036'854'775'807 - 1).integer("z", 0).null("x").raw("r", "[1,{}]");
  o.close();
  json::object expected{
      {"a", kHard[3]}, {"n", INT64_MIN}, {"z", 0}, {"x", nullptr}, {"r", json::array{1, json::object{}}}};
  EXPECT_EQ(out, json::serialize(expected));
}

// A task held by bob's lock, with every field set.
Task locked_task(std::string title) {
  Task t;
  t.id = "01J";
  t.fields.user_id = "alice";
  t.fields.title = std::move(title);
  t.fields.due = 1'800'000'000'000;
  t.version = 2;
  t.revision = 9;
  t.created_at = 1'700'000'000'123;
  t.updated_at = 1'700'000'000'456;
  t.updated_by = "alice";
  t.lock = Lock{"01J", "bob", 42, 1'700'000'000'000, 1'700'000'030'000};
  return t;
}

TEST(JsonText, a_task_with_a_lock_reads_back_with_every_value) {
  Task t = locked_task(kHard[2]);
  t.fields.description = kHard[3];
  t.fields.warning_offset = 15;
  t.fields.status = TaskStatus::kInProgress;
  const json::object o = json::parse(task_json(t)).as_object();
  EXPECT_EQ(o.at("taskTitle").as_string(), kHard[2]);
  EXPECT_EQ(o.at("taskDescription").as_string(), kHard[3]);
  EXPECT_EQ(o.at("dueDate").as_string(), "2027-01-15T08:00:00.000Z");
  EXPECT_EQ(o.at("warningOffset").as_int64(), 15);
  EXPECT_EQ(o.at("taskStatus").as_string(), "IN_PROGRESS");
  EXPECT_EQ(o.at("eTag").as_string(), t.etag().to_string());
  EXPECT_EQ(o.at("updatedAt").as_string(), "2023-11-14T22:13:20.456Z");
  const json::object& lock = o.at("lock").as_object();
  EXPECT_EQ(lock.at("owner").as_string(), "bob");
  EXPECT_EQ(lock.at("token").as_int64(), 42);
  EXPECT_EQ(lock.at("expiresAt").as_string(), "2023-11-14T22:13:50.000Z");
  t.lock.reset();
  EXPECT_TRUE(json::parse(task_json(t)).as_object().at("lock").is_null());
}

// The exact bytes clients and the change log have always had (API.md §3: this member order).
TEST(JsonText, a_task_is_written_byte_for_byte_as_before) {
  EXPECT_EQ(task_json(locked_task("Ship \"v1\"")),
            R"({"taskId":"01J","userId":"alice","taskTitle":"Ship \"v1\"","taskDescription":"",)"
            R"("dueDate":"2027-01-15T08:00:00.000Z","warningOffset":0,"taskStatus":"NOT_STARTED","version":2,)"
            R"("eTag":"\"2-9\"","createdAt":"2023-11-14T22:13:20.123Z","updatedAt":"2023-11-14T22:13:20.456Z",)"
            R"("updatedBy":"alice","lock":{"taskId":"01J","owner":"bob","acquiredAt":"2023-11-14T22:13:20.000Z",)"
            R"("expiresAt":"2023-11-14T22:13:50.000Z","token":42}})");
}

}  // namespace
}  // namespace lockstep
