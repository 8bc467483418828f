// What one run of lockstep-bench is asked to do, as parsed from its command line.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lockstep::bench {

enum class Workload {
  kRead,
  kCreate,
  kOcc,
  kHealthz,
  kOccMerge,
  kLock,
  kPurchase,
  kBatch,
  kMixed,
  kOverload,
  kFollow,
};

// Every workload, in the order of the --workload help.
inline constexpr Workload kAllWorkloads[] = {
    Workload::kRead,     Workload::kCreate, Workload::kOcc,   Workload::kHealthz,  Workload::kOccMerge, Workload::kLock,
    Workload::kPurchase, Workload::kBatch,  Workload::kMixed, Workload::kOverload, Workload::kFollow};

std::string_view to_string(Workload w);
std::optional<Workload> parse_workload(std::string_view name);

// Where the server is: only plain http:// is spoken (the tool targets a local or trusted server).
struct ServerAddress {
  std::string host;
  std::string port;
  std::string host_header;  // host[:port] as sent in Host
};

// Parses "http://host[:port]" (a trailing "/" is allowed, anything else after it is not).
std::optional<ServerAddress> parse_url(std::string_view url);

// The mixed workload's shares of reads, occ updates and creates, in percent (they sum to 100).
struct Mix {
  int read = 80;
  int update = 15;
  int create = 5;
};

// Parses "READ/UPDATE/CREATE" percentages that sum to 100, e.g. "80/15/5".
std::optional<Mix> parse_mix(std::string_view text);

// Splits a comma-separated token list (LOCKSTEP_TOKEN may hold several), dropping empty items.
std::vector<std::string> split_tokens(std::string_view text);

struct Options {
  std::string url = "http://127.0.0.1:8080";
  ServerAddress server;
  std::vector<std::string> tokens;  // connection i authenticates with tokens[i % size]
  int connections = 16;
  double duration_s = 10;
  int hot = 100;
  Workload workload = Workload::kRead;
  bool json = false;
  int threads = 1;
  double timeout_s = 10;        // one request, connect included
  double drain_s = 5;           // how long in-flight operations may run past the duration
  std::int64_t stock = 100000;  // purchase: the product's initial stock
  int max_quantity = 1;         // purchase: each purchase asks for 1..max_quantity
  int batch_size = 10;          // batch: update operations per atomic batch
  int followers = 4;            // follow: change-stream followers
  Mix mix;                      // mixed

  std::chrono::nanoseconds duration() const;
  std::chrono::nanoseconds timeout() const;
  std::chrono::nanoseconds drain() const;
  bool needs_hot_set() const {
    return workload != Workload::kCreate && workload != Workload::kHealthz && workload != Workload::kPurchase &&
           workload != Workload::kOverload;
  }
  bool needs_token() const { return workload != Workload::kHealthz; }
  // The workloads whose final state is checked against what the server acknowledged.
  bool checks_hot_set() const { return needs_hot_set() && workload != Workload::kRead; }
};

}  // namespace lockstep::bench
