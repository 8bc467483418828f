// Time: one injectable clock, and the two text forms the API speaks (RFC 3339 in bodies,
// IMF-fixdate HTTP-dates in headers). Times are milliseconds since the Unix epoch, UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lockstep {

using Millis = std::int64_t;

// The source of "now". Injected so that expiry and retention are testable without sleeping.
// Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis now() const = 0;
};

// The wall clock.
class SystemClock final : public Clock {
 public:
  Millis now() const override;
  static const SystemClock& instance();
};

// Parses an RFC 3339 date-time ("2026-12-01T17:00:00.000Z", "...+02:00"); fractions past
// milliseconds are truncated. Returns nullopt for anything else, including impossible dates
// (Feb 30) and leap seconds.
std::optional<Millis> parse_rfc3339(std::string_view text);

// "2026-12-01T17:00:00.000Z": UTC with milliseconds, the only form the server writes.
std::string format_rfc3339(Millis t);

// Parses an HTTP-date in the IMF-fixdate form ("Sun, 06 Nov 1994 08:49:37 GMT"), the only form
// RFC 9110 requires senders to generate. Returns nullopt for anything else.
std::optional<Millis> parse_http_date(std::string_view text);

// IMF-fixdate, truncated to the second.
std::string format_http_date(Millis t);

}  // namespace lockstep
