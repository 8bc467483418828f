// The distributed store: PostgreSQL, shared by any number of lockstepd nodes.
//
// Threads: two pools, each thread owning one connection. Writer threads (as many as readers, at
// least 2) run each write job in its own READ COMMITTED transaction; reader threads
// (StoreOptions::readers) run each read job in a READ ONLY REPEATABLE READ transaction, one
// snapshot for the whole job. Jobs never run on the caller's thread; their callbacks run on the
// store thread that ran them. There is no group commit: PostgreSQL commits each transaction, and
// concurrent commits share WAL flushes on the server.
//
// Failures: a write that meets a serialization failure or a deadlock (SQLSTATE 40001, 40P01), or
// loses a race to insert the same key (23505), is run again from the start, up to kMaxAttempts
// times. A lost connection is dropped and a new one opened for the next job; a job that met it is
// answered done(false) / failed() (503 upstream), unless it had not started yet (its BEGIN
// failed), in which case it runs once more on the fresh connection. When the connection is lost
// during COMMIT, the outcome is asked of the server on a fresh connection (txid_status), so that
// a write that did commit is not answered as failed.
//
// The queues and threads are the shared JobQueue; each write group is one job (max_write_group
// 1), run by this store's own loop (run_write) until group commit comes here too
// (docs/architecture.md, "The store's shape").
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "store/job_queue.h"
#include "store/store.h"

namespace lockstep {

namespace pg {
class Connection;
}

class PostgresStore final : public Store {
 public:
  // How many times a write job runs before it is answered as failed.
  static constexpr int kMaxAttempts = 10;

  // Connects, creates or migrates the schema, opens every pool connection and starts the
  // threads. Throws StoreError with a one-line reason (unreachable server, newer schema...).
  explicit PostgresStore(const StoreOptions& options);
  ~PostgresStore() override;

  void write(WriteJob job, WriteDone done) override { queue_.write(std::move(job), std::move(done)); }
  void read(ReadJob job, std::function<void()> failed) override { queue_.read(std::move(job), std::move(failed)); }
  // The database's clock (see DatabaseClock).
  const Clock& clock() const override { return clock_; }
  std::size_t pending_writes() const override { return queue_.pending_writes(); }
  // Runs a trivial query on a reader connection; waits at most 5 s. Must not be called from a
  // store thread.
  bool healthy() override;
  void stop() override;
  const Histogram& commit_seconds() const override { return queue_.stats().seconds; }
  const Histogram& group_size() const override { return queue_.stats().group_size; }
  // Starts a thread that LISTENs on lockstep_commit and calls `wake` for every notification from
  // any node (with the tasks it names), and at least once a second with "anything" (a bounded
  // fallback if a notification was missed).
  void on_remote_commit(std::function<void(const RemoteCommit&)> wake) override;
  // Not offered: PostgreSQL is backed up with its own tools (pg_dump, base backups).
  Status backup_to(const std::string& path) override;

 private:
  // A pool thread's connection: opened again on demand after it was lost.
  class Slot;
  // The pool threads' workers: one job at a time on the slot (run_write, run_read).
  class Writer;
  class Reader;
  // The database's clock as this node reads it: the node's own clock plus the offset to the
  // database's clock_timestamp() last measured (when the store opens, then at most once a second
  // by the listener), good to within half a round trip. One round trip a second instead of one
  // per request.
  class DatabaseClock final : public Clock {
   public:
    explicit DatabaseClock(const Clock& local) : local_(local) {}
    Millis now() const override { return local_.now() + offset_.load(std::memory_order_relaxed); }
    // Reads the database's clock on `conn` and records its offset. Throws PgError.
    void measure(pg::Connection& conn);

   private:
    const Clock& local_;
    std::atomic<Millis> offset_{0};
  };
  // kUnknown: the connection was lost during COMMIT and the database could not say, within
  // kCommitOutcomeWait, whether the commit happened.
  enum class Outcome { kCommitted, kUndone, kRetry, kFailed, kNotStarted, kUnknown };
  static constexpr std::chrono::seconds kCommitOutcomeWait{30};

  std::unique_ptr<pg::Connection> connect() const;
  void listen_loop(const std::function<void(const RemoteCommit&)>& wake);
  void run_write(Slot& slot, PendingWrite& w);
  Outcome attempt_write(Slot& slot, const WriteJob& job);
  void run_read(Slot& slot, PendingRead& r);
  Outcome attempt_read(Slot& slot, const ReadJob& job);
  Outcome resolve_commit(std::int64_t xid) const;

  StoreOptions options_;
  DatabaseClock clock_;
  JobQueue queue_{{.max_write_group = 1, .max_read_group = 1}};
  std::thread listener_;
};

}  // namespace lockstep
