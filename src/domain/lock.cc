#include "domain/lock.h"

#include <boost/json.hpp>
#include <charconv>

#include "core/json_text.h"

namespace json = boost::json;

namespace lockstep {

AcquireDecision decide_acquire(const std::optional<Lock>& current, std::string_view who, Millis now) {
  if (!current || !current->live(now)) return AcquireDecision::kGrant;
  return current->owner == who ? AcquireDecision::kRenew : AcquireDecision::kLocked;
}

Status check_write_lock(const std::optional<Lock>& current, std::string_view who,
                        const std::optional<std::string>& lock_token, Millis now) {
  const bool live = current && current->live(now);
  if (live && current->owner != who) {
    return locked_error(*current, now, "The task is locked by " + current->owner + ".");
  }
  if (lock_token) {
    std::int64_t token = -1;
    auto [p, ec] = std::from_chars(lock_token->data(), lock_token->data() + lock_token->size(), token);
    bool names_live_lock =
        ec == std::errc() && p == lock_token->data() + lock_token->size() && live && token == current->token;
    if (!names_live_lock) {
      Error e(Code::kLocked, "The Lock-Token " + *lock_token +
                                 " does not name a live lock you hold (it expired, was released or "
                                 "re-granted); acquire the lock again.");
      return live ? locked_error(*current, now, e.detail) : e;
    }
  }
  return Ok{};
}

Error locked_error(const Lock& lock, Millis now, std::string detail) {
  Error e(Code::kLocked, std::move(detail));
  e.extra_json = "{\"lock\":" + lock_json(lock) + "}";
  e.retry_after_seconds = static_cast<int>(std::max<Millis>(1, (lock.expires_at - now + 999) / 1000));
  return e;
}

std::string lock_json(const Lock& l) {
  std::string out;
  JsonObjectWriter o(out);
  o.string("taskId", l.task_id)
      .string("owner", l.owner)
      .string("acquiredAt", format_rfc3339(l.acquired_at))
      .string("expiresAt", format_rfc3339(l.expires_at))
      .integer("token", l.token);
  o.close();
  return out;
}

Result<LockRequest> parse_lock_request(const json::value* body) {
  LockRequest r;
  if (!body) return r;
  Error e(Code::kValidationFailed, "The lock request has invalid fields.");
  if (!body->is_object()) {
    e.errors.push_back({"", "must be a JSON object"});
    return e;
  }
  for (const auto& [key, v] : body->get_object()) {
    std::optional<std::int64_t> n;
    if (v.is_int64()) n = v.get_int64();
    if (v.is_uint64() && v.get_uint64() < 1'000'000) n = static_cast<std::int64_t>(v.get_uint64());
    if (key == "ttlSeconds") {
      if (!n || *n < kMinTtlSeconds || *n > kMaxTtlSeconds)
        e.errors.push_back({"ttlSeconds", "must be an integer from 1 to 3600"});
      else
        r.ttl_seconds = *n;
    } else if (key == "waitSeconds") {
      if (!n || *n < 0 || *n > kMaxWaitSeconds)
        e.errors.push_back({"waitSeconds", "must be an integer from 0 to 30"});
      else
        r.wait_seconds = *n;
    } else {
      e.errors.push_back({std::string(key), "is not a field of a lock request"});
    }
  }
  if (!e.errors.empty()) return e;
  return r;
}

}  // namespace lockstep
