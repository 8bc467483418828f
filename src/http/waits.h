// Parked requests: a long poll on the change feed or an event stream waiting for the next commit.
// A parked request costs an entry here, not a thread; one timer thread serves every deadline.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace lockstep::http {

class WaitList {
 public:
  using Clock = std::chrono::steady_clock;
  // Called exactly once, without any lock held: `timed_out` false after a commit, true at the
  // deadline (or when the list stops).
  using Wake = std::function<void(bool timed_out)>;

  WaitList();
  ~WaitList();  // stop()
  WaitList(const WaitList&) = delete;
  WaitList& operator=(const WaitList&) = delete;

  // Incremented by every notify(). Read it before looking for news, and pass it to park(): a
  // commit between the look and the park then wakes the waiter at once instead of being missed.
  std::uint64_t generation() const;

  // Parks `wake` until the next notify() after generation `seen`, or `deadline`.
  void park(std::uint64_t seen, Clock::time_point deadline, Wake wake);

  // Something was committed: wakes every parked waiter.
  void notify();

  // Wakes every waiter as timed out; later park() calls wake at once. Idempotent.
  void stop();
  bool stopped() const;
  std::size_t parked() const;

 private:
  void timer_loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;                 // guarded by mu_
  std::multimap<Clock::time_point, Wake> waiting_;  // guarded by mu_
  bool stopped_ = false;                         // guarded by mu_
  std::thread timer_;
};

}  // namespace lockstep::http
