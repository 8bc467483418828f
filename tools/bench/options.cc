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
    case Workload::kRead:
      return "read";
    case Workload::kCreate:
      return "create";
    case Workload::kOcc:
      return "occ";
    case Workload::kHealthz:
      return "healthz";
    case Workload::kOccMerge:
      return "occ-merge";
    case Workload::kLock:
      return "lock";
    case Workload::kPurchase:
      return "purchase";
    case Workload::kBatch:
      return "batch";
    case Workload::kMixed:
      return "mixed";
    case Workload::kOverload:
      return "overload";
    case Workload::kFollow:
      return "follow";
  }
  return "?";
}

std::optional<Workload> parse_workload(std::string_view name) {
  for (Workload w : kAllWorkloads) {
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

std::optional<Mix> parse_mix(std::string_view text) {
  int parts[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    const auto slash = text.find('/');
    if ((i < 2) != (slash != std::string_view::npos)) return std::nullopt;
    const std::string_view part = text.substr(0, slash);
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), parts[i]);
    if (part.empty() || ec != std::errc{} || end != part.data() + part.size() || parts[i] < 0) {
      return std::nullopt;
    }
    text = i < 2 ? text.substr(slash + 1) : std::string_view{};
  }
  if (parts[0] + parts[1] + parts[2] != 100) return std::nullopt;
  return Mix{parts[0], parts[1], parts[2]};
}

std::vector<std::string> split_tokens(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::chrono::nanoseconds Options::duration() const { return seconds_to_ns(duration_s); }
std::chrono::nanoseconds Options::timeout() const { return seconds_to_ns(timeout_s); }
std::chrono::nanoseconds Options::drain() const { return seconds_to_ns(drain_s); }

}  // namespace lockstep::bench
