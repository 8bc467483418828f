// LockGuard: acquire (with waits longer than one request), background renewal, fenced writes.
#include "lockstep/lock_guard.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

namespace lockstep {

using Clock = std::chrono::steady_clock;

namespace {

constexpr std::chrono::seconds kMaxServerWait{30};  // API.md §5: waitSeconds 0-30

Error lost_error(std::string detail) { return Error::make(0, kLockLost, std::move(detail)); }

}  // namespace

struct LockGuard::State {
  State(Client& c, std::string id, LockOptions o) : client(c), task_id(std::move(id)), options(std::move(o)) {}

  Client& client;
  const std::string task_id;
  const LockOptions options;
  mutable std::mutex mu;
  std::condition_variable_any cv;
  Lock lock;                  // guarded by mu
  Clock::time_point expires;  // guarded by mu: a local estimate, never later than the server's
  std::optional<Error> lost;  // guarded by mu
  bool released = false;      // guarded by mu
  std::jthread renewer;       // last member: stops (and joins) before the rest goes

  // Records the loss once and tells the owner; false if it was already lost or released.
  void mark_lost(const Error& why) {
    {
      std::lock_guard g(mu);
      if (lost || released) return;
      lost = why;
    }
    if (options.on_lost) options.on_lost(why);
  }

  // The lock as granted at `sent` (when the request left: the server granted it later, so the
  // lease seen from here ends no later than sent + ttl).
  void granted(const Lock& l, Clock::time_point sent) {
    std::lock_guard g(mu);
    lock = l;
    expires = sent + options.ttl;
  }

  void renew_loop(std::stop_token stop);
  bool renew_once();
};

// One renewal. False when the lock is lost and renewing should end.
bool LockGuard::State::renew_once() {
  const auto sent = Clock::now();
  auto r = client.acquire_lock(task_id, options.ttl);
  std::int64_t token;
  Clock::time_point deadline;
  {
    std::lock_guard g(mu);
    token = lock.token;
    deadline = expires;
  }
  if (r && r->token == token) {
    granted(*r, sent);
    return true;
  }
  if (r) {
    // A new token: the old lock ended before this renewal (it expired, or an admin broke it), so
    // others may have written since. The new grant is given back: the guard's work is fenced off.
    (void)client.release_lock(task_id);
    mark_lost(
        lost_error("the lock ended before it was renewed (it expired or was broken); "
                   "a new one was granted and given back"));
    return false;
  }
  if (r.error().retryable && Clock::now() < deadline) return true;  // try again before expiry
  mark_lost(r.error());
  return false;
}

void LockGuard::State::renew_loop(std::stop_token stop) {
  const auto period =
      std::chrono::duration_cast<Clock::duration>(options.ttl * std::clamp(options.renew_after, 0.05, 0.9));
  auto next = Clock::now() + period;
  std::unique_lock g(mu);
  for (;;) {
    cv.wait_until(g, stop, next, [] { return false; });  // wakes at `next` or on stop
    if (stop.stop_requested()) return;
    g.unlock();
    const auto before = Clock::now();
    const bool ok = renew_once();
    g.lock();
    if (!ok) return;
    // After a failed attempt the lease is unchanged: retry soon, but before it runs out.
    const bool renewed = expires >= before + options.ttl;
    next = renewed ? before + period : std::min(Clock::now() + std::chrono::seconds(1), expires);
  }
}

LockGuard::LockGuard(std::unique_ptr<State> state) : state_(std::move(state)) {}
LockGuard::LockGuard(LockGuard&&) noexcept = default;

LockGuard& LockGuard::operator=(LockGuard&& other) noexcept {
  if (this != &other) {
    if (state_) (void)release();
    state_ = std::move(other.state_);
  }
  return *this;
}

LockGuard::~LockGuard() {
  if (state_) (void)release();
}

Result<LockGuard> LockGuard::acquire(Client& client, std::string task_id, LockOptions options) {
  auto state = std::make_unique<State>(client, std::move(task_id), std::move(options));
  const auto give_up = Clock::now() + state->options.wait;
  for (;;) {
    const auto sent = Clock::now();
    auto left = std::chrono::ceil<std::chrono::seconds>(give_up - sent);
    auto r = client.acquire_lock(state->task_id, state->options.ttl,
                                 std::clamp(left, std::chrono::seconds(0), kMaxServerWait));
    if (r) {
      state->granted(*r, sent);
      break;
    }
    if (r.error().status != 423 || Clock::now() >= give_up) return Result<LockGuard>(r.error(), r.reply());
  }
  State* s = state.get();
  s->renewer = std::jthread([s](std::stop_token stop) { s->renew_loop(stop); });
  return LockGuard(std::move(state));
}

const std::string& LockGuard::task_id() const { return state_->task_id; }

std::int64_t LockGuard::token() const { return lock().token; }

Lock LockGuard::lock() const {
  std::lock_guard g(state_->mu);
  return state_->lock;
}

bool LockGuard::held() const { return !refuse_if_not_held(); }

std::optional<Error> LockGuard::lost_reason() const {
  (void)refuse_if_not_held();  // notices a lease that ran out
  std::lock_guard g(state_->mu);
  return state_->lost;
}

std::optional<Error> LockGuard::refuse_if_not_held() const {
  if (!state_) return lost_error("the guard was moved from");
  bool expired;
  {
    std::lock_guard g(state_->mu);
    if (state_->released) return lost_error("the lock was released");
    if (state_->lost) return lost_error("the lock was lost: " + state_->lost->detail);
    expired = Clock::now() >= state_->expires;
  }
  if (!expired) return std::nullopt;
  state_->mark_lost(lost_error("the lease ran out before it could be renewed"));
  return lost_error("the lock was lost: the lease ran out before it could be renewed");
}

template <class T>
Result<T> LockGuard::observe(Result<T> r) {
  if (!r.ok() && r.error().status == 423) state_->mark_lost(r.error());
  return r;
}

Result<Task> LockGuard::patch(const TaskPatch& patch, WriteOptions options) {
  if (auto refused = refuse_if_not_held()) return Result<Task>(*refused);
  options.lock_token = token();
  return observe(state_->client.patch_task(state_->task_id, patch, options));
}

Result<Task> LockGuard::replace(const TaskFields& task, WriteOptions options) {
  if (auto refused = refuse_if_not_held()) return Result<Task>(*refused);
  options.lock_token = token();
  return observe(state_->client.replace_task(state_->task_id, task, options));
}

Result<Done> LockGuard::remove(WriteOptions options) {
  if (auto refused = refuse_if_not_held()) return Result<Done>(*refused);
  options.lock_token = token();
  return observe(state_->client.delete_task(state_->task_id, options));
}

Result<Task> LockGuard::update(const std::function<void(Task&)>& fn, UpdateOptions options) {
  if (auto refused = refuse_if_not_held()) return Result<Task>(*refused);
  options.lock_token = token();
  return observe(state_->client.update(state_->task_id, fn, options));
}

Result<Done> LockGuard::release() {
  if (!state_) return Result<Done>(lost_error("the guard was moved from"));
  state_->renewer = std::jthread();  // stops and joins the renewal first
  auto refused = refuse_if_not_held();
  {
    std::lock_guard g(state_->mu);
    state_->released = true;
  }
  if (refused) return Result<Done>(*refused);
  return state_->client.release_lock(state_->task_id);
}

}  // namespace lockstep
