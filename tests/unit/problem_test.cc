#include "http/problem.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/utf8.h"

namespace lockstep::http {
namespace {

// API.md §1: every problem body is valid JSON, even when it quotes bytes of the request that are
// not valid UTF-8 (a path id, a query key, a header).
TEST(Problem, body_is_valid_json_whatever_bytes_it_quotes) {
  const std::string hostile[] = {"\xFF\xFE",     "ok\xC3",       std::string("a\0b", 3), "\"}\\",
                                 "\xED\xA0\x80", "\x01\x1F\x7F", "caf\xC3\xA9"};
  for (const auto& bytes : hostile) {
    Error e(Code::kNotFound, "No task has the id '" + bytes + "'.");
    e.errors.push_back({bytes, "is not a parameter of this list: " + bytes});
    Response r = problem(e);
    ASSERT_TRUE(utf8_length(r.body)) << r.body;
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    ASSERT_FALSE(ec) << r.body;
    const std::string detail(v.at("detail").as_string());
    EXPECT_EQ(detail, "No task has the id '" + to_valid_utf8(bytes) + "'.");
    EXPECT_EQ(std::string(v.at("errors").at(0).at("field").as_string()), to_valid_utf8(bytes));
  }
}

// API.md §1-§7: the status, `code` and `retryable` of every Code, as the contract states them.
struct Mapping {
  Code code;
  int status;
  const char* name;
  bool retryable;
};
constexpr Mapping kContract[] = {
    {Code::kMalformedJson, 400, "MALFORMED_JSON", false},
    {Code::kValidationFailed, 400, "VALIDATION_FAILED", false},
    {Code::kUnauthenticated, 401, "UNAUTHENTICATED", false},
    {Code::kForbidden, 403, "FORBIDDEN", false},
    {Code::kNotLockOwner, 403, "NOT_LOCK_OWNER", false},
    {Code::kNotFound, 404, "NOT_FOUND", false},
    {Code::kMethodNotAllowed, 405, "METHOD_NOT_ALLOWED", false},
    {Code::kPayloadTooLarge, 413, "PAYLOAD_TOO_LARGE", false},
    {Code::kUnsupportedMediaType, 415, "UNSUPPORTED_MEDIA_TYPE", false},
    {Code::kPreconditionFailed, 412, "PRECONDITION_FAILED", false},
    {Code::kPreconditionRequired, 428, "PRECONDITION_REQUIRED", false},
    {Code::kHeadersTooLarge, 431, "HEADERS_TOO_LARGE", false},
    {Code::kVersionConflict, 409, "VERSION_CONFLICT", false},
    {Code::kMergeConflict, 409, "MERGE_CONFLICT", false},
    {Code::kCursorExpired, 410, "CURSOR_EXPIRED", false},
    {Code::kConflict, 409, "CONFLICT", false},
    {Code::kLocked, 423, "LOCKED", true},
    {Code::kIdempotencyKeyReused, 422, "IDEMPOTENCY_KEY_REUSED", false},
    {Code::kIdempotencyInProgress, 409, "IDEMPOTENCY_IN_PROGRESS", true},
    {Code::kBatchAborted, 409, "BATCH_ABORTED", false},
    {Code::kOutOfStock, 409, "OUT_OF_STOCK", false},
    {Code::kRateLimited, 429, "RATE_LIMITED", true},
    {Code::kOverloaded, 503, "OVERLOADED", true},
    {Code::kStoreUnavailable, 503, "STORE_UNAVAILABLE", true},
    {Code::kInternal, 500, "INTERNAL", false},
};

TEST(Problem, every_code_has_the_status_name_and_retryable_of_the_contract) {
  // kInternal is the last Code: a new one must join the table.
  ASSERT_EQ(std::size(kContract), static_cast<std::size_t>(Code::kInternal) + 1);
  for (std::size_t i = 0; i < std::size(kContract); ++i) {
    const Mapping& m = kContract[i];
    ASSERT_EQ(static_cast<std::size_t>(m.code), i) << m.name << " is out of the enum's order";
    EXPECT_EQ(status_for(m.code), m.status) << m.name;
    EXPECT_STREQ(code_name(m.code), m.name);
    EXPECT_EQ(is_retryable(m.code), m.retryable) << m.name;
    Response r = problem(Error(m.code, "why"));
    EXPECT_EQ(r.status, m.status) << m.name;
    EXPECT_EQ(r.code, m.name);
    EXPECT_EQ(r.content_type, "application/problem+json") << m.name;
    auto body = boost::json::parse(r.body);
    EXPECT_EQ(body.at("status").as_int64(), m.status) << m.name;
    EXPECT_EQ(body.at("code").as_string(), m.name);
    EXPECT_EQ(body.at("retryable").as_bool(), m.retryable) << m.name;
    EXPECT_EQ(body.at("detail").as_string(), "why");
  }
}

bool has_header(const Response& r, const std::string& name, const std::string& value) {
  for (const auto& [n, v] : r.headers) {
    if (n == name && v == value) return true;
  }
  return false;
}

TEST(Problem, retryable_answers_carry_retry_after_the_error_s_or_1_and_others_none) {
  for (const Mapping& m : kContract) {
    bool any = false;
    for (const auto& h : problem(Error(m.code, "")).headers) any = any || h.first == "Retry-After";
    EXPECT_EQ(any, m.retryable) << m.name;
    if (m.retryable) {
      EXPECT_TRUE(has_header(problem(Error(m.code, "")), "Retry-After", "1")) << m.name;
    }
  }
  Error locked(Code::kLocked, "held");
  locked.retry_after_seconds = 42;
  EXPECT_TRUE(has_header(problem(locked), "Retry-After", "42"));
  EXPECT_TRUE(has_header(problem(Error(Code::kUnauthenticated, "")), "WWW-Authenticate", "Bearer realm=\"lockstep\""));
}

}  // namespace
}  // namespace lockstep::http
