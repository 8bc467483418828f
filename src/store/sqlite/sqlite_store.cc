#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <array>
#include <chrono>

#include "store/sqlite/db.h"
#include "store/sqlite/schema.h"
#include "store/task_list_sql.h"

namespace lockstep {
namespace {

using sqlite::Db;
using sqlite::Stmt;
using sqlite::StmtScope;

// Most reads that share one read transaction (see reader_loop).
constexpr std::size_t kMaxReadGroup = 32;

constexpr const char* kTaskColumns =
    "task_id, user_id, title, description, due, warning_offset, status, version, revision, created_at, updated_at, "
    "updated_by";

Task read_task(Stmt& s) {
  Task t;
  t.id = s.text(0);
  t.fields.user_id = s.text(1);
  t.fields.title = s.text(2);
  t.fields.description = s.text(3);
  t.fields.due = s.int64(4);
  t.fields.warning_offset = s.int64(5);
  t.fields.status = parse_status(s.text(6)).value_or(TaskStatus::kNotStarted);
  t.version = s.int64(7);
  t.revision = s.int64(8);
  t.created_at = s.int64(9);
  t.updated_at = s.int64(10);
  t.updated_by = s.text(11);
  return t;
}

// Binds every column of `t` in table order, from parameter 1.
void bind_task(Stmt& s, const Task& t) {
  s.bind(1, t.id).bind(2, t.fields.user_id).bind(3, t.fields.title).bind(4, t.fields.description);
  s.bind(5, t.fields.due).bind(6, t.fields.warning_offset).bind(7, status_name(t.fields.status));
  s.bind(8, t.version).bind(9, t.revision).bind(10, t.created_at).bind(11, t.updated_at);
  s.bind(12, t.updated_by);
}

Change read_change(Stmt& s) {
  Change c;
  c.revision = s.int64(0);
  std::string type = s.text(1);
  c.type = type == "created" ? ChangeType::kCreated : type == "deleted" ? ChangeType::kDeleted : ChangeType::kUpdated;
  c.task_id = s.text(2);
  c.version = s.int64(3);
  c.task_json = s.is_null(4) ? std::string() : s.text(4);
  c.by = s.text(5);
  c.at = s.int64(6);
  return c;
}

Product read_product(Stmt& s) {
  Product p;
  p.id = s.text(0);
  p.name = s.text(1);
  p.stock = s.int64(2);
  p.price = s.real(3);
  p.version = s.int64(4);
  p.revision = s.int64(5);
  p.created_at = s.int64(6);
  p.updated_at = s.int64(7);
  return p;
}

void bind_product(Stmt& s, const Product& p) {
  s.bind(1, p.id).bind(2, p.name).bind(3, p.stock).bind(4, p.price).bind(5, p.version).bind(6, p.revision);
  s.bind(7, p.created_at).bind(8, p.updated_at);
}

User read_user(Stmt& s) {
  User u;
  u.name = s.text(0);
  u.role = parse_role(s.text(1)).value_or(Role::kUser);
  u.token_hash = s.is_null(2) ? std::string() : s.text(2);
  u.created_at = s.int64(3);
  return u;
}

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

class SqliteTx final : public Tx {
 public:
  explicit SqliteTx(Db& db) : db_(db) {}

  std::optional<Task> get_task(std::string_view id) override {
    StmtScope s(db_.prepare(
        "SELECT task_id, user_id, title, description, due, warning_offset, status, version, "
        "revision, created_at, updated_at, updated_by FROM tasks WHERE task_id = ?"));
    s->bind(1, id);
    if (!s->step()) return std::nullopt;
    return read_task(*s.operator->());
  }

