// Idempotent retries (API.md §7): a write's first final answer is stored with the write, in the
// same transaction, keyed by principal and Idempotency-Key; a retry gets it back.
#pragma once

#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "http/message.h"
#include "store/store.h"

namespace lockstep::http {

// The keys of requests being handled right now, so that a retry that overtakes its original is
// told 409 IDEMPOTENCY_IN_PROGRESS. Thread-safe.
class KeysInFlight {
 public:
  bool claim(const std::string& principal, const std::string& key);
  void release(const std::string& principal, const std::string& key);

 private:
  std::mutex mu_;
  std::set<std::pair<std::string, std::string>> keys_;  // guarded by mu_
};

// 1-255 visible ASCII characters.
bool valid_idempotency_key(std::string_view key);

// True for answers that are stored: 2xx, and 4xx other than 409 IDEMPOTENCY_IN_PROGRESS, 423 and
// 429 (those may differ on a retry). Never 5xx.
bool storable(const Response& r);

// The SHA-256 of a request's body, which a record keeps to tell a retry from a different request.
// Taken once per request, before it reaches the writer (hashing up to 1 MiB is not the writer's work).
std::string body_hash(const Request& req);

// The answer as stored: its replay_body instead of its body when it has one (no secret is kept).
// `hash`: body_hash(req).
IdempotencyRecord make_record(const std::string& principal, const std::string& key, const Request& req,
                              const std::string& hash, const Response& r, Millis now);

// What the record says about `req` (whose body_hash is `hash`): the stored answer (marked
// Idempotent-Replayed) when it is the same request, else 422 IDEMPOTENCY_KEY_REUSED.
Response replay(const IdempotencyRecord& record, const Request& req, const std::string& hash);

}  // namespace lockstep::http
