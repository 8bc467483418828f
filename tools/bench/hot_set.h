// The contended set of tasks: created before a read or occ run, read back after an occ run to
// check that no acknowledged increment was lost and none was applied twice.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "connection.h"
#include "options.h"
#include "stats.h"

namespace lockstep::bench {

// Creates options.hot tasks (warningOffset 0) over up to options.connections connections and
// returns their "/v1/tasks/{id}" targets, or nullopt with `error` set when any could not be made.
std::optional<std::vector<std::string>> create_hot_set(const Options& options,
                                                       const ConnectionConfig& config,
                                                       std::string& error);

struct Verification {
  bool pass = false;
  std::uint64_t tasks = 0;
  std::uint64_t acked = 0;     // increments the server acknowledged, over all tasks
  std::uint64_t in_doubt = 0;  // increments whose answer was lost
  std::uint64_t found = 0;     // increments the server holds, over all tasks read back
  std::uint64_t mismatched = 0;
  std::vector<std::string> first_mismatches;  // a few, for the report
};

// Reads every hot task back. A task passes when its warningOffset, and its version - 1 (every
// applied increment is exactly one new version), lie between its acknowledged increments and
// those plus its in-doubt ones: with no transport failures, that is exact equality.
Verification verify_hot_set(const Options& options, const ConnectionConfig& config,
                            const std::vector<std::string>& targets, const OccLedger& ledger);

}  // namespace lockstep::bench
