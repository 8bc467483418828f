// What only the SQLite store has to get right: SQLite cancelling a whole write transaction on its
// own (a full disk, an I/O error, an interrupt) while a job is inside a savepoint.
#include <sqlite3.h>

#include <atomic>
#include <string>
#include <string_view>

#include "store_fixture.h"

namespace lockstep::testing {
namespace {

// The page limit given to every connection opened on a file named kSmallFile (0: none). PRAGMA
// max_page_count holds per connection, so it is set as each of the store's connections opens.
constexpr std::string_view kSmallFile = "small.db";
std::atomic<int> g_max_pages{0};

int cap_pages(sqlite3* db, char**, const sqlite3_api_routines*) {
  const char* file = sqlite3_db_filename(db, "main");
  if (g_max_pages.load() > 0 && file && std::string_view(file).ends_with(kSmallFile)) {
    const std::string sql = "PRAGMA max_page_count=" + std::to_string(g_max_pages.load());
    sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  }
  return SQLITE_OK;
}

// Caps, while it lives, the database at `path` to `extra` pages more than it holds now: a disk
// that is almost full, for the connections opened meanwhile.
class SmallDisk {
 public:
  SmallDisk(const std::string& path, int extra) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &s, nullptr);
    const int pages = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    sqlite3_close(db);
    g_max_pages = pages + extra;
    sqlite3_auto_extension(reinterpret_cast<void (*)()>(cap_pages));
  }
  ~SmallDisk() {
    sqlite3_cancel_auto_extension(reinterpret_cast<void (*)()>(cap_pages));
    g_max_pages = 0;
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
};

Task big_task(int i) {
  Task t = make_task("big-" + std::to_string(i));
  t.fields.description = std::string(3000, 'x');
  return t;
}

// A write that fills the disk inside a savepoint: SQLite cancels the whole transaction, and the
// StoreError leaves the job through ~Savepoint, whose RELEASE then has no transaction to release.
// That destructor must not throw (it would end the process); the write fails, nothing of it is
// kept, and the store goes on.
TEST(SqliteStore, a_write_that_fills_the_disk_inside_a_savepoint_fails_alone_and_the_store_goes_on) {
  TempDir dir;
  const std::string path = dir.file(std::string(kSmallFile));
  open_store(StoreOptions{path, 1, 512})->stop();  // the schema, before the disk is capped
  SmallDisk disk(path, 16);
  auto store = open_store(StoreOptions{path, 1, 512});
  int inserted = 0;
  EXPECT_FALSE(store->write_sync([&](Tx& tx) {
    Savepoint request(tx, "request");
    for (int i = 0; i < 1000; ++i) {  // 3 MB: far more than 16 pages
      tx.insert_task(big_task(i));
      ++inserted;
    }
    return true;
  })) << "the disk never filled";
  EXPECT_GT(inserted, 0);
  EXPECT_LT(inserted, 1000);
  EXPECT_TRUE(store->write_sync([](Tx& tx) {
    tx.insert_task(make_task("after"));
    return true;
  }));
  EXPECT_TRUE(store->healthy());
  bool found_big = true, found_after = false;
  store->write_sync([&](Tx& tx) {
    found_big = tx.get_task("big-0").has_value();
    found_after = tx.get_task("after").has_value();
    return false;
  });
  EXPECT_FALSE(found_big) << "a part of the failed write was kept";
  EXPECT_TRUE(found_after);
  store->stop();
}

// One process owns the database: its clock is the node's own, and a test moves it.
TEST(SqliteStore, the_store_clock_is_the_node_s_own) {
  TempDir dir;
  MovableClock clock(1'700'000'000'000);
  auto store = open_store(StoreOptions{dir.file("clock.db"), 1, 512, &clock});
  EXPECT_EQ(store->clock().now(), 1'700'000'000'000);
  clock.advance(60'000);
  EXPECT_EQ(store->clock().now(), 1'700'000'060'000);
}

// Which backend a --db names is decided once, by store/open.h, for opening, locking, backup and
// restore alike: lockstepd once took any path starting "postgres" (a SQLite file postgres.db) for
// PostgreSQL there, and so left it unlocked and refused to back it up.
TEST(SqliteStore, only_a_postgresql_url_names_postgres_a_file_named_postgres_is_sqlite) {
  EXPECT_TRUE(is_postgres_url("postgresql://lockstep@localhost/lockstep"));
  EXPECT_TRUE(is_postgres_url("postgres://lockstep@localhost/lockstep"));
  EXPECT_FALSE(is_postgres_url("postgres.db"));
  EXPECT_FALSE(is_postgres_url("postgresql.sqlite"));
  EXPECT_FALSE(is_postgres_url("./lockstep.db"));
}

// What the read cache builds on (store/local_reads.h). The writer tells the tasks a transaction
// wrote before its COMMIT (another connection does not see the write yet) and again after it (it
// does), also when the job undid its writes; a write of no task tells nothing. data_version
// changes with every commit of another connection (the writer's, another process's) and only then.
TEST(SqliteStore, local_reads_hear_of_each_written_task_before_and_after_its_commit) {
  TempDir dir;
  auto store = open_store(StoreOptions{dir.file("local.db"), 1, 512});
  auto local = open_local_reads(*store);
  ASSERT_TRUE(local);
  struct Told {
    std::vector<std::string> ids;
    WritePhase phase;
    bool visible = false;  // to the local connection, at that moment
  };
  std::vector<Told> told;
  local->on_tasks_written([&](const std::vector<std::string>& ids, WritePhase phase) {
    Told t{ids, phase};
    local->read_here([&](Tx& tx) { t.visible = tx.get_task(ids.front()).has_value(); });
    told.push_back(std::move(t));
  });
  const std::uint64_t v0 = local->data_version();
  EXPECT_EQ(local->data_version(), v0);
  ASSERT_TRUE(store->write_sync([](Tx& tx) {
    tx.insert_task(make_task("t1"));
    return true;
  }));
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[0].ids, std::vector<std::string>{"t1"});
  EXPECT_EQ(told[0].phase, WritePhase::kCommitting);
  EXPECT_FALSE(told[0].visible);
  EXPECT_EQ(told[1].ids, std::vector<std::string>{"t1"});
  EXPECT_EQ(told[1].phase, WritePhase::kEnded);
  EXPECT_TRUE(told[1].visible);
  const std::uint64_t v1 = local->data_version();
  EXPECT_NE(v1, v0);

  told.clear();
  store->write_sync([](Tx& tx) {
    tx.insert_task(make_task("t2"));
    return false;  // undone
  });
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[1].ids, std::vector<std::string>{"t2"});
  EXPECT_EQ(told[1].phase, WritePhase::kEnded);
  EXPECT_FALSE(told[1].visible);

  told.clear();
  store->write_sync([](Tx& tx) {
    tx.put_user(User{"zed", Role::kUser, "hash-of-zed", 0});
    return true;
  });
  EXPECT_TRUE(told.empty());
  const std::uint64_t v2 = local->data_version();
  EXPECT_NE(v2, v1);
  {
    sqlite3* other = nullptr;  // another process's connection, as `lockstepd user revoke` has
    ASSERT_EQ(sqlite3_open(dir.file("local.db").c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "UPDATE users SET token_hash = NULL WHERE name = 'zed'", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(other);
  }
  EXPECT_NE(local->data_version(), v2);
  local->on_tasks_written(nullptr);
  store->stop();
}

}  // namespace
}  // namespace lockstep::testing
