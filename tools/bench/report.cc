#include "report.h"

#include <sys/resource.h>

#include <boost/json.hpp>

namespace lockstep::bench {
namespace {

namespace json = boost::json;

constexpr double kPercentiles[] = {0.50, 0.90, 0.99, 0.999};

double seconds_of(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

double per_second(std::uint64_t n, double elapsed_s) {
  return elapsed_s > 0 ? static_cast<double>(n) / elapsed_s : 0.0;
}

double conflict_rate(const Stats& st) {
  return st.writes ? static_cast<double>(st.conflicts) / static_cast<double>(st.writes) : 0.0;
}

// What `writes` and `conflicts` count for the workload (stats.h); nullptr where nothing contends.
const char* conflict_label(Workload w) {
  switch (w) {
    case Workload::kOcc:
    case Workload::kMixed:
    case Workload::kFollow:
      return "PATCHes answered 412";
    case Workload::kOccMerge:
      return "PATCHes answered 409 MERGE_CONFLICT";
    case Workload::kLock:
      return "lock acquires answered 423";
    case Workload::kPurchase:
      return "purchases answered 409 OUT_OF_STOCK";
    case Workload::kBatch:
      return "batches answered 409 BATCH_ABORTED";
    default:
      return nullptr;
  }
}

// occ-merge: the share of applied writes the server merged onto a newer version.
double merge_rate(const Stats& st) {
  const std::uint64_t applied = st.writes - st.conflicts;
  return applied ? static_cast<double>(st.merged) / static_cast<double>(applied) : 0.0;
}

// overload: the share of answered creates that were shed (503/429).
double shed_rate(const Stats& st) {
  const std::uint64_t answered = st.accepted_ns.count() + st.shed_ns.count();
  return answered ? static_cast<double>(st.shed_ns.count()) / static_cast<double>(answered) : 0.0;
}

double cpu_percent(const Summary& s) {
  return s.elapsed_s > 0 ? 100.0 * (s.cpu.user_s + s.cpu.system_s) / s.elapsed_s : 0.0;
}

void print_latency_row(std::FILE* out, const char* name, const Histogram& h) {
  std::fprintf(out, "    %-8s", name);
  for (double q : kPercentiles) std::fprintf(out, " %9.3f", ms(h.value_at(q)));
  std::fprintf(out, " %9.3f %9.3f\n", ms(h.max()), h.mean() / 1e6);
}

std::string status_list(const Stats& st) {
  std::string out;
  for (const auto& [status, n] : st.statuses) {
    if (!out.empty()) out += ", ";
    out += std::to_string(status) + " x" + std::to_string(n);
  }
  return out.empty() ? "none" : out;
}

std::string error_list(const Summary& s) {
  const Stats& st = s.stats;
  std::string out = unexpected_statuses(s);
  auto add = [&](const char* what, std::uint64_t n) {
    if (n == 0) return;
    if (!out.empty()) out += "; ";
    out += std::string(what) + " " + std::to_string(n);
  };
  add("connection errors", st.transport_errors);
  add("of them timeouts", st.timeouts);
  add("reconnects", st.reconnects);
  add("throttled (429/503, waited out)", st.throttled);
  add("abandoned at the end", st.abandoned);
  add("contract anomalies", st.anomalies);
  add("tasks left at the warningOffset maximum", st.capped);
  return out.empty() ? "none" : out;
}

void print_verification(std::FILE* out, const Verification& v) {
  if (v.pass) {
    std::fprintf(out, "  check      PASS: %llu tasks hold all %llu acknowledged %s",
                 static_cast<unsigned long long>(v.tasks), static_cast<unsigned long long>(v.acked), v.unit);
    if (v.in_doubt) {
      std::fprintf(out, ", and %llu of the %llu whose answers were lost",
                   static_cast<unsigned long long>(v.found - v.acked), static_cast<unsigned long long>(v.in_doubt));
    }
    std::fprintf(out, "\n");
    return;
  }
  std::fprintf(out, "  check      FAIL: %llu of %llu tasks do not match\n",
               static_cast<unsigned long long>(v.mismatched), static_cast<unsigned long long>(v.tasks));
  for (const auto& line : v.first_mismatches) std::fprintf(out, "             %s\n", line.c_str());
}

json::object latency_json(const Histogram& h) {
  return json::object{{"p50", ms(h.value_at(0.50))}, {"p90", ms(h.value_at(0.90))},
                      {"p99", ms(h.value_at(0.99))}, {"p999", ms(h.value_at(0.999))},
                      {"max", ms(h.max())},          {"mean", h.mean() / 1e6},
                      {"count", h.count()}};
}

json::object verification_json(const Verification& v) {
  json::array lines;
  for (const auto& line : v.first_mismatches) lines.emplace_back(line);
  return json::object{{"pass", v.pass},
                      {"tasks", v.tasks},
                      {"acked", v.acked},
                      {"inDoubt", v.in_doubt},
                      {"found", v.found},
                      {"mismatched", v.mismatched},
                      {"firstMismatches", std::move(lines)}};
}

void print_check(std::FILE* out, const CheckResult& c) {
  std::fprintf(out, "  check      %s %s: %s\n", c.pass ? "PASS" : "FAIL", c.name.c_str(), c.summary.c_str());
  for (const auto& line : c.first_failures) std::fprintf(out, "             %s\n", line.c_str());
}

json::object check_json(const CheckResult& c) {
  json::array lines;
  for (const auto& line : c.first_failures) lines.emplace_back(line);
  return json::object{{"name", c.name},
                      {"pass", c.pass},
                      {"summary", c.summary},
                      {"failed", c.failed},
                      {"firstFailures", std::move(lines)},
                      {"details", c.details}};
}

json::object counts_json(const Summary& s, bool unexpected_only) {
  json::object o;
  for (const auto& [status, n] : s.stats.statuses) {
    if (!unexpected_only || !is_expected_status(s.options->workload, status)) {
      o[std::to_string(status)] = n;
    }
  }
  return o;
}

}  // namespace

bool Summary::checks_pass() const {
  if (verification && !verification->pass) return false;
  for (const auto& c : checks) {
    if (!c.pass) return false;
  }
  return true;
}

CpuTimes process_cpu() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return CpuTimes{seconds_of(usage.ru_utime), seconds_of(usage.ru_stime)};
}

std::string unexpected_statuses(const Summary& s) {
  std::string out;
  for (const auto& [status, n] : s.stats.statuses) {
    if (is_expected_status(s.options->workload, status)) continue;
    out += (out.empty() ? "unexpected statuses " : ", ") + std::to_string(status) + " x" + std::to_string(n);
  }
  return out;
}

void print_table(std::FILE* out, const Summary& s) {
  const Options& o = *s.options;
  const Stats& st = s.stats;
  std::fprintf(out, "lockstep-bench: %s on %s, %d connections, %d thread(s)",
               std::string(to_string(o.workload)).c_str(), o.url.c_str(), o.connections, o.threads);
  if (o.needs_hot_set()) std::fprintf(out, ", %d hot tasks", o.hot);
  std::fprintf(out, ", %.1f s\n", s.elapsed_s);
  std::fprintf(out, "  ops        %12.1f /s   (%llu)\n", per_second(st.ops, s.elapsed_s),
               static_cast<unsigned long long>(st.ops));
  std::fprintf(out, "  requests   %12.1f /s   (%llu)\n", per_second(st.requests, s.elapsed_s),
               static_cast<unsigned long long>(st.requests));
  if (const char* label = conflict_label(o.workload)) {
    std::fprintf(out, "  conflicts  %12.2f %%    (%llu of %llu %s)\n", 100.0 * conflict_rate(st),
                 static_cast<unsigned long long>(st.conflicts), static_cast<unsigned long long>(st.writes), label);
  }
  if (o.workload == Workload::kOccMerge) {
    std::fprintf(out, "  merged     %12.2f %%    (%llu of %llu applied PATCHes merged server-side)\n",
                 100.0 * merge_rate(st), static_cast<unsigned long long>(st.merged),
                 static_cast<unsigned long long>(st.writes - st.conflicts));
  }
  if (o.workload == Workload::kOverload) {
    std::fprintf(out, "  shed       %12.2f %%    (%llu of %llu creates answered 503/429)\n", 100.0 * shed_rate(st),
                 static_cast<unsigned long long>(st.shed_ns.count()),
                 static_cast<unsigned long long>(st.accepted_ns.count()) + st.shed_ns.count());
  }
  std::fprintf(out, "  latency ms       p50       p90       p99     p99.9       max      mean\n");
  print_latency_row(out, "request", st.request_ns);
  print_latency_row(out, "op", st.op_ns);
  if (o.workload == Workload::kOverload) {
    print_latency_row(out, "201", st.accepted_ns);
    print_latency_row(out, "503", st.shed_ns);
  }
  std::fprintf(out, "  statuses   %s\n", status_list(st).c_str());
  std::fprintf(out, "  errors     %s\n", error_list(s).c_str());
  std::fprintf(out, "  tool CPU   %.2f s user + %.2f s system = %.2f s, %.1f %% of one core\n", s.cpu.user_s,
               s.cpu.system_s, s.cpu.user_s + s.cpu.system_s, cpu_percent(s));
  if (s.verification) print_verification(out, *s.verification);
  for (const auto& c : s.checks) print_check(out, c);
}

std::string to_json(const Summary& s) {
  const Options& o = *s.options;
  const Stats& st = s.stats;
  json::object r{
      {"workload", to_string(o.workload)},
      {"url", o.url},
      {"connections", o.connections},
      {"threads", o.threads},
      {"hot", o.hot},
      {"elapsedS", s.elapsed_s},
      {"ops", st.ops},
      {"opsPerSec", per_second(st.ops, s.elapsed_s)},
      {"requests", st.requests},
      {"requestsPerSec", per_second(st.requests, s.elapsed_s)},
      {"writes", st.writes},
      {"conflicts", st.conflicts},
      {"conflictRate", conflict_rate(st)},
      {"latencyMs", json::object{{"request", latency_json(st.request_ns)}, {"op", latency_json(st.op_ns)}}},
      {"merged", st.merged},
      {"mergeRate", merge_rate(st)},
      {"statuses", counts_json(s, false)},
      {"unexpectedStatuses", counts_json(s, true)},
      {"transportErrors", st.transport_errors},
      {"timeouts", st.timeouts},
      {"reconnects", st.reconnects},
      {"throttled", st.throttled},
      {"abandoned", st.abandoned},
      {"anomalies", st.anomalies},
      {"capped", st.capped},
      {"cpu", json::object{{"userS", s.cpu.user_s}, {"systemS", s.cpu.system_s}, {"percentOfOneCore", cpu_percent(s)}}},
  };
  if (o.workload == Workload::kOverload) {
    r["shedRate"] = shed_rate(st);
    r["latencyMs"].as_object()["accepted"] = latency_json(st.accepted_ns);
    r["latencyMs"].as_object()["shed"] = latency_json(st.shed_ns);
  }
  if (s.verification) r["verification"] = verification_json(*s.verification);
  json::array checks;
  for (const auto& c : s.checks) checks.push_back(check_json(c));
  r["checks"] = std::move(checks);
  return json::serialize(r);
}

}  // namespace lockstep::bench
