// What the workers of a run acknowledged, beyond the occ increments: the per-workload records
// that the end-of-run checks (checks.h) compare with the server's final state. Each worker owns
// one RunLedger and touches only its own; they are merged after the threads are joined.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "connection.h"
#include "stats.h"

namespace lockstep::bench {

// occ-merge: the writable fields a connection sets, one class of connections per field.
inline constexpr std::size_t kMergeFields = 3;
inline constexpr const char* kMergeFieldNames[kMergeFields] = {"taskTitle", "taskDescription", "userId"};

// The acknowledged write of one field with the highest resulting version.
struct FieldWrite {
  std::int64_t version = 0;  // 0: none acknowledged
  std::string value;
};

struct MergeLedger {
  std::vector<std::array<FieldWrite, kMergeFields>> last;         // per hot task
  std::vector<std::array<std::uint64_t, kMergeFields>> in_doubt;  // per hot task

  explicit MergeLedger(std::size_t tasks = 0) : last(tasks), in_doubt(tasks) {}
  void merge(const MergeLedger& other);
};

// lock: every grant, and every increment made under a lock with the value it read.
struct Grant {
  std::size_t task = 0;
  std::int64_t token = 0;
};
struct LockedIncrement {
  std::size_t task = 0;
  std::int64_t seen = 0;  // warningOffset read while holding the lock; the write set seen + 1
  std::int64_t token = 0;
};
struct LockLedger {
  std::vector<Grant> grants;
  std::vector<LockedIncrement> increments;
  void merge(const LockLedger& other);
};

// purchase: quantities acknowledged and in doubt, and what the answers said about the stock.
struct PurchaseLedger {
  std::uint64_t acked = 0;  // purchases answered 200
  std::uint64_t acked_quantity = 0;
  std::uint64_t in_doubt = 0;  // purchases whose answer was lost after sending
  std::uint64_t in_doubt_quantity = 0;
  std::uint64_t negative = 0;           // a 200's product.stock or a 409's available below 0
  std::uint64_t refused_in_stock = 0;   // a 409 OUT_OF_STOCK whose available covered the quantity
  std::vector<std::int64_t> remaining;  // product.stock of every 200: all must differ
  void merge(const PurchaseLedger& other);
};

// follow: when each acknowledged write's answer arrived, keyed "taskId/version".
struct Ack {
  std::string key;
  Clock::time_point at;
};

std::string change_key(std::string_view task_id, std::int64_t version);

struct RunLedger {
  OccLedger occ;
  MergeLedger merge_writes;
  LockLedger lock;
  PurchaseLedger purchase;
  std::vector<std::string> created;  // overload: "/v1/tasks/{id}" of every 201
  std::vector<Ack> acks;             // follow

  explicit RunLedger(std::size_t hot = 0) : occ(hot), merge_writes(hot) {}
  void merge(const RunLedger& other);
};

}  // namespace lockstep::bench
