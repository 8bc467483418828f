// lockstep-bench: drives a Lockstep server with many keep-alive connections from one (or a few)
// threads, reports throughput, conflict rate and latency percentiles, and, for the workloads that
// write, checks the server's final state (and, for follow, its change stream) against what it
// acknowledged: no update lost or doubled, no oversell, every change delivered once.
//
// Exit status: 0 all good; 1 a check failed (an update was lost or doubled, a token reused, stock
// oversold, a change missed...); 2 the run saw unexpected statuses, connection errors, contract
// anomalies or abandoned operations; 3 the run could not start (bad flags, server unreachable,
// setup failed).
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <boost/json.hpp>

#include "checks.h"
#include "follow.h"
#include "hot_set.h"
#include "report.h"
#include "worker.h"
#include "workload_ops.h"

namespace lockstep::bench {
namespace {

constexpr int kExitCheckFailed = 1;
constexpr int kExitErrors = 2;
constexpr int kExitCannotStart = 3;

constexpr const char* kWorkloadHelp =
    "read | create | occ | healthz | occ-merge | lock | purchase | batch | mixed | overload | "
    "follow";

void add_flags(CLI::App& app, Options& o, std::string& workload, std::string& mix) {
  app.add_option("--url", o.url, "server base URL, without /v1")->capture_default_str();
  app.add_option("--token", o.tokens,
                 "bearer token; several (repeated or comma-separated) are used round-robin by "
                 "the connections (default: $LOCKSTEP_TOKEN, which may hold a comma list)");
  app.add_option("-c,--connections", o.connections, "keep-alive connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("-d,--duration", o.duration_s, "seconds to run")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  app.add_option("--hot", o.hot, "tasks in the contended set (all but create, purchase, overload)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  std::vector<std::string> names;
  for (Workload w : kAllWorkloads) names.emplace_back(to_string(w));
  app.add_option("--workload", workload, kWorkloadHelp)->capture_default_str()->check(CLI::IsMember(names));
  app.add_option("--stock", o.stock, "purchase: the product's initial stock")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 53));
  app.add_option("--max-quantity", o.max_quantity, "purchase: each buys 1..N, uniformly")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--batch-size", o.batch_size, "batch: update operations per atomic batch")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_option("--followers", o.followers, "follow: change-stream followers")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--mix", mix, "mixed: READ/UPDATE/CREATE percentages")->capture_default_str();
  app.add_flag("--json", o.json, "print one JSON object on stdout (the table goes to stderr)");
  app.add_option("--threads", o.threads, "client threads")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--timeout", o.timeout_s, "seconds one request may take, connecting included")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 3600.0));
  app.add_option("--drain", o.drain_s, "seconds in-flight operations may run past the duration")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
}

// Fills in what the flags imply; an empty string when the options are usable, else why not.
std::string complete(Options& o, const std::string& workload, const std::string& mix) {
  o.workload = *parse_workload(workload);
  auto server = parse_url(o.url);
  if (!server) return "--url must look like http://HOST:PORT";
  o.server = *server;
  std::vector<std::string> tokens;
  for (const auto& t : o.tokens) {
    for (auto& one : split_tokens(t)) tokens.push_back(std::move(one));
  }
  if (tokens.empty()) {
    if (const char* env = std::getenv("LOCKSTEP_TOKEN")) tokens = split_tokens(env);
  }
  o.tokens = std::move(tokens);
  if (o.tokens.empty() && o.needs_token()) return "a token is needed: --token or LOCKSTEP_TOKEN";
  // A lock belongs to a principal: two connections of one principal would share it (a second
  // acquire is a renewal), and the lock check would fail for the tool's own sake.
  if (o.workload == Workload::kLock && o.tokens.size() < static_cast<std::size_t>(o.connections)) {
    return "the lock workload needs one token (principal) per connection: " + std::to_string(o.tokens.size()) +
           " token(s) for " + std::to_string(o.connections) + " connections";
  }
  if (o.workload == Workload::kBatch && o.batch_size > o.hot) return "--batch-size exceeds --hot";
  auto parsed_mix = parse_mix(mix);
  if (!parsed_mix) return "--mix must be READ/UPDATE/CREATE percentages summing to 100";
  o.mix = *parsed_mix;
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
  for (const auto& token : o.tokens) c.authorizations.push_back("Bearer " + token);
  if (c.authorizations.empty()) c.authorizations.push_back("Bearer ");
  c.timeout = o.timeout();
  c.workload = o.workload;
  return c;
}

