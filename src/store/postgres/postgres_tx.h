// The Tx of the PostgreSQL store: every method is one or two parameterised statements on the
// connection of the store thread running the job, except where a transaction already knows the
// answer (below). Writes whose result is not read, and savepoint commands, are deferred in libpq's
// pipeline: they travel with the next statement that waits for its answer, so a typical job (a
// savepoint, a read, two writes, a release) costs one round trip.
//
// A write transaction is a group of jobs (store/group_commit.h) that holds the revision counter
// from its first statement to its commit: take_counter() locks the `meta.revision` row, and
// next_revision() then counts on from the value read, with no statement; finish() writes the last
// value back and queues the commit's notification. Every writing transaction of every node takes
// the counter first, so writing transactions run one at a time across the cluster, in commit order
// (docs/architecture.md, "The point of order"). Rows the jobs read are also locked FOR UPDATE
// until commit, which keeps each check-and-write atomic on its own terms as well.
// In a read transaction (REPEATABLE READ, READ ONLY) nothing is locked and every statement sees
// the one snapshot taken at the first.
//
// Within one transaction a token's user is looked up once, a task's lock row is read with the
// task, and a write transaction remembers the products it read or wrote (a purchase then needs
// no statement that waits): what a write transaction read cannot change under it (it holds the counter; every writer
// takes it first) except through its own writes, which forget what they change, or a savepoint
// rolled back, which forgets everything.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/postgres/pg.h"

namespace lockstep::pg {

class PgTx final : public Tx {
 public:
  // REQUIRES: the runner has begun the right kind of transaction on `conn`.
  PgTx(Connection& conn, bool write) : conn_(conn), write_(write) {}

  // The first failure a statement met, or null. Once set, the transaction is dead on the server
  // until recover_to() rolls it back to a savepoint before the failure: further statements throw
  // it again, the job's own savepoint releases and rollbacks are skipped, and it must not commit.
  const PgError* failure() const { return failure_ ? &*failure_ : nullptr; }
  // Rolls back to savepoint `name` even after a failure, which it then forgets: the transaction
  // goes on without what was done since. Throws PgError when it cannot (the connection is lost).
  void recover_to(const char* name);

  // Write transactions: locks the revision counter and reads it. The first statement after BEGIN.
  void take_counter();
  // Write transactions, just before COMMIT: stores the counter's new value and queues
  // `NOTIFY lockstep_commit`, which PostgreSQL delivers to listeners only if and when the
  // transaction commits; its payload (commit_payload) names the tasks whose row or lock the
  // transaction changed, so other nodes wake only those tasks' lock waiters. One statement.
  // Returns the transaction's id, by which txid_status() tells later whether it committed, or 0
  // when nothing was written (there is then nothing to tell).
  std::int64_t finish();

  std::optional<Task> get_task(std::string_view id) override;
  void insert_task(const Task& task) override;
  void update_task(const Task& task) override;
  void delete_task(std::string_view id) override;
  std::vector<Task> list_tasks(const TaskQuery& q) override;

  std::int64_t latest_revision() override;
  std::int64_t next_revision() override;
  void append_change(const Change& change) override;
  std::vector<Change> list_changes(std::int64_t since, int limit) override;
  std::int64_t feed_pruned_through() override;
  std::vector<Change> task_history(std::string_view task_id, int limit) override;
  std::int64_t prune_changes(std::int64_t after, std::int64_t up_to, std::int64_t keep_versions, int batch) override;

  std::optional<Lock> get_lock(std::string_view task_id) override;
  void put_lock(const Lock& lock) override;
  void delete_lock(std::string_view task_id) override;
  std::int64_t next_lock_token() override;
  std::int64_t delete_expired_locks(Millis now) override;
  std::int64_t count_live_locks(Millis now) override;

  std::optional<Product> get_product(std::string_view id) override;
  void insert_product(const Product& p) override;
  void update_product(const Product& p) override;
  void delete_product(std::string_view id) override;
  std::vector<Product> list_products(std::string_view after_id, int limit) override;
  std::optional<Product> take_stock(std::string_view id, std::int64_t quantity, std::int64_t revision,
                                    Millis now) override;

  std::optional<IdempotencyRecord> get_idempotency(std::string_view principal, std::string_view key) override;
  void put_idempotency(const IdempotencyRecord& record) override;
  std::int64_t delete_idempotency_before(Millis before) override;

  void savepoint(const char* name) override;
  void rollback_to(const char* name) override;
  void release(const char* name) override;

  std::optional<User> find_user_by_token_hash(std::string_view hash) override;
  std::optional<User> find_user(std::string_view name) override;
  std::vector<User> list_users() override;
  std::int64_t count_users() override;
  void put_user(const User& user) override;

 private:
  // Runs a prepared statement; records a failure before rethrowing it.
  Result run(const char* sql, const Params& params);
  void run_fixed(const char* sql);
  // Runs a statement that changes rows, and notes that the job wrote.
  Result change(const char* sql, const Params& params);
  // The same for a statement whose result is not read: deferred (Connection::defer), so that it
  // travels with the next statement that waits. Its failure surfaces there, marked deferred.
  void write(const char* sql, const Params& params);
  // The statement for this kind of transaction: `locking` (FOR UPDATE) in a write.
  const char* pick(const char* plain, const char* locking) const { return write_ ? locking : plain; }
  void savepoint_command(const char* command, const char* name);
  // Savepoints (the store's and the jobs' own, by name, innermost last) with the revision counter
  // and wrote() at each, so that rolling back returns the revisions drawn since (no gaps) and a
  // transaction whose jobs all undid their writes notifies nobody.
  void mark(const char* name);
  void unwind_to(const char* name, bool keep);
  void forget_reads_after_rollback(const char* name);
  void forget_lock(std::string_view task_id);
  // Notes a task whose row or lock this job changed, for notify_commit.
  void touched(std::string_view task_id);

  Connection& conn_;
  const bool write_;
  bool wrote_ = false;
  std::int64_t counter_taken_ = 0;  // the counter's value when take_counter() read it
  std::int64_t counter_ = 0;        // the last revision drawn (or counter_taken_)
  struct Mark {
    std::string name;
    std::int64_t counter;
    bool wrote;
  };
  std::vector<Mark> savepoints_;
  std::unordered_map<std::string, std::optional<User>> users_by_token_;
  // Lock rows read with their task (get_task), as this transaction last saw them.
  std::map<std::string, std::optional<Lock>, std::less<>> known_locks_;
  // Products a write transaction has read (locked) or written, as they now are.
  std::map<std::string, std::optional<Product>, std::less<>> known_products_;
  std::set<std::string, std::less<>> touched_tasks_;
  bool touched_anything_ = false;  // a user (token) changed, or more tasks than a payload names
  std::optional<PgError> failure_;
};

}  // namespace lockstep::pg
