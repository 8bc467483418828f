#include "http/metrics.h"

#include <cstdio>
#include <initializer_list>

namespace lockstep::http {
namespace {

std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void histogram(std::string& out, const std::string& name, const std::string& labels, const Histogram& h) {
  auto s = h.snapshot();
  const std::string sep = labels.empty() ? "" : labels + ",";
  for (std::size_t i = 0; i < h.bounds().size(); ++i) {
    out.append(name).append("_bucket{").append(sep).append("le=\"").append(num(h.bounds()[i])).append("\"} ");
    out.append(std::to_string(s.cumulative[i])).append("\n");
  }
  out += name + "_bucket{" + sep + "le=\"+Inf\"} " + std::to_string(s.count) + "\n";
  out += name + "_sum" + (labels.empty() ? "" : "{" + labels + "}") + " " + num(s.sum) + "\n";
  out += name + "_count" + (labels.empty() ? "" : "{" + labels + "}") + " " + std::to_string(s.count) + "\n";
}

// One series per outcome, those not seen yet at 0 (so that rate() sees them from the start).
void by_outcome(std::string& out, const char* name, const std::map<std::string, std::uint64_t>& counts,
                std::initializer_list<const char*> outcomes) {
  for (const char* outcome : outcomes) {
    auto it = counts.find(outcome);
    out += std::string(name) + "{outcome=\"" + outcome + "\"} " + std::to_string(it == counts.end() ? 0 : it->second) +
           "\n";
  }
}

// An independent (non-atomic) batch's answer ends with its member "allSucceeded" (batch_routes.cc);
// an atomic one has only "results".
bool independent_batch(const std::string& body) {
  constexpr std::size_t kTail = 24;
  return body.find("\"allSucceeded\":", body.size() > kTail ? body.size() - kTail : 0) != std::string::npos;
}

}  // namespace

std::string_view method_label(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}) {
    if (method == known) return known;
  }
  return "other";
}

void Metrics::observe(const Response& r, const std::string& method, double seconds) {
  const std::string route = r.route.empty() ? "other" : r.route;
  MutexLock lock(mu_);
  ++requests_[{route, std::string(method_label(method)), r.status}];
  auto& h = latency_[route];
  if (!h) h = std::make_unique<Histogram>(Histogram::latency_bounds());
  h->observe(seconds);
  if (r.status == 409 || r.status == 412) ++conflicts_[{route, r.code.empty() ? std::to_string(r.status) : r.code}];
  if (r.status == 423) ++locked_[route];
  if (r.status == 429) ++rate_limited_;
  if (r.status == 503) ++shed_;
  bool replayed = false, merged = false;
  for (const auto& [k, v] : r.headers) {
    replayed = replayed || k == "Idempotent-Replayed";
    merged = merged || k == "Preference-Applied";
  }
  if (replayed) {
    ++replays_;
    return;  // the merge, purchase or batch it repeats was counted the first time
  }
  if (merged) ++merges_;
  if (route == "/v1/products/{id}/purchase") {
    if (r.status == 200) ++purchases_["purchased"];
    if (r.code == "OUT_OF_STOCK") ++purchases_["out_of_stock"];
  } else if (route == "/v1/tasks:batch") {
    if (r.status == 200) ++batches_[independent_batch(r.body) ? "independent" : "applied"];
    if (r.code == "BATCH_ABORTED") ++batches_["aborted"];
  }
}

void Metrics::observe_lock_wait(double seconds) { lock_wait_.observe(seconds); }

