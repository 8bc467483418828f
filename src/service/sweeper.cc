#include "service/sweeper.h"

#include "service/change_service.h"

namespace lockstep {

Sweeper::Sweeper(Store& store, const Clock& clock, Retention retention, Millis idempotency_ttl_ms,
                 std::chrono::seconds interval)
    : store_(store),
      clock_(clock),
      retention_(retention),
      idempotency_ttl_ms_(idempotency_ttl_ms),
      interval_(interval),
      thread_([this] { loop(); }) {}

Sweeper::~Sweeper() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Sweeper::loop() {
  while (!stopped_within(interval_)) {
    store_.write_sync([&](Tx& tx) {
      const Millis now = clock_.now();  // on PostgreSQL, the database's (Store::clock)
      tx.delete_expired_locks(now);
      tx.delete_idempotency_before(now - idempotency_ttl_ms_);
      return true;
    });
    std::int64_t after = 0;
    do {
      std::int64_t next = 0;
      if (!store_.write_sync([&](Tx& tx) {
            next = sweep_changes(tx, after, retention_);
            return true;
          })) {
        break;
      }
      after = next;
    } while (after != 0 && !stopping_flag());
  }
}

bool Sweeper::stopped_within(std::chrono::seconds interval) {
  const auto until = std::chrono::steady_clock::now() + interval;
  MutexLock lock(mu_);
  while (!stopping_ && lock.wait_until(cv_, until) == std::cv_status::no_timeout) {
  }
  return stopping_;
}

}  // namespace lockstep
