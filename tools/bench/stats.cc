#include "stats.h"

namespace lockstep::bench {

void Stats::merge(const Stats& other) {
  request_ns.merge(other.request_ns);
  op_ns.merge(other.op_ns);
  ops += other.ops;
  requests += other.requests;
  writes += other.writes;
  conflicts += other.conflicts;
  merged += other.merged;
  accepted_ns.merge(other.accepted_ns);
  shed_ns.merge(other.shed_ns);
  capped += other.capped;
  anomalies += other.anomalies;
  transport_errors += other.transport_errors;
  timeouts += other.timeouts;
  reconnects += other.reconnects;
  throttled += other.throttled;
  abandoned += other.abandoned;
  for (const auto& [status, n] : other.statuses) statuses[status] += n;
}

bool is_expected_status(Workload w, unsigned status) {
  if (status == 429 || status == 503) return true;
  switch (w) {
    case Workload::kRead:
    case Workload::kHealthz:
      return status == 200;
    case Workload::kCreate:
      return status == 201;
    case Workload::kOcc:
    case Workload::kMixed:
    case Workload::kFollow:
      return status == 200 || status == 201 || status == 412;
    case Workload::kOccMerge:
    case Workload::kPurchase:
    case Workload::kBatch:
      return status == 200 || status == 201 || status == 409;
    case Workload::kLock:
      return status == 200 || status == 204 || status == 423;
    case Workload::kOverload:
      return status == 201;
  }
  return false;
}

void OccLedger::merge(const OccLedger& other) {
  if (acked.size() < other.acked.size()) {
    acked.resize(other.acked.size(), 0);
    in_doubt.resize(other.in_doubt.size(), 0);
  }
  for (std::size_t i = 0; i < other.acked.size(); ++i) {
    acked[i] += other.acked[i];
    in_doubt[i] += other.in_doubt[i];
  }
}

}  // namespace lockstep::bench
