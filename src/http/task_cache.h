// The node's memory of current tasks, as GET /v1/tasks/{id} answers them (docs/architecture.md,
// "Reads from memory"), on the embedded SQLite store only (store/local_reads.h). Bounded in bytes;
// the least recently read go first. Thread-safe.
//
// Nothing stale is ever answered from it:
// - The writer forgets every task a transaction writes before its COMMIT and again once the
//   transaction ended (forget(), through LocalReads::on_tasks_written), before any of its answers
//   is sent. In between, the task's stripe takes no fill at all. So from before the commit on, no
//   read finds the old value, and a read that starts after a write's answer cannot.
// - Only reads from the store fill it, and each carries the ticket it took before its store read
//   was queued (so before its snapshot). A fill is refused when any task hashed with its task to
//   the same stripe was forgotten after that ticket (or is being committed): whatever it read may
//   be older than a commit, and the writer's forgetting always wins.
// - It keeps tasks without a live lock only: a lock changes the answer (it is shown) and is
//   written as the task's (put_lock, delete_lock), and one that has expired never lives again.
//
// Once full, a task not missed before lately does not push another out (a doorkeeper: a bit per
// hash of the tasks missed in the last 8,192 fills or so): reads spread over far more tasks than it
// holds would otherwise cost a fill and an eviction each, for almost no hits.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/mutex.h"
#include "core/preconditions.h"
#include "domain/task.h"
#include "http/message.h"

namespace lockstep::http {

class TaskCache {
 public:
  // What it keeps of a task without a live lock: its 200 answer, and what preconditions read.
  struct Entry {
    Response ok;
    EntityTag etag;
    Millis updated_at = 0;
    std::int64_t version = 0;
  };
  using Ticket = std::uint64_t;
  struct Usage {
    std::size_t entries = 0;
    std::size_t bytes = 0;  // as bytes_of() counts them, never above max_bytes
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
  };

  explicit TaskCache(std::size_t max_bytes);

  // The task's entry; null on a miss, when `ticket` is set to what the store read that follows
  // fills with (fill()).
  std::shared_ptr<const Entry> find(std::string_view id, Ticket& ticket);
  // The ticket of a store read queued now.
  Ticket ticket() const;
  // `task` was just read from the store (its live lock attached), answered `ok` (200), by a read
  // that took `ticket`.
  void fill(const Task& task, const Response& ok, Ticket ticket);
  // The writer is about to commit these tasks (`ended` false: their stripes take no fill until it
  // says so again), or the transaction has ended (`ended` true).
  void forget(const std::vector<std::string>& task_ids, bool ended);

  Usage usage() const;
  std::size_t max_bytes() const { return max_bytes_; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Slot {
    std::shared_ptr<const Entry> entry;
    std::list<const std::string*>::iterator used;  // its place in used_
    std::size_t bytes = 0;
  };
  static constexpr std::size_t kStripes = 4096;
  static constexpr Ticket kCommitting = ~Ticket{0};

  // What one entry costs, its bookkeeping included (approximately: the allocator's own headers
  // are guessed, not measured).
  static std::size_t bytes_of(const std::string& id, const Response& ok, const EntityTag& etag);
  static std::size_t stripe_of(std::string_view id) { return Hash{}(id) % kStripes; }
  // Removes the slot; returns its entry, to be let go of once mu_ is released.
  std::shared_ptr<const Entry> erase(std::unordered_map<std::string, Slot, Hash, std::equal_to<>>::iterator it)
      LOCKSTEP_REQUIRES(mu_);
  // Whether `id` was missed lately (and notes that it was now).
  bool missed_before(std::string_view id) LOCKSTEP_REQUIRES(mu_);
  // Whether a fill of `bytes` for `id` under `ticket` may go in (the stripe, then the doorkeeper).
  bool admits(std::string_view id, std::size_t bytes, Ticket ticket) LOCKSTEP_REQUIRES(mu_);

  const std::size_t max_bytes_;
  mutable Mutex mu_;
  std::unordered_map<std::string, Slot, Hash, std::equal_to<>> slots_ LOCKSTEP_GUARDED_BY(mu_);
  std::list<const std::string*> used_ LOCKSTEP_GUARDED_BY(mu_);  // keys of slots_, most recently read first
  std::size_t bytes_ LOCKSTEP_GUARDED_BY(mu_) = 0;
  Ticket forgets_ LOCKSTEP_GUARDED_BY(mu_) = 0;  // forget() calls so far: the next ticket
  // Per stripe: the value of forgets_ at the last forget() of a task of the stripe; kCommitting
  // while one is being committed.
  std::vector<Ticket> forgotten_at_ LOCKSTEP_GUARDED_BY(mu_);
  static constexpr std::size_t kDoorkeeperBits = std::size_t{1} << 16;
  static constexpr std::size_t kDoorkeeperWindow = kDoorkeeperBits / 8;  // cleared after this many
  std::vector<bool> missed_ LOCKSTEP_GUARDED_BY(mu_);                    // the doorkeeper, kDoorkeeperBits
  std::size_t missed_count_ LOCKSTEP_GUARDED_BY(mu_) = 0;
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
};

// The answer to a GET of `task` read from the store: 200, or 304 when the request's If-None-Match
// named it.
Response task_read_answer(const Task& task, bool not_modified);

// A GET of a task answered from `entry`, or nullopt when its preconditions need the store (a date
// condition may need the task's history).
std::optional<Response> answer_from_memory(const TaskCache::Entry& entry, const ConditionalHeaders& headers);

}  // namespace lockstep::http
