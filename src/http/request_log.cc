#include "http/request_log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "core/time.h"
#include "http/metrics.h"

namespace json = boost::json;

namespace lockstep::http {
namespace {

std::shared_ptr<spdlog::logger> logger() {
  static std::shared_ptr<spdlog::logger> l = [] {
    auto existing = spdlog::get("lockstep");
    if (existing) return existing;
    return spdlog::stderr_logger_mt("lockstep");
  }();
  return l;
}

}  // namespace

void init_logging() {
  spdlog::init_thread_pool(8192, 1);
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto l = std::make_shared<spdlog::async_logger>("lockstep", sink, spdlog::thread_pool(),
                                                  // A stalled stderr (a full pipe, a stuck log
                                                  // collector) must never stall the I/O threads:
                                                  // past the queue, the oldest lines are dropped
                                                  // and counted (lockstep_log_lines_dropped_total).
                                                  spdlog::async_overflow_policy::overrun_oldest);
  l->set_pattern("%v");
  spdlog::register_logger(l);
  spdlog::flush_every(std::chrono::seconds(1));
}

void shutdown_logging() { spdlog::shutdown(); }

std::size_t dropped_log_lines() {
  auto pool = spdlog::thread_pool();
  return pool ? pool->overrun_counter() : 0;
}

void log_event(std::string_view level, std::string_view msg, std::string_view extra_json) {
  json::object o{{"time", format_rfc3339(SystemClock::instance().now())}, {"level", level}, {"msg", msg}};
  if (!extra_json.empty()) {
    std::error_code ec;
    auto extra = json::parse(extra_json, ec);
    if (!ec && extra.is_object()) {
      for (auto& [k, v] : extra.get_object()) o[k] = v;
    }
  }
  logger()->info(json::serialize(o));
}

void log_request(std::string_view request_id, std::string_view method, const Response& r,
                 std::chrono::microseconds latency) {
  json::object o{{"time", format_rfc3339(SystemClock::instance().now())},
                 {"level", r.status >= 500 ? "error" : "info"},
                 {"requestId", request_id},
                 {"principal", r.principal},
                 {"method", method_label(method)},  // not the raw method: a fixed set, as in /metrics
                 {"route", r.route},
                 {"status", r.status},
                 {"latencyUs", latency.count()}};
  if (!r.log_note.empty()) o["note"] = r.log_note;
  logger()->info(json::serialize(o));
}

}  // namespace lockstep::http
