// RFC 3339 by hand on <chrono>'s civil calendar: GCC 12's libstdc++ has no std::chrono::parse or
// std::format. The server's src/core/time.cc does the same on integer milliseconds; the client
// cannot link the server's core, so this is the client's own small copy.
#include "lockstep/time.h"

#include <cstdio>

namespace lockstep {
namespace {

using namespace std::chrono;

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// The fraction after the seconds at `pos` (if any) as milliseconds; moves `pos` past it.
std::optional<int> fraction(std::string_view s, std::size_t& pos) {
  if (pos >= s.size() || s[pos] != '.') return 0;
  const std::size_t start = ++pos;
  int millis = 0;
  for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos) {
    if (pos - start < 3) millis = millis * 10 + (s[pos] - '0');
  }
  if (pos == start) return std::nullopt;
  for (std::size_t n = pos - start; n < 3; ++n) millis *= 10;
  return millis;
}

// The UTC offset at `pos` ("Z", "+hh:mm", "-hh:mm"), which must end the text.
std::optional<minutes> offset(std::string_view s, std::size_t pos) {
  if (pos + 1 == s.size() && (s[pos] == 'Z' || s[pos] == 'z')) return minutes(0);
  int h, m;
  if (pos + 6 != s.size() || (s[pos] != '+' && s[pos] != '-') || !digits(s, pos + 1, 2, h) || s[pos + 3] != ':' ||
      !digits(s, pos + 4, 2, m) || h > 23 || m > 59) {
    return std::nullopt;
  }
  return minutes((h * 60 + m) * (s[pos] == '+' ? 1 : -1));
}

}  // namespace

std::string format_time(Time t) {
  const auto day = floor<days>(t);
  const year_month_day ymd(day);
  const hh_mm_ss<milliseconds> hms(t - day);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
  return buf;
}

std::optional<Time> parse_time(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec) || h > 23 || mi > 59 || sec > 59) {
    return std::nullopt;
  }
  const year_month_day date{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!date.ok()) return std::nullopt;
  std::size_t pos = 19;
  const auto millis = fraction(s, pos);
  if (!millis) return std::nullopt;
  const auto off = offset(s, pos);
  if (!off) return std::nullopt;
  return sys_days(date) + hours(h) + minutes(mi) + seconds(sec) + milliseconds(*millis) - *off;
}

}  // namespace lockstep
