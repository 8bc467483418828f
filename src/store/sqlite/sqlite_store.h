// The embedded store: one SQLite file in WAL mode.
//
// Threads: one writer thread owns the only writing connection and commits jobs in groups (one
// transaction and one fsync for up to StoreOptions::max_group jobs, each job inside its own
// savepoint so that one job's failure undoes only its own writes); reader threads, each with its
// own connection, run read jobs beside the writer (WAL readers never wait for it), each taking
// every read queued (up to a bound) into one read transaction. Every job's callbacks run on the
// store thread that ran it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "store/store.h"

namespace lockstep {

namespace sqlite {
class Db;
}

// Replaces the database at `db_path` with the backup at `backup_path` (which must be a Lockstep
// database). REQUIRES: no server uses `db_path` (lockstepd checks its lock file first).
Status sqlite_restore(const std::string& backup_path, const std::string& db_path);

class SqliteStore final : public Store {
 public:
  // Opens the file, applies the schema, starts the threads. Throws StoreError.
  explicit SqliteStore(const StoreOptions& options);
  ~SqliteStore() override;

  void write(WriteJob job, WriteDone done) override;
  void read(ReadJob job, std::function<void()> failed) override;
  // The node's own: the database is this process's.
  const Clock& clock() const override { return clock_; }
  std::size_t pending_writes() const override { return pending_writes_.load(); }
  bool healthy() override { return healthy_.load(); }
  void stop() override;
  const Histogram& commit_seconds() const override { return commit_seconds_; }
  const Histogram& group_size() const override { return group_size_; }
  Status backup_to(const std::string& path) override;

 private:
  struct PendingWrite {
    WriteJob job;
    WriteDone done;
  };
  struct PendingRead {
    ReadJob job;
    std::function<void()> failed;
  };

  void writer_loop(std::unique_ptr<sqlite::Db> db);
  void reader_loop(std::unique_ptr<sqlite::Db> db);

  StoreOptions options_;
  const Clock& clock_;
  std::atomic<std::size_t> pending_writes_{0};
  std::atomic<bool> healthy_{true};
  Histogram commit_seconds_{Histogram::latency_bounds()};
  Histogram group_size_{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}};

  std::mutex mu_;
  std::condition_variable write_cv_;
  std::condition_variable read_cv_;
  std::deque<PendingWrite> writes_;  // guarded by mu_
  std::deque<PendingRead> reads_;    // guarded by mu_
  std::size_t idle_readers_ = 0;     // readers waiting for reads; guarded by mu_
  bool stopping_ = false;            // guarded by mu_

  std::thread writer_;
  std::vector<std::thread> readers_;
};

}  // namespace lockstep
