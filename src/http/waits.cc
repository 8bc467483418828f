#include "http/waits.h"

#include <vector>

namespace lockstep::http {
namespace {
// How many notifications a parking waiter can have missed and still be told apart from the rest:
// far more than commit while one request looks for news.
constexpr std::size_t kRemembered = 4096;
}  // namespace

WaitList::WaitList() : timer_([this] { timer_loop(); }) {}

WaitList::~WaitList() {
  stop();
  if (timer_.joinable()) timer_.join();
}

std::uint64_t WaitList::generation() const {
  MutexLock lock(mu_);
  return generation_;
}

bool WaitList::missed(const std::string& key, std::uint64_t seen) const {
  if (seen >= generation_) return false;
  if (all_at_ > seen || generation_ - seen > recent_.size()) return true;
  auto it = last_.find(key);
  return it != last_.end() && it->second > seen;
}

void WaitList::remember(const std::string& key) {
  ++generation_;
  recent_.push_back(key);
  last_[key] = generation_;
  if (recent_.size() > kRemembered) {
    const std::uint64_t dropped_at = generation_ - kRemembered;
    auto it = last_.find(recent_.front());
    if (it != last_.end() && it->second == dropped_at) last_.erase(it);
    recent_.pop_front();
  }
}

void WaitList::park(std::string key, std::uint64_t seen, Clock::time_point deadline, Wake wake) {
  bool now_timed_out = false;
  {
    MutexLock lock(mu_);
    if (stopped_) {
      now_timed_out = true;
    } else if (!missed(key, seen)) {
      bool earliest = waiting_.empty() || deadline < waiting_.begin()->first;
      const std::uint64_t id = ++next_id_;
      auto it = waiting_.emplace(deadline, Entry{key, id, std::move(wake)});
      by_key_[std::move(key)].emplace(id, it);
      if (earliest) cv_.notify_one();
      return;
    }
  }
  wake(now_timed_out);
}

void WaitList::notify(const std::string& key) {
  std::vector<Wake> woken;
  {
    MutexLock lock(mu_);
    remember(key);
    auto found = by_key_.find(key);
    if (found != by_key_.end()) {
      for (auto& [id, it] : found->second) {
        woken.push_back(std::move(it->second.wake));
        waiting_.erase(it);
      }
      by_key_.erase(found);
    }
  }
  for (auto& wake : woken) wake(false);
}

void WaitList::notify_all() {
  Entries woken;
  {
    MutexLock lock(mu_);
    remember("");  // no waiter's key: it only keeps the count of notifications
    all_at_ = generation_;
    woken.swap(waiting_);
    by_key_.clear();
  }
  for (auto& [deadline, entry] : woken) entry.wake(false);
}

void WaitList::stop() {
  Entries woken;
  {
    MutexLock lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    woken.swap(waiting_);
    by_key_.clear();
  }
  cv_.notify_all();
  for (auto& [deadline, entry] : woken) entry.wake(true);
}

bool WaitList::stopped() const {
  MutexLock lock(mu_);
  return stopped_;
}

std::size_t WaitList::parked() const {
  MutexLock lock(mu_);
  return waiting_.size();
}

void WaitList::timer_loop() {
  MutexLock lock(mu_);
  while (!stopped_) {
    if (waiting_.empty()) {
      lock.wait(cv_);
      continue;
    }
    auto earliest = waiting_.begin()->first;
    if (Clock::now() < earliest) {
      lock.wait_until(cv_, earliest);
      continue;
    }
    std::vector<Wake> due;
    while (!waiting_.empty() && waiting_.begin()->first <= Clock::now()) {
      auto it = waiting_.begin();
      auto found = by_key_.find(it->second.key);
      found->second.erase(it->second.id);
      if (found->second.empty()) by_key_.erase(found);
      due.push_back(std::move(it->second.wake));
      waiting_.erase(it);
    }
    lock.unlock();
    for (auto& wake : due) wake(true);
    // Destroyed unlocked too: a wake may hold the last reference to a request, whose end (a lock
    // waiter leaving its queue) notifies this list.
    due.clear();
    lock.lock();
  }
}

void Cancellation::cancel() {
  std::function<void()> hook;
  {
    MutexLock lock(mu_);
    if (cancelled_) return;
    cancelled_ = true;
    hook.swap(hook_);
  }
  if (hook) hook();
}

bool Cancellation::cancelled() const {
  MutexLock lock(mu_);
  return cancelled_;
}

void Cancellation::on_cancel(std::function<void()> hook) {
  {
    MutexLock lock(mu_);
    if (!cancelled_) {
      hook_ = std::move(hook);
      return;
    }
  }
  if (hook) hook();
}

}  // namespace lockstep::http
