#include "http/rate_limit.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace lockstep::http {

RateLimiter::RateLimiter(double rate, double burst) : rate_(rate), burst_(std::max(burst, 1.0)) {}

RateLimiter::Verdict RateLimiter::take(const std::string& principal, Millis now) {
  MutexLock lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(principal, Bucket{burst_, now});
  Bucket& b = it->second;
  if (now > b.at) {
    b.tokens = std::min(burst_, b.tokens + static_cast<double>(now - b.at) / 1000 * rate_);
    b.at = now;
  }
  Verdict v;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
  } else {
    v.allowed = false;
    v.retry_after = static_cast<long>(std::ceil((1.0 - b.tokens) / rate_));
  }
  v.remaining = static_cast<long>(std::floor(b.tokens));
  v.reset = static_cast<long>(std::ceil((burst_ - b.tokens) / rate_));
  return v;
}

// The quota as RFC 8941 numbers: q an integer or a decimal of at most three fraction digits (e.g.
// q=0.5;w=1); a rate too small for that is said as one request per window of w seconds.
std::string policy_quota(double rate) {
  char text[64];
  std::snprintf(text, sizeof text, "%.3f", rate);
  std::string q = text;
  while (q.back() == '0') q.pop_back();
  if (q.back() == '.') q.pop_back();
  if (q == "0") return "q=1;w=" + std::to_string(static_cast<long long>(std::llround(1 / rate)));
  return "q=" + q + ";w=1";
}

void RateLimiter::describe(const Verdict& v, Response& r) const {
  r.set("RateLimit-Policy", "\"default\";" + policy_quota(rate_));
  r.set("RateLimit", "\"default\";r=" + std::to_string(v.remaining) + ";t=" + std::to_string(v.reset));
}

std::optional<std::pair<double, double>> RateLimiter::parse(const std::string& spec) {
  char* end = nullptr;
  double rate = std::strtod(spec.c_str(), &end);
  if (end == spec.c_str() || rate < 0 || !std::isfinite(rate)) return std::nullopt;
  double burst = rate * 2;
  if (*end == '/') {
    const char* b = end + 1;
    burst = std::strtod(b, &end);
    if (end == b || burst < 1 || !std::isfinite(burst)) return std::nullopt;
  }
  if (*end != '\0') return std::nullopt;
  return std::make_pair(rate, burst);
}

}  // namespace lockstep::http
