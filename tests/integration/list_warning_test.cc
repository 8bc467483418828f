// The list filter `warning=active|overdue` (API.md §3) on both stores, with the server's clock
// moved past warning times and due dates by the test (--test-only-movable-clock) instead of waited
// for. Due dates are hours from the test's start, so the few seconds a run takes never matter.
#include <chrono>
#include <set>
#include <string>

#include <boost/json.hpp>

#include "lockstep/time.h"
#include "store_param.h"

namespace json = boost::json;
using namespace std::chrono_literals;

namespace lockstep::testing {
namespace {

class ListWarning : public StoreServerTest {
 protected:
  ListWarning() { first_start_args_ = {"--test-only-movable-clock"}; }

  // A task of `user` due `due_in` after the test's start that warns `offset_minutes` before.
  std::string create(const std::string& user, std::chrono::minutes due_in, int offset_minutes,
                     const std::string& status = "NOT_STARTED") {
    auto made = alice().post("/v1/tasks", json::object{{"userId", user},
                                                       {"taskTitle", "t"},
                                                       {"dueDate", format_time(start_ + due_in)},
                                                       {"warningOffset", offset_minutes},
                                                       {"taskStatus", status}});
    EXPECT_EQ(made.status, 201) << made.raw.body;
    return made.str("taskId");
  }

  // The ids a list answer holds, as a set (the order is the ids' own).
  static std::set<std::string> ids(const ApiResponse& page) {
    std::set<std::string> out;
    for (const auto& t : page.json.at("tasks").as_array()) out.emplace(t.at("taskId").as_string());
    return out;
  }

  std::set<std::string> listed(const std::string& query) {
    auto page = bob().get("/v1/tasks?" + query);
    EXPECT_EQ(page.status, 200) << query << ": " << page.raw.body;
    return page.status == 200 ? ids(page) : std::set<std::string>{};
  }

  const Time start_ = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
};
LOCKSTEP_ON_BOTH_STORES(ListWarning);

TEST_P(ListWarning, selects_by_the_servers_clock_and_combines_with_the_other_filters) {
  const auto early = create("alice", 120min, 90);   // warns from +30 min, due +2 h
  const auto on_time = create("alice", 120min, 0);  // warns only when due
  create("alice", 120min, 90, "COMPLETED");         // never warns: closed
  const auto bobs = create("bob", 120min, 90);
  const auto later = create("alice", 240min, 120);  // warns from +2 h, due +4 h
  create("alice", 240min, 120, "CANCELLED");        // never warns: closed
  EXPECT_EQ(listed("warning=active"), std::set<std::string>{});
  EXPECT_EQ(listed("warning=overdue"), std::set<std::string>{});

  server_->advance_clock(60min);
  EXPECT_EQ(listed("warning=active"), (std::set<std::string>{early, bobs}));
  EXPECT_EQ(listed("warning=active&userId=alice"), std::set<std::string>{early});
  EXPECT_EQ(listed("warning=active&taskStatus=NOT_STARTED&userId=bob"), std::set<std::string>{bobs});
  EXPECT_EQ(listed("warning=active&taskStatus=BLOCKED"), std::set<std::string>{});
  EXPECT_EQ(listed("warning=active&dueBefore=" + format_time(start_ + 120min)), std::set<std::string>{});
  EXPECT_EQ(listed("warning=active&dueBefore=" + format_time(start_ + 121min)), (std::set<std::string>{early, bobs}));
  EXPECT_EQ(listed("warning=overdue"), std::set<std::string>{});

  server_->advance_clock(90min);  // +2.5 h: three are past due, `later` warns
  EXPECT_EQ(listed("warning=active"), std::set<std::string>{later});
  EXPECT_EQ(listed("warning=overdue"), (std::set<std::string>{early, on_time, bobs}));
  EXPECT_EQ(listed("warning=overdue&userId=alice"), (std::set<std::string>{early, on_time}));
  EXPECT_EQ(listed("userId=alice").size(), 5u);  // without `warning`, closed tasks are listed as before

  auto bad = bob().get("/v1/tasks?warning=soon&userId=alice");
  ASSERT_EQ(bad.status, 400) << bad.raw.body;
  EXPECT_EQ(bad.str("code"), "VALIDATION_FAILED");
  ASSERT_EQ(bad.json.at("errors").as_array().size(), 1u);
  EXPECT_EQ(bad.json.at("errors").as_array()[0].at("field").as_string(), "warning");
  for (const char* token : {"abc.", "abc.-1", "abc.1x", "abc.1234567890123456", "a.b.1"}) {
    auto forged = bob().get(std::string("/v1/tasks?warning=active&pageToken=") + token);
    ASSERT_EQ(forged.status, 400) << token;
    EXPECT_EQ(forged.json.at("errors").as_array()[0].at("field").as_string(), "pageToken") << token;
  }
}

// Pages of one warning list select at the first page's moment, however far the clock moves
// between them; the collection ETag names that moment, so an answer that time alone changed is
// never 304 to an ETag of before.
TEST_P(ListWarning, pages_keep_the_first_pages_moment_and_the_etag_follows_the_clock) {
  const std::set<std::string> all = {create("alice", 120min, 90), create("alice", 120min, 90),
                                     create("alice", 120min, 90)};
  auto b = bob();
  auto none_overdue = b.get("/v1/tasks?warning=overdue");
  ASSERT_EQ(none_overdue.status, 200);
  EXPECT_TRUE(ids(none_overdue).empty());

  server_->advance_clock(60min);
  auto first = b.get("/v1/tasks?warning=active&limit=2");
  ASSERT_EQ(first.status, 200) << first.raw.body;
  std::set<std::string> seen = ids(first);
  ASSERT_EQ(seen.size(), 2u);
  const std::string token(first.json.at("nextPageToken").as_string());

  server_->advance_clock(90min);  // every task is overdue now, none active
  EXPECT_EQ(listed("warning=active"), std::set<std::string>{});
  auto second = b.get("/v1/tasks?warning=active&limit=2&pageToken=" + token);
  ASSERT_EQ(second.status, 200) << second.raw.body;
  for (const auto& id : ids(second)) seen.insert(id);
  EXPECT_EQ(seen, all);  // the rest of the list as it was at the first page
  EXPECT_TRUE(second.json.at("nextPageToken").is_null());
  // The same page again, the store unchanged: the same moment, so the same answer and a 304.
  EXPECT_EQ(
      b.get("/v1/tasks?warning=active&limit=2&pageToken=" + token, {{"If-None-Match", second.header("ETag")}}).status,
      304);

  // The store has not changed since the first overdue list, but the clock has: not 304, the tasks.
  auto now_overdue = b.get("/v1/tasks?warning=overdue", {{"If-None-Match", none_overdue.header("ETag")}});
  ASSERT_EQ(now_overdue.status, 200);
  EXPECT_EQ(now_overdue.num("revision"), none_overdue.num("revision"));
  EXPECT_EQ(ids(now_overdue), all);
  EXPECT_NE(now_overdue.header("ETag"), none_overdue.header("ETag"));
  // A list without `warning` still pages by the id alone and is 304 while the store is unchanged.
  auto plain = b.get("/v1/tasks?limit=2");
  EXPECT_EQ(std::string(plain.json.at("nextPageToken").as_string()).find('.'), std::string::npos);
  EXPECT_EQ(b.get("/v1/tasks?limit=2", {{"If-None-Match", plain.header("ETag")}}).status, 304);
}

}  // namespace
}  // namespace lockstep::testing
