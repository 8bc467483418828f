#include "worker.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>

namespace lockstep::bench {

Worker::Worker(const RunPlan& plan, LiveCounters& live, int index)
    : plan_(plan), live_(live), ledger_(plan.hot_targets.size()) {
  context_.plan = &plan_;
  context_.stats = &stats_;
  context_.ledger = &ledger_.occ;
  context_.run = &ledger_;
  context_.rng.seed(std::random_device{}() + static_cast<unsigned>(index));
  context_.create_prefix = std::to_string(index) + "-";
}

void Worker::start_connections(int count, std::size_t first_index) {
  for (int i = 0; i < count; ++i) {
    connections_.push_back(
        std::make_unique<Connection>(io_.get_executor(), *plan_.connection, stats_, live_, first_index + i));
    asio::co_spawn(io_, drive(*connections_.back()), asio::detached);
  }
}

void Worker::start_progress() { asio::co_spawn(io_, report_progress(), asio::detached); }

void Worker::run() { io_.run(); }

asio::awaitable<void> Worker::drive(Connection& conn) {
  while (Clock::now() < plan_.deadline) {
    const auto start = Clock::now();
    const OpResult result = co_await run_op(context_, conn);
    if (result != OpResult::kDone) {
      // Failures were counted where they happened; a failed operation is simply not an op.
      if (result == OpResult::kAbandoned) break;
      continue;
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start);
    stats_.op_ns.record(static_cast<std::uint64_t>(elapsed.count()));
    stats_.ops += context_.op_units;
    live_.ops.fetch_add(context_.op_units, std::memory_order_relaxed);
  }
  conn.close();
}

asio::awaitable<void> Worker::report_progress() {
  asio::steady_timer timer(io_);
  const auto start = Clock::now();
  auto next = start;
  std::uint64_t last_ops = 0;
  for (int second = 1;; ++second) {
    next += std::chrono::seconds(1);
    if (next > plan_.deadline) co_return;
    timer.expires_at(next);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    const std::uint64_t ops = live_.ops.load(std::memory_order_relaxed);
    std::fprintf(stderr, "[%3ds] %9.0f ops/s  %10llu ops  %10llu requests  %llu errors\n", second,
                 static_cast<double>(ops - last_ops), static_cast<unsigned long long>(ops),
                 static_cast<unsigned long long>(live_.requests.load(std::memory_order_relaxed)),
                 static_cast<unsigned long long>(live_.errors.load(std::memory_order_relaxed)));
    last_ops = ops;
  }
}

}  // namespace lockstep::bench
