// What one run of lockstep-bench is asked to do, as parsed from its command line.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace lockstep::bench {

enum class Workload { kRead, kCreate, kOcc, kHealthz };

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

struct Options {
  std::string url = "http://127.0.0.1:8080";
  ServerAddress server;
  std::string token;
  int connections = 16;
  double duration_s = 10;
  int hot = 100;
  Workload workload = Workload::kRead;
  bool json = false;
  int threads = 1;
  double timeout_s = 10;  // one request, connect included
  double drain_s = 5;     // how long in-flight operations may run past the duration

  std::chrono::nanoseconds duration() const;
  std::chrono::nanoseconds timeout() const;
  std::chrono::nanoseconds drain() const;
  bool needs_hot_set() const { return workload == Workload::kRead || workload == Workload::kOcc; }
  bool needs_token() const { return workload != Workload::kHealthz; }
};

}  // namespace lockstep::bench
