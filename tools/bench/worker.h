// A worker is one thread's share of the run: an io_context with concurrency hint 1 (no locking
// inside Asio), the connections assigned to it, and the Stats and RunLedger only it writes.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "connection.h"
#include "stats.h"
#include "workloads.h"

namespace lockstep::bench {

class Worker {
 public:
  Worker(const RunPlan& plan, LiveCounters& live, int index);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts `count` connections, numbered from `first_index` in the run (the number picks the
  // token), each running operations back to back until the plan's deadline.
  void start_connections(int count, std::size_t first_index);
  // Prints a progress line to stderr every second until the deadline.
  void start_progress();
  // Runs until every connection has finished its last operation. Call from one thread only.
  void run();

  const Stats& stats() const { return stats_; }
  const RunLedger& ledger() const { return ledger_; }

 private:
  asio::awaitable<void> drive(Connection& conn);
  asio::awaitable<void> report_progress();

  const RunPlan& plan_;
  LiveCounters& live_;
  asio::io_context io_{1};
  Stats stats_;
  RunLedger ledger_;
  OpContext context_;
  std::vector<std::unique_ptr<Connection>> connections_;
};

}  // namespace lockstep::bench
