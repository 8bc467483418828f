#include "service/sweeper.h"

#include "service/change_service.h"

namespace lockstep {

Sweeper::Sweeper(Store& store, const Clock& clock, Retention retention, Millis idempotency_ttl_ms,
                 std::chrono::seconds interval)
    : store_(store), clock_(clock), retention_(retention), idempotency_ttl_ms_(idempotency_ttl_ms), interval_(interval),
      thread_([this] { loop(); }) {}

Sweeper::~Sweeper() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Sweeper::loop() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, interval_, [&] { return stopping_; })) {
    lock.unlock();
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
    lock.lock();
  }
}

}  // namespace lockstep
