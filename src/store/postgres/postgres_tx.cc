#include "store/postgres/postgres_tx.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <stdexcept>

#include "store/postgres/commit_notice.h"
#include "store/task_list_sql.h"

namespace lockstep::pg {
namespace {

// Column lists shared by several statements (adjacent string literals need the preprocessor).
#define LS_TASK_COLUMNS_OF(t)                                                                             \
  t "task_id, " t "user_id, " t "title, " t "description, " t "due, " t "warning_offset, " t "status, " t \
    "version, " t "revision, " t "created_at, " t "updated_at, " t "updated_by"
#define LS_TASK_COLUMNS LS_TASK_COLUMNS_OF("")
#define LS_CHANGE_COLUMNS "revision, type, task_id, version, task, actor, at"
#define LS_PRODUCT_COLUMNS "product_id, name, stock, price, version, revision, created_at, updated_at"
#define LS_LOCK_COLUMNS_OF(t) t "task_id, " t "owner, " t "token, " t "acquired_at, " t "expires_at"
#define LS_LOCK_COLUMNS LS_LOCK_COLUMNS_OF("")
constexpr int kTaskColumns = 12;
#define LS_USER_COLUMNS "name, role, token_hash, created_at"

// The advisory-lock class (first key of the two-key form) that serialises one Idempotency-Key.
constexpr const char* kLockIdempotencyKey =
    "SELECT pg_advisory_xact_lock(1231973733, hashtext($1::text || chr(10) || $2::text))";

Task read_task(const Result& r, int row) {
  Task t;
  t.id = r.text(row, 0);
  t.fields.user_id = r.text(row, 1);
  t.fields.title = r.text(row, 2);
  t.fields.description = r.text(row, 3);
  t.fields.due = r.int64(row, 4);
  t.fields.warning_offset = r.int64(row, 5);
  t.fields.status = parse_status(r.text(row, 6)).value_or(TaskStatus::kNotStarted);
  t.version = r.int64(row, 7);
  t.revision = r.int64(row, 8);
  t.created_at = r.int64(row, 9);
  t.updated_at = r.int64(row, 10);
  t.updated_by = r.text(row, 11);
  return t;
}

Lock read_lock(const Result& r, int row, int first) {
  return Lock{r.text(row, first), r.text(row, first + 1), r.int64(row, first + 2), r.int64(row, first + 3),
              r.int64(row, first + 4)};
}

Params task_params(const Task& t) {
  Params p;
  p.text(t.id).text(t.fields.user_id).text(t.fields.title).text(t.fields.description);
  p.int64(t.fields.due).int64(t.fields.warning_offset).text(status_name(t.fields.status));
  p.int64(t.version).int64(t.revision).int64(t.created_at).int64(t.updated_at).text(t.updated_by);
  return p;
}

Change read_change(const Result& r, int row) {
  Change c;
  c.revision = r.int64(row, 0);
  std::string type = r.text(row, 1);
  c.type = type == "created" ? ChangeType::kCreated : type == "deleted" ? ChangeType::kDeleted : ChangeType::kUpdated;
  c.task_id = r.text(row, 2);
  c.version = r.int64(row, 3);
  c.task_json = r.is_null(row, 4) ? std::string() : r.text(row, 4);
  c.by = r.text(row, 5);
  c.at = r.int64(row, 6);
  return c;
}

std::vector<Change> read_changes(const Result& r) {
  std::vector<Change> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_change(r, i));
  return out;
}

Product read_product(const Result& r, int row) {
  return Product{r.text(row, 0),  r.text(row, 1),  r.int64(row, 2), r.real(row, 3),
                 r.int64(row, 4), r.int64(row, 5), r.int64(row, 6), r.int64(row, 7)};
}

Params product_params(const Product& p) {
  Params out;
  out.text(p.id).text(p.name).int64(p.stock).real(p.price).int64(p.version).int64(p.revision);
  out.int64(p.created_at).int64(p.updated_at);
  return out;
}

User read_user(const Result& r, int row) {
  User u;
  u.name = r.text(row, 0);
  u.role = parse_role(r.text(row, 1)).value_or(Role::kUser);
  u.token_hash = r.is_null(row, 2) ? std::string() : r.text(row, 2);
  u.created_at = r.int64(row, 3);
  return u;
}

bool is_identifier(const char* name) {
  if (!name || !*name) return false;
  for (const char* c = name; *c; ++c) {
    const bool letter = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_';
    const bool ok = letter || (c != name && *c >= '0' && *c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result PgTx::run(const char* sql, const Params& params) {
  if (failure_) throw *failure_;
  try {
    return conn_.query(sql, params);
  } catch (const PgError& e) {
    failure_ = e;
    throw;
  }
}

void PgTx::run_fixed(const char* sql) {
  if (failure_) throw *failure_;
  try {
    conn_.exec(sql);
  } catch (const PgError& e) {
    failure_ = e;
    throw;
  }
}

Result PgTx::change(const char* sql, const Params& params) {
  Result r = run(sql, params);
  wrote_ = true;
  return r;
}

void PgTx::write(const char* sql, const Params& params) {
  if (failure_) throw *failure_;
  try {
    conn_.defer(sql, params);
  } catch (const PgError& e) {
    failure_ = e;
    throw;
  }
  wrote_ = true;
}

void PgTx::forget_lock(std::string_view task_id) {
  if (auto known = known_locks_.find(task_id); known != known_locks_.end()) known_locks_.erase(known);
}

void PgTx::touched(std::string_view task_id) {
  if (touched_anything_) return;
  if (touched_tasks_.size() >= kMaxNotifiedTasks) {
    touched_anything_ = true;
    touched_tasks_.clear();
    return;
  }
  touched_tasks_.emplace(task_id);
}

void PgTx::take_counter() {
  Result r = run("SELECT value FROM meta WHERE key = 'revision' FOR UPDATE", Params());
  if (!r.rows()) throw StoreError("the revision counter is missing");
  counter_taken_ = counter_ = r.int64(0, 0);
}

std::int64_t PgTx::finish() {
  if (!wrote_) return 0;
  std::vector<std::string> tasks(touched_tasks_.begin(), touched_tasks_.end());
  const std::string payload = commit_payload(counter_, touched_anything_, tasks);
  // The counter's UPDATE runs whether or not the SELECT reads it (a data-modifying WITH always
  // runs to completion); it changes nothing when no revision was drawn.
  return run("WITH counter AS (UPDATE meta SET value = $1 WHERE key = 'revision' AND value < $1) "
             "SELECT txid_current(), pg_notify('lockstep_commit', $2)",
             Params().int64(counter_).text(payload))
      .int64(0, 0);
}

std::optional<Task> PgTx::get_task(std::string_view id) {
  // The task's lock row comes along (most readers of a task look at its lock next: a write checks
  // it, an answer shows it), so that get_lock() needs no round trip of its own. In a write only the
  // task row is locked: lock rows are written under the task's row lock (docs/architecture.md).
  Result r =
      run(pick("SELECT " LS_TASK_COLUMNS_OF("t.") ", " LS_LOCK_COLUMNS_OF(
                   "l.") " FROM tasks AS t LEFT JOIN locks AS l USING (task_id) WHERE t.task_id = $1",
               "SELECT " LS_TASK_COLUMNS_OF("t.") ", " LS_LOCK_COLUMNS_OF(
                   "l.") " FROM tasks AS t LEFT JOIN locks AS l USING (task_id) WHERE t.task_id = $1 FOR UPDATE OF t"),
          Params().text(id));
  if (!r.rows()) return std::nullopt;
  Task t = read_task(r, 0);
  std::optional<Lock> lock;
  if (!r.is_null(0, kTaskColumns)) lock = read_lock(r, 0, kTaskColumns);
  known_locks_.insert_or_assign(t.id, std::move(lock));
  return t;
}

void PgTx::insert_task(const Task& t) {
  touched(t.id);
  write("INSERT INTO tasks(" LS_TASK_COLUMNS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)", task_params(t));
}

void PgTx::update_task(const Task& t) {
  touched(t.id);
  write(
      "UPDATE tasks SET user_id=$2, title=$3, description=$4, due=$5, warning_offset=$6, status=$7, "
      "version=$8, revision=$9, created_at=$10, updated_at=$11, updated_by=$12 WHERE task_id=$1",
      task_params(t));
}

void PgTx::delete_task(std::string_view id) {
  touched(id);
  forget_lock(id);  // read again if asked: the caller deletes its lock row too
  write("DELETE FROM tasks WHERE task_id = $1", Params().text(id));
}

std::vector<Task> PgTx::list_tasks(const TaskQuery& q) {
  // A prepared statement per combination of filters, so that even its generic plan uses the
  // filter's index (task_list_sql.h). In a write (reassigning a user's tasks) the rows are locked
  // like any other read-then-write.
  static const auto statements = [] {
    std::array<std::string, std::size_t{2} * kListShapes> all;
    for (unsigned shape = 0; shape < kListShapes; ++shape) {
      all[shape] = task_list_sql(LS_TASK_COLUMNS, '$', shape);
      all[kListShapes + shape] = task_list_sql(LS_TASK_COLUMNS, '$', shape, " FOR UPDATE");
    }
    return all;
  }();
  const unsigned shape = task_list_shape(q);
  Params p;
  p.text(q.after_id);
  if (q.user_id) p.text(*q.user_id);
  if (q.status) p.text(status_name(*q.status));
  if (q.due_before) p.int64(*q.due_before);
  for (Millis v : task_list_warning_values(q)) p.int64(v);
  p.int64(q.limit);
  Result r = run(pick(statements[shape].c_str(), statements[kListShapes + shape].c_str()), p);
  std::vector<Task> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_task(r, i));
  return out;
}

std::int64_t PgTx::latest_revision() {
  if (write_) return counter_;
  Result r = run("SELECT value FROM meta WHERE key = 'revision'", Params());
  return r.rows() ? r.int64(0, 0) : 0;
}

std::int64_t PgTx::next_revision() {
  // The store's point of order: the counter row is locked from take_counter() until this
  // transaction ends, so the next writing transaction of any node reads the value finish() leaves
  // only after this one has committed (or rolled back, which leaves the old value: no gaps).
  // Revisions therefore become visible in increasing order.
  if (!write_) throw StoreError("a revision drawn outside a write");
  if (failure_) throw *failure_;
  wrote_ = true;
  return ++counter_;
}

void PgTx::append_change(const Change& c) {
  Params p;
  p.int64(c.revision).text(change_type_name(c.type)).text(c.task_id).int64(c.version);
  p.text_or_null(c.task_json).text(c.by).int64(c.at);
  write("INSERT INTO changes(" LS_CHANGE_COLUMNS ") VALUES ($1,$2,$3,$4,$5,$6,$7)", p);
}

std::vector<Change> PgTx::list_changes(std::int64_t since, int limit) {
  return read_changes(run("SELECT " LS_CHANGE_COLUMNS " FROM changes WHERE revision > $1 ORDER BY revision LIMIT $2",
                          Params().int64(since).int64(limit)));
}

std::int64_t PgTx::feed_pruned_through() {
  Result r = run("SELECT value FROM meta WHERE key = 'feed_pruned_through'", Params());
  return r.rows() ? r.int64(0, 0) : 0;
}

std::vector<Change> PgTx::task_history(std::string_view task_id, int limit) {
  return read_changes(run("SELECT " LS_CHANGE_COLUMNS
                          " FROM changes WHERE task_id = $1 AND type <> 'deleted' AND revision > "
                          "coalesce((SELECT max(revision) FROM changes WHERE task_id = $1 AND type = 'deleted'), 0) "
                          "ORDER BY revision DESC LIMIT $2",
                          Params().text(task_id).int64(limit)));
}

std::int64_t PgTx::prune_changes(std::int64_t after, std::int64_t up_to, std::int64_t keep_versions, int batch) {
  Result last =
      run("SELECT max(revision) FROM (SELECT revision FROM changes WHERE revision > $1 AND revision <= $2 "
          "ORDER BY revision LIMIT $3) AS examined",
          Params().int64(after).int64(up_to).int64(batch));
  if (last.is_null(0, 0)) return 0;
  const std::int64_t through = last.int64(0, 0);
  // Out of the history window too: `keep_versions` newer changes of its task exist, or the task's
  // life it belongs to ended with a delete.
  change(
      "DELETE FROM changes AS c WHERE c.revision > $1 AND c.revision <= $2 AND ($3 <= "
      "(SELECT count(*) FROM (SELECT 1 FROM changes AS n WHERE n.task_id = c.task_id "
      " AND n.revision > c.revision LIMIT $3) AS newer) OR EXISTS (SELECT 1 FROM changes AS d "
      " WHERE d.task_id = c.task_id AND d.type = 'deleted' AND d.revision >= c.revision))",
      Params().int64(after).int64(through).int64(keep_versions));
  change("UPDATE meta SET value = greatest(value, $1) WHERE key = 'feed_pruned_through'", Params().int64(through));
  return through;
}

std::optional<Lock> PgTx::get_lock(std::string_view task_id) {
  if (auto known = known_locks_.find(task_id); known != known_locks_.end()) return known->second;
  Result r = run(pick("SELECT " LS_LOCK_COLUMNS " FROM locks WHERE task_id = $1",
                      "SELECT " LS_LOCK_COLUMNS " FROM locks WHERE task_id = $1 FOR UPDATE"),
                 Params().text(task_id));
  if (!r.rows()) return std::nullopt;
  return read_lock(r, 0, 0);
}

void PgTx::put_lock(const Lock& l) {
  touched(l.task_id);
  forget_lock(l.task_id);
  write("INSERT INTO locks(" LS_LOCK_COLUMNS
        ") VALUES ($1,$2,$3,$4,$5) ON CONFLICT (task_id) DO UPDATE SET "
        "owner = EXCLUDED.owner, token = EXCLUDED.token, acquired_at = EXCLUDED.acquired_at, "
        "expires_at = EXCLUDED.expires_at",
        Params().text(l.task_id).text(l.owner).int64(l.token).int64(l.acquired_at).int64(l.expires_at));
}

void PgTx::delete_lock(std::string_view task_id) {
  touched(task_id);
  forget_lock(task_id);
  write("DELETE FROM locks WHERE task_id = $1", Params().text(task_id));
}

std::int64_t PgTx::next_lock_token() {
  // A sequence, not a counter row: grants on different tasks need not wait for each other, and
  // grants on one task are already serialised by the task's row lock.
  return run("SELECT nextval('lock_tokens')", Params()).int64(0, 0);
}

std::int64_t PgTx::delete_expired_locks(Millis now) {
  known_locks_.clear();
  const std::int64_t deleted = change("DELETE FROM locks WHERE expires_at <= $1", Params().int64(now)).affected();
  if (deleted > 0) touched_anything_ = true;
  return deleted;
}

std::int64_t PgTx::count_live_locks(Millis now) {
  return run("SELECT count(*) FROM locks WHERE expires_at > $1", Params().int64(now)).int64(0, 0);
}

std::optional<Product> PgTx::get_product(std::string_view id) {
  if (write_) {
    if (auto known = known_products_.find(id); known != known_products_.end()) return known->second;
  }
  Result r = run(pick("SELECT " LS_PRODUCT_COLUMNS " FROM products WHERE product_id = $1",
                      "SELECT " LS_PRODUCT_COLUMNS " FROM products WHERE product_id = $1 FOR UPDATE"),
                 Params().text(id));
  std::optional<Product> p;
  if (r.rows()) p = read_product(r, 0);
  if (write_) known_products_.insert_or_assign(std::string(id), p);
  return p;
}

void PgTx::insert_product(const Product& p) {
  known_products_.insert_or_assign(p.id, p);
  write("INSERT INTO products(" LS_PRODUCT_COLUMNS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8)", product_params(p));
}

void PgTx::update_product(const Product& p) {
  known_products_.insert_or_assign(p.id, p);
  write(
      "UPDATE products SET name=$2, stock=$3, price=$4, version=$5, revision=$6, created_at=$7, updated_at=$8 "
      "WHERE product_id=$1",
      product_params(p));
}

void PgTx::delete_product(std::string_view id) {
  known_products_.insert_or_assign(std::string(id), std::nullopt);
  write("DELETE FROM products WHERE product_id = $1", Params().text(id));
}

std::vector<Product> PgTx::list_products(std::string_view after_id, int limit) {
  Result r = run(pick("SELECT " LS_PRODUCT_COLUMNS " FROM products WHERE product_id > $1 ORDER BY product_id LIMIT $2",
                      "SELECT " LS_PRODUCT_COLUMNS " FROM products WHERE product_id > $1 ORDER BY product_id LIMIT $2 "
                      "FOR UPDATE"),
                 Params().text(after_id).int64(limit));
  std::vector<Product> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_product(r, i));
  return out;
}

std::optional<Product> PgTx::take_stock(std::string_view id, std::int64_t quantity, std::int64_t revision, Millis now) {
  // A product this write transaction has read is locked (FOR UPDATE) and known: the condition is
  // checked here and the new row written without waiting for an answer.
  if (auto known = known_products_.find(id); known != known_products_.end() && known->second) {
    if (known->second->stock < quantity) return std::nullopt;
    Product p = *known->second;
    p.stock -= quantity;
    p.version += 1;
    p.revision = revision;
    p.updated_at = std::max(now, p.updated_at + 1);
    update_product(p);
    return p;
  }
  // Otherwise one conditional statement: under READ COMMITTED a concurrent buyer waits for the
  // row and the condition is checked again on the version it left, so stock never goes below zero.
  Result r =
      run("UPDATE products SET stock = stock - $2, version = version + 1, revision = $3, "
          "updated_at = greatest($4, updated_at + 1) WHERE product_id = $1 AND stock >= $2 "
          "RETURNING " LS_PRODUCT_COLUMNS,
          Params().text(id).int64(quantity).int64(revision).int64(now));
  if (!r.rows()) return std::nullopt;
  wrote_ = true;
  Product p = read_product(r, 0);
  if (write_) known_products_.insert_or_assign(p.id, p);
  return p;
}

std::optional<IdempotencyRecord> PgTx::get_idempotency(std::string_view principal, std::string_view key) {
  // In a write, the key is locked first, in a statement of its own (so that the read after it
  // sees what a holder committed): the same request sent to two nodes at once runs once, and the
  // second finds the first's stored answer instead of running again.
  if (write_) run(kLockIdempotencyKey, Params().text(principal).text(key));
  Result r =
      run("SELECT principal, key, method, target, body_hash, response, created_at FROM idempotency "
          "WHERE principal = $1 AND key = $2",
          Params().text(principal).text(key));
  if (!r.rows()) return std::nullopt;
  return IdempotencyRecord{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.text(0, 3),
                           r.text(0, 4), r.text(0, 5), r.int64(0, 6)};
}

void PgTx::put_idempotency(const IdempotencyRecord& rec) {
  Params p;
  p.text(rec.principal).text(rec.key).text(rec.method).text(rec.target).text(rec.body_hash);
  p.text(rec.response_json).int64(rec.created_at);
  write(
      "INSERT INTO idempotency(principal, key, method, target, body_hash, response, created_at) "
      "VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (principal, key) DO UPDATE SET method = EXCLUDED.method, "
      "target = EXCLUDED.target, body_hash = EXCLUDED.body_hash, response = EXCLUDED.response, "
      "created_at = EXCLUDED.created_at",
      p);
}

std::int64_t PgTx::delete_idempotency_before(Millis before) {
  return change("DELETE FROM idempotency WHERE created_at < $1", Params().int64(before)).affected();
}

void PgTx::savepoint_command(const char* command, const char* name) {
  // Savepoint names are identifiers chosen by the code, never client input; checked all the same,
  // since they are the one thing written into SQL text.
  // Quoted, so that a name that is also an SQL keyword ("inner") is still just a name.
  if (!is_identifier(name)) throw std::invalid_argument(std::string("bad savepoint name: ") + (name ? name : ""));
  if (failure_) throw *failure_;
  try {
    conn_.defer_fixed(std::string(command) + '"' + name + '"');
  } catch (const PgError& e) {
    failure_ = e;
    throw;
  }
}

void PgTx::mark(const char* name) { savepoints_.push_back({name, counter_, wrote_}); }

void PgTx::unwind_to(const char* name, bool keep) {
  // PostgreSQL names the newest savepoint of that name; those after it end with it.
  for (auto it = savepoints_.rbegin(); it != savepoints_.rend(); ++it) {
    if (it->name != name) continue;
    if (keep) {
      counter_ = it->counter;
      wrote_ = it->wrote;
    }
    savepoints_.erase(keep ? it.base() : std::prev(it.base()), savepoints_.end());
    return;
  }
}

void PgTx::savepoint(const char* name) {
  savepoint_command("SAVEPOINT ", name);
  mark(name);
}

void PgTx::rollback_to(const char* name) {
  if (failure_) return;  // the store rolls back to the job's savepoint (recover_to), or the whole transaction
  savepoint_command("ROLLBACK TO SAVEPOINT ", name);
  forget_reads_after_rollback(name);
}

void PgTx::recover_to(const char* name) {
  // A failure of a deferred statement may be an earlier job's, whose savepoint is gone: nothing
  // short of the whole transaction is known to undo it.
  if (failure_ && (failure_->deferred() || failure_->connection_lost())) throw *failure_;
  failure_.reset();
  savepoint_command("ROLLBACK TO SAVEPOINT ", name);
  forget_reads_after_rollback(name);
}

void PgTx::forget_reads_after_rollback(const char* name) {
  unwind_to(name, true);
  // What the rolled-back part wrote may have been read since.
  users_by_token_.clear();
  known_locks_.clear();
  known_products_.clear();
}

void PgTx::release(const char* name) {
  // Called from Savepoint's destructor, so it never throws: a failure is recorded, and the store
  // then rolls the job back instead of keeping it.
  if (failure_) return;
  try {
    savepoint_command("RELEASE SAVEPOINT ", name);
    unwind_to(name, false);
  } catch (const std::exception&) {
    if (!failure_) failure_ = PgError("PostgreSQL: RELEASE SAVEPOINT failed", "", false);
  }
}

std::optional<User> PgTx::find_user_by_token_hash(std::string_view hash) {
  // Every request authenticates; a group of them mostly carries a few tokens.
  auto known = users_by_token_.find(std::string(hash));
  if (known != users_by_token_.end()) return known->second;
  Result r = run("SELECT " LS_USER_COLUMNS " FROM users WHERE token_hash = $1", Params().text(hash));
  std::optional<User> user;
  if (r.rows()) user = read_user(r, 0);
  users_by_token_.emplace(hash, user);
  return user;
}

std::optional<User> PgTx::find_user(std::string_view name) {
  Result r = run(pick("SELECT " LS_USER_COLUMNS " FROM users WHERE name = $1",
                      "SELECT " LS_USER_COLUMNS " FROM users WHERE name = $1 FOR UPDATE"),
                 Params().text(name));
  if (!r.rows()) return std::nullopt;
  return read_user(r, 0);
}

std::vector<User> PgTx::list_users() {
  Result r = run("SELECT " LS_USER_COLUMNS " FROM users ORDER BY name", Params());
  std::vector<User> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_user(r, i));
  return out;
}

std::int64_t PgTx::count_users() {
  // In a write this decides whether to create the first admin: nodes starting together on an
  // empty database must not each create one (and overwrite each other's token). The table lock
  // makes them take turns until commit; it conflicts with nothing but user writes.
  if (write_) run_fixed("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE");
  return run("SELECT count(*) FROM users", Params()).int64(0, 0);
}

void PgTx::put_user(const User& u) {
  touched_anything_ = true;  // a token may have ended: every waiter authenticates again
  users_by_token_.clear();
  write("INSERT INTO users(" LS_USER_COLUMNS
        ") VALUES ($1,$2,$3,$4) ON CONFLICT (name) DO UPDATE SET "
        "role = EXCLUDED.role, token_hash = EXCLUDED.token_hash, created_at = EXCLUDED.created_at",
        Params().text(u.name).text(role_name(u.role)).text_or_null(u.token_hash).int64(u.created_at));
}

#undef LS_TASK_COLUMNS
#undef LS_CHANGE_COLUMNS
#undef LS_PRODUCT_COLUMNS
#undef LS_LOCK_COLUMNS
#undef LS_LOCK_COLUMNS_OF
#undef LS_TASK_COLUMNS_OF
#undef LS_USER_COLUMNS

}  // namespace lockstep::pg
