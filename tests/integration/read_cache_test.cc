// Reads from memory (docs/architecture.md, "Reads from memory"): on SQLite, GET /v1/tasks/{id} is
// answered from a cache the writer empties of every task it writes, before the write's answer,
// and tokens are rechecked whenever any connection (another process's too) has committed. These
// tests fill the cache first (lockstep_read_cache_hits_total shows they hit it), then check that
// nothing stale or revoked is ever answered from it. On PostgreSQL, where several nodes share the
// database (API.md §8), the cache is off (no read-cache metrics) and the same answers hold: the
// suite ReadCache runs on both stores, ReadCacheSqlite on SQLite only.
#include <barrier>
#include <thread>
#include <vector>

#include "store_param.h"

namespace json = boost::json;

namespace lockstep::testing {
namespace {

using ReadCache = StoreServerTest;
// What only SQLite has: the cache's own cases (PostgreSQL answers these from the store as always,
// which the suites of tasks, batches and locks check).
using ReadCacheSqlite = ServerTest;

// On SQLite the cache must have answered some reads (else these tests test nothing of it); on
// PostgreSQL it must not exist.
void expect_cache_used(ApiClient& admin, std::int64_t hits_before, bool on_sqlite = true) {
  const std::int64_t hits = admin.metric("lockstep_read_cache_hits_total");
  if (on_sqlite) {
    EXPECT_GT(hits, hits_before);
  } else {
    EXPECT_EQ(hits, -1);
    EXPECT_EQ(admin.metric("lockstep_read_cache_max_bytes"), -1);
  }
}

std::string path_of(const ApiResponse& task) { return "/v1/tasks/" + task.str("taskId"); }

// Each round, four readers on their own connections read every task (filling the cache with it),
// then, after a barrier, one writer changes every task and waits for the answers; after a second
// barrier every reader must see every change. Without the writer forgetting the tasks before its
// answers, the readers would get the values they had just cached.
TEST_P(ReadCache, a_read_that_starts_after_a_writes_answer_sees_the_write) {
  auto a = alice();
  std::vector<std::string> paths;
  for (int i = 0; i < 4; ++i) paths.push_back(path_of(a.create_task("alice", "t" + std::to_string(i))));
  constexpr int kRounds = 60;
  constexpr int kReaders = 4;
  std::barrier sync(kReaders + 1);
  std::vector<int> stale(kReaders, 0);
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      ApiClient c = alice();
      for (int round = 0; round < kRounds; ++round) {
        for (const auto& p : paths) c.get(p);  // fills or hits: the value before this round's write
        sync.arrive_and_wait();                // the writer writes
        sync.arrive_and_wait();                // its answers have come
        for (const auto& p : paths) {
          auto got = c.get(p);
          if (got.status != 200 || got.str("taskTitle") != "round " + std::to_string(round)) ++stale[r];
        }
      }
    });
  }
  const std::int64_t hits_before = a.metric("lockstep_read_cache_hits_total");
  for (int round = 0; round < kRounds; ++round) {
    sync.arrive_and_wait();
    for (const auto& p : paths) EXPECT_EQ(a.patch(p, {{"taskTitle", "round " + std::to_string(round)}}).status, 200);
    sync.arrive_and_wait();
  }
  for (auto& t : readers) t.join();
  for (int r = 0; r < kReaders; ++r) EXPECT_EQ(stale[r], 0) << "reader " << r;
  auto adm = admin();
  expect_cache_used(adm, hits_before, GetParam() == "sqlite");
}

// A cached token and a cached task: revoked by `lockstepd user revoke` (another process on the
// same file) and by an admin over HTTP, the token is refused on the very next read.
TEST_P(ReadCache, a_revoked_token_is_refused_on_the_very_next_read_even_when_cached) {
  const std::string path = path_of(alice().create_task());
  auto adm = admin();
  for (const std::string name : {"carol", "dora"}) {
    ApiClient c(server_->port(), add_user(db_, name));
    const std::int64_t hits_before = adm.metric("lockstep_read_cache_hits_total");
    for (int i = 0; i < 3; ++i) ASSERT_EQ(c.get(path).status, 200) << name;
    expect_cache_used(adm, hits_before, GetParam() == "sqlite");
    if (name == "carol") {
      auto revoked = run_lockstepd({"user", "revoke", name, "--db", db_});
      ASSERT_EQ(revoked.status, 0) << revoked.err;
    } else {
      ASSERT_EQ(adm.del("/v1/users/" + name).status, 204);
    }
    auto refused = c.get(path);
    EXPECT_EQ(refused.status, 401) << name;
    EXPECT_EQ(c.get(path, {{"If-None-Match", "*"}}).status, 401) << name;
    EXPECT_EQ(c.request("HEAD", path).status, 401) << name;
  }
  EXPECT_EQ(alice().get(path).status, 200);  // the others' tokens still work, from the cache
}

