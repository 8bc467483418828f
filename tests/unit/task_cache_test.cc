// TaskCache (http/task_cache.h): what it answers, its bound, and the race of a read filling it
// against the writer forgetting: the writer always wins.
#include "http/task_cache.h"

#include <gtest/gtest.h>

namespace lockstep::http {
namespace {

Task task(std::string id, std::int64_t version) {
  Task t;
  t.id = std::move(id);
  t.version = version;
  t.revision = version;
  t.updated_at = 1000 * version;
  t.fields.title = "v" + std::to_string(version);
  return t;
}

std::shared_ptr<const TaskCache::Entry> find(TaskCache& cache, std::string_view id) {
  TaskCache::Ticket unused = 0;
  return cache.find(id, unused);
}

void fill(TaskCache& cache, const Task& t, TaskCache::Ticket ticket) {
  cache.fill(t, task_read_answer(t, false), ticket);
}

TEST(TaskCache, answers_what_a_read_filled_with_its_etag_and_304) {
  TaskCache cache(1 << 20);
  EXPECT_FALSE(find(cache, "a"));
  fill(cache, task("a", 3), cache.ticket());
  auto e = find(cache, "a");
  ASSERT_TRUE(e);
  auto ok = answer_from_memory(*e, {});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, task_read_answer(task("a", 3), false).body);
  auto same = answer_from_memory(*e, ConditionalHeaders{std::nullopt, e->etag.to_string()});
  ASSERT_TRUE(same);
  EXPECT_EQ(same->status, 304);
  EXPECT_FALSE(answer_from_memory(*e, ConditionalHeaders{std::nullopt, std::nullopt, "Sun, 06 Dec 2026 10:00:00 GMT"}));
  EXPECT_EQ(cache.usage().hits, 1u);
  EXPECT_EQ(cache.usage().misses, 1u);
}

TEST(TaskCache, keeps_no_task_with_a_live_lock) {
  TaskCache cache(1 << 20);
  Task t = task("a", 1);
  t.lock = Lock{"a", "alice", 1, 0, 99};
  fill(cache, t, cache.ticket());
  EXPECT_FALSE(find(cache, "a"));
}

// A read that took its ticket before the writer forgot the task (so may hold the old value) is
// refused after the forget; one that filled before the forget is erased by it; while the write is
// being committed no fill goes in, whatever its ticket; after it, one whose ticket is newer fills.
TEST(TaskCache, the_writers_forget_wins_over_a_read_that_began_before_it) {
  TaskCache cache(1 << 20);
  const auto before = cache.ticket();
  fill(cache, task("a", 1), before);  // filled before the writer's forget
  cache.forget({"a"}, false);         // about to commit version 2
  EXPECT_FALSE(find(cache, "a"));
  fill(cache, task("a", 1), before);  // filled after it, from a snapshot that may be older
  EXPECT_FALSE(find(cache, "a"));
  fill(cache, task("a", 1), cache.ticket());  // a read that began before the COMMIT: still old
  EXPECT_FALSE(find(cache, "a"));
  fill(cache, task("b", 1), before);  // another task, in another stripe: not refused
  EXPECT_TRUE(find(cache, "b"));
  const auto during = cache.ticket();
  cache.forget({"a"}, true);          // committed
  fill(cache, task("a", 1), during);  // its snapshot may still be from before the COMMIT
  EXPECT_FALSE(find(cache, "a"));
  const auto after = cache.ticket();
  fill(cache, task("a", 2), after);
  ASSERT_TRUE(find(cache, "a"));
  EXPECT_EQ(find(cache, "a")->version, 2);
}

// Once full, a task filled for the first time lately is not let in (the doorkeeper); at its
// second fill it pushes out the least recently read.
TEST(TaskCache, never_holds_more_than_its_bound_and_drops_the_least_recently_read) {
  TaskCache cache(16 * 1024);
  for (int i = 0; i < 200; ++i) {
    const Task t = task("t" + std::to_string(i), 1);
    fill(cache, t, cache.ticket());
    if (!find(cache, t.id)) fill(cache, t, cache.ticket());
    ASSERT_TRUE(find(cache, t.id)) << i;
    ASSERT_LE(cache.usage().bytes, 16u * 1024);
    ASSERT_TRUE(find(cache, "t0")) << i;  // read each time: never the least recently read
  }
  EXPECT_LT(cache.usage().entries, 200u);
  EXPECT_GT(cache.usage().entries, 2u);
  EXPECT_FALSE(find(cache, "t1"));
  const auto entries = cache.usage().entries;
  fill(cache, task("new", 1), cache.ticket());  // full, and not missed lately: stays out
  EXPECT_FALSE(find(cache, "new"));
  EXPECT_EQ(cache.usage().entries, entries);
}

}  // namespace
}  // namespace lockstep::http
