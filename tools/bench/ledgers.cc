#include "ledgers.h"

namespace lockstep::bench {

void MergeLedger::merge(const MergeLedger& other) {
  if (last.size() < other.last.size()) {
    last.resize(other.last.size());
    in_doubt.resize(other.in_doubt.size());
  }
  for (std::size_t i = 0; i < other.last.size(); ++i) {
    for (std::size_t f = 0; f < kMergeFields; ++f) {
      if (other.last[i][f].version > last[i][f].version) last[i][f] = other.last[i][f];
      in_doubt[i][f] += other.in_doubt[i][f];
    }
  }
}

void LockLedger::merge(const LockLedger& other) {
  grants.insert(grants.end(), other.grants.begin(), other.grants.end());
  increments.insert(increments.end(), other.increments.begin(), other.increments.end());
}

void PurchaseLedger::merge(const PurchaseLedger& other) {
  acked += other.acked;
  acked_quantity += other.acked_quantity;
  in_doubt += other.in_doubt;
  in_doubt_quantity += other.in_doubt_quantity;
  negative += other.negative;
  refused_in_stock += other.refused_in_stock;
  remaining.insert(remaining.end(), other.remaining.begin(), other.remaining.end());
}

std::string change_key(std::string_view task_id, std::int64_t version) {
  return std::string(task_id) + "/" + std::to_string(version);
}

void RunLedger::merge(const RunLedger& other) {
  occ.merge(other.occ);
  merge_writes.merge(other.merge_writes);
  lock.merge(other.lock);
  purchase.merge(other.purchase);
  created.insert(created.end(), other.created.begin(), other.created.end());
  acks.insert(acks.end(), other.acks.begin(), other.acks.end());
}

}  // namespace lockstep::bench
