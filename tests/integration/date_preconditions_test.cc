// If-Unmodified-Since and If-Modified-Since against changes made within one second (API.md §4),
// on both stores: an HTTP date has whole seconds, so it stands for the current representation
// only when no two changes share the second it names. No sleeps: the changes are made back to
// back, and the Last-Modified seconds they answer with say which case happened.
#include <string>

#include "store_param.h"

namespace json = boost::json;

namespace lockstep::testing {
namespace {

class DatePreconditions : public StoreServerTest {};
LOCKSTEP_ON_BOTH_STORES(DatePreconditions);

// A read followed at once by another user's change lands in one second in all but the rarest
// runs; when a second boundary falls between them, the scenario is run again.
constexpr int kTries = 20;

// A new task of alice's; its path.
std::string new_task(ApiClient& a) {
  auto created = a.create_task();
  EXPECT_EQ(created.status, 201) << created.raw.body;
  return "/v1/tasks/" + created.str("taskId");
}

// The report: A reads; B changes the task within the same second; A's conditional write
// must not overwrite B's change, and A's conditional read must not call its copy current.
TEST_P(DatePreconditions, a_change_within_the_second_a_reader_saw_fails_its_if_unmodified_since) {
  auto a = alice();
  auto b = bob();
  const std::string path = new_task(a);
  for (int attempt = 0; attempt < kTries; ++attempt) {
    auto seen = a.get(path);
    ASSERT_EQ(seen.status, 200);
    const std::string bobs_title = "bob's title " + std::to_string(attempt);
    auto changed = b.patch(path, {{"taskTitle", bobs_title}});
    ASSERT_EQ(changed.status, 200) << changed.raw.body;
    if (changed.header("Last-Modified") != seen.header("Last-Modified")) continue;  // a second boundary fell between

    auto stale =
        a.patch(path, {{"taskTitle", "alice's title"}}, {{"If-Unmodified-Since", seen.header("Last-Modified")}});
    EXPECT_EQ(stale.status, 412) << stale.raw.body;
    EXPECT_EQ(stale.header("ETag"), changed.header("ETag"));
    auto now = a.get(path);
    EXPECT_EQ(now.str("taskTitle"), bobs_title);
    EXPECT_EQ(now.num("version"), changed.num("version"));
    // The same date is not a stale 304 for the reader either.
    auto revalidated = a.get(path, {{"If-Modified-Since", seen.header("Last-Modified")}});
    EXPECT_EQ(revalidated.status, 200);
    EXPECT_EQ(revalidated.str("taskTitle"), bobs_title);
    return;
  }
  FAIL() << "no read and change fell within one second in " << kTries << " tries";
}

// The other side: a date naming the second of the only change within it is honoured, so the
// server does look the earlier change up (in the task's history, on either store).
TEST_P(DatePreconditions, a_date_naming_the_second_of_the_only_change_in_it_is_honoured) {
  auto a = alice();
  auto b = bob();
  const std::string path = new_task(a);
  // Changes until one lands in a new second: that one is the only change of its second. A second
  // boundary is crossed within about one second of back-to-back changes.
  std::string last = a.get(path).header("Last-Modified"), date;
  for (int i = 1; i <= 20000 && date.empty(); ++i) {
    auto changed = b.patch(path, {{"warningOffset", i}});
    ASSERT_EQ(changed.status, 200) << changed.raw.body;
    if (changed.header("Last-Modified") != last) date = changed.header("Last-Modified");
  }
  ASSERT_FALSE(date.empty()) << "the clock never reached the next second";
  EXPECT_EQ(a.get(path, {{"If-Modified-Since", date}}).status, 304);
  auto write = a.patch(path, {{"taskTitle", "alice's title"}}, {{"If-Unmodified-Since", date}});
  EXPECT_EQ(write.status, 200) << write.raw.body;
}

// Products keep no history: a date naming the second of a change after the first is treated as
// older, so a change within the second a reader saw is never overwritten there either.
TEST_P(DatePreconditions, a_product_changed_within_the_second_a_reader_saw_fails_its_if_unmodified_since) {
  auto a = alice();
  auto b = bob();
  auto created = a.post("/v1/products", {{"name", "Widget"}, {"stock", 5}, {"price", 1.5}});
  ASSERT_EQ(created.status, 201) << created.raw.body;
  const std::string path = "/v1/products/" + created.str("productId");
  for (int attempt = 0; attempt < kTries; ++attempt) {
    auto seen = a.get(path);
    ASSERT_EQ(seen.status, 200);
    auto changed = b.patch(path, {{"stock", 100 + attempt}});
    ASSERT_EQ(changed.status, 200) << changed.raw.body;
    if (changed.header("Last-Modified") != seen.header("Last-Modified")) continue;

    auto stale = a.patch(path, {{"stock", 0}}, {{"If-Unmodified-Since", seen.header("Last-Modified")}});
    EXPECT_EQ(stale.status, 412) << stale.raw.body;
    EXPECT_EQ(a.get(path).num("stock"), 100 + attempt);
    EXPECT_EQ(a.get(path, {{"If-Modified-Since", seen.header("Last-Modified")}}).status, 200);
    return;
  }
  FAIL() << "no read and change fell within one second in " << kTries << " tries";
}

}  // namespace
}  // namespace lockstep::testing