// purchase: the product the buyers buy, with --stock in stock; its "/v1/products/{id}", or
// nullopt with `error` set.
std::optional<std::string> create_product(const Options& o, const ConnectionConfig& config, std::string& error) {
  std::optional<std::string> target;
  const std::string body = "{\"name\":\"bench product\",\"stock\":" + std::to_string(o.stock) + ",\"price\":1}";
  const auto deadline = Clock::now() + kPhaseLimit;
  auto step = [&](Connection& conn, std::size_t) -> asio::awaitable<bool> {
    Outcome outcome = co_await call_with_retries(conn, Call::post("/v1/products", body), deadline);
    std::error_code ec;
    boost::json::value v =
        outcome.answered() && outcome.status == 201 ? boost::json::parse(outcome.body, ec) : boost::json::value();
    const boost::json::value* id = v.is_object() ? v.get_object().if_contains("productId") : nullptr;
    if (!id || !id->is_string()) {
      error = "creating the product: " + describe(outcome);
      co_return false;
    }
    target = "/v1/products/" + std::string(id->get_string());
    co_return true;
  };
  if (!for_each_index(config, 1, 1, step)) return std::nullopt;
  return target;
}

// Runs the timed phase on options.threads workers (the first on this thread) and adds what they
// acknowledged to `ledger`.
Summary run_workers(RunPlan& plan, RunLedger& ledger) {
  const Options& o = *plan.options;
  LiveCounters live;
  std::vector<std::unique_ptr<Worker>> workers;
  const auto cpu_before = process_cpu();
  const auto start = Clock::now();
  plan.deadline = start + o.duration();
  plan.hard_deadline = plan.deadline + o.drain();
  std::size_t first_index = 0;
  for (int t = 0; t < o.threads; ++t) {
    workers.push_back(std::make_unique<Worker>(plan, live, t));
    const int count = o.connections / o.threads + (t < o.connections % o.threads);
    workers.back()->start_connections(count, first_index);
    first_index += static_cast<std::size_t>(count);
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
  if (!s.checks_pass()) return kExitCheckFailed;
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
    if (targets)
      plan.hot_targets = std::move(*targets);
    else
      config.reset();
  }
  if (config && o.workload == Workload::kPurchase) {
    auto product = create_product(o, *config, error);
    if (product)
      plan.product_target = std::move(*product);
    else
      config.reset();
  }
  std::unique_ptr<Followers> followers;
  if (config && o.workload == Workload::kFollow) {
    auto since = latest_revision(*config, error);
    if (since) {
      followers = std::make_unique<Followers>(*config, o.followers, *since);
      if (!followers->start(o.timeout(), error)) config.reset();
    } else {
      config.reset();
    }
  }
  if (!config) {
    std::fprintf(stderr, "lockstep-bench: %s\n", error.c_str());
    return kExitCannotStart;
  }
  RunLedger ledger(plan.hot_targets.size());
  Summary s = run_workers(plan, ledger);
  if (followers) {
    std::vector<std::string> keys;
    for (const Ack& a : ledger.acks) keys.push_back(a.key);
    followers->finish(keys, Clock::now() + o.drain() + std::chrono::seconds(1));
    s.checks.push_back(follow_check(ledger.acks, *followers));
  }
  if (o.checks_hot_set()) {
    const bool merge = o.workload == Workload::kOccMerge;
    s.verification = verify_hot_set(o, *config, plan.hot_targets, ledger.occ, !merge,
                                    merge ? merge_field_check(ledger.merge_writes) : TaskCheck{});
  }
  if (o.workload == Workload::kLock) s.checks.push_back(lock_fencing_check(ledger.lock));
  if (o.workload == Workload::kPurchase) {
    s.checks.push_back(purchase_check(o, *config, plan.product_target, ledger.purchase));
  }
  if (o.workload == Workload::kOverload) {
    s.checks.push_back(overload_check(o, *config, ledger.created));
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
  std::string mix = "80/15/5";
  add_flags(app, options, workload, mix);
  CLI11_PARSE(app, argc, argv);
  if (std::string why = complete(options, workload, mix); !why.empty()) {
    std::fprintf(stderr, "lockstep-bench: %s\n", why.c_str());
    return kExitCannotStart;
  }
  return run(options);
}
