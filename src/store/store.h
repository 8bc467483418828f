// The store: one interface for a transaction, and an executor that runs transactions off the I/O
// threads. SQLite implements it today; PostgreSQL implements the same interface, and nothing above
// this header knows which one runs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/histogram.h"
#include "domain/product.h"
#include "domain/task.h"
#include "domain/user.h"

namespace lockstep {

// A store failure that is not the client's doing (disk full, database gone). Thrown by Tx
// methods, caught by the executor, answered 503.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ChangeType { kCreated, kUpdated, kDeleted };
const char* change_type_name(ChangeType t);

// One entry of the change log (API.md §8), also the retained history of a task.
struct Change {
  std::int64_t revision = 0;
  ChangeType type = ChangeType::kCreated;
  std::string task_id;
  std::int64_t version = 0;
  std::string task_json;  // the task after the change; empty for a delete
  std::string by;
  Millis at = 0;
};

// A write's first answer, kept so that a retry with the same Idempotency-Key gets it again.
struct IdempotencyRecord {
  std::string principal;
  std::string key;
  std::string method;
  std::string target;
  std::string body_hash;      // SHA-256 of the request body
  std::string response_json;  // the stored answer: status, headers, content type, body
  Millis created_at = 0;
};

struct TaskQuery {
  std::optional<std::string> user_id;
  std::optional<TaskStatus> status;
  std::optional<Millis> due_before;
  std::optional<TaskWarning> warning;
  Millis now = 0;        // the moment `warning` selects at
  std::string after_id;  // exclusive; tasks come in id order
  int limit = 50;
};

// What commits of other processes concerned, as far as this node's parked requests need to know
// (Store::on_remote_commit).
struct RemoteCommit {
  // They may concern any task or token (a revoked user, many tasks, a notification missed or
  // not understood): everything parked looks again.
  bool anything = true;
  // Otherwise: the tasks whose row or lock they changed (none: products, idempotency records).
  std::vector<std::string> task_ids;
};

// One transaction. Reads see one consistent snapshot; writes are atomic with everything else
// done through the same Tx. Not thread-safe: a Tx belongs to the thread running the job.
class Tx {
 public:
  virtual ~Tx() = default;

  virtual std::optional<Task> get_task(std::string_view id) = 0;
  virtual void insert_task(const Task& task) = 0;
  virtual void update_task(const Task& task) = 0;
  virtual void delete_task(std::string_view id) = 0;
  // Up to q.limit tasks matching q, in id order, after q.after_id.
  virtual std::vector<Task> list_tasks(const TaskQuery& q) = 0;

  // The latest committed (or, in a write, allocated) revision of the store.
  virtual std::int64_t latest_revision() = 0;
  // Allocates the next revision. Write transactions only.
  virtual std::int64_t next_revision() = 0;
  virtual void append_change(const Change& change) = 0;
  // Up to `limit` changes with revision > since, in revision order.
  virtual std::vector<Change> list_changes(std::int64_t since, int limit) = 0;
  // The highest revision the sweep has pruned the feed through (0: never pruned). Changes up to it
  // may be gone, whatever the retention window says now.
  virtual std::int64_t feed_pruned_through() = 0;
  // The changes of the task's current life (after its last delete), newest first, at most `limit`.
  // Deletes are not listed.
  virtual std::vector<Change> task_history(std::string_view task_id, int limit) = 0;
  // Examines up to `batch` stored changes with after < revision <= up_to, in revision order, and
  // deletes those that are not among the newest `keep_versions` versions of their task (no answer
  // can return them any more), and records the feed as pruned through the last one examined.
  // Returns the last revision examined (0 when none was).
  virtual std::int64_t prune_changes(std::int64_t after, std::int64_t up_to, std::int64_t keep_versions, int batch) = 0;

  // The stored lock of a task, live or expired (callers decide with Lock::live).
  virtual std::optional<Lock> get_lock(std::string_view task_id) = 0;
  virtual void put_lock(const Lock& lock) = 0;  // insert or replace
  virtual void delete_lock(std::string_view task_id) = 0;
  // The next fencing token: strictly increasing across the whole store, never reused.
  virtual std::int64_t next_lock_token() = 0;
  // Deletes locks that expired before `now`; returns how many.
  virtual std::int64_t delete_expired_locks(Millis now) = 0;
  // How many locks are live at `now` (for metrics).
  virtual std::int64_t count_live_locks(Millis now) = 0;

  virtual std::optional<Product> get_product(std::string_view id) = 0;
  virtual void insert_product(const Product& p) = 0;
  virtual void update_product(const Product& p) = 0;
  virtual void delete_product(std::string_view id) = 0;
  // Up to `limit` products after `after_id`, in id order.
  virtual std::vector<Product> list_products(std::string_view after_id, int limit) = 0;
  // The atomic conditional decrement of a purchase: takes `quantity` from the stock only if that
  // much is there, making a new version (`revision`, `now`) in the same statement. Returns the
  // product after it, or nullopt when the stock was short (nothing changed).
  virtual std::optional<Product> take_stock(std::string_view id, std::int64_t quantity, std::int64_t revision,
                                            Millis now) = 0;

