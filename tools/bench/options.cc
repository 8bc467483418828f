#include "options.h"

#include <charconv>

namespace lockstep::bench {
namespace {

std::chrono::nanoseconds seconds_to_ns(double s) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s));
}

bool is_port(std::string_view s) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc{} && end == s.data() + s.size() && value > 0 && value <= 65535;
}

}  // namespace

std::string_view to_string(Workload w) {
  switch (w) {
    case Workload::kRead: return "read";
    case Workload::kCreate: return "create";
    case Workload::kOcc: return "occ";
    case Workload::kHealthz: return "healthz";
  }
  return "?";
}

std::optional<Workload> parse_workload(std::string_view name) {
  for (Workload w : {Workload::kRead, Workload::kCreate, Workload::kOcc, Workload::kHealthz}) {
    if (name == to_string(w)) return w;
  }
  return std::nullopt;
}

std::optional<ServerAddress> parse_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  if (url.ends_with('/')) url.remove_suffix(1);
  if (url.empty() || url.find('/') != std::string_view::npos) return std::nullopt;
  ServerAddress a;
  a.host_header = std::string(url);
  const auto colon = url.rfind(':');
  // An IPv6 literal is bracketed: a colon inside the brackets is not the port separator.
  const bool has_port = colon != std::string_view::npos && url.find(']', colon) == std::string_view::npos;
  std::string_view host = has_port ? url.substr(0, colon) : url;
  a.port = has_port ? std::string(url.substr(colon + 1)) : "80";
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  if (host.empty() || !is_port(a.port)) return std::nullopt;
  a.host = std::string(host);
  return a;
}

std::chrono::nanoseconds Options::duration() const { return seconds_to_ns(duration_s); }
std::chrono::nanoseconds Options::timeout() const { return seconds_to_ns(timeout_s); }
std::chrono::nanoseconds Options::drain() const { return seconds_to_ns(drain_s); }

}  // namespace lockstep::bench
