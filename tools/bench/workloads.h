// The operations of each workload, one operation at a time on one connection.
//
// An operation is a whole client-side cycle: for occ, a GET then PATCHes until one is applied
// (each 412 answer's `current` feeds the next attempt, with no extra GET). Its result says whether
// it completed; every request, status and conflict is counted in the context's Stats and, for
// occ, every acknowledged increment in its OccLedger, which the final check compares with the
// server's state.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "connection.h"
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
  Clock::time_point deadline;            // no operation starts after it
  Clock::time_point hard_deadline;       // operations still running are abandoned at it
};

// One worker's mutable state, used by the operations running on its connections.
struct OpContext {
  const RunPlan* plan = nullptr;
  Stats* stats = nullptr;
  OccLedger* ledger = nullptr;
  std::mt19937_64 rng;
  std::string create_prefix;  // distinguishes the titles of tasks created by different workers
  std::uint64_t created = 0;
};

enum class OpResult { kDone, kFailed, kAbandoned };

// Runs one operation of plan->options->workload on `conn`.
asio::awaitable<OpResult> run_op(OpContext& ctx, Connection& conn);

// The fields of a task representation that the tool uses.
struct TaskView {
  std::string task_id;
  std::int64_t warning_offset = -1;
  std::int64_t version = -1;
};

// Parses a task representation; with `member`, the task is that member of the body (a problem's
// "current"). nullopt when the body is not such a task.
std::optional<TaskView> parse_task(std::string_view body, std::string_view member = {});

// The body that creates the hot or benchmark task titled "bench task <suffix>".
std::string create_body(std::string_view suffix);

}  // namespace lockstep::bench