std::string Metrics::render(const Gauges& g, const Histogram& commit_seconds, const Histogram& group_size) const {
  std::string out;
  MutexLock lock(mu_);
  header(out, "lockstep_http_requests_total", "counter", "Answered requests by route template, method and status.");
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out += "lockstep_http_requests_total{route=\"" + escape(route) + "\",method=\"" + method + "\",status=\"" +
           std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  }
  header(out, "lockstep_http_request_duration_seconds", "histogram", "Time from a request read whole to its answer.");
  for (const auto& [route, h] : latency_) {
    histogram(out, "lockstep_http_request_duration_seconds", "route=\"" + escape(route) + "\"", *h);
  }
  header(out, "lockstep_conflicts_total", "counter", "409 and 412 answers by route and problem code.");
  for (const auto& [key, n] : conflicts_) {
    out += "lockstep_conflicts_total{route=\"" + escape(key.first) + "\",code=\"" + key.second + "\"} " +
           std::to_string(n) + "\n";
  }
  header(out, "lockstep_locked_total", "counter", "423 Locked answers by route.");
  for (const auto& [route, n] : locked_) {
    out += "lockstep_locked_total{route=\"" + escape(route) + "\"} " + std::to_string(n) + "\n";
  }
  header(out, "lockstep_purchases_total", "counter",
         "Purchase answers by outcome: purchased (200) or out_of_stock (409 OUT_OF_STOCK).");
  by_outcome(out, "lockstep_purchases_total", purchases_, {"purchased", "out_of_stock"});
  header(out, "lockstep_batches_total", "counter",
         "Batch answers by outcome: applied (atomic, 200), aborted (atomic, 409 BATCH_ABORTED), independent "
         "(non-atomic, 200).");
  by_outcome(out, "lockstep_batches_total", batches_, {"applied", "aborted", "independent"});
  auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    header(out, name, "counter", help);
    out += std::string(name) + " " + std::to_string(v) + "\n";
  };
  counter("lockstep_idempotent_replays_total", "Answers replayed for a repeated Idempotency-Key.", replays_);
  counter("lockstep_rate_limited_total", "Requests refused with 429.", rate_limited_);
  counter("lockstep_shed_total", "Requests refused with 503 (overload or store unavailable).", shed_);
  counter("lockstep_merges_total", "Stale writes merged on the server (Preference-Applied).", merges_);
  counter("lockstep_lock_wait_runs_total",
          "Parked lock requests re-run (woken by a commit to their task, a waiter leaving, or their deadline).",
          g.lock_wait_runs);
  counter("lockstep_feed_reads_total",
          "Store reads that brought the change feed up to date for all followers (one per commit or notification).",
          g.feed_reads);
  counter("lockstep_stream_store_reads_total",
          "Store reads of one event stream alone (heartbeats, catching up from behind what the feed holds).",
          g.stream_reads);
  counter("lockstep_log_lines_dropped_total", "Request log lines dropped because stderr could not keep up.",
          g.dropped_log_lines);
  auto gauge = [&](const char* name, const char* help, double v) {
    header(out, name, "gauge", help);
    out += std::string(name) + " " + num(v) + "\n";
  };
  gauge("lockstep_pending_writes", "Writes accepted but not yet committed.", static_cast<double>(g.pending_writes));
  gauge("lockstep_parked_requests", "Long polls, event streams and lock requests waiting for news.",
        static_cast<double>(g.parked_requests));
  gauge("lockstep_lock_waiters", "Lock requests waiting for a lock.", static_cast<double>(g.lock_waiters));
  gauge("lockstep_locks_held", "Live task locks.", static_cast<double>(g.locks_held));
  gauge("lockstep_event_streams", "Open change-feed event streams (server-sent events connections).",
        static_cast<double>(g.event_streams));
  gauge("lockstep_change_followers", "Long polls of the change feed parked until news (lock waits not included).",
        static_cast<double>(followers_.load()));
  if (g.oldest_revision > 0) {  // 0: not gathered
    gauge("lockstep_oldest_revision", "The oldest revision the change feed still returns; older cursors get 410.",
          static_cast<double>(g.oldest_revision));
  }
  if (const auto& c = g.read_cache) {
    counter("lockstep_read_cache_hits_total", "GET /v1/tasks/{id} answered from the read cache.", c->hits);
    counter("lockstep_read_cache_misses_total", "GET /v1/tasks/{id} the read cache did not hold (the store answered).",
            c->misses);
    gauge("lockstep_read_cache_entries", "Tasks in the read cache.", static_cast<double>(c->entries));
    gauge("lockstep_read_cache_bytes", "Bytes the read cache holds (its own estimate, allocator headers included).",
          static_cast<double>(c->bytes));
    gauge("lockstep_read_cache_max_bytes", "The read cache's bound (--read-cache-mib).",
          static_cast<double>(c->max_bytes));
  }
  header(out, "lockstep_lock_wait_seconds", "histogram", "How long granted lock requests waited.");
  histogram(out, "lockstep_lock_wait_seconds", "", lock_wait_);
  header(out, "lockstep_commit_duration_seconds", "histogram", "Time of each store commit (one fsync).");
  histogram(out, "lockstep_commit_duration_seconds", "", commit_seconds);
  header(out, "lockstep_commit_group_size", "histogram", "Writes carried by each commit (group commit).");
  histogram(out, "lockstep_commit_group_size", "", group_size);
  return out;
}

}  // namespace lockstep::http
