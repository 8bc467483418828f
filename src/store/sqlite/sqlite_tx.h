// The Tx of the SQLite store: every method is one or two cached prepared statements on the
// connection of the store thread running the job. Isolation comes from the store's shape: one
// writer connection, so a write job's reads and writes have no other writer in between; readers
// see one WAL snapshot per transaction.
#pragma once

#include "store/sqlite/db.h"
#include "store/store.h"

namespace lockstep::sqlite {

class SqliteTx final : public Tx {
 public:
  // REQUIRES: `db` outlives the Tx; the runner begins and ends its transactions.
  explicit SqliteTx(Db& db) : db_(db) {}

  // The writer's: from now on every task id whose row or lock this Tx writes is appended to `ids`
  // (null: to nothing), for the node's read cache (store/local_reads.h). `ids` must outlive it.
  void note_task_writes(std::vector<std::string>* ids) { written_ = ids; }

  std::optional<Task> get_task(std::string_view id) override;
  void insert_task(const Task& t) override;
  void update_task(const Task& t) override;
  void delete_task(std::string_view id) override;
  std::vector<Task> list_tasks(const TaskQuery& q) override;

  std::int64_t latest_revision() override;
  std::int64_t next_revision() override;
  void append_change(const Change& c) override;
  std::vector<Change> list_changes(std::int64_t since, int limit) override;
  std::int64_t feed_pruned_through() override;
  std::vector<Change> task_history(std::string_view task_id, int limit) override;
  std::int64_t prune_changes(std::int64_t after, std::int64_t up_to, std::int64_t keep_versions, int batch) override;

  std::optional<Lock> get_lock(std::string_view task_id) override;
  void put_lock(const Lock& l) override;
  void delete_lock(std::string_view task_id) override;
  std::int64_t next_lock_token() override;
  std::int64_t count_live_locks(Millis now) override;
  std::int64_t delete_expired_locks(Millis now) override;

  std::optional<Product> get_product(std::string_view id) override;
  void insert_product(const Product& p) override;
  void update_product(const Product& p) override;
  void delete_product(std::string_view id) override;
  std::vector<Product> list_products(std::string_view after_id, int limit) override;
  std::optional<Product> take_stock(std::string_view id, std::int64_t quantity, std::int64_t revision,
                                    Millis now) override;

  std::optional<IdempotencyRecord> get_idempotency(std::string_view principal, std::string_view key) override;
  void put_idempotency(const IdempotencyRecord& r) override;
  std::int64_t delete_idempotency_before(Millis before) override;

  void savepoint(const char* name) override;
  void rollback_to(const char* name) override;
  // Never throws: Savepoint's destructor calls it, maybe while an exception unwinds.
  void release(const char* name) override;

  std::optional<User> find_user_by_token_hash(std::string_view hash) override;
  std::optional<User> find_user(std::string_view name) override;
  std::vector<User> list_users() override;
  std::int64_t count_users() override;
  void put_user(const User& u) override;

 private:
  void wrote(std::string_view task_id) {
    if (written_) written_->emplace_back(task_id);
  }

  Db& db_;
  std::vector<std::string>* written_ = nullptr;
};

}  // namespace lockstep::sqlite
