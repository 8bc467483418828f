// The Tx of the PostgreSQL store: every method is one or two parameterised statements on the
// connection of the store thread running the job.
//
// Atomicity across nodes: in a write transaction (READ COMMITTED) every task, product, lock and
// user row the job reads is locked FOR UPDATE until commit, so the check a job makes on what it
// read and the write that follows are one atomic step against every other node: a second writer
// blocks on the row and then reads the first one's committed version. Where there is no row to
// lock yet (an idempotency key, the first user), the Tx takes a lock on the name instead.
// In a read transaction (REPEATABLE READ, READ ONLY) nothing is locked and every statement sees
// the one snapshot taken at the first.
#pragma once

#include <set>

#include <optional>

#include "store/postgres/pg.h"

namespace lockstep::pg {

class PgTx final : public Tx {
 public:
  // REQUIRES: the runner has begun the right kind of transaction on `conn`.
  PgTx(Connection& conn, bool write) : conn_(conn), write_(write) {}

  // The first failure a statement met, or null. Once set, the transaction is dead on the server:
  // further statements throw it again, savepoint releases are skipped, and it must not commit.
  const PgError* failure() const { return failure_ ? &*failure_ : nullptr; }
  // Whether the job changed anything.
  bool wrote() const { return wrote_; }
  // Queues `NOTIFY lockstep_commit`, which PostgreSQL delivers to listeners only if and when the
  // transaction commits; its payload (commit_payload) names the tasks whose row or lock the job
  // changed, so other nodes wake only those tasks' lock waiters. Returns the transaction's id, by
  // which txid_status() tells later whether it committed.
  std::int64_t notify_commit();

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
  // The statement for this kind of transaction: `locking` (FOR UPDATE) in a write.
  const char* pick(const char* plain, const char* locking) const { return write_ ? locking : plain; }
  void savepoint_command(const char* command, const char* name);
  // Notes a task whose row or lock this job changed, for notify_commit.
  void touched(std::string_view task_id);

  Connection& conn_;
  const bool write_;
  bool wrote_ = false;
  std::int64_t allocated_revision_ = 0;
  std::set<std::string, std::less<>> touched_tasks_;
  bool touched_anything_ = false;  // a user (token) changed, or more tasks than a payload names
  std::optional<PgError> failure_;
};

}  // namespace lockstep::pg