  void insert_task(const Task& t) override {
    Stmt& s = db_.prepare(
        "INSERT INTO tasks(task_id, user_id, title, description, due, warning_offset, status, "
        "version, revision, created_at, updated_at, updated_by) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    bind_task(s, t);
    s.run();
  }

  void update_task(const Task& t) override {
    Stmt& s = db_.prepare(
        "UPDATE tasks SET user_id=?2, title=?3, description=?4, due=?5, warning_offset=?6, "
        "status=?7, version=?8, revision=?9, created_at=?10, updated_at=?11, updated_by=?12 "
        "WHERE task_id=?1");
    bind_task(s, t);
    s.run();
  }

  void delete_task(std::string_view id) override {
    db_.prepare("DELETE FROM tasks WHERE task_id = ?").bind(1, id).run();
  }

  std::vector<Task> list_tasks(const TaskQuery& q) override {
    // A statement per combination of filters, so that the planner uses the filter's index.
    static const auto statements = [] {
      std::array<std::string, kListShapes> all;
      for (unsigned shape = 0; shape < kListShapes; ++shape) all[shape] = task_list_sql(kTaskColumns, '?', shape);
      return all;
    }();
    StmtScope s(db_.prepare(statements[task_list_shape(q)].c_str()));
    int n = 0;
    s->bind(++n, q.after_id);
    if (q.user_id) s->bind(++n, *q.user_id);
    if (q.status) s->bind(++n, status_name(*q.status));
    if (q.due_before) s->bind(++n, *q.due_before);
    s->bind(++n, std::int64_t{q.limit});
    std::vector<Task> out;
    while (s->step()) out.push_back(read_task(*s.operator->()));
    return out;
  }

  std::int64_t latest_revision() override {
    StmtScope s(db_.prepare("SELECT value FROM meta WHERE key = 'revision'"));
    return s->step() ? s->int64(0) : 0;
  }

  std::int64_t next_revision() override {
    StmtScope s(db_.prepare(
        "UPDATE meta SET value = value + 1 WHERE key = 'revision' RETURNING value"));
    if (!s->step()) throw StoreError("the revision counter is missing");
    return s->int64(0);
  }

  void append_change(const Change& c) override {
    Stmt& s = db_.prepare(
        "INSERT INTO changes(revision, type, task_id, version, task, by, at) "
        "VALUES (?,?,?,?,?,?,?)");
    s.bind(1, c.revision).bind(2, change_type_name(c.type)).bind(3, c.task_id).bind(4, c.version);
    c.task_json.empty() ? s.bind_null(5) : s.bind(5, c.task_json);
    s.bind(6, c.by).bind(7, c.at);
    s.run();
  }

  std::vector<Change> list_changes(std::int64_t since, int limit) override {
    StmtScope s(db_.prepare(
        "SELECT revision, type, task_id, version, task, by, at FROM changes "
        "WHERE revision > ? ORDER BY revision LIMIT ?"));
    s->bind(1, since).bind(2, std::int64_t{limit});
    std::vector<Change> out;
    while (s->step()) out.push_back(read_change(*s.operator->()));
    return out;
  }

  std::int64_t feed_pruned_through() override {
    StmtScope s(db_.prepare("SELECT value FROM meta WHERE key = 'feed_pruned_through'"));
    return s->step() ? s->int64(0) : 0;
  }

  std::vector<Change> task_history(std::string_view task_id, int limit) override {
    StmtScope s(db_.prepare(
        "SELECT revision, type, task_id, version, task, by, at FROM changes "
        "WHERE task_id = ?1 AND type <> 'deleted' AND revision > coalesce("
        "  (SELECT max(revision) FROM changes WHERE task_id = ?1 AND type = 'deleted'), 0) "
        "ORDER BY revision DESC LIMIT ?2"));
    s->bind(1, task_id).bind(2, std::int64_t{limit});
    std::vector<Change> out;
    while (s->step()) out.push_back(read_change(*s.operator->()));
    return out;
  }

  std::int64_t prune_changes(std::int64_t after, std::int64_t up_to, std::int64_t keep_versions,
                             int batch) override {
    std::int64_t last = 0;
    {
      StmtScope s(db_.prepare(
          "SELECT max(revision) FROM (SELECT revision FROM changes WHERE revision > ?1 AND revision <= ?2 "
          "ORDER BY revision LIMIT ?3)"));
      s->bind(1, after).bind(2, up_to).bind(3, std::int64_t{batch});
      if (s->step() && !s->is_null(0)) last = s->int64(0);
    }
    if (last == 0) return 0;
    // Out of the history window too: `keep_versions` newer changes of its task exist, or the
    // task's life it belongs to ended with a delete.
    db_.prepare(
           "DELETE FROM changes AS c WHERE c.revision > ?1 AND c.revision <= ?2 AND (?3 <= "
           "(SELECT count(*) FROM (SELECT 1 FROM changes AS n WHERE n.task_id = c.task_id "
           " AND n.revision > c.revision LIMIT ?3)) OR EXISTS (SELECT 1 FROM changes AS d "
           " WHERE d.task_id = c.task_id AND d.type = 'deleted' AND d.revision >= c.revision))")
        .bind(1, after).bind(2, last).bind(3, keep_versions).run();
    db_.prepare("UPDATE meta SET value = max(value, ?) WHERE key = 'feed_pruned_through'").bind(1, last).run();
    return last;
  }

  std::optional<Lock> get_lock(std::string_view task_id) override {
    StmtScope s(db_.prepare(
        "SELECT task_id, owner, token, acquired_at, expires_at FROM locks WHERE task_id = ?"));
    s->bind(1, task_id);
    if (!s->step()) return std::nullopt;
    return Lock{s->text(0), s->text(1), s->int64(2), s->int64(3), s->int64(4)};
  }

  void put_lock(const Lock& l) override {
    db_.prepare("INSERT OR REPLACE INTO locks(task_id, owner, token, acquired_at, expires_at) VALUES (?,?,?,?,?)")
        .bind(1, l.task_id).bind(2, l.owner).bind(3, l.token).bind(4, l.acquired_at).bind(5, l.expires_at)
        .run();
  }

  void delete_lock(std::string_view task_id) override {
    db_.prepare("DELETE FROM locks WHERE task_id = ?").bind(1, task_id).run();
  }

  std::int64_t next_lock_token() override {
    StmtScope s(db_.prepare(
        "UPDATE meta SET value = value + 1 WHERE key = 'lock_token' RETURNING value"));
    if (!s->step()) throw StoreError("the lock token counter is missing");
    return s->int64(0);
  }

  std::int64_t count_live_locks(Millis now) override {
    StmtScope s(db_.prepare("SELECT count(*) FROM locks WHERE expires_at > ?"));
    s->bind(1, now);
    return s->step() ? s->int64(0) : 0;
  }

  std::int64_t delete_expired_locks(Millis now) override {
    db_.prepare("DELETE FROM locks WHERE expires_at <= ?").bind(1, now).run();
    return sqlite3_changes(db_.handle());
  }

  std::optional<Product> get_product(std::string_view id) override {
    StmtScope s(db_.prepare(
        "SELECT product_id, name, stock, price, version, revision, created_at, updated_at FROM products "
        "WHERE product_id = ?"));
    s->bind(1, id);
    if (!s->step()) return std::nullopt;
    return read_product(*s.operator->());
  }

  void insert_product(const Product& p) override {
    Stmt& s = db_.prepare(
        "INSERT INTO products(product_id, name, stock, price, version, revision, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?)");
    bind_product(s, p);
    s.run();
  }

  void update_product(const Product& p) override {
    Stmt& s = db_.prepare(
        "UPDATE products SET name=?2, stock=?3, price=?4, version=?5, revision=?6, created_at=?7, updated_at=?8 "
        "WHERE product_id=?1");
    bind_product(s, p);
    s.run();
  }

  void delete_product(std::string_view id) override {
    db_.prepare("DELETE FROM products WHERE product_id = ?").bind(1, id).run();
  }

  std::vector<Product> list_products(std::string_view after_id, int limit) override {
    StmtScope s(db_.prepare(
        "SELECT product_id, name, stock, price, version, revision, created_at, updated_at FROM products "
        "WHERE product_id > ? ORDER BY product_id LIMIT ?"));
    s->bind(1, after_id).bind(2, std::int64_t{limit});
    std::vector<Product> out;
    while (s->step()) out.push_back(read_product(*s.operator->()));
    return out;
  }

  std::optional<Product> take_stock(std::string_view id, std::int64_t quantity, std::int64_t revision,
                                    Millis now) override {
    StmtScope s(db_.prepare(
        "UPDATE products SET stock = stock - ?2, version = version + 1, revision = ?3, "
        "updated_at = max(?4, updated_at + 1) WHERE product_id = ?1 AND stock >= ?2 "
        "RETURNING product_id, name, stock, price, version, revision, created_at, updated_at"));
    s->bind(1, id).bind(2, quantity).bind(3, revision).bind(4, now);
    if (!s->step()) return std::nullopt;
    return read_product(*s.operator->());
  }

  std::optional<IdempotencyRecord> get_idempotency(std::string_view principal, std::string_view key) override {
    StmtScope s(db_.prepare(
        "SELECT principal, key, method, target, body_hash, response, created_at FROM idempotency "
        "WHERE principal = ? AND key = ?"));
    s->bind(1, principal).bind(2, key);
    if (!s->step()) return std::nullopt;
    return IdempotencyRecord{s->text(0), s->text(1), s->text(2), s->text(3), s->text(4), s->text(5), s->int64(6)};
  }

  void put_idempotency(const IdempotencyRecord& r) override {
    db_.prepare(
           "INSERT OR REPLACE INTO idempotency(principal, key, method, target, body_hash, response, created_at) "
           "VALUES (?,?,?,?,?,?,?)")
        .bind(1, r.principal).bind(2, r.key).bind(3, r.method).bind(4, r.target).bind(5, r.body_hash)
        .bind(6, r.response_json).bind(7, r.created_at)
        .run();
  }

  std::int64_t delete_idempotency_before(Millis before) override {
    db_.prepare("DELETE FROM idempotency WHERE created_at < ?").bind(1, before).run();
    return sqlite3_changes(db_.handle());
  }

  // Savepoint names are string literals of the project, never client input.
  void savepoint(const char* name) override { db_.exec((std::string("SAVEPOINT ") + name).c_str()); }
  void rollback_to(const char* name) override { db_.exec((std::string("ROLLBACK TO ") + name).c_str()); }
  // Called from Savepoint's destructor, so it never throws. RELEASE fails only when SQLite has
  // already cancelled the whole transaction (SQLITE_FULL, an I/O error, an interrupt): the error
  // that did it is on its way out of the job, and the writer then fails every job of the group,
  // since its own RELEASE and COMMIT fail too.
  void release(const char* name) override {
    sqlite3_exec(db_.handle(), (std::string("RELEASE ") + name).c_str(), nullptr, nullptr, nullptr);
  }

  std::optional<User> find_user_by_token_hash(std::string_view hash) override {
    StmtScope s(db_.prepare(
        "SELECT name, role, token_hash, created_at FROM users WHERE token_hash = ?"));
    s->bind(1, hash);
    if (!s->step()) return std::nullopt;
    return read_user(*s.operator->());
  }

  std::optional<User> find_user(std::string_view name) override {
    StmtScope s(db_.prepare("SELECT name, role, token_hash, created_at FROM users WHERE name = ?"));
    s->bind(1, name);
    if (!s->step()) return std::nullopt;
    return read_user(*s.operator->());
  }

  std::vector<User> list_users() override {
    StmtScope s(db_.prepare("SELECT name, role, token_hash, created_at FROM users ORDER BY name"));
    std::vector<User> out;
    while (s->step()) out.push_back(read_user(*s.operator->()));
    return out;
  }

  std::int64_t count_users() override {
    StmtScope s(db_.prepare("SELECT count(*) FROM users"));
    return s->step() ? s->int64(0) : 0;
  }

  void put_user(const User& u) override {
    Stmt& s = db_.prepare(
        "INSERT OR REPLACE INTO users(name, role, token_hash, created_at) VALUES (?,?,?,?)");
    s.bind(1, u.name).bind(2, role_name(u.role));
    u.token_hash.empty() ? s.bind_null(3) : s.bind(3, u.token_hash);
    s.bind(4, u.created_at);
    s.run();
  }

 private:
  Db& db_;
};

}  // namespace

SqliteStore::SqliteStore(const StoreOptions& options)
    : options_(options), clock_(options.clock ? *options.clock : SystemClock::instance()) {
  // Every connection is opened here, on the calling thread, so that a bad path or a database of
  // a newer schema fails start-up with its reason.
  auto writer_db = std::make_unique<Db>(options_.url);
  configure(*writer_db, 16 * 1024);
  sqlite::migrate(*writer_db);
  std::vector<std::unique_ptr<Db>> reader_dbs;
  for (int i = 0; i < options_.readers; ++i) {
    reader_dbs.push_back(std::make_unique<Db>(options_.url));
    configure(*reader_dbs.back(), 4 * 1024);
    reader_dbs.back()->exec("PRAGMA query_only=1");
  }
  writer_ = std::thread([this, db = std::move(writer_db)]() mutable { writer_loop(std::move(db)); });
  for (auto& db : reader_dbs) {
    readers_.emplace_back([this, db = std::move(db)]() mutable { reader_loop(std::move(db)); });
  }
}

SqliteStore::~SqliteStore() { stop(); }

void SqliteStore::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
  }
  write_cv_.notify_all();
  read_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  for (auto& t : readers_) {
    if (t.joinable()) t.join();
  }
}

