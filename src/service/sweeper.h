// The background sweep: deletes change-log rows that retention no longer lets answers return, in
// small write jobs so that it never holds the writer for long.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

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
  bool stopping_flag() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  Store& store_;
  const Clock& clock_;
  Retention retention_;
  Millis idempotency_ttl_ms_;
  std::chrono::seconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace lockstep
