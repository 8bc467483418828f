// The one place that turns an Error into an HTTP answer: status, application/problem+json body
// (RFC 9457, with API.md's `code` and `retryable`) and the headers that go with it.
#pragma once

#include "core/error.h"
#include "http/message.h"

namespace lockstep::http {

int status_for(Code code);

// True when the very same request may succeed later (API.md §1).
bool is_retryable(Code code);

Response problem(const Error& error);

}  // namespace lockstep::http
