#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <vector>

#include "core/mutex.h"
#include "store/group_commit.h"
#include "store/sqlite/db.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_tx.h"

namespace lockstep {
namespace sqlite {

// The writer's side of LocalReads: tells whoever registered which tasks a transaction wrote.
class TaskWriteWatch {
 public:
  void set(TasksWritten written) {
    MutexLock lock(mu_);
    written_ = std::move(written);
  }
  void tell(const std::vector<std::string>& task_ids, WritePhase phase) {
    if (task_ids.empty()) return;
    MutexLock lock(mu_);
    if (written_) written_(task_ids, phase);
  }

 private:
  Mutex mu_;
  TasksWritten written_ LOCKSTEP_GUARDED_BY(mu_);
};

}  // namespace sqlite

namespace {

using sqlite::Db;
using sqlite::Stmt;

// Most reads that share one read transaction (see JobQueue::take_reads).
constexpr std::size_t kMaxReadGroup = 32;

// Configures a connection: WAL, full durability (a commit is on disk, surviving an OS crash), a
// bounded page cache, and patience with other processes (`lockstepd user add` beside a server).
void configure(Db& db, int cache_kib) {
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=FULL");
  db.exec("PRAGMA busy_timeout=10000");
  db.exec("PRAGMA temp_store=MEMORY");
  std::string cache = "PRAGMA cache_size=-" + std::to_string(cache_kib);
  db.exec(cache.c_str());
}

// A connection as the shared transaction loops drive it. `begin` is the writer's BEGIN IMMEDIATE
// (the write lock at once, not at the first write, which could then fail as busy) or a reader's
// BEGIN. Every statement is prepared once.
//
// The writer's session also tells `watch` which tasks each transaction wrote (TasksWritten): before
// COMMIT, so that no read cache keeps or takes a task's value from then on, and after the
// transaction ended, from when it may again; both before commit_group answers any job of the group.
class SqliteSession final : public Session {
 public:
  SqliteSession(std::unique_ptr<Db> db, const char* begin, sqlite::TaskWriteWatch* watch = nullptr)
      : db_(std::move(db)), tx_(*db_), begin_(begin), watch_(watch) {
    if (watch_) tx_.note_task_writes(&written_);
  }

  Tx& tx() override { return tx_; }
  void begin() override {
    written_.clear();
    db_->run(begin_);
  }
  void commit() override {
    if (watch_) watch_->tell(written_, WritePhase::kCommitting);
    db_->run("COMMIT");
    tell_ended();
  }
  void rollback() noexcept override {
    db_->rollback_if_open();
    try {
      tell_ended();
    } catch (...) {  // a cache that could not forget a task would answer it stale: stop instead
      std::terminate();
    }
  }
  void savepoint() override { db_->run("SAVEPOINT job"); }
  void rollback_to_savepoint() override { db_->run("ROLLBACK TO job"); }
  void release_savepoint() override { db_->run("RELEASE job"); }

 private:
  void tell_ended() {
    if (watch_) watch_->tell(written_, WritePhase::kEnded);
    written_.clear();
  }

  std::unique_ptr<Db> db_;
  sqlite::SqliteTx tx_;
  const char* begin_;
  sqlite::TaskWriteWatch* watch_;
  std::vector<std::string> written_;  // the open transaction's tasks (watch_ only)
};

// The one writer: group commit on the only writing connection. A failed commit marks the store
// unhealthy (readiness) until one succeeds.
class GroupWriter final : public WriteWorker {
 public:
  GroupWriter(std::unique_ptr<Db> db, sqlite::TaskWriteWatch& watch, CommitStats& stats, std::atomic<bool>& healthy)
      : session_(std::move(db), "BEGIN IMMEDIATE", &watch), stats_(stats), healthy_(healthy) {}

  void run(std::span<PendingWrite> group) override {
    const GroupOutcome outcome = commit_group(session_, group, stats_);
    healthy_ = outcome.committed;  // before the answers, which may be followed by a readiness probe
    outcome.answer(group);
  }

 private:
  SqliteSession session_;
  CommitStats& stats_;
  std::atomic<bool>& healthy_;
};

class GroupReader final : public ReadWorker {
 public:
  explicit GroupReader(std::unique_ptr<Db> db) : session_(std::move(db), "BEGIN") {}
  void run(std::span<PendingRead> group) override { read_group(session_, group); }

 private:
  SqliteSession session_;
};

// A connection for reads on the calling thread (an I/O thread answering from memory), one thread
// at a time.
class SqliteLocalReads final : public LocalReads {
 public:
  SqliteLocalReads(const std::string& url, sqlite::TaskWriteWatch& watch) : db_(url), tx_(db_), watch_(watch) {
    configure(db_, 1024);  // point lookups of users: a small cache
    db_.exec("PRAGMA query_only=1");
    db_.exec("PRAGMA busy_timeout=0");  // never holds up an I/O thread: the caller goes to the store
  }
  ~SqliteLocalReads() override { watch_.set(nullptr); }

