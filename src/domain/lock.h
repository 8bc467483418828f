// Task locks (API.md §5): leases with fencing tokens. The rules here are pure and are the only
// place lock decisions are made.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/time.h"

namespace lockstep {

struct Lock {
  std::string task_id;
  std::string owner;
  std::int64_t token = 0;  // fencing token: strictly increasing per grant, never reused
  Millis acquired_at = 0;
  Millis expires_at = 0;

  // An expired lock has no effect from the instant it expires.
  bool live(Millis now) const { return now < expires_at; }
};

constexpr std::int64_t kMinTtlSeconds = 1, kMaxTtlSeconds = 3600, kDefaultTtlSeconds = 60;
constexpr std::int64_t kMaxWaitSeconds = 30;

enum class AcquireDecision {
  kGrant,   // free (or expired): a new grant with a new token
  kRenew,   // the caller holds it: extend, keep the token
  kLocked,  // held by someone else
};

// `current` is the stored lock of the task, if any (live or not).
AcquireDecision decide_acquire(const std::optional<Lock>& current, std::string_view who, Millis now);

// Whether `who` may write a task whose stored lock is `current`, carrying the Lock-Token header
// `lock_token` (raw, if sent). 423 LOCKED (with the lock) when someone else holds a live lock, or
// when the header does not name the live lock `who` holds (a stale holder is fenced off).
Status check_write_lock(const std::optional<Lock>& current, std::string_view who,
                        const std::optional<std::string>& lock_token, Millis now);

// 423 LOCKED for `lock`, with the lock in the body and Retry-After = seconds until it expires.
Error locked_error(const Lock& lock, Millis now, std::string detail);

// The API representation of a lock (API.md §5) as JSON text.
std::string lock_json(const Lock& lock);

struct LockRequest {
  std::int64_t ttl_seconds = kDefaultTtlSeconds;
  std::int64_t wait_seconds = 0;
};
// Validates the body of POST /v1/tasks/{id}/lock (empty is the defaults).
Result<LockRequest> parse_lock_request(const boost::json::value* body);

}  // namespace lockstep
