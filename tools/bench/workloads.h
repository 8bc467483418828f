// The operations of each workload, one operation at a time on one connection.
//
// An operation is a whole client-side cycle: for occ, a GET then PATCHes until one is applied
// (each 412 answer's `current` feeds the next attempt, with no extra GET); for lock, acquire,
// GET, PATCH, release; for batch, one atomic batch resent until it applies. Its result says
// whether it completed; every request, status and conflict is counted in the context's Stats and
// every acknowledged write in its RunLedger, which the final checks compare with the server's
// state. The workloads beyond read/create/occ/healthz live in workload_ops.h's files.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "connection.h"
#include "ledgers.h"
#include "options.h"
#include "stats.h"

namespace lockstep::bench {

// The largest warningOffset the contract accepts; occ stops incrementing a task there.
inline constexpr std::int64_t kMaxWarningOffset = 64000;

// What every worker of a run shares, read-only once the run starts.
struct RunPlan {
  const Options* options = nullptr;
  const ConnectionConfig* connection = nullptr;
  std::vector<std::string> hot_targets;  // "/v1/tasks/{id}" of each hot task
  std::string product_target;            // purchase: "/v1/products/{id}"
  Clock::time_point deadline;            // no operation starts after it
  Clock::time_point hard_deadline;       // operations still running are abandoned at it
};

// What one worker last saw of a hot task (batch keeps ETags between batches): valid when
// etag is not empty.
struct CachedTask {
  std::string etag;
  std::int64_t warning_offset = 0;
};

// One worker's mutable state, used by the operations running on its connections.
struct OpContext {
  const RunPlan* plan = nullptr;
  Stats* stats = nullptr;
  OccLedger* ledger = nullptr;  // == &run->occ
  RunLedger* run = nullptr;
  std::mt19937_64 rng;
  std::string create_prefix;  // distinguishes the titles of tasks created by different workers
  std::uint64_t created = 0;
  std::uint64_t written = 0;      // occ-merge: numbers the unique values this worker writes
  std::vector<CachedTask> cache;  // batch: per hot task
  std::uint64_t op_units = 1;     // set by an operation: what it counts as in `ops` (batch: updates)
};

enum class OpResult { kDone, kFailed, kAbandoned };

// Runs one operation of plan->options->workload on `conn`.
asio::awaitable<OpResult> run_op(OpContext& ctx, Connection& conn);

// The fields of a task representation that the tool uses.
struct TaskView {
  std::string task_id;
  std::string etag;  // the body's eTag; empty when absent
  std::int64_t warning_offset = -1;
  std::int64_t version = -1;
};

// Parses a task representation; with `member`, the task is that member of the body (a problem's
// "current"). nullopt when the body is not such a task.
std::optional<TaskView> parse_task(std::string_view body, std::string_view member = {});

// The id of a "/v1/tasks/{id}" target.
std::string_view task_id_of(std::string_view target);

// The body that creates the hot or benchmark task titled "bench task <suffix>".
std::string create_body(std::string_view suffix);

}  // namespace lockstep::bench
