// Times of the Lockstep API (API.md writes them as RFC 3339 in UTC with milliseconds,
// "2026-12-01T17:00:00.000Z") as std::chrono values, and the conversions to and from that text.
// Thread-safe: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace lockstep {

// A point in time, to the millisecond (the API's resolution), in UTC.
using Time = std::chrono::sys_time<std::chrono::milliseconds>;

// RFC 3339 in UTC with exactly three fraction digits: "2026-12-01T17:00:00.000Z", as the server
// writes times. Years outside 0000-9999 are written with as many digits as they need.
std::string format_time(Time t);

// An RFC 3339 date-time: "2030-12-01T17:00:00Z", with or without a fraction (digits past the
// millisecond are truncated), `Z` or a numeric offset ("+02:00"), `T`/`Z` in either case.
// nullopt for anything else, including dates that do not exist (2026-02-30) and leap seconds.
std::optional<Time> parse_time(std::string_view text);

}  // namespace lockstep