void SqliteStore::write(WriteJob job, WriteDone done) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      done(WriteOutcome::kFailed);
      return;
    }
    writes_.push_back({std::move(job), std::move(done)});
    pending_writes_.fetch_add(1);
  }
  write_cv_.notify_one();
}

void SqliteStore::read(ReadJob job, std::function<void()> failed) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      failed();
      return;
    }
    reads_.push_back({std::move(job), std::move(failed)});
  }
  read_cv_.notify_one();
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
    if (rc != SQLITE_DONE) return Error(Code::kStoreUnavailable, std::string("the restore failed: ") + sqlite3_errstr(rc));
    return Ok{};
  } catch (const StoreError& e) {
    return Error(Code::kStoreUnavailable, e.what());
  }
}

void SqliteStore::writer_loop(std::unique_ptr<Db> owned) {
  Db& db = *owned;
  SqliteTx tx(db);
  std::vector<PendingWrite> group;
  std::vector<bool> ok;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      write_cv_.wait(lock, [&] { return stopping_ || !writes_.empty(); });
      if (writes_.empty()) return;  // stopping, and everything accepted is done
      while (!writes_.empty() && group.size() < static_cast<std::size_t>(options_.max_group)) {
        group.push_back(std::move(writes_.front()));
        writes_.pop_front();
      }
    }
    ok.assign(group.size(), false);
    bool committed = false;
    const auto started = std::chrono::steady_clock::now();
    try {
      db.run("BEGIN IMMEDIATE");
      for (std::size_t i = 0; i < group.size(); ++i) {
        db.run("SAVEPOINT job");
        bool keep = false;
        try {
          keep = group[i].job(tx);
          ok[i] = true;
        } catch (const std::exception&) {
          // The job's writes are undone below; it is answered as failed.
        }
        if (!keep) db.run("ROLLBACK TO job");
        db.run("RELEASE job");
      }
      db.run("COMMIT");
      committed = true;
      healthy_ = true;
      commit_seconds_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      group_size_.observe(static_cast<double>(group.size()));
    } catch (const StoreError&) {
      healthy_ = false;
      db.rollback_if_open();
    }
    for (std::size_t i = 0; i < group.size(); ++i) group[i].done(committed && ok[i] ? WriteOutcome::kCommitted : WriteOutcome::kFailed);
    pending_writes_.fetch_sub(group.size());
    group.clear();
  }
}

