// Idempotent retries (API.md §7), the HTTP half: which answers are final, and an answer as it is
// stored and replayed. The lookup, the claim of a key and storing the answer with the write are
// the service's (service/idempotency_service.h).
#pragma once

#include <string>

#include "http/message.h"

namespace lockstep::http {

// True for answers that are stored: 2xx, and 4xx other than 409 IDEMPOTENCY_IN_PROGRESS, 423 and
// 429 (those may differ on a retry). Never 5xx.
bool storable(const Response& r);

// The SHA-256 of a request's body, which a record keeps to tell a retry from a different request.
// Taken once per request, before it reaches the writer (hashing up to 1 MiB is not the writer's work).
std::string body_hash(const Request& req);

// The answer as stored: its replay_body instead of its body when it has one (no secret is kept),
// without the rate-limit headers of its moment.
std::string stored_answer(const Response& r);

// A stored answer, marked Idempotent-Replayed.
Response replayed(const std::string& stored);

}  // namespace lockstep::http
