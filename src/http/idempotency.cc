#include "http/idempotency.h"

#include <boost/json.hpp>

#include "core/crypto.h"

namespace json = boost::json;

namespace lockstep::http {

bool storable(const Response& r) {
  if (r.park_until || r.events) return false;
  if (r.status >= 200 && r.status < 300) return true;
  if (r.status < 400 || r.status >= 500) return false;
  if (r.status == 423 || r.status == 429) return false;
  return !(r.status == 409 && r.body.find("\"IDEMPOTENCY_IN_PROGRESS\"") != std::string::npos);
}

std::string body_hash(const Request& req) { return sha256_hex(req.body); }

std::string stored_answer(const Response& r) {
  json::array headers;
  for (const auto& [k, v] : r.headers) {
    // Rate-limit state belongs to the moment of each answer, not to the stored one.
    if (k == "RateLimit" || k == "RateLimit-Policy") continue;
    headers.push_back(json::array{json::value(k), json::value(v)});
  }
  json::object o{{"status", r.status},
                 {"contentType", r.content_type},
                 {"headers", std::move(headers)},
                 {"body", r.replay_body.value_or(r.body)}};
  return json::serialize(o);
}

Response replayed(const std::string& stored) {
  json::value answer = json::parse(stored);
  Response r;
  r.status = static_cast<int>(answer.at("status").as_int64());
  r.content_type = std::string(answer.at("contentType").as_string());
  r.body = std::string(answer.at("body").as_string());
  for (const auto& h : answer.at("headers").as_array()) {
    r.set(std::string(h.as_array()[0].as_string()), std::string(h.as_array()[1].as_string()));
  }
  r.set("Idempotent-Replayed", "true");
  return r;
}

}  // namespace lockstep::http
