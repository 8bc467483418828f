#include "http/waits.h"

#include <vector>

namespace lockstep::http {

WaitList::WaitList() : timer_([this] { timer_loop(); }) {}

WaitList::~WaitList() {
  stop();
  if (timer_.joinable()) timer_.join();
}

std::uint64_t WaitList::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

void WaitList::park(std::uint64_t seen, Clock::time_point deadline, Wake wake) {
  bool now_timed_out = false;
  {
    std::lock_guard lock(mu_);
    if (stopped_) {
      now_timed_out = true;
    } else if (generation_ == seen) {
      bool earliest = waiting_.empty() || deadline < waiting_.begin()->first;
      waiting_.emplace(deadline, std::move(wake));
      if (earliest) cv_.notify_one();
      return;
    }
  }
  wake(now_timed_out);
}

void WaitList::notify() {
  std::multimap<Clock::time_point, Wake> woken;
  {
    std::lock_guard lock(mu_);
    ++generation_;
    woken.swap(waiting_);
  }
  for (auto& [deadline, wake] : woken) wake(false);
}

void WaitList::stop() {
  std::multimap<Clock::time_point, Wake> woken;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    woken.swap(waiting_);
  }
  cv_.notify_all();
  for (auto& [deadline, wake] : woken) wake(true);
}

bool WaitList::stopped() const {
  std::lock_guard lock(mu_);
  return stopped_;
}

std::size_t WaitList::parked() const {
  std::lock_guard lock(mu_);
  return waiting_.size();
}

void WaitList::timer_loop() {
  std::unique_lock lock(mu_);
  while (!stopped_) {
    if (waiting_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto earliest = waiting_.begin()->first;
    if (Clock::now() < earliest) {
      cv_.wait_until(lock, earliest);
      continue;
    }
    std::vector<Wake> due;
    while (!waiting_.empty() && waiting_.begin()->first <= Clock::now()) {
      due.push_back(std::move(waiting_.begin()->second));
      waiting_.erase(waiting_.begin());
    }
    lock.unlock();
    for (auto& wake : due) wake(true);
    lock.lock();
  }
}

}  // namespace lockstep::http
