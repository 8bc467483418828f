#include "service/lock_service.h"

#include <algorithm>

namespace lockstep {
namespace {

Error no_task(std::string_view id) { return Error(Code::kNotFound, "No task has the id '" + std::string(id) + "'."); }

}  // namespace

LockQueue::Place::Place(LockQueue& queue, std::string task_id) : queue_(queue), task_id_(std::move(task_id)) {
  MutexLock lock(queue_.mu_);
  id_ = ++queue_.next_;
  queue_.queues_[task_id_].push_back(id_);
}

void LockQueue::Place::leave() {
  if (!in_) return;
  in_ = false;
  {
    MutexLock lock(queue_.mu_);
    auto it = queue_.queues_.find(task_id_);
    if (it != queue_.queues_.end()) {
      auto& q = it->second;
      q.erase(std::remove(q.begin(), q.end(), id_), q.end());
      if (q.empty()) queue_.queues_.erase(it);
    }
  }
  if (queue_.on_leave_) queue_.on_leave_(task_id_);
}

bool LockQueue::may_take(const std::string& task_id, const Place* place) const {
  MutexLock lock(mu_);
  auto it = queues_.find(task_id);
  return it == queues_.end() || it->second.empty() || (place && it->second.front() == place->id_);
}

std::size_t LockQueue::waiting() const {
  MutexLock lock(mu_);
  std::size_t n = 0;
  for (const auto& [task, q] : queues_) n += q.size();
  return n;
}

Result<AcquireResult> acquire_lock(Tx& tx, const WriteContext& ctx, std::string_view task_id, const Body& body,
                                   LockWait& wait) {
  if (!tx.get_task(task_id)) return no_task(task_id);
  if (body.present && !body.json) return *body.error;
  auto req = parse_lock_request(body.json ? &*body.json : nullptr);
  if (!req) return req.error();

  const std::string id(task_id);
  const Millis now = ctx.now;
  const std::string& who = ctx.principal.name;
  auto current = tx.get_lock(task_id);
  const auto decision = decide_acquire(current, who, now);

  if (decision == AcquireDecision::kRenew) {
    current->expires_at = now + req->ttl_seconds * 1000;
    tx.put_lock(*current);
    return AcquireResult{*current, std::nullopt};
  }
  const LockQueue::Place* place = wait.place ? &*wait.place : nullptr;
  if (decision == AcquireDecision::kGrant && wait.queue.may_take(id, place)) {
    if (wait.place) wait.place->leave();
    Lock granted{id, who, tx.next_lock_token(), now, now + req->ttl_seconds * 1000};
    tx.put_lock(granted);
    return AcquireResult{granted, std::nullopt};
  }
  // Held by someone else, or free but promised to an earlier waiter.
  const Millis deadline = wait.received_at + req->wait_seconds * 1000;
  if (req->wait_seconds > 0 && wait.may_wait && now < deadline) {
    if (!wait.place) wait.place.emplace(wait.queue, id);
    Millis until = deadline;
    if (current && current->live(now)) until = std::min(until, current->expires_at);
    return AcquireResult{Lock{}, until};
  }
  if (current && current->live(now)) {
    return locked_error(*current, now, "The task is locked by " + current->owner + ".");
  }
  Error e(Code::kLocked, "Others are waiting for this task's lock ahead of you.");
  e.retry_after_seconds = 1;
  return e;
}

Result<Lock> read_lock(Tx& tx, std::string_view task_id, Millis now) {
  if (!tx.get_task(task_id)) return no_task(task_id);
  auto current = tx.get_lock(task_id);
  if (!current || !current->live(now)) return Error(Code::kNotFound, "The task is not locked.");
  return *current;
}

Status release_lock(Tx& tx, const WriteContext& ctx, std::string_view task_id, bool force) {
  if (!tx.get_task(task_id)) return no_task(task_id);
  auto current = tx.get_lock(task_id);
  if (!current || !current->live(ctx.now)) return Error(Code::kNotFound, "The task is not locked.");
  if (current->owner != ctx.principal.name) {
    if (!force) {
      return Error(Code::kNotLockOwner,
                   "The lock is held by " + current->owner + "; only its owner releases it (an admin may force it).");
    }
    if (ctx.principal.role != Role::kAdmin) {
      return Error(Code::kForbidden, "Only an admin may break someone else's lock.");
    }
  }
  tx.delete_lock(task_id);
  return Ok{};
}

void attach_lock(Tx& tx, Task& task, Millis now) {
  auto l = tx.get_lock(task.id);
  if (l && l->live(now)) task.lock = std::move(l);
}

}  // namespace lockstep
