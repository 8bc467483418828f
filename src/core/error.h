// Expected failures as values. Every failure the API can answer has one Code; the http layer maps
// each Code to its status in one place (http/problem.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace lockstep {

enum class Code {
  kMalformedJson,          // 400
  kValidationFailed,       // 400
  kUnauthenticated,        // 401
  kForbidden,              // 403
  kNotLockOwner,           // 403
  kNotFound,               // 404
  kMethodNotAllowed,       // 405
  kPayloadTooLarge,        // 413
  kUnsupportedMediaType,   // 415
  kPreconditionFailed,     // 412
  kPreconditionRequired,   // 428
  kHeadersTooLarge,        // 431
  kVersionConflict,        // 409
  kMergeConflict,          // 409
  kCursorExpired,          // 410
  kConflict,               // 409 (a domain conflict, e.g. a user that exists already)
  kLocked,                 // 423
  kIdempotencyKeyReused,   // 422
  kIdempotencyInProgress,  // 409
  kBatchAborted,           // 409
  kOutOfStock,             // 409
  kRateLimited,            // 429
  kOverloaded,             // 503
  kStoreUnavailable,       // 503
  kInternal,               // 500
};

// The upper-case name API.md uses for `code`.
const char* code_name(Code code);

struct FieldError {
  std::string field;
  std::string message;
};

// A failure with what the client needs to act on it. `current_json`, when set, is the resource as
// it is now (already serialized), for 409/412 answers.
struct Error {
  Code code = Code::kInternal;
  std::string detail;
  std::vector<FieldError> errors;
  std::optional<std::string> current_json;
  std::optional<std::int64_t> current_version;
  std::optional<std::string> current_etag;
  std::optional<std::string> extra_json;   // a JSON object whose members join the problem body
  std::optional<int> retry_after_seconds;  // Retry-After, when it is known (else 1 if retryable)

  Error() = default;
  Error(Code c, std::string d) : code(c), detail(std::move(d)) {}
};

// Result<T>: a T or an Error. Small on purpose; std::expected arrives with C++23.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  Error& error() { return std::get<1>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace lockstep