  virtual std::optional<IdempotencyRecord> get_idempotency(std::string_view principal, std::string_view key) = 0;
  virtual void put_idempotency(const IdempotencyRecord& record) = 0;  // insert or replace
  // Deletes records created before `before`; returns how many.
  virtual std::int64_t delete_idempotency_before(Millis before) = 0;

  // Nested savepoints inside the transaction: undo part of a job (one batch operation, a request
  // whose answer is stored although it failed) and keep the rest.
  virtual void savepoint(const char* name) = 0;
  virtual void rollback_to(const char* name) = 0;
  virtual void release(const char* name) = 0;

  virtual std::optional<User> find_user_by_token_hash(std::string_view hash) = 0;
  virtual std::optional<User> find_user(std::string_view name) = 0;
  virtual std::vector<User> list_users() = 0;
  virtual std::int64_t count_users() = 0;
  virtual void put_user(const User& user) = 0;  // insert or replace by name
};

// Scopes a savepoint: released at scope end; rollback() first undoes what was written since.
class Savepoint {
 public:
  Savepoint(Tx& tx, const char* name) : tx_(tx), name_(name) { tx_.savepoint(name_); }
  ~Savepoint() { tx_.release(name_); }
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  void rollback() { tx_.rollback_to(name_); }

 private:
  Tx& tx_;
  const char* name_;
};

// Runs jobs against the store. Thread-safe.
class Store {
 public:
  // Work inside a write transaction. Returns true to keep what it wrote, false to undo it (its
  // own writes only: other jobs committed in the same group are unaffected).
  using WriteJob = std::function<bool(Tx&)>;
  // How a write job ended. kCommitted: its transaction committed (a job that undid its own
  // writes included). kFailed: nothing it wrote was applied. kUnknown: the store lost touch with
  // the database during the commit and cannot tell; the write may have been applied.
  enum class WriteOutcome { kCommitted, kFailed, kUnknown };
  // Called once the transaction holding the job has ended. Nothing a job wrote may be
  // acknowledged to a client before this.
  using WriteDone = std::function<void(WriteOutcome)>;
  using ReadJob = std::function<void(Tx&)>;

  virtual ~Store() = default;

  virtual void write(WriteJob job, WriteDone done) = 0;
  // Runs `job` in a read-only transaction. If the store fails, `job` is not run and `failed` is.
  // The transaction's snapshot is taken after this call, so the job sees every write
  // acknowledged before it; reads queued together may share one transaction (and snapshot).
  virtual void read(ReadJob job, std::function<void()> failed) = 0;

  // The clock every "now" of a request is read from, lock expiry first. SQLite: the node's own
  // (StoreOptions::clock). PostgreSQL: the database's, so that every node decides alike whatever
  // its own clock says. Thread-safe; lives as long as the store.
  virtual const Clock& clock() const = 0;

  // Writes accepted but not yet committed (for overload shedding).
  virtual std::size_t pending_writes() const = 0;
  // True when the store answers a trivial query (readiness).
  virtual bool healthy() = 0;
  // Finishes every accepted job, then stops the store's threads. Idempotent.
  virtual void stop() = 0;

  // What the writer did: seconds each commit took and how many jobs it carried. Thread-safe.
  virtual const Histogram& commit_seconds() const = 0;
  virtual const Histogram& group_size() const = 0;

  // Calls `wake` (from a store thread) when other processes may have committed: on PostgreSQL,
  // after a notification from another node, and at least once a second in case one was missed.
  // Stores used by one process only never call it. Call once, before serving.
  virtual void on_remote_commit(std::function<void(const RemoteCommit&)> /*wake*/) {}

  // Writes a consistent copy of the whole database to `path` while serving (SQLite's online
  // backup). Returns a one-line reason on failure; stores without it say so.
  virtual Status backup_to(const std::string& path) = 0;

  // Convenience for tools and start-up: runs `job` in a write transaction and waits for the
  // commit. Must not be called from a store thread. Returns false if nothing was committed.
  bool write_sync(const std::function<bool(Tx&)>& job);
};

struct StoreOptions {
  std::string url;      // a file path (SQLite) or postgresql://...
  int readers = 4;      // reader connections / threads
  int max_group = 512;  // most jobs committed in one transaction
  // This node's own clock; the wall clock when null. Tests pass one they move. Must outlive the store.
  const Clock* clock = nullptr;
};

// open_store (store/open.h) opens the store a URL names.

}  // namespace lockstep
