#include "http/problem.h"

#include <boost/json.hpp>

#include "core/utf8.h"

namespace json = boost::json;

namespace lockstep::http {
namespace {

const char* title_for(Code code) {
  switch (code) {
    case Code::kMalformedJson:
      return "Malformed JSON";
    case Code::kValidationFailed:
      return "Validation failed";
    case Code::kUnauthenticated:
      return "Unauthenticated";
    case Code::kForbidden:
      return "Forbidden";
    case Code::kNotLockOwner:
      return "Not the lock owner";
    case Code::kNotFound:
      return "Not found";
    case Code::kMethodNotAllowed:
      return "Method not allowed";
    case Code::kPayloadTooLarge:
      return "Payload too large";
    case Code::kUnsupportedMediaType:
      return "Unsupported media type";
    case Code::kPreconditionFailed:
      return "Precondition failed";
    case Code::kPreconditionRequired:
      return "Precondition required";
    case Code::kHeadersTooLarge:
      return "Request header fields too large";
    case Code::kVersionConflict:
      return "Version conflict";
    case Code::kMergeConflict:
      return "Merge conflict";
    case Code::kCursorExpired:
      return "Cursor expired";
    case Code::kConflict:
      return "Conflict";
    case Code::kLocked:
      return "Locked";
    case Code::kIdempotencyKeyReused:
      return "Idempotency key reused";
    case Code::kIdempotencyInProgress:
      return "Idempotent request in progress";
    case Code::kBatchAborted:
      return "Batch aborted";
    case Code::kOutOfStock:
      return "Out of stock";
    case Code::kRateLimited:
      return "Too many requests";
    case Code::kOverloaded:
      return "Overloaded";
    case Code::kStoreUnavailable:
      return "Store unavailable";
    case Code::kInternal:
      return "Internal error";
  }
  return "Error";
}

}  // namespace

int status_for(Code code) {
  switch (code) {
    case Code::kMalformedJson:
      return 400;
    case Code::kValidationFailed:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kForbidden:
      return 403;
    case Code::kNotLockOwner:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kMethodNotAllowed:
      return 405;
    case Code::kPayloadTooLarge:
      return 413;
    case Code::kUnsupportedMediaType:
      return 415;
    case Code::kPreconditionFailed:
      return 412;
    case Code::kPreconditionRequired:
      return 428;
    case Code::kHeadersTooLarge:
      return 431;
    case Code::kVersionConflict:
      return 409;
    case Code::kMergeConflict:
      return 409;
    case Code::kCursorExpired:
      return 410;
    case Code::kConflict:
      return 409;
    case Code::kLocked:
      return 423;
    case Code::kIdempotencyKeyReused:
      return 422;
    case Code::kIdempotencyInProgress:
      return 409;
    case Code::kBatchAborted:
      return 409;
    case Code::kOutOfStock:
      return 409;
    case Code::kRateLimited:
      return 429;
    case Code::kOverloaded:
      return 503;
    case Code::kStoreUnavailable:
      return 503;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

bool is_retryable(Code code) {
  return code == Code::kRateLimited || code == Code::kOverloaded || code == Code::kStoreUnavailable ||
         code == Code::kLocked || code == Code::kIdempotencyInProgress;
}

Response problem(const Error& e) {
  Response r;
  r.status = status_for(e.code);
  r.content_type = "application/problem+json";
  r.code = code_name(e.code);
  std::string name = code_name(e.code);
  std::string slug;
  for (char c : name) slug += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  json::object o;
  o["type"] = "https://lockstep.dev/problems/" + slug;
  o["title"] = title_for(e.code);
  o["status"] = r.status;
  o["detail"] = e.detail;
  o["code"] = name;
  o["retryable"] = is_retryable(e.code);
  if (!e.errors.empty()) {
    json::array errors;
    for (const auto& fe : e.errors) errors.push_back(json::object{{"field", fe.field}, {"message", fe.message}});
    o["errors"] = std::move(errors);
  }
  if (e.current_json) o["current"] = json::parse(*e.current_json);
  if (e.current_version) o["currentVersion"] = *e.current_version;
  if (e.extra_json) {
    json::value extra = json::parse(*e.extra_json);
    for (auto& [k, v] : extra.as_object()) o[k] = v;
  }
  // Details and field names quote the request (a path, a query key, a header), whose bytes need
  // not be UTF-8; outside strings JSON text is ASCII, so mending the text mends only them.
  r.body = to_valid_utf8(json::serialize(o));
  if (e.current_etag) r.set("ETag", *e.current_etag);
  if (e.code == Code::kUnauthenticated) r.set("WWW-Authenticate", "Bearer realm=\"lockstep\"");
  if (e.retry_after_seconds) {
    r.set("Retry-After", std::to_string(*e.retry_after_seconds));
  } else if (is_retryable(e.code)) {
    r.set("Retry-After", "1");
  }
  if (e.current_version) r.log_note = "currentVersion=" + std::to_string(*e.current_version);
  return r;
}

}  // namespace lockstep::http
