// Parked requests: lock requests waiting for a task's lock, long polls and event streams waiting
// for the next change. A parked request costs an entry here, not a thread; one timer thread serves
// every deadline. Waiters park on a key (a task id, or the change feed's), and a notification
// wakes only the waiters of its key: a commit to one task does not re-run the lock waiters of
// every other.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/mutex.h"

namespace lockstep::http {

class WaitList {
 public:
  using Clock = std::chrono::steady_clock;
  // Called exactly once, without any lock held: `timed_out` false after a notification, true at
  // the deadline (or when the list stops).
  using Wake = std::function<void(bool timed_out)>;

  WaitList();
  ~WaitList();  // stop()
  WaitList(const WaitList&) = delete;
  WaitList& operator=(const WaitList&) = delete;

  // Incremented by every notification. Read it before looking for news, and pass it to park(): a
  // notification of the waiter's key (or notify_all) between the look and the park then wakes the
  // waiter at once instead of being missed.
  std::uint64_t generation() const;

  // Parks `wake` under `key` (not empty) until the next notify(key) or notify_all() after
  // generation `seen`, or `deadline`.
  void park(std::string key, std::uint64_t seen, Clock::time_point deadline, Wake wake);

  // Something about `key` was committed: wakes the waiters parked under it.
  void notify(const std::string& key);
  // Something was committed that may concern any waiter (e.g. on another node): wakes them all.
  void notify_all();

  // Wakes every waiter as timed out; later park() calls wake at once. Idempotent.
  void stop();
  bool stopped() const;
  std::size_t parked() const;

 private:
  struct Entry {
    std::string key;
    std::uint64_t id;  // its place in by_key_
    Wake wake;
  };
  using Entries = std::multimap<Clock::time_point, Entry>;
  void timer_loop();
  // Whether a notification that concerns `key` came after generation `seen`.
  bool missed(const std::string& key, std::uint64_t seen) const LOCKSTEP_REQUIRES(mu_);
  void remember(const std::string& key) LOCKSTEP_REQUIRES(mu_);

  mutable Mutex mu_;
  std::condition_variable cv_;
  std::uint64_t generation_ LOCKSTEP_GUARDED_BY(mu_) = 0;
  std::uint64_t all_at_ LOCKSTEP_GUARDED_BY(mu_) = 0;  // generation of the last notify_all
  // The keys of the latest notifications, oldest first (the last one is generation_), and the
  // generation of each key's latest among them: enough to tell a parking waiter whether it missed
  // one. A waiter that looked longer ago than they reach is woken at once.
  std::deque<std::string> recent_ LOCKSTEP_GUARDED_BY(mu_);
  std::unordered_map<std::string, std::uint64_t> last_ LOCKSTEP_GUARDED_BY(mu_);
  Entries waiting_ LOCKSTEP_GUARDED_BY(mu_);  // by deadline
  std::unordered_map<std::string, std::map<std::uint64_t, Entries::iterator>> by_key_ LOCKSTEP_GUARDED_BY(mu_);
  std::uint64_t next_id_ LOCKSTEP_GUARDED_BY(mu_) = 0;
  bool stopped_ LOCKSTEP_GUARDED_BY(mu_) = false;
  std::thread timer_;
};

// Whether the client of a request is still there. The server cancels it when the connection of a
// request it has not answered yet is closed by the client; a parked request whose client is gone
// is answered (to nobody) instead of being served: a lock waiter is then never granted a lock that
// nobody would use. Thread-safe.
class Cancellation {
 public:
  // Idempotent; runs the hook (once) the first time.
  void cancel();
  bool cancelled() const;
  // `hook` runs once when the request is cancelled, at once if it is already; it replaces an
  // earlier hook, and an empty one removes it.
  void on_cancel(std::function<void()> hook);
  // The server's: how to start watching the client (set before the Api has the request).
  void set_watcher(std::function<void()> watch) { watcher_ = std::move(watch); }
  // The Api's: the request is about to wait, so the server should watch its client from now on.
  void watch() const {
    if (watcher_) watcher_();
  }

 private:
  mutable Mutex mu_;
  bool cancelled_ LOCKSTEP_GUARDED_BY(mu_) = false;
  std::function<void()> hook_ LOCKSTEP_GUARDED_BY(mu_);
  std::function<void()> watcher_;  // set once, before it is shared
};

}  // namespace lockstep::http
