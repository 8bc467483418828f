#include "http/idempotency.h"

#include <boost/json.hpp>

#include "core/crypto.h"
#include "http/problem.h"

namespace json = boost::json;

namespace lockstep::http {

bool KeysInFlight::claim(const std::string& principal, const std::string& key) {
  std::lock_guard lock(mu_);
  return keys_.emplace(principal, key).second;
}

void KeysInFlight::release(const std::string& principal, const std::string& key) {
  std::lock_guard lock(mu_);
  keys_.erase({principal, key});
}

bool valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

bool storable(const Response& r) {
  if (r.park_until || r.events) return false;
  if (r.status >= 200 && r.status < 300) return true;
  if (r.status < 400 || r.status >= 500) return false;
  if (r.status == 423 || r.status == 429) return false;
  return !(r.status == 409 && r.body.find("\"IDEMPOTENCY_IN_PROGRESS\"") != std::string::npos);
}

std::string body_hash(const Request& req) { return sha256_hex(req.body); }

IdempotencyRecord make_record(const std::string& principal, const std::string& key, const Request& req,
                              const std::string& hash, const Response& r, Millis now) {
  json::array headers;
  for (const auto& [k, v] : r.headers) {
    // Rate-limit state belongs to the moment of each answer, not to the stored one.
    if (k == "RateLimit" || k == "RateLimit-Policy") continue;
    headers.push_back(json::array{json::value(k), json::value(v)});
  }
  json::object o{{"status", r.status}, {"contentType", r.content_type}, {"headers", std::move(headers)},
                 {"body", r.replay_body.value_or(r.body)}};
  return IdempotencyRecord{principal, key, req.method, req.target, hash, json::serialize(o), now};
}

Response replay(const IdempotencyRecord& record, const Request& req, const std::string& hash) {
  if (record.method != req.method || record.target != req.target || record.body_hash != hash) {
    return problem(Error(Code::kIdempotencyKeyReused,
                         "This Idempotency-Key was used for a different request (" + record.method + " " +
                             record.target + "); use a new key for a new request."));
  }
  json::value stored = json::parse(record.response_json);
  Response r;
  r.status = static_cast<int>(stored.at("status").as_int64());
  r.content_type = std::string(stored.at("contentType").as_string());
  r.body = std::string(stored.at("body").as_string());
  for (const auto& h : stored.at("headers").as_array()) {
    r.set(std::string(h.as_array()[0].as_string()), std::string(h.as_array()[1].as_string()));
  }
  r.set("Idempotent-Replayed", "true");
  return r;
}

}  // namespace lockstep::http