  void on_tasks_written(TasksWritten written) override { watch_.set(std::move(written)); }

  // PRAGMA data_version: unchanged between two calls on one connection exactly when no other
  // connection committed in between (our writer is another connection, as is every process's).
  std::uint64_t data_version() override {
    MutexLock lock(mu_);
    sqlite::StmtScope s(db_.prepare("PRAGMA data_version"));
    if (!s->step()) throw StoreError("PRAGMA data_version answered nothing");
    return static_cast<std::uint64_t>(s->int64(0));
  }

  void read_here(const std::function<void(Tx&)>& job) override {
    MutexLock lock(mu_);
    sqlite::Transaction t(db_, "BEGIN");
    job(tx_);
    t.commit();
  }

 private:
  Mutex mu_;
  Db db_ LOCKSTEP_GUARDED_BY(mu_);
  sqlite::SqliteTx tx_ LOCKSTEP_GUARDED_BY(mu_);
  sqlite::TaskWriteWatch& watch_;
};

}  // namespace

SqliteStore::SqliteStore(const StoreOptions& options)
    : options_(options),
      clock_(options.clock ? *options.clock : SystemClock::instance()),
      watch_(std::make_unique<sqlite::TaskWriteWatch>()),
      queue_({static_cast<std::size_t>(std::max(1, options.max_group)), kMaxReadGroup}) {
  // Every connection is opened here, on the calling thread, so that a bad path or a database of
  // a newer schema fails start-up with its reason.
  auto writer_db = std::make_unique<Db>(options_.url);
  configure(*writer_db, 16 * 1024);
  sqlite::migrate(*writer_db);
  std::vector<std::unique_ptr<WriteWorker>> writers;
  writers.push_back(std::make_unique<GroupWriter>(std::move(writer_db), *watch_, queue_.stats(), healthy_));
  std::vector<std::unique_ptr<ReadWorker>> readers;
  for (int i = 0; i < options_.readers; ++i) {
    auto db = std::make_unique<Db>(options_.url);
    configure(*db, 4 * 1024);
    db->exec("PRAGMA query_only=1");
    readers.push_back(std::make_unique<GroupReader>(std::move(db)));
  }
  queue_.start(std::move(writers), std::move(readers));
}

SqliteStore::~SqliteStore() { stop(); }

std::unique_ptr<LocalReads> SqliteStore::local_reads() {
  return std::make_unique<SqliteLocalReads>(options_.url, *watch_);
}

Status SqliteStore::backup_to(const std::string& path) {
  // A connection of its own: the online backup copies pages while the writer goes on.
  try {
    Db source(options_.url);
    sqlite3* dest = nullptr;
    if (sqlite3_open(path.c_str(), &dest) != SQLITE_OK) {
      std::string msg = dest ? sqlite3_errmsg(dest) : "cannot open";
      sqlite3_close(dest);
      return Error(Code::kStoreUnavailable, "cannot write the backup '" + path + "': " + msg);
    }
    sqlite3_backup* b = sqlite3_backup_init(dest, "main", source.handle(), "main");
    int rc = b ? SQLITE_OK : sqlite3_errcode(dest);
    if (b) {
      do {
        rc = sqlite3_backup_step(b, 256);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(10);  // the writer holds a lock
      } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
      sqlite3_backup_finish(b);
    }
    std::string msg = sqlite3_errmsg(dest);
    sqlite3_close(dest);
    if (rc != SQLITE_DONE) return Error(Code::kStoreUnavailable, "the backup failed: " + msg);
    return Ok{};
  } catch (const StoreError& e) {
    return Error(Code::kStoreUnavailable, e.what());
  }
}

Status sqlite_restore(const std::string& backup_path, const std::string& db_path) {
  try {
    Db backup(backup_path);
    Stmt version(backup, "PRAGMA user_version");
    version.step();
    const std::int64_t v = version.int64(0);
    version.reset();
    Stmt tables(backup, "SELECT count(*) FROM sqlite_master WHERE name IN ('tasks', 'changes', 'users')");
    tables.step();
    if (v < 1 || v > sqlite::kSchemaVersion || tables.int64(0) != 3) {
      return Error(Code::kValidationFailed, "'" + backup_path + "' is not a Lockstep backup this version can restore");
    }
    tables.reset();
    Db target(db_path);
    sqlite3_backup* b = sqlite3_backup_init(target.handle(), "main", backup.handle(), "main");
    if (!b) return Error(Code::kStoreUnavailable, std::string("cannot restore: ") + sqlite3_errmsg(target.handle()));
    int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
      return Error(Code::kStoreUnavailable, std::string("the restore failed: ") + sqlite3_errstr(rc));
    return Ok{};
  } catch (const StoreError& e) {
    return Error(Code::kStoreUnavailable, e.what());
  }
}

}  // namespace lockstep
