// LockGuard: hold a task's lock (API.md §5) for the length of a scope.
//
// When to use: an edit that takes long (a person in a dialog, a multi-step script) and would be
// costly to redo. Others' writes to the task are refused (423) while you hold it, instead of your
// work being refused at the end. For short edits prefer Client::update (no one waits).
//
// The guard renews the lock in a background thread well before it expires (by default when a
// third of the TTL has passed), sends the lock's fencing token (`Lock-Token`) with every write
// made through it, and releases the lock when it goes out of scope. If the lock is lost (a renewal
// refused, the lease run out, a write answered 423), the guard reports it (held() turns false,
// on_lost is called once) and refuses every later write with LOCK_LOST without sending it: a
// holder that lost its lease never writes on as if it held it.
//
// Thread-safety: a guard's methods may be called from any one thread at a time; the renewal runs
// beside them. REQUIRES: the Client outlives the guard.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "lockstep/client.h"

namespace lockstep {

struct LockOptions {
  std::chrono::seconds ttl{60};  // lease length, 1-3600 s
  std::chrono::seconds wait{0};  // how long acquire() waits for a lock someone else holds
  double renew_after = 1.0 / 3;  // renew when this fraction of the TTL has passed
  // Called once when the lock is lost, from the renewal thread or the writing one.
  std::function<void(const Error&)> on_lost;
};

class LockGuard {
 public:
  // Takes the lock on `task_id` (waiting up to options.wait, in requests of at most 30 s) and
  // starts renewing it. A lock held by someone else past the wait is 423 LOCKED, with `lock`.
  static Result<LockGuard> acquire(Client& client, std::string task_id, LockOptions options = {});

  LockGuard(LockGuard&&) noexcept;
  LockGuard& operator=(LockGuard&&) noexcept;
  // Stops renewing and releases the lock (best effort; a failure is ignored: the lease expires).
  ~LockGuard();

  const std::string& task_id() const;
  std::int64_t token() const;
  Lock lock() const;  // as last granted or renewed
  // Neither lost nor released. A lease past its local expiry estimate counts as lost.
  bool held() const;
  // Why the lock was lost; nullopt while held or after a plain release().
  std::optional<Error> lost_reason() const;

  // Writes through the lock: each carries Lock-Token; LOCK_LOST when the lock is not held.
  Result<Task> patch(const TaskPatch& patch, WriteOptions options = {});
  Result<Task> replace(const TaskFields& task, WriteOptions options = {});
  Result<Done> remove(WriteOptions options = {});
  // Client::update with the lock's token: preconditions still apply to the owner's writes.
  Result<Task> update(const std::function<void(Task&)>& fn, UpdateOptions options = {});

  // Stops renewing and releases the lock now. A lost lock is not released (LOCK_LOST).
  Result<Done> release();

  struct State;

 private:
  explicit LockGuard(std::unique_ptr<State> state);
  // LOCK_LOST when the lock is not held now.
  std::optional<Error> refuse_if_not_held() const;
  // Marks the lock lost when a write through it was refused with 423.
  template <class T>
  Result<T> observe(Result<T> r);

  std::unique_ptr<State> state_;
};

}  // namespace lockstep
