// The executor both stores share: the queues of write and read jobs, the store threads that take
// them in groups, the count of pending writes, the commit figures and an orderly stop. A backend
// supplies only workers, one per store thread, that own the thread's connection and run what it
// is handed (store/group_commit.h holds the transaction loops a worker runs on its connection).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "core/mutex.h"
#include "store/store.h"

namespace lockstep {

struct PendingWrite {
  Store::WriteJob job;
  Store::WriteDone done;
};

struct PendingRead {
  Store::ReadJob job;
  std::function<void()> failed;
};

// What the writers did (Store::commit_seconds, Store::group_size). Thread-safe.
struct CommitStats {
  Histogram seconds{Histogram::latency_bounds()};
  Histogram group_size{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}};
  // One committed transaction that began at `started` and carried `jobs` jobs.
  void observe(std::chrono::steady_clock::time_point started, std::size_t jobs);
};

// One writer thread's database half. run() answers every job of `group` (its done(), exactly
// once) before it returns, and never throws.
class WriteWorker {
 public:
  virtual ~WriteWorker() = default;
  virtual void run(std::span<PendingWrite> group) = 0;
};

// One reader thread's. run() runs each job of `group` or calls its failed(), and never throws.
class ReadWorker {
 public:
  virtual ~ReadWorker() = default;
  virtual void run(std::span<PendingRead> group) = 0;
};

class JobQueue {
 public:
  struct Limits {
    std::size_t max_write_group = 1;  // most writes one writer takes at once (one group commit)
    std::size_t max_read_group = 1;   // most reads one reader takes at once (one snapshot)
  };

  explicit JobQueue(Limits limits) : limits_(limits) {}
  ~JobQueue() { stop(); }
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  // Starts one thread per worker; each owns its worker and destroys it (closing its connection)
  // when it ends. Called once, by the store's constructor.
  void start(std::vector<std::unique_ptr<WriteWorker>> writers, std::vector<std::unique_ptr<ReadWorker>> readers);

  // Store::write and Store::read: a job offered after stop() is answered failed at once.
  void write(Store::WriteJob job, Store::WriteDone done);
  void read(Store::ReadJob job, std::function<void()> failed);

  // Writes accepted and not yet answered.
  std::size_t pending_writes() const { return pending_writes_.load(); }
  CommitStats& stats() { return stats_; }
  const CommitStats& stats() const { return stats_; }

  // Finishes every accepted job, then joins the threads. Idempotent; not from a store thread.
  void stop();
  bool stopping() const;
  // For a backend's own thread (PostgreSQL's listener): waits at most `timeout` for stop().
  // Returns whether the queue is stopping.
  bool wait_for_stop(std::chrono::milliseconds timeout);

 private:
  // Block until there is work; false once stopping with nothing left to do.
  bool take_writes(std::vector<PendingWrite>& group);
  bool take_reads(std::vector<PendingRead>& group);
  void writer_loop(WriteWorker& worker);
  void reader_loop(ReadWorker& worker);

  const Limits limits_;
  std::atomic<std::size_t> pending_writes_{0};
  CommitStats stats_;

  mutable Mutex mu_;
  std::condition_variable write_cv_;
  std::condition_variable read_cv_;
  std::condition_variable stop_cv_;  // wait_for_stop(): its own, so that it never takes a job's wake-up
  std::deque<PendingWrite> writes_ LOCKSTEP_GUARDED_BY(mu_);
  std::deque<PendingRead> reads_ LOCKSTEP_GUARDED_BY(mu_);
  std::size_t idle_readers_ LOCKSTEP_GUARDED_BY(mu_) = 0;  // readers waiting for reads
  bool stopping_ LOCKSTEP_GUARDED_BY(mu_) = false;

  Mutex join_mu_;  // one stop() joins at a time
  std::vector<std::thread> threads_;
};

}  // namespace lockstep
