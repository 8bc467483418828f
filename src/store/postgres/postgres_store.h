// The distributed store: PostgreSQL, shared by any number of lockstepd nodes.
//
// Threads: one writer thread per node runs group commit, the machinery the SQLite store uses
// (store/group_commit.h): the jobs queued together run in one READ COMMITTED transaction, each in
// its own savepoint, and one COMMIT (one WAL flush) makes them durable. The transaction takes the
// revision counter first, so writing transactions of all nodes take turns, in commit order
// (postgres_tx.h). Reader threads (StoreOptions::readers) run the reads queued together in one
// READ ONLY REPEATABLE READ transaction: one snapshot, taken after every one of them was queued.
// Jobs never run on the caller's thread; their callbacks run on the store thread that ran them.
//
// Failures: a statement that fails inside a job undoes that job only (its savepoint is rolled
// back; it is answered as failed). A lost connection fails the transaction (every job of the
// group) and is opened again for the next; a transaction whose BEGIN found the connection gone
// begins once more on a fresh one, since nothing of it had run. When the connection is lost
// during COMMIT, the outcome is asked of the server on fresh connections (txid_status), so that
// writes that did commit are not answered as failed; on a thread of its own, so that the writer
// goes on meanwhile (answering 503 at once while the database is away).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "store/job_queue.h"
#include "store/store.h"

namespace lockstep {

namespace pg {
class Connection;
}

class PostgresStore final : public Store {
 public:
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
  // A store thread's connection, as the transaction loops drive it.
  class PgSession;
  // The store threads' workers: group commit, and groups of reads.
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
  // What became of a transaction whose COMMIT lost its answer with the connection. kUnknown: the
  // database could not say within kCommitOutcomeWait.
  enum class CommitStatus { kCommitted, kAborted, kUnknown };
  static constexpr std::chrono::seconds kCommitOutcomeWait{30};

  std::unique_ptr<pg::Connection> connect() const;
  void listen_loop(const std::function<void(const RemoteCommit&)>& wake);
  CommitStatus resolve_commit(std::int64_t xid) const;
  // Answers `jobs`, whose transaction `xid` lost its COMMIT's answer, from what resolve_commit()
  // finds, on a thread of its own; stop() waits for it.
  void answer_lost_commit(std::int64_t xid, std::vector<WriteDone> jobs);

  StoreOptions options_;
  DatabaseClock clock_;
  JobQueue queue_;
  std::thread listener_;
  Mutex resolving_mu_;
  std::vector<std::future<void>> resolving_ LOCKSTEP_GUARDED_BY(resolving_mu_);
};

}  // namespace lockstep
