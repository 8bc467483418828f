// The retry rules of RetryPolicy (client.h): which answers are worth sending again, and how long
// to wait first.
#pragma once

#include <chrono>
#include <string>

#include "http_client.h"
#include "lockstep/client.h"

namespace lockstep::detail {

// 429, 503 and 409 IDEMPOTENCY_IN_PROGRESS: the very same request may succeed later.
bool is_retryable(const HttpResponse& r);

// Full jitter: a random wait in [0, min(max_delay, base_delay * 2^attempt)], but never less than
// `at_least` (the server's Retry-After). `attempt` counts from 0 for the first retry.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt, std::chrono::milliseconds at_least);

// A fresh Idempotency-Key: 128 random bits, hex.
std::string new_idempotency_key();

}  // namespace lockstep::detail
