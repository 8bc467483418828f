#include "core/error.h"

namespace lockstep {

const char* code_name(Code code) {
  switch (code) {
    case Code::kMalformedJson:
      return "MALFORMED_JSON";
    case Code::kValidationFailed:
      return "VALIDATION_FAILED";
    case Code::kUnauthenticated:
      return "UNAUTHENTICATED";
    case Code::kForbidden:
      return "FORBIDDEN";
    case Code::kNotLockOwner:
      return "NOT_LOCK_OWNER";
    case Code::kNotFound:
      return "NOT_FOUND";
    case Code::kMethodNotAllowed:
      return "METHOD_NOT_ALLOWED";
    case Code::kPayloadTooLarge:
      return "PAYLOAD_TOO_LARGE";
    case Code::kUnsupportedMediaType:
      return "UNSUPPORTED_MEDIA_TYPE";
    case Code::kPreconditionFailed:
      return "PRECONDITION_FAILED";
    case Code::kPreconditionRequired:
      return "PRECONDITION_REQUIRED";
    case Code::kHeadersTooLarge:
      return "HEADERS_TOO_LARGE";
    case Code::kVersionConflict:
      return "VERSION_CONFLICT";
    case Code::kMergeConflict:
      return "MERGE_CONFLICT";
    case Code::kCursorExpired:
      return "CURSOR_EXPIRED";
    case Code::kConflict:
      return "CONFLICT";
    case Code::kLocked:
      return "LOCKED";
    case Code::kIdempotencyKeyReused:
      return "IDEMPOTENCY_KEY_REUSED";
    case Code::kIdempotencyInProgress:
      return "IDEMPOTENCY_IN_PROGRESS";
    case Code::kBatchAborted:
      return "BATCH_ABORTED";
    case Code::kOutOfStock:
      return "OUT_OF_STOCK";
    case Code::kRateLimited:
      return "RATE_LIMITED";
    case Code::kOverloaded:
      return "OVERLOADED";
    case Code::kStoreUnavailable:
      return "STORE_UNAVAILABLE";
    case Code::kInternal:
      return "INTERNAL";
  }
  return "INTERNAL";
}

}  // namespace lockstep
