// Per-principal token buckets (API.md §7): every request under /v1 takes one token. One bucket per
// principal across all its connections, in this process.
#pragma once

#include <string>
#include <unordered_map>

#include "core/mutex.h"
#include "core/time.h"
#include "http/message.h"

namespace lockstep::http {

// The quota part of RateLimit-Policy for `rate` requests a second, e.g. "q=1000;w=1", "q=0.5;w=1".
std::string policy_quota(double rate);

class RateLimiter {
 public:
  // `rate` tokens a second, at most `burst` saved up; rate 0 turns the limit off.
  RateLimiter(double rate, double burst);

  bool enabled() const { return rate_ > 0; }

  struct Verdict {
    bool allowed = true;
    long remaining = 0;    // tokens left after this request
    long retry_after = 0;  // seconds until one token is there (when refused)
    long reset = 0;        // seconds until the bucket is full again
  };
  // Takes one token from `principal`'s bucket, if there is one, at `now` (the Api's injected
  // clock, so that tests move it instead of waiting). A `now` earlier than the bucket's last one
  // (a wall clock stepped back) refills nothing. Thread-safe.
  Verdict take(const std::string& principal, Millis now);

  // Adds RateLimit-Policy and RateLimit (IETF httpapi draft) to `r`.
  void describe(const Verdict& v, Response& r) const;

  // Parses "RATE" or "RATE/BURST" (burst defaults to twice the rate); nullopt when malformed.
  static std::optional<std::pair<double, double>> parse(const std::string& spec);

 private:
  struct Bucket {
    double tokens;
    Millis at;
  };
  double rate_;
  double burst_;
  Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ LOCKSTEP_GUARDED_BY(mu_);
};

}  // namespace lockstep::http
