// The embedded store: one SQLite file in WAL mode.
//
// Threads: one writer thread owns the only writing connection and commits jobs in groups (one
// transaction and one fsync for up to StoreOptions::max_group jobs, each job inside its own
// savepoint so that one job's failure undoes only its own writes); reader threads, each with its
// own connection, run read jobs beside the writer (WAL readers never wait for it), each taking
// every read queued (up to a bound) into one read transaction. Every job's callbacks run on the
// store thread that ran it. The queue and its threads are the shared JobQueue, the transaction
// loops are store/group_commit.h's; this store supplies the connections (sqlite_store.cc), the Tx
// (sqlite_tx.h) and the row mappers (rows.h).
#pragma once

#include <atomic>
#include <memory>

#include "store/job_queue.h"
#include "store/local_reads.h"
#include "store/store.h"

namespace lockstep {

// Replaces the database at `db_path` with the backup at `backup_path` (which must be a Lockstep
// database). REQUIRES: no server uses `db_path` (lockstepd checks its lock file first).
Status sqlite_restore(const std::string& backup_path, const std::string& db_path);

namespace sqlite {
class TaskWriteWatch;
}

class SqliteStore final : public Store {
 public:
  // Opens the file, applies the schema, starts the threads. Throws StoreError.
  explicit SqliteStore(const StoreOptions& options);
  ~SqliteStore() override;

  void write(WriteJob job, WriteDone done) override { queue_.write(std::move(job), std::move(done)); }
  void read(ReadJob job, std::function<void()> failed) override { queue_.read(std::move(job), std::move(failed)); }
  // The node's own: the database is this process's.
  const Clock& clock() const override { return clock_; }
  std::size_t pending_writes() const override { return queue_.pending_writes(); }
  bool healthy() override { return healthy_.load(); }
  void stop() override { queue_.stop(); }
  const Histogram& commit_seconds() const override { return queue_.stats().seconds; }
  const Histogram& group_size() const override { return queue_.stats().group_size; }
  Status backup_to(const std::string& path) override;

  // A connection of its own for reads on the caller's thread, and the writer's reports of the
  // tasks it wrote (store/local_reads.h). At most one at a time; it must not outlive the store.
  std::unique_ptr<LocalReads> local_reads();

 private:
  StoreOptions options_;
  const Clock& clock_;
  std::atomic<bool> healthy_{true};                // the last group commit's outcome
  std::unique_ptr<sqlite::TaskWriteWatch> watch_;  // before queue_: the writer uses it
  JobQueue queue_;
};

}  // namespace lockstep
