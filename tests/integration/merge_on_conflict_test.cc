// Server-side merge of stale writes, Prefer: conflict=merge (API.md §4).
#include "fixture.h"

namespace lockstep::testing {
namespace {

using MergeOnConflict = ServerTest;
const HttpHeaders kMerge = {{"Prefer", "conflict=merge"}};

HttpHeaders merge_if_match(const std::string& etag) { return {{"Prefer", "conflict=merge"}, {"If-Match", etag}}; }

TEST_F(MergeOnConflict, disjoint_edits_from_one_base_both_succeed_one_version_each) {
  auto a = alice();
  auto b = bob();
  auto created = a.create_task();
  std::string path = "/v1/tasks/" + created.str("taskId"), base = created.header("ETag");
  auto ra = a.patch(path, {{"taskTitle", "Alice's title"}}, merge_if_match(base));
  ASSERT_EQ(ra.status, 200);
  EXPECT_EQ(ra.header("Preference-Applied"), "");  // not stale: no merge was needed
  auto rb = b.patch(path, {{"warningOffset", 45}}, merge_if_match(base));
  ASSERT_EQ(rb.status, 200) << rb.raw.body;
  EXPECT_EQ(rb.header("Preference-Applied"), "conflict=merge");
  EXPECT_EQ(rb.num("version"), 3);
  EXPECT_EQ(rb.str("taskTitle"), "Alice's title");
  EXPECT_EQ(rb.num("warningOffset"), 45);
}

TEST_F(MergeOnConflict, the_same_field_changed_on_both_sides_is_409_with_the_three_values) {
  auto a = alice();
  auto created = a.create_task();
  std::string path = "/v1/tasks/" + created.str("taskId"), base = created.header("ETag");
  ASSERT_EQ(a.patch(path, {{"taskTitle", "theirs"}}).status, 200);
  auto r = bob().patch(path, {{"taskTitle", "yours"}, {"warningOffset", 3}}, merge_if_match(base));
  ASSERT_EQ(r.status, 409);
  EXPECT_EQ(r.str("code"), "MERGE_CONFLICT");
  auto& conflicts = r.json.at("conflicts").as_array();
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].at("field").as_string(), "taskTitle");
  EXPECT_EQ(conflicts[0].at("base").as_string(), "Ship v1");
  EXPECT_EQ(conflicts[0].at("theirs").as_string(), "theirs");
  EXPECT_EQ(conflicts[0].at("yours").as_string(), "yours");
  EXPECT_EQ(r.json.at("current").at("taskTitle").as_string(), "theirs");
  EXPECT_EQ(a.get(path).num("warningOffset"), 0);  // nothing of the refused write applied
}

TEST_F(MergeOnConflict, blocked_against_completed_resolves_to_blocked) {
  auto a = alice();
  auto created = a.create_task();
  std::string path = "/v1/tasks/" + created.str("taskId"), base = created.header("ETag");
  ASSERT_EQ(a.patch(path, {{"taskStatus", "BLOCKED"}}).status, 200);
  auto r = bob().patch(path, {{"taskStatus", "COMPLETED"}, {"taskDescription", "done"}}, merge_if_match(base));
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.str("taskStatus"), "BLOCKED");
  EXPECT_EQ(r.str("taskDescription"), "done");
}

TEST_F(MergeOnConflict, expected_version_names_the_base_too_and_put_merges_changed_fields) {
  auto a = alice();
  auto created = a.create_task();
  std::string path = "/v1/tasks/" + created.str("taskId");
  ASSERT_EQ(a.patch(path, {{"taskTitle", "renamed"}}).status, 200);
  auto r = bob().patch(path, {{"warningOffset", 9}, {"expectedVersion", 1}}, kMerge);
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.header("Preference-Applied"), "conflict=merge");
  EXPECT_EQ(r.str("taskTitle"), "renamed");

  // A PUT from version 1 that only changed the description merges onto version 3.
  auto stale = created.json.as_object();
  stale["taskDescription"] = "from put";
  auto put = bob().put(path, stale, kMerge);
  ASSERT_EQ(put.status, 200) << put.raw.body;
  EXPECT_EQ(put.str("taskTitle"), "renamed");
  EXPECT_EQ(put.num("warningOffset"), 9);
  EXPECT_EQ(put.str("taskDescription"), "from put");
}

TEST_F(MergeOnConflict, a_base_no_longer_retained_is_409_base_not_retained) {
  start({"--retain-versions", "2"});
  auto a = alice();
  auto created = a.create_task();
  std::string path = "/v1/tasks/" + created.str("taskId"), base = created.header("ETag");
  for (int i = 1; i <= 3; ++i) a.patch(path, {{"warningOffset", i}});
  auto r = bob().patch(path, {{"taskTitle", "late"}}, merge_if_match(base));
  ASSERT_EQ(r.status, 409);
  EXPECT_EQ(r.str("code"), "MERGE_CONFLICT");
  EXPECT_EQ(r.str("reason"), "BASE_NOT_RETAINED");
  EXPECT_TRUE(r.json.at("conflicts").as_array().empty());
}

TEST_F(MergeOnConflict, without_prefer_a_stale_write_is_still_412) {
  auto a = alice();
  auto created = a.create_task();
  std::string path = "/v1/tasks/" + created.str("taskId");
  a.patch(path, {{"taskTitle", "x"}});
  EXPECT_EQ(bob().patch(path, {{"warningOffset", 1}}, {{"If-Match", created.header("ETag")}}).status, 412);
}

}  // namespace
}  // namespace lockstep::testing
