#include "core/merge.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "domain/task.h"

namespace json = boost::json;

namespace lockstep {
namespace {

struct Case {
  const char* name;
  const char* base;
  const char* theirs;
  const char* yours;
  bool conflict;
  const char* applied;  // nullptr: nothing to write
};

// One field of a task, edited on both sides: the three-way rule with the BLOCKED resolution.
const Case kCases[] = {
    {"untouched by others", "NOT_STARTED", "NOT_STARTED", "COMPLETED", false, "COMPLETED"},
    {"same change on both sides", "NOT_STARTED", "COMPLETED", "COMPLETED", false, nullptr},
    {"different changes conflict", "NOT_STARTED", "DEFERRED", "COMPLETED", true, nullptr},
    {"theirs BLOCKED wins", "NOT_STARTED", "BLOCKED", "COMPLETED", false, "BLOCKED"},
    {"yours BLOCKED wins", "NOT_STARTED", "COMPLETED", "BLOCKED", false, "BLOCKED"},
};

TEST(Merge, three_way_rule_per_field_with_the_blocked_resolution) {
  for (const auto& c : kCases) {
    FieldEdit e{"taskStatus", json::value(c.base), json::value(c.theirs), json::value(c.yours)};
    auto out = merge_fields({e}, resolve_task_conflict);
    EXPECT_EQ(!out.conflicts.empty(), c.conflict) << c.name;
    if (c.applied) {
      ASSERT_EQ(out.apply.size(), 1u) << c.name;
      EXPECT_EQ(out.apply[0].second, json::value(c.applied)) << c.name;
    } else if (!c.conflict) {
      EXPECT_TRUE(out.apply.empty()) << c.name;
    }
  }
}

TEST(Merge, blocked_rule_applies_to_task_status_only) {
  FieldEdit e{"taskTitle", "a", "BLOCKED", "c"};
  EXPECT_EQ(merge_fields({e}, resolve_task_conflict).conflicts.size(), 1u);
}

TEST(Merge, patch_edits_are_the_members_sent_put_edits_the_fields_that_differ_from_base) {
  TaskFields base;
  base.title = "base";
  base.warning_offset = 1;
  TaskFields theirs = base;
  theirs.title = "theirs";
  TaskWrite patch;
  patch.warning_offset = 1;  // sent, even if equal to base
  auto edits = task_merge_edits(base, theirs, patch, false);
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(edits[0].field, "warningOffset");

  TaskWrite put;
  put.user_id = base.user_id;
  put.title = base.title;
  put.description = "new";
  put.due = base.due;
  put.warning_offset = base.warning_offset;
  put.status = base.status;
  auto put_edits = task_merge_edits(base, theirs, put, true);
  ASSERT_EQ(put_edits.size(), 1u);
  EXPECT_EQ(put_edits[0].field, "taskDescription");
  auto merged = task_write_from(merge_fields(put_edits, resolve_task_conflict)).apply_to(theirs);
  EXPECT_EQ(merged.title, "theirs");
  EXPECT_EQ(merged.description, "new");
}

}  // namespace
}  // namespace lockstep
