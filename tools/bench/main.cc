// lockstep-bench: drives a Lockstep server with many keep-alive connections from one (or a few)
// threads, reports throughput, conflict rate and latency percentiles, and, for the occ workload,
// checks that every acknowledged increment is in the server's final state.
//
// Exit status: 0 all good; 1 the occ check failed (an update was lost or doubled); 2 the run saw
// unexpected statuses, connection errors, contract anomalies or abandoned operations; 3 the run
// could not start (bad flags, server unreachable, setup failed).
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "hot_set.h"
#include "report.h"
#include "worker.h"

namespace lockstep::bench {
namespace {

constexpr int kExitCheckFailed = 1;
constexpr int kExitErrors = 2;
constexpr int kExitCannotStart = 3;

void add_flags(CLI::App& app, Options& o, std::string& workload) {
  app.add_option("--url", o.url, "server base URL, without /v1")->capture_default_str();
  app.add_option("--token", o.token, "bearer token (default: $LOCKSTEP_TOKEN)");
  app.add_option("-c,--connections", o.connections, "keep-alive connections")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("-d,--duration", o.duration_s, "seconds to run")
      ->capture_default_str()->check(CLI::Range(0.1, 86400.0));
  app.add_option("--hot", o.hot, "tasks in the contended set (read, occ)")
      ->capture_default_str()->check(CLI::Range(1, 1000000));
  app.add_option("--workload", workload, "read | create | occ | healthz")
      ->capture_default_str()->check(CLI::IsMember({"read", "create", "occ", "healthz"}));
  app.add_flag("--json", o.json, "print one JSON object on stdout (the table goes to stderr)");
  app.add_option("--threads", o.threads, "client threads")
      ->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--timeout", o.timeout_s, "seconds one request may take, connecting included")
      ->capture_default_str()->check(CLI::Range(0.01, 3600.0));
  app.add_option("--drain", o.drain_s, "seconds in-flight operations may run past the duration")
      ->capture_default_str()->check(CLI::Range(0.0, 3600.0));
}

// Fills in what the flags imply; an empty string when the options are usable, else why not.
std::string complete(Options& o, const std::string& workload) {
  o.workload = *parse_workload(workload);
  auto server = parse_url(o.url);
  if (!server) return "--url must look like http://HOST:PORT";
  o.server = *server;
  if (o.token.empty()) {
    if (const char* env = std::getenv("LOCKSTEP_TOKEN")) o.token = env;
  }
  if (o.token.empty() && o.needs_token()) return "a token is needed: --token or LOCKSTEP_TOKEN";
  o.threads = std::min(o.threads, o.connections);
  return {};
}

std::optional<ConnectionConfig> connection_config(const Options& o, std::string& error) {
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  auto results = resolver.resolve(o.server.host, o.server.port, ec);
  if (ec) {
    error = "cannot resolve " + o.server.host + ": " + ec.message();
    return std::nullopt;
  }
  ConnectionConfig c;
  for (const auto& entry : results) c.endpoints.push_back(entry.endpoint());
  c.host_header = o.server.host_header;
  c.authorization = "Bearer " + o.token;
  c.timeout = o.timeout();
  return c;
}

// Runs the timed phase on options.threads workers (the first on this thread) and adds what they
// acknowledged to `ledger`.
Summary run_workers(RunPlan& plan, OccLedger& ledger) {
  const Options& o = *plan.options;
  LiveCounters live;
  std::vector<std::unique_ptr<Worker>> workers;
  const auto cpu_before = process_cpu();
  const auto start = Clock::now();
  plan.deadline = start + o.duration();
  plan.hard_deadline = plan.deadline + o.drain();
  for (int t = 0; t < o.threads; ++t) {
    workers.push_back(std::make_unique<Worker>(plan, live, t));
    workers.back()->start_connections(o.connections / o.threads + (t < o.connections % o.threads));
  }
  workers.front()->start_progress();
  {
    std::vector<std::jthread> threads;
    for (std::size_t t = 1; t < workers.size(); ++t) {
      threads.emplace_back([&worker = *workers[t]] { worker.run(); });
    }
    workers.front()->run();
  }
  const auto cpu_after = process_cpu();
  Summary s;
  s.options = &o;
  s.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  s.cpu = {cpu_after.user_s - cpu_before.user_s, cpu_after.system_s - cpu_before.system_s};
  for (const auto& w : workers) {
    s.stats.merge(w->stats());
    ledger.merge(w->ledger());
  }
  return s;
}

int exit_status(const Summary& s) {
  if (s.verification && !s.verification->pass) return kExitCheckFailed;
  const Stats& st = s.stats;
  if (!unexpected_statuses(s).empty() || st.transport_errors || st.anomalies || st.abandoned) {
    return kExitErrors;
  }
  return 0;
}

int run(Options& o) {
  std::string error;
  auto config = connection_config(o, error);
  RunPlan plan;
  plan.options = &o;
  plan.connection = config ? &*config : nullptr;
  if (config && o.needs_hot_set()) {
    auto targets = create_hot_set(o, *config, error);
    if (targets) plan.hot_targets = std::move(*targets);
    else config.reset();
  }
  if (!config) {
    std::fprintf(stderr, "lockstep-bench: %s\n", error.c_str());
    return kExitCannotStart;
  }
  OccLedger ledger(plan.hot_targets.size());
  Summary s = run_workers(plan, ledger);
  if (o.workload == Workload::kOcc) {
    s.verification = verify_hot_set(o, *config, plan.hot_targets, ledger);
  }
  print_table(o.json ? stderr : stdout, s);
  if (o.json) std::printf("%s\n", to_json(s).c_str());
  return exit_status(s);
}

}  // namespace
}  // namespace lockstep::bench

int main(int argc, char** argv) {
  using namespace lockstep::bench;
  CLI::App app{"lockstep-bench: load and lost-update check for a Lockstep server"};
  Options options;
  std::string workload = "read";
  add_flags(app, options, workload);
  CLI11_PARSE(app, argc, argv);
  if (std::string why = complete(options, workload); !why.empty()) {
    std::fprintf(stderr, "lockstep-bench: %s\n", why.c_str());
    return kExitCannotStart;
  }
  return run(options);
}
