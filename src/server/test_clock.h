// A clock that integration tests move instead of waiting for a lock to expire or a rate-limit
// bucket to refill, and its one control: "advance MILLIS" lines on the standard input of
// `lockstepd serve --test-only-movable-clock`. Test-only: a server whose clock jumps ahead expires
// every lock early. main() takes the flag off the command line itself, so no environment variable
// or config file can turn it on, and logs a warning at start and at every move.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

#include "core/time.h"

namespace lockstep {

// `base` plus what the test moved it by: on PostgreSQL `base` is the store's clock, so lock
// expiry is still decided against the database's clock, only later. Thread-safe.
class MovableClock final : public Clock {
 public:
  explicit MovableClock(const Clock& base) : base_(base) {}  // `base` must outlive it
  Millis now() const override { return base_.now() + offset_.load(std::memory_order_relaxed); }
  // Moves it forward by `by` (>= 0; time never runs back) and returns the whole offset.
  Millis advance(Millis by) { return offset_.fetch_add(by, std::memory_order_relaxed) + by; }

 private:
  const Clock& base_;
  std::atomic<Millis> offset_{0};
};

// Reads "advance MILLIS" lines from `fd` on its own thread until end of file or destruction;
// each one moves `clock`, then calls `moved` (which wakes what waits on the clock), then logs
// {"msg":"test-only clock moved","offsetMs":TOTAL}: the line a test waits for.
class ClockControl {
 public:
  ClockControl(int fd, MovableClock& clock, std::function<void()> moved);
  ~ClockControl();  // stops and joins
  ClockControl(const ClockControl&) = delete;
  ClockControl& operator=(const ClockControl&) = delete;

 private:
  void loop();
  void apply(const std::string& line);

  int fd_;
  MovableClock& clock_;
  std::function<void()> moved_;
  int stop_[2] = {-1, -1};  // a pipe whose write end, closed, ends the loop's poll()
  std::thread thread_;
};

}  // namespace lockstep
