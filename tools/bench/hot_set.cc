#include "hot_set.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>

#include "workloads.h"

namespace lockstep::bench {
namespace {

constexpr int kAttempts = 3;
constexpr std::size_t kMaxReported = 5;

asio::awaitable<void> drain_indices(Connection& conn, std::size_t& next, std::size_t count, const IndexedStep& step,
                                    bool& all_ok) {
  while (next < count) {
    const std::size_t i = next++;
    if (!co_await step(conn, i)) all_ok = false;
  }
  conn.close();
}

std::string check_task(std::size_t i, const TaskView& task, std::uint64_t acked, std::uint64_t in_doubt, bool offsets) {
  const auto offset = static_cast<std::uint64_t>(task.warning_offset);
  const auto changes = static_cast<std::uint64_t>(task.version - 1);
  if ((!offsets || (offset >= acked && offset <= acked + in_doubt)) && changes >= acked &&
      changes <= acked + in_doubt) {
    return {};
  }
  return "task " + std::to_string(i) + " (" + task.task_id + "): warningOffset " + std::to_string(offset) +
         ", version " + std::to_string(task.version) + ", but " + std::to_string(acked) +
         (offsets ? " increments" : " writes") + " acknowledged" +
         (in_doubt ? " (+" + std::to_string(in_doubt) + " in doubt)" : "");
}

}  // namespace

bool for_each_index(const ConnectionConfig& config, std::size_t count, int width, const IndexedStep& step) {
  asio::io_context io{1};
  Stats stats;
  LiveCounters live;
  std::vector<std::unique_ptr<Connection>> connections;
  std::size_t next = 0;
  bool all_ok = true;
  const auto n = std::clamp<std::size_t>(static_cast<std::size_t>(width), 1, std::max<std::size_t>(count, 1));
  for (std::size_t c = 0; c < n; ++c) {
    connections.push_back(std::make_unique<Connection>(io.get_executor(), config, stats, live));
    asio::co_spawn(io, drain_indices(*connections.back(), next, count, step, all_ok), asio::detached);
  }
  io.run();
  return all_ok;
}

asio::awaitable<Outcome> call_with_retries(Connection& conn, const Call& call, Clock::time_point deadline) {
  Outcome outcome;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    outcome = co_await conn.call(call, deadline);
    if (outcome.failure != Failure::kTransport) break;
  }
  co_return outcome;
}

std::string describe(const Outcome& outcome) {
  if (outcome.failure == Failure::kTransport) return "connection failed";
  if (outcome.failure == Failure::kDeadline) return "timed out";
  return "status " + std::to_string(outcome.status) + ": " + outcome.body.substr(0, 300);
}

std::optional<std::vector<std::string>> create_hot_set(const Options& options, const ConnectionConfig& config,
                                                       std::string& error) {
  const auto count = static_cast<std::size_t>(options.hot);
  std::vector<std::string> targets(count);
  const auto deadline = Clock::now() + kPhaseLimit;
  auto step = [&](Connection& conn, std::size_t i) -> asio::awaitable<bool> {
    const std::string body = create_body(std::to_string(i));
    Outcome outcome = co_await call_with_retries(conn, Call::post("/v1/tasks", body), deadline);
    auto task = outcome.answered() && outcome.status == 201 ? parse_task(outcome.body) : std::nullopt;
    if (!task) {
      if (error.empty()) error = "creating hot task " + std::to_string(i) + ": " + describe(outcome);
      co_return false;
    }
    targets[i] = "/v1/tasks/" + task->task_id;
    co_return true;
  };
  if (!for_each_index(config, count, options.connections, step)) return std::nullopt;
  return targets;
}

Verification verify_hot_set(const Options& options, const ConnectionConfig& config,
                            const std::vector<std::string>& targets, const OccLedger& ledger, bool offsets,
                            const TaskCheck& extra) {
  Verification v;
  v.unit = offsets ? "increments" : "writes";
  v.tasks = targets.size();
  for (std::size_t i = 0; i < targets.size(); ++i) {
    v.acked += ledger.acked[i];
    v.in_doubt += ledger.in_doubt[i];
  }
  const auto deadline = Clock::now() + kPhaseLimit;
  auto report = [&](std::string line) {
    ++v.mismatched;
    if (v.first_mismatches.size() < kMaxReported) v.first_mismatches.push_back(std::move(line));
  };
  auto step = [&](Connection& conn, std::size_t i) -> asio::awaitable<bool> {
    Outcome outcome = co_await call_with_retries(conn, Call::get(targets[i]), deadline);
    auto task = outcome.answered() && outcome.status == 200 ? parse_task(outcome.body) : std::nullopt;
    if (!task) {
      report("task " + std::to_string(i) + " could not be read back: " + describe(outcome));
      co_return false;
    }
    v.found += static_cast<std::uint64_t>(offsets ? task->warning_offset : task->version - 1);
    std::string mismatch = check_task(i, *task, ledger.acked[i], ledger.in_doubt[i], offsets);
    if (mismatch.empty() && extra) mismatch = extra(i, outcome.body);
    const bool matches = mismatch.empty();
    if (!matches) report(std::move(mismatch));
    co_return matches;
  };
  v.pass = for_each_index(config, targets.size(), options.connections, step);
  return v;
}

}  // namespace lockstep::bench
