// The contended set of tasks: created before a read or occ run, read back after an occ run to
// check that no acknowledged increment was lost and none was applied twice.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "connection.h"
#include "options.h"
#include "stats.h"

namespace lockstep::bench {

// Setup and check phases are not measured, so they get a generous, fixed allowance.
inline constexpr auto kPhaseLimit = std::chrono::seconds(120);

using IndexedStep = std::function<asio::awaitable<bool>(Connection&, std::size_t)>;

// Runs step(conn, i) for every i in [0, count) over `width` connections on a private
// single-threaded io_context; true when every step returned true.
bool for_each_index(const ConnectionConfig& config, std::size_t count, int width, const IndexedStep& step);

// One request, resent after a transport failure (up to 3 attempts): for setup and checks only.
asio::awaitable<Outcome> call_with_retries(Connection& conn, const Call& call, Clock::time_point deadline);

// "status 404: <body>", "connection failed" or "timed out", for error messages.
std::string describe(const Outcome& outcome);

// Creates options.hot tasks (warningOffset 0) over up to options.connections connections and
// returns their "/v1/tasks/{id}" targets, or nullopt with `error` set when any could not be made.
std::optional<std::vector<std::string>> create_hot_set(const Options& options, const ConnectionConfig& config,
                                                       std::string& error);

struct Verification {
  bool pass = false;
  const char* unit = "increments";  // what acked counts: "writes" for occ-merge
  std::uint64_t tasks = 0;
  std::uint64_t acked = 0;     // increments the server acknowledged, over all tasks
  std::uint64_t in_doubt = 0;  // increments whose answer was lost
  std::uint64_t found = 0;     // increments the server holds, over all tasks read back
  std::uint64_t mismatched = 0;
  std::vector<std::string> first_mismatches;  // a few, for the report
};

// A further check of one task read back (index, body): empty when it passes, else why not.
using TaskCheck = std::function<std::string(std::size_t, std::string_view)>;

// Reads every hot task back. A task passes when its warningOffset (unless `offsets` is false:
// occ-merge writes no warningOffset), and its version - 1 (every acknowledged write is exactly
// one new version), lie between its acknowledged writes and those plus its in-doubt ones: with
// no transport failures, that is exact equality; and when `extra` passes it.
Verification verify_hot_set(const Options& options, const ConnectionConfig& config,
                            const std::vector<std::string>& targets, const OccLedger& ledger, bool offsets = true,
                            const TaskCheck& extra = {});

}  // namespace lockstep::bench
