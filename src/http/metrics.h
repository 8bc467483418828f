// The server's Prometheus metrics (API.md §10): requests by route, method and status, latency
// histograms by route, conflicts and locks by route, replays, rate limiting, shedding, merges,
// purchases and batches by outcome, lock waits, parked change-feed followers. Observed once per
// answer (what an answer's route and status tell is counted in observe, nowhere else); rendered
// in the Prometheus text format. Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "core/histogram.h"
#include "core/mutex.h"
#include "http/message.h"

namespace lockstep::http {

// The method as a metric label and in the request log: one of the methods HTTP defines, else
// "other". Labels come from fixed sets only (methods, route templates, statuses, problem codes),
// so that no client can grow /metrics, or the server's memory, by inventing methods or paths.
std::string_view method_label(std::string_view method);

// Point-in-time values the Api gathers for a scrape.
// The read cache's (TaskCache), where there is one.
struct ReadCacheGauges {
  std::size_t entries = 0;
  std::size_t bytes = 0;
  std::size_t max_bytes = 0;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
};

struct Gauges {
  std::size_t pending_writes = 0;
  std::size_t parked_requests = 0;
  std::size_t lock_waiters = 0;
  std::uint64_t lock_wait_runs = 0;  // parked lock requests re-run so far
  std::uint64_t feed_reads = 0;      // store reads of the change feed for all its followers so far
  std::uint64_t stream_reads = 0;    // store reads of single event streams so far
  std::int64_t locks_held = 0;
  std::int64_t event_streams = 0;
  std::int64_t connections = 0;
  std::size_t dropped_log_lines = 0;
  // The oldest revision the change feed may still return (oldest_retained_revision).
  std::int64_t oldest_revision = 0;
  std::optional<ReadCacheGauges> read_cache;
};

class Metrics {
 public:
  // One answered request. `r.route` is a route template or one of the Api's fixed names (never a
  // raw path); `method` may be anything the client sent.
  void observe(const Response& r, const std::string& method, double seconds);
  // A lock granted after waiting `seconds` in the queue.
  void observe_lock_wait(double seconds);
  // A long poll of the change feed parked until news (+1), and woken (-1).
  void follower_parked(int delta) { followers_.fetch_add(delta); }

  std::string render(const Gauges& g, const Histogram& commit_seconds, const Histogram& group_size) const;

 private:
  mutable Mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_
      LOCKSTEP_GUARDED_BY(mu_);                                                         // route, method, status
  std::map<std::string, std::unique_ptr<Histogram>> latency_ LOCKSTEP_GUARDED_BY(mu_);  // by route
  std::map<std::pair<std::string, std::string>, std::uint64_t> conflicts_
      LOCKSTEP_GUARDED_BY(mu_);                                           // route, code (409/412)
  std::map<std::string, std::uint64_t> locked_ LOCKSTEP_GUARDED_BY(mu_);  // 423 by route
  std::uint64_t replays_ LOCKSTEP_GUARDED_BY(mu_) = 0;
  std::uint64_t rate_limited_ LOCKSTEP_GUARDED_BY(mu_) = 0;
  std::uint64_t shed_ LOCKSTEP_GUARDED_BY(mu_) = 0;
  std::uint64_t merges_ LOCKSTEP_GUARDED_BY(mu_) = 0;
  std::map<std::string, std::uint64_t> purchases_ LOCKSTEP_GUARDED_BY(mu_);  // by outcome: purchased, out_of_stock
  std::map<std::string, std::uint64_t> batches_ LOCKSTEP_GUARDED_BY(mu_);  // by outcome: applied, aborted, independent
  std::atomic<std::int64_t> followers_{0};
  Histogram lock_wait_{{0.001, 0.01, 0.1, 0.5, 1, 2.5, 5, 10, 20, 30}};
};

}  // namespace lockstep::http
