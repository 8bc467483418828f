#include "retry.h"

#include <algorithm>
#include <cstdio>
#include <random>

namespace lockstep::detail {

namespace {

// One generator per thread, seeded from the OS: keys must not collide across processes.
std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{[] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }()};
  return gen;
}

}  // namespace

bool is_retryable(const HttpResponse& r) {
  if (r.status == 429 || r.status == 503) return true;
  return r.status == 409 && r.body.find("\"IDEMPOTENCY_IN_PROGRESS\"") != std::string::npos;
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt, std::chrono::milliseconds at_least) {
  const auto base = std::max<std::int64_t>(policy.base_delay.count(), 1);
  const auto cap = std::max<std::int64_t>(policy.max_delay.count(), base);
  const int shift = std::clamp(attempt, 0, 30);
  const auto ceiling = std::min<std::int64_t>(cap, base << shift);
  std::uniform_int_distribution<std::int64_t> pick(0, ceiling);
  return std::max(std::chrono::milliseconds(pick(rng())), at_least);
}

std::string new_idempotency_key() {
  char buf[40];
  std::snprintf(buf, sizeof buf, "lsc-%016llx%016llx", static_cast<unsigned long long>(rng()()),
                static_cast<unsigned long long>(rng()()));
  return buf;
}

}  // namespace lockstep::detail
