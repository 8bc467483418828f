#include "service/operations_service.h"

#include "service/change_service.h"

namespace lockstep {

StoreGauges read_store_gauges(Tx& tx, Millis now, const Retention& retention) {
  return StoreGauges{tx.count_live_locks(now), oldest_retained_revision(tx, retention)};
}

}  // namespace lockstep
