// Task locks (API.md §5): acquire (optionally waiting, first come first served), inspect, release.
// Each runs inside one store transaction; the waiting itself happens outside, as a parked request.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/mutex.h"
#include "domain/lock.h"
#include "service/task_service.h"
#include "store/store.h"

namespace lockstep {

// The order in which waiting requests get a task's lock (this process's waiters; see
// docs/api.md for several nodes). Thread-safe.
class LockQueue {
 public:
  // A waiting request's place in a task's queue, from its first wait until the request ends,
  // however it ends (granted, timed out, task deleted, token revoked, store error, replayed,
  // client gone): leaving is the destructor's, so that no path can forget it. Leaving wakes the
  // task's other waiters, so that the next one takes a free lock at once.
  class Place {
   public:
    Place(LockQueue& queue, std::string task_id);  // joins the back of the task's queue
    ~Place() { leave(); }
    Place(const Place&) = delete;
    Place& operator=(const Place&) = delete;
    const std::string& task_id() const { return task_id_; }
    // Leaves now (a grant); idempotent.
    void leave();

   private:
    friend class LockQueue;
    LockQueue& queue_;
    std::string task_id_;
    std::uint64_t id_;
    bool in_ = true;
  };

  // Called with a task's id, without any lock held, whenever a waiter leaves its queue. Set once,
  // before the first Place.
  void on_leave(std::function<void(const std::string& task_id)> hook) { on_leave_ = std::move(hook); }
  // True when nobody waits ahead of `place` (null: a request that does not wait).
  bool may_take(const std::string& task_id, const Place* place) const;
  std::size_t waiting() const;

 private:
  mutable Mutex mu_;
  std::uint64_t next_ LOCKSTEP_GUARDED_BY(mu_) = 0;
  std::map<std::string, std::deque<std::uint64_t>> queues_ LOCKSTEP_GUARDED_BY(mu_);
  std::function<void(const std::string&)> on_leave_;
};

// A lock request's place in the wait (none until it first waits; the request owns it, so it
// outlives this call), and whether it may still wait (false once its waitSeconds are over).
struct LockWait {
  LockQueue& queue;
  std::optional<LockQueue::Place>& place;
  Millis received_at = 0;
  bool may_wait = true;
};

struct AcquireResult {
  Lock lock;
  std::optional<Millis> park_until;  // set: nothing granted yet, wait until then (or a commit)
};

// POST /v1/tasks/{id}/lock.
Result<AcquireResult> acquire_lock(Tx& tx, const WriteContext& ctx, std::string_view task_id, const Body& body,
                                   LockWait& wait);
// GET /v1/tasks/{id}/lock: the live lock, or 404.
Result<Lock> read_lock(Tx& tx, std::string_view task_id, Millis now);
// DELETE /v1/tasks/{id}/lock: 404 without a live lock, 403 NOT_LOCK_OWNER for someone else's
// unless `force` by an admin.
Status release_lock(Tx& tx, const WriteContext& ctx, std::string_view task_id, bool force);

// Fills task.lock with the task's live lock, if any.
void attach_lock(Tx& tx, Task& task, Millis now);

}  // namespace lockstep
