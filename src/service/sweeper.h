// The background sweep: deletes change-log rows that retention no longer lets answers return, in
// small write jobs so that it never holds the writer for long.
#pragma once

#include <chrono>
#include <condition_variable>
#include <thread>

#include "core/mutex.h"
#include "service/task_service.h"
#include "store/store.h"

namespace lockstep {

class Sweeper {
 public:
  // Starts sweeping `store` every `interval`. `store` and `clock` (the Api's: the store's, or a
  // test's moved one) must outlive the Sweeper.
  // Also deletes expired locks, and idempotency records older than `idempotency_ttl_ms`.
  Sweeper(Store& store, const Clock& clock, Retention retention, Millis idempotency_ttl_ms,
          std::chrono::seconds interval);
  ~Sweeper();  // stops and joins
  Sweeper(const Sweeper&) = delete;
  Sweeper& operator=(const Sweeper&) = delete;

 private:
  void loop();
  // Waits `interval` or until the sweeper stops; true when it stops.
  bool stopped_within(std::chrono::seconds interval);
  bool stopping_flag() {
    MutexLock lock(mu_);
    return stopping_;
  }

  Store& store_;
  const Clock& clock_;
  Retention retention_;
  Millis idempotency_ttl_ms_;
  std::chrono::seconds interval_;
  Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ LOCKSTEP_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace lockstep
