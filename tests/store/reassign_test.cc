// POST /v1/tasks:reassign while the user's tasks change under it, on both stores, on the real
// lockstepd. Writing transactions take turns on both (SQLite's one writer; on PostgreSQL every
// node's writing transaction takes the revision counter first), so no other write can land in the
// middle of a reassignment's pages: what is checked is that the outcome is one of the orders the
// requests could take effect in.

#include <algorithm>
#include <future>
#include <set>
#include <string>
#include <vector>

#include "../integration/store_param.h"

namespace lockstep::testing {
namespace {

namespace json = boost::json;

using Reassign = StoreServerTest;

json::object task_of(const std::string& user, const std::string& title) {
  return {{"userId", user}, {"taskTitle", title}, {"dueDate", "2099-12-01T17:00:00.000Z"}, {"warningOffset", 0}};
}

// Creates `n` tasks of alice in batches; returns their ids in id order (the order lists use).
std::vector<std::string> create_many(ApiClient& c, int n) {
  std::vector<std::string> ids;
  while (static_cast<int>(ids.size()) < n) {
    json::array ops;
    for (int i = 0; i < 100 && static_cast<int>(ids.size()) + i < n; ++i) {
      ops.push_back(json::object{{"op", "create"}, {"task", task_of("alice", "many")}});
    }
    auto r = c.post("/v1/tasks:batch", {{"operations", ops}});
    if (r.status != 200) {
      ADD_FAILURE() << r.raw.body;
      return ids;
    }
    for (const auto& result : r.json.at("results").as_array()) {
      ids.emplace_back(result.at("task").at("taskId").as_string());
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Alice has more tasks than a page of 500 twice over. While her reassignment to bob is in flight, she
// changes one and creates a task whose id sorts first, then, once that is acknowledged, one
// whose id sorts last. Whatever order the three requests take effect in, the later task moved only
// if the earlier did; and every task alice had before the reassignment was sent is bob's after it.
TEST_P(Reassign, moves_every_task_of_the_user_while_others_are_created_and_changed) {
  auto a = alice();
  const std::vector<std::string> before = create_many(a, 1050);
  ASSERT_EQ(before.size(), 1050u);
  auto reassigned = std::async(std::launch::async, [this] {
    return alice().post("/v1/tasks:reassign", {{"fromUserId", "alice"}, {"toUserId", "bob"}});
  });
  auto changed = std::async(std::launch::async, [this, id = before[10]] {
    return alice().patch("/v1/tasks/" + id, {{"taskTitle", "changed meanwhile"}});
  });
  auto early = a.put("/v1/tasks/00-early", task_of("alice", "early"), {{"If-None-Match", "*"}});
  ASSERT_EQ(early.status, 201) << early.raw.body;
  auto late = a.put("/v1/tasks/zz-late", task_of("alice", "late"), {{"If-None-Match", "*"}});
  ASSERT_EQ(late.status, 201) << late.raw.body;

  auto moved = reassigned.get();
  ASSERT_EQ(moved.status, 200) << moved.raw.body;
  EXPECT_EQ(changed.get().status, 200);
  std::set<std::string> left;
  const auto alices = a.get("/v1/tasks?userId=alice&limit=100");
  ASSERT_EQ(alices.status, 200) << alices.raw.body;
  for (const auto& t : alices.json.at("tasks").as_array()) {
    left.emplace(t.at("taskId").as_string());
  }
  for (const auto& id : before) EXPECT_FALSE(left.contains(id)) << id << " was left behind";
  const bool early_moved = !left.contains("00-early"), late_moved = !left.contains("zz-late");
  EXPECT_TRUE(early_moved || !late_moved) << "the later task moved, the earlier one was left behind";
  EXPECT_EQ(moved.num("reassigned"), 1050 + (early_moved ? 1 : 0) + (late_moved ? 1 : 0));
}

LOCKSTEP_ON_BOTH_STORES(Reassign);

}  // namespace
}  // namespace lockstep::testing
