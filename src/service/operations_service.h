// What the operations endpoints (API.md §10) read from the store.
#pragma once

#include <cstdint>

#include "service/task_service.h"
#include "store/store.h"

namespace lockstep {

// The gauges of a metrics scrape that the store holds, read in one transaction.
struct StoreGauges {
  std::int64_t locks_held = 0;       // live locks at `now`
  std::int64_t oldest_revision = 0;  // the oldest revision the change feed may still return
};
StoreGauges read_store_gauges(Tx& tx, Millis now, const Retention& retention);

}  // namespace lockstep
