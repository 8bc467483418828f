#include "store/sqlite/sqlite_tx.h"

#include <array>

#include "store/sqlite/rows.h"
#include "store/task_list_sql.h"

namespace lockstep::sqlite {

std::optional<Task> SqliteTx::get_task(std::string_view id) {
  StmtScope s(
      db_.prepare("SELECT task_id, user_id, title, description, due, warning_offset, status, version, "
                  "revision, created_at, updated_at, updated_by FROM tasks WHERE task_id = ?"));
  s->bind(1, id);
  if (!s->step()) return std::nullopt;
  return read_task(*s.operator->());
}

void SqliteTx::insert_task(const Task& t) {
  Stmt& s = db_.prepare(
      "INSERT INTO tasks(task_id, user_id, title, description, due, warning_offset, status, "
      "version, revision, created_at, updated_at, updated_by) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
  bind_task(s, t);
  s.run();
  wrote(t.id);
}

void SqliteTx::update_task(const Task& t) {
  Stmt& s = db_.prepare(
      "UPDATE tasks SET user_id=?2, title=?3, description=?4, due=?5, warning_offset=?6, "
      "status=?7, version=?8, revision=?9, created_at=?10, updated_at=?11, updated_by=?12 "
      "WHERE task_id=?1");
  bind_task(s, t);
  s.run();
  wrote(t.id);
}

void SqliteTx::delete_task(std::string_view id) {
  db_.prepare("DELETE FROM tasks WHERE task_id = ?").bind(1, id).run();
  wrote(id);
}

std::vector<Task> SqliteTx::list_tasks(const TaskQuery& q) {
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
  for (Millis v : task_list_warning_values(q)) s->bind(++n, v);
  s->bind(++n, std::int64_t{q.limit});
  std::vector<Task> out;
  while (s->step()) out.push_back(read_task(*s.operator->()));
  return out;
}

std::int64_t SqliteTx::latest_revision() {
  StmtScope s(db_.prepare("SELECT value FROM meta WHERE key = 'revision'"));
  return s->step() ? s->int64(0) : 0;
}

std::int64_t SqliteTx::next_revision() {
  StmtScope s(db_.prepare("UPDATE meta SET value = value + 1 WHERE key = 'revision' RETURNING value"));
  if (!s->step()) throw StoreError("the revision counter is missing");
  return s->int64(0);
}

void SqliteTx::append_change(const Change& c) {
  Stmt& s = db_.prepare(
      "INSERT INTO changes(revision, type, task_id, version, task, by, at) "
      "VALUES (?,?,?,?,?,?,?)");
  s.bind(1, c.revision).bind(2, change_type_name(c.type)).bind(3, c.task_id).bind(4, c.version);
  c.task_json.empty() ? s.bind_null(5) : s.bind(5, c.task_json);
  s.bind(6, c.by).bind(7, c.at);
  s.run();
}

std::vector<Change> SqliteTx::list_changes(std::int64_t since, int limit) {
  StmtScope s(
      db_.prepare("SELECT revision, type, task_id, version, task, by, at FROM changes "
                  "WHERE revision > ? ORDER BY revision LIMIT ?"));
  s->bind(1, since).bind(2, std::int64_t{limit});
  std::vector<Change> out;
  while (s->step()) out.push_back(read_change(*s.operator->()));
  return out;
}

std::int64_t SqliteTx::feed_pruned_through() {
  StmtScope s(db_.prepare("SELECT value FROM meta WHERE key = 'feed_pruned_through'"));
  return s->step() ? s->int64(0) : 0;
}

std::vector<Change> SqliteTx::task_history(std::string_view task_id, int limit) {
  StmtScope s(
      db_.prepare("SELECT revision, type, task_id, version, task, by, at FROM changes "
                  "WHERE task_id = ?1 AND type <> 'deleted' AND revision > coalesce("
                  "  (SELECT max(revision) FROM changes WHERE task_id = ?1 AND type = 'deleted'), 0) "
                  "ORDER BY revision DESC LIMIT ?2"));
  s->bind(1, task_id).bind(2, std::int64_t{limit});
  std::vector<Change> out;
  while (s->step()) out.push_back(read_change(*s.operator->()));
  return out;
}

std::int64_t SqliteTx::prune_changes(std::int64_t after, std::int64_t up_to, std::int64_t keep_versions, int batch) {
  std::int64_t last = 0;
  {
    StmtScope s(
        db_.prepare("SELECT max(revision) FROM (SELECT revision FROM changes WHERE revision > ?1 AND revision <= ?2 "
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
      .bind(1, after)
      .bind(2, last)
      .bind(3, keep_versions)
      .run();
  db_.prepare("UPDATE meta SET value = max(value, ?) WHERE key = 'feed_pruned_through'").bind(1, last).run();
  return last;
}

std::optional<Lock> SqliteTx::get_lock(std::string_view task_id) {
  StmtScope s(db_.prepare("SELECT task_id, owner, token, acquired_at, expires_at FROM locks WHERE task_id = ?"));
  s->bind(1, task_id);
  if (!s->step()) return std::nullopt;
  return Lock{s->text(0), s->text(1), s->int64(2), s->int64(3), s->int64(4)};
}

void SqliteTx::put_lock(const Lock& l) {
  db_.prepare("INSERT OR REPLACE INTO locks(task_id, owner, token, acquired_at, expires_at) VALUES (?,?,?,?,?)")
      .bind(1, l.task_id)
      .bind(2, l.owner)
      .bind(3, l.token)
      .bind(4, l.acquired_at)
      .bind(5, l.expires_at)
      .run();
  wrote(l.task_id);
}

void SqliteTx::delete_lock(std::string_view task_id) {
  db_.prepare("DELETE FROM locks WHERE task_id = ?").bind(1, task_id).run();
  wrote(task_id);
}

std::int64_t SqliteTx::next_lock_token() {
  StmtScope s(db_.prepare("UPDATE meta SET value = value + 1 WHERE key = 'lock_token' RETURNING value"));
  if (!s->step()) throw StoreError("the lock token counter is missing");
  return s->int64(0);
}

std::int64_t SqliteTx::count_live_locks(Millis now) {
  StmtScope s(db_.prepare("SELECT count(*) FROM locks WHERE expires_at > ?"));
  s->bind(1, now);
  return s->step() ? s->int64(0) : 0;
}

// Not noted as written (note_task_writes): a lock that has expired shows in no answer already.
std::int64_t SqliteTx::delete_expired_locks(Millis now) {
  db_.prepare("DELETE FROM locks WHERE expires_at <= ?").bind(1, now).run();
  return sqlite3_changes(db_.handle());
}

std::optional<Product> SqliteTx::get_product(std::string_view id) {
  StmtScope s(
      db_.prepare("SELECT product_id, name, stock, price, version, revision, created_at, updated_at FROM products "
                  "WHERE product_id = ?"));
  s->bind(1, id);
  if (!s->step()) return std::nullopt;
  return read_product(*s.operator->());
}

void SqliteTx::insert_product(const Product& p) {
  Stmt& s = db_.prepare(
      "INSERT INTO products(product_id, name, stock, price, version, revision, created_at, updated_at) "
      "VALUES (?,?,?,?,?,?,?,?)");
  bind_product(s, p);
  s.run();
}

void SqliteTx::update_product(const Product& p) {
  Stmt& s = db_.prepare(
      "UPDATE products SET name=?2, stock=?3, price=?4, version=?5, revision=?6, created_at=?7, updated_at=?8 "
      "WHERE product_id=?1");
  bind_product(s, p);
  s.run();
}

void SqliteTx::delete_product(std::string_view id) {
  db_.prepare("DELETE FROM products WHERE product_id = ?").bind(1, id).run();
}

std::vector<Product> SqliteTx::list_products(std::string_view after_id, int limit) {
  StmtScope s(
      db_.prepare("SELECT product_id, name, stock, price, version, revision, created_at, updated_at FROM products "
                  "WHERE product_id > ? ORDER BY product_id LIMIT ?"));
  s->bind(1, after_id).bind(2, std::int64_t{limit});
  std::vector<Product> out;
  while (s->step()) out.push_back(read_product(*s.operator->()));
  return out;
}

std::optional<Product> SqliteTx::take_stock(std::string_view id, std::int64_t quantity, std::int64_t revision,
                                            Millis now) {
  StmtScope s(
      db_.prepare("UPDATE products SET stock = stock - ?2, version = version + 1, revision = ?3, "
                  "updated_at = max(?4, updated_at + 1) WHERE product_id = ?1 AND stock >= ?2 "
                  "RETURNING product_id, name, stock, price, version, revision, created_at, updated_at"));
  s->bind(1, id).bind(2, quantity).bind(3, revision).bind(4, now);
  if (!s->step()) return std::nullopt;
  return read_product(*s.operator->());
}

std::optional<IdempotencyRecord> SqliteTx::get_idempotency(std::string_view principal, std::string_view key) {
  StmtScope s(
      db_.prepare("SELECT principal, key, method, target, body_hash, response, created_at FROM idempotency "
                  "WHERE principal = ? AND key = ?"));
  s->bind(1, principal).bind(2, key);
  if (!s->step()) return std::nullopt;
  return IdempotencyRecord{s->text(0), s->text(1), s->text(2), s->text(3), s->text(4), s->text(5), s->int64(6)};
}

void SqliteTx::put_idempotency(const IdempotencyRecord& r) {
  db_.prepare(
         "INSERT OR REPLACE INTO idempotency(principal, key, method, target, body_hash, response, created_at) "
         "VALUES (?,?,?,?,?,?,?)")
      .bind(1, r.principal)
      .bind(2, r.key)
      .bind(3, r.method)
      .bind(4, r.target)
      .bind(5, r.body_hash)
      .bind(6, r.response_json)
      .bind(7, r.created_at)
      .run();
}

std::int64_t SqliteTx::delete_idempotency_before(Millis before) {
  db_.prepare("DELETE FROM idempotency WHERE created_at < ?").bind(1, before).run();
  return sqlite3_changes(db_.handle());
}

// Savepoint names are string literals of the project, never client input.
void SqliteTx::savepoint(const char* name) { db_.exec((std::string("SAVEPOINT ") + name).c_str()); }

void SqliteTx::rollback_to(const char* name) { db_.exec((std::string("ROLLBACK TO ") + name).c_str()); }

// Called from Savepoint's destructor, so it never throws. RELEASE fails only when SQLite has
// already cancelled the whole transaction (SQLITE_FULL, an I/O error, an interrupt): the error
// that did it is on its way out of the job, and the writer then fails every job of the group,
// since its own RELEASE and COMMIT fail too.
void SqliteTx::release(const char* name) {
  sqlite3_exec(db_.handle(), (std::string("RELEASE ") + name).c_str(), nullptr, nullptr, nullptr);
}

std::optional<User> SqliteTx::find_user_by_token_hash(std::string_view hash) {
  StmtScope s(db_.prepare("SELECT name, role, token_hash, created_at FROM users WHERE token_hash = ?"));
  s->bind(1, hash);
  if (!s->step()) return std::nullopt;
  return read_user(*s.operator->());
}

std::optional<User> SqliteTx::find_user(std::string_view name) {
  StmtScope s(db_.prepare("SELECT name, role, token_hash, created_at FROM users WHERE name = ?"));
  s->bind(1, name);
  if (!s->step()) return std::nullopt;
  return read_user(*s.operator->());
}

std::vector<User> SqliteTx::list_users() {
  StmtScope s(db_.prepare("SELECT name, role, token_hash, created_at FROM users ORDER BY name"));
  std::vector<User> out;
  while (s->step()) out.push_back(read_user(*s.operator->()));
  return out;
}

std::int64_t SqliteTx::count_users() {
  StmtScope s(db_.prepare("SELECT count(*) FROM users"));
  return s->step() ? s->int64(0) : 0;
}

void SqliteTx::put_user(const User& u) {
  Stmt& s = db_.prepare("INSERT OR REPLACE INTO users(name, role, token_hash, created_at) VALUES (?,?,?,?)");
  s.bind(1, u.name).bind(2, role_name(u.role));
  u.token_hash.empty() ? s.bind_null(3) : s.bind(3, u.token_hash);
  s.bind(4, u.created_at);
  s.run();
}

}  // namespace lockstep::sqlite
