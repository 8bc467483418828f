#include "store/job_queue.h"

#include <algorithm>

namespace lockstep {

void CommitStats::observe(std::chrono::steady_clock::time_point started, std::size_t jobs) {
  seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  group_size.observe(static_cast<double>(jobs));
}

void JobQueue::start(std::vector<std::unique_ptr<WriteWorker>> writers,
                     std::vector<std::unique_ptr<ReadWorker>> readers) {
  for (auto& w : writers) {
    threads_.emplace_back([this, w = std::move(w)] { writer_loop(*w); });
  }
  for (auto& r : readers) {
    threads_.emplace_back([this, r = std::move(r)] { reader_loop(*r); });
  }
}

void JobQueue::write(Store::WriteJob job, Store::WriteDone done) {
  PendingWrite pending{std::move(job), std::move(done)};
  {
    MutexLock lock(mu_);
    if (!stopping_) {
      writes_.push_back(std::move(pending));
      pending_writes_.fetch_add(1);
      write_cv_.notify_one();
      return;
    }
  }
  pending.done(Store::WriteOutcome::kFailed);  // answered outside the lock: a callback may call the store again
}

void JobQueue::read(Store::ReadJob job, std::function<void()> failed) {
  PendingRead pending{std::move(job), std::move(failed)};
  {
    MutexLock lock(mu_);
    if (!stopping_) {
      reads_.push_back(std::move(pending));
      read_cv_.notify_one();
      return;
    }
  }
  pending.failed();
}

void JobQueue::stop() {
  MutexLock joining(join_mu_);
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  write_cv_.notify_all();
  read_cv_.notify_all();
  stop_cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

bool JobQueue::stopping() const {
  MutexLock lock(mu_);
  return stopping_;
}

bool JobQueue::wait_for_stop(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(mu_);
  while (!stopping_ && lock.wait_until(stop_cv_, until) == std::cv_status::no_timeout) {
  }
  return stopping_;
}

bool JobQueue::take_writes(std::vector<PendingWrite>& group) {
  MutexLock lock(mu_);
  while (!stopping_ && writes_.empty()) lock.wait(write_cv_);
  if (writes_.empty()) return false;  // stopping, and everything accepted is done
  while (!writes_.empty() && group.size() < limits_.max_write_group) {
    group.push_back(std::move(writes_.front()));
    writes_.pop_front();
  }
  return true;
}

bool JobQueue::take_reads(std::vector<PendingRead>& group) {
  MutexLock lock(mu_);
  ++idle_readers_;
  while (!stopping_ && reads_.empty()) lock.wait(read_cv_);
  --idle_readers_;
  if (reads_.empty()) return false;
  // Idle readers (woken for these reads, or about to be) get their share, so that a burst still
  // runs in parallel.
  const std::size_t share = (reads_.size() + idle_readers_) / (idle_readers_ + 1);
  while (!reads_.empty() && group.size() < std::min(share, limits_.max_read_group)) {
    group.push_back(std::move(reads_.front()));
    reads_.pop_front();
  }
  return true;
}

void JobQueue::writer_loop(WriteWorker& worker) {
  std::vector<PendingWrite> group;
  while (take_writes(group)) {
    worker.run(group);
    pending_writes_.fetch_sub(group.size());
    group.clear();
  }
}

void JobQueue::reader_loop(ReadWorker& worker) {
  std::vector<PendingRead> group;
  while (take_reads(group)) {
    worker.run(group);
    group.clear();
  }
}

}  // namespace lockstep