// Writes that are not kept (an atomic batch that aborts, a stale If-Match) leave the cached task
// as it was: the next read gets the old value and ETag.
TEST_F(ReadCacheSqlite, a_write_that_rolls_back_leaves_the_old_value) {
  auto a = alice();
  auto task = a.create_task("alice", "before");
  const std::string path = path_of(task);
  auto other = a.create_task("alice", "other");
  auto first = a.get(path);
  ASSERT_EQ(first.status, 200);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(a.get(path).header("ETag"), first.header("ETag"));
  json::array ops{json::object{{"op", "update"}, {"taskId", task.str("taskId")}, {"patch", {{"taskTitle", "after"}}}},
                  json::object{{"op", "update"},
                               {"taskId", other.str("taskId")},
                               {"ifMatch", "\"0-0\""},
                               {"patch", {{"taskTitle", "never"}}}}};
  auto aborted = a.post("/v1/tasks:batch", {{"atomic", true}, {"operations", ops}});
  ASSERT_EQ(aborted.status, 409) << aborted.raw.body;
  EXPECT_EQ(a.patch(path, {{"taskTitle", "after"}}, {{"If-Match", "\"0-0\""}}).status, 412);
  for (int i = 0; i < 2; ++i) {
    auto now = a.get(path);
    ASSERT_EQ(now.status, 200);
    EXPECT_EQ(now.str("taskTitle"), "before");
    EXPECT_EQ(now.header("ETag"), first.header("ETag"));
    EXPECT_EQ(now.raw.body, first.raw.body);
  }
  EXPECT_EQ(a.get(path, {{"If-None-Match", first.header("ETag")}}).status, 304);
  auto adm = admin();
  expect_cache_used(adm, 0);
}

// A cached task deleted (alone, then in a batch) is 404 at the next read; made again with PUT, the
// new one is read; a lock taken and released shows at the next read each time.
TEST_F(ReadCacheSqlite, a_delete_a_lock_and_a_new_life_show_at_the_next_read) {
  auto a = alice();
  for (bool in_batch : {false, true}) {
    auto task = a.create_task();
    const std::string path = path_of(task);
    for (int i = 0; i < 2; ++i) ASSERT_EQ(a.get(path).status, 200);
    if (in_batch) {
      json::array ops{json::object{{"op", "delete"}, {"taskId", task.str("taskId")}}};
      ASSERT_EQ(a.post("/v1/tasks:batch", {{"operations", ops}}).status, 200);
    } else {
      ASSERT_EQ(a.del(path).status, 204);
    }
    EXPECT_EQ(a.get(path).status, 404) << in_batch;
    EXPECT_EQ(a.get(path).status, 404) << in_batch;
  }
  const std::string path = "/v1/tasks/made-by-put";
  json::object body{
      {"userId", "alice"}, {"taskTitle", "one"}, {"dueDate", "2099-01-01T00:00:00Z"}, {"warningOffset", 0}};
  ASSERT_EQ(a.put(path, body).status, 201);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(a.get(path).str("taskTitle"), "one");
  ASSERT_EQ(a.del(path).status, 204);
  body["taskTitle"] = "two";
  ASSERT_EQ(a.put(path, body).status, 201);
  EXPECT_EQ(a.get(path).str("taskTitle"), "two");
  EXPECT_TRUE(a.get(path).json.at("lock").is_null());
  ASSERT_EQ(a.post(path + "/lock", {{"ttlSeconds", 60}}).status, 200);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(a.get(path).json.at("lock").at("owner").as_string(), "alice");
  ASSERT_EQ(a.del(path + "/lock").status, 204);
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(a.get(path).json.at("lock").is_null());
  auto adm = admin();
  expect_cache_used(adm, 0);
}

// With --read-cache-mib 1, reading 1,000 tasks of about 1.3 KiB each (more than 1 MiB in all)
// keeps the cache within 1 MiB, and it still takes in and answers the tasks read again.
TEST_F(ReadCacheSqlite, the_cache_stays_within_its_bound) {
  start({"--read-cache-mib", "1"});
  auto a = alice();
  const std::string description(250, 'd');
  std::vector<std::string> paths;
  for (int b = 0; b < 10; ++b) {
    json::array ops;
    for (int i = 0; i < 100; ++i) {
      ops.push_back(json::object{{"op", "create"},
                                 {"task",
                                  {{"userId", "alice"},
                                   {"taskTitle", "t"},
                                   {"taskDescription", description},
                                   {"dueDate", "2099-01-01T00:00:00Z"},
                                   {"warningOffset", 0}}}});
    }
    auto r = a.post("/v1/tasks:batch", {{"operations", ops}});
    ASSERT_EQ(r.status, 200) << r.raw.body.substr(0, 300);
    for (const auto& res : r.json.at("results").as_array()) {
      paths.push_back("/v1/tasks/" + std::string(res.at("task").at("taskId").as_string()));
    }
  }
  for (const auto& p : paths) ASSERT_EQ(a.get(p).status, 200);
  auto adm = admin();
  const std::int64_t bytes = adm.metric("lockstep_read_cache_bytes");
  const std::int64_t entries = adm.metric("lockstep_read_cache_entries");
  EXPECT_EQ(adm.metric("lockstep_read_cache_max_bytes"), 1 << 20);
  EXPECT_LE(bytes, 1 << 20);
  EXPECT_GT(bytes, (1 << 20) / 2);
  EXPECT_LT(entries, 1000);
  EXPECT_GT(entries, 100);
  // Full now: the last 50, read once already, go in at their second read and are hits at the third.
  for (std::size_t i = paths.size() - 50; i < paths.size(); ++i) ASSERT_EQ(a.get(paths[i]).status, 200);
  const std::int64_t hits_before = adm.metric("lockstep_read_cache_hits_total");
  for (std::size_t i = paths.size() - 50; i < paths.size(); ++i) ASSERT_EQ(a.get(paths[i]).status, 200);
  EXPECT_EQ(adm.metric("lockstep_read_cache_hits_total"), hits_before + 50);
  EXPECT_LE(adm.metric("lockstep_read_cache_bytes"), 1 << 20);
}

}  // namespace

LOCKSTEP_ON_BOTH_STORES(ReadCache);

}  // namespace lockstep::testing