void SqliteStore::reader_loop(std::unique_ptr<Db> owned) {
  Db& db = *owned;
  SqliteTx tx(db);
  std::vector<PendingRead> group;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      ++idle_readers_;
      read_cv_.wait(lock, [&] { return stopping_ || !reads_.empty(); });
      --idle_readers_;
      if (reads_.empty()) return;
      // The reads taken share one read transaction: its snapshot is taken after each of them was
      // submitted, so each still sees every write acknowledged before it, and the cost of
      // beginning and ending a transaction is paid once for the group. Idle readers (woken for
      // these reads, or about to be) get their share, so that a burst still runs in parallel.
      const std::size_t share = (reads_.size() + idle_readers_) / (idle_readers_ + 1);
      while (!reads_.empty() && group.size() < std::min(share, kMaxReadGroup)) {
        group.push_back(std::move(reads_.front()));
        reads_.pop_front();
      }
    }
    bool open = false;
    for (auto& r : group) {
      bool ran = false;
      try {
        if (!open) db.run("BEGIN");
        open = true;
        r.job(tx);
        ran = true;
      } catch (const std::exception&) {
        // A failed statement may have ended the transaction: the next job begins a new one.
        db.rollback_if_open();
        open = false;
        if (!ran) r.failed();
      }
    }
    if (open) {
      try {
        db.run("COMMIT");
      } catch (const std::exception&) {
        // Every job has answered; a read-only transaction that cannot commit just ends.
        db.rollback_if_open();
      }
    }
    group.clear();
  }
}

}  // namespace lockstep
