// Task locks (API.md §5): acquire (optionally waiting, first come first served), inspect, release.
// Each runs inside one store transaction; the waiting itself happens outside, as a parked request.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "domain/lock.h"
#include "service/task_service.h"
#include "store/store.h"

namespace lockstep {

// The order in which waiting requests get a task's lock (this process's waiters; see
// docs/api.md for several nodes). Thread-safe.
class LockQueue {
 public:
  std::uint64_t new_waiter();
  // Puts `waiter` at the back of the task's queue unless it is in it already.
  void enqueue(const std::string& task_id, std::uint64_t waiter);
  // True when nobody waits ahead of `waiter` (0: a request that does not wait).
  bool may_take(const std::string& task_id, std::uint64_t waiter) const;
  void remove(const std::string& task_id, std::uint64_t waiter);
  std::size_t waiting() const;

 private:
  mutable std::mutex mu_;
  std::uint64_t next_ = 0;                                     // guarded by mu_
  std::map<std::string, std::deque<std::uint64_t>> queues_;    // guarded by mu_
};

// A lock request's place in the wait: its id in the queue (0 until it first waits), and whether it
// may still wait (false once its waitSeconds are over).
struct LockWait {
  LockQueue& queue;
  std::uint64_t& waiter;
  Millis received_at = 0;
  bool may_wait = true;
};

struct AcquireResult {
  Lock lock;
  std::optional<Millis> park_until;  // set: nothing granted yet, wait until then (or a commit)
};

// POST /v1/tasks/{id}/lock.
Result<AcquireResult> acquire_lock(Tx& tx, const WriteContext& ctx, std::string_view task_id,
                                   const Body& body, LockWait& wait);
// GET /v1/tasks/{id}/lock: the live lock, or 404.
Result<Lock> read_lock(Tx& tx, std::string_view task_id, Millis now);
// DELETE /v1/tasks/{id}/lock: 404 without a live lock, 403 NOT_LOCK_OWNER for someone else's
// unless `force` by an admin.
Status release_lock(Tx& tx, const WriteContext& ctx, std::string_view task_id, bool force);

// Fills task.lock with the task's live lock, if any.
void attach_lock(Tx& tx, Task& task, Millis now);

}  // namespace lockstep
