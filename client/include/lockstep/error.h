// How a lockstep::Client reports failure: every call returns a Result<T>, which holds either the
// value or an Error. Expected failures (a conflict, a missing task, a lock held by another) are
// values to branch on, never exceptions; callers never parse problem+json themselves.
//
// Result<T>::value() on a failed result throws lockstep::ApiError (carrying the Error), for
// callers that prefer to let a failure unwind.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "lockstep/http_response.h"
#include "lockstep/types.h"

namespace lockstep {

struct FieldError {
  std::string field;
  std::string message;
};

// One field both sides changed (409 MERGE_CONFLICT), each value as JSON text (e.g. "\"BLOCKED\"",
// "30", "null").
struct FieldConflict {
  std::string field;
  std::string base;
  std::string theirs;
  std::string yours;
};

// Codes the client makes itself, for failures that have no HTTP answer.
inline constexpr const char* kConnectionFailed = "CONNECTION_FAILED";  // refused, dropped, timed out
inline constexpr const char* kInvalidResponse = "INVALID_RESPONSE";    // the answer was not the contract's
inline constexpr const char* kLockLost = "LOCK_LOST";                  // a LockGuard refused to write on a lost lock

struct Error {
  int status = 0;    // the HTTP status; 0 when no answer arrived (CONNECTION_FAILED) or none was sent
  std::string code;  // API.md's upper-case code, e.g. PRECONDITION_FAILED, or one of the above
  std::string detail;
  bool retryable = false;  // the very same request may succeed later
  std::vector<FieldError> errors;
  std::optional<Task> current;             // 409/412 on a task: the task as it is now
  std::optional<Product> current_product;  // 409 on a product: the product as it is now
  std::string current_json;                // `current` as the server sent it (JSON text), whatever its kind; "" if none
  std::optional<std::int64_t> current_version;
  std::optional<std::string> current_etag;  // the ETag header of a 412
  std::vector<FieldConflict> conflicts;     // 409 MERGE_CONFLICT
  std::optional<Lock> lock;                 // 423 LOCKED: who holds it
  std::optional<std::int64_t> available;    // 409 OUT_OF_STOCK
  std::vector<BatchItemResult> results;     // 409 BATCH_ABORTED: the outcome of every operation
  std::optional<std::chrono::seconds> retry_after;
  std::string problem;  // the whole problem body (JSON text), for members not mapped above

  // 409 or 412: the write was refused because the resource moved on; rebuild it from `current`.
  bool is_conflict() const { return status == 409 || status == 412; }
  // "404 NOT_FOUND: No task 01J..." for logs and messages.
  std::string to_string() const;

  // Builds the Error of an HTTP answer that is not a success.
  static Error from_response(const HttpResponse& r);
  // An Error made by the client itself.
  static Error make(int status, std::string code, std::string detail, bool retryable = false);
};

// The exception Result<T>::value() throws on a failed result.
class ApiError : public std::runtime_error {
 public:
  explicit ApiError(Error e) : std::runtime_error(e.to_string()), error_(std::move(e)) {}
  const Error& error() const { return error_; }

 private:
  Error error_;
};

// Either a T or an Error, plus the HTTP answer that produced it (empty when none arrived):
// `reply().body` is the API's JSON exactly as sent, `reply().header("ETag")` its headers.
template <class T>
class Result {
 public:
  Result(T value, HttpResponse reply = {}) : state_(std::move(value)), reply_(std::move(reply)) {}
  Result(Error error, HttpResponse reply = {}) : state_(std::move(error)), reply_(std::move(reply)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // The value; throws ApiError when the call failed.
  T& value() & {
    throw_if_failed();
    return std::get<0>(state_);
  }
  const T& value() const& {
    throw_if_failed();
    return std::get<0>(state_);
  }
  T&& value() && {
    throw_if_failed();
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

  // REQUIRES: !ok().
  const Error& error() const { return std::get<1>(state_); }
  const HttpResponse& reply() const { return reply_; }
  int status() const { return ok() ? reply_.status : error().status; }

 private:
  void throw_if_failed() const {
    if (!ok()) throw ApiError(error());
  }

  std::variant<T, Error> state_;
  HttpResponse reply_;
};

// The value of a call whose answer has no body (204): only success or failure.
struct Done {};

}  // namespace lockstep
