#include "core/time.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace lockstep {
namespace {

// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t y;
  unsigned m, d;
};

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp + (mp < 10 ? 3 : -9);
  return {y + (m <= 2), m, d};
}

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

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

constexpr std::array<const char*, 7> kWeekdays = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

Millis to_millis(std::int64_t y, unsigned mo, unsigned d, int h, int mi, int s) {
  return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60'000 + std::int64_t{s} * 1000;
}

}  // namespace

Millis SystemClock::now() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

std::optional<Millis> parse_rfc3339(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  int millis = 0;
  if (s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - start < 3) millis = millis * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (std::size_t n = pos - start; n < 3; ++n) millis *= 10;
  }
  if (pos >= s.size()) return std::nullopt;
  int offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = (oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  return to_millis(y, mo, d, h, mi, sec) + millis - std::int64_t{offset_minutes} * 60'000;
}

namespace {

// Writes `v` as exactly `width` decimal digits (0 <= v < 10^width) and moves `out` past them.
// Times are formatted for every task of every answer and for every Date header: by hand, since
// snprintf showed up in profiles of the read path.
void put_digits(char*& out, std::int64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out += width;
}

void put_text(char*& out, std::string_view text) {
  std::memcpy(out, text.data(), text.size());
  out += text.size();
}

struct Split {
  std::int64_t days;  // since 1970-01-01
  std::int64_t ms;    // into that day
};

Split split_days(Millis t) {
  std::int64_t days = t >= 0 ? t / 86'400'000 : -((-t + 86'399'999) / 86'400'000);
  return {days, t - days * 86'400'000};
}

}  // namespace

std::string format_rfc3339(Millis t) {
  const Split s = split_days(t);
  const Civil c = civil_from_days(s.days);
  if (c.y < 0 || c.y > 9999) {  // no 4-digit year (never parsed from a client): the slow way
    char wide[64];
    std::snprintf(wide, sizeof wide, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(c.y), c.m,
                  c.d, static_cast<long long>(s.ms / 3'600'000), static_cast<long long>(s.ms / 60'000 % 60),
                  static_cast<long long>(s.ms / 1000 % 60), static_cast<long long>(s.ms % 1000));
    return wide;
  }
  char buf[24];
  char* p = buf;
  put_digits(p, c.y, 4);
  *p++ = '-';
  put_digits(p, c.m, 2);
  *p++ = '-';
  put_digits(p, c.d, 2);
  *p++ = 'T';
  put_digits(p, s.ms / 3'600'000, 2);
  *p++ = ':';
  put_digits(p, s.ms / 60'000 % 60, 2);
  *p++ = ':';
  put_digits(p, s.ms / 1000 % 60, 2);
  *p++ = '.';
  put_digits(p, s.ms % 1000, 3);
  *p++ = 'Z';
  return std::string(buf, p);
}

std::optional<Millis> parse_http_date(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
      s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  int d, y, h, mi, sec;
  if (!digits(s, 5, 2, d) || !digits(s, 12, 4, y) || !digits(s, 17, 2, h) || !digits(s, 20, 2, mi) ||
      !digits(s, 23, 2, sec)) {
    return std::nullopt;
  }
  unsigned mo = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (s.substr(8, 3) == kMonths[i]) mo = i + 1;
  }
  if (mo == 0 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60) {
    return std::nullopt;
  }
  return to_millis(y, mo, d, h, mi, sec > 59 ? 59 : sec);
}

std::string format_http_date(Millis t) {
  const Split s = split_days(t);
  const Civil c = civil_from_days(s.days);
  if (c.y < 0 || c.y > 9999) return "Thu, 01 Jan 1970 00:00:00 GMT";  // no HTTP-date has such a year
  char buf[32];
  char* p = buf;
  put_text(p, kWeekdays[static_cast<std::size_t>(((s.days % 7) + 7) % 7)]);
  put_text(p, ", ");
  put_digits(p, c.d, 2);
  *p++ = ' ';
  put_text(p, kMonths[c.m - 1]);
  *p++ = ' ';
  put_digits(p, c.y, 4);
  *p++ = ' ';
  put_digits(p, s.ms / 3'600'000, 2);
  *p++ = ':';
  put_digits(p, s.ms / 60'000 % 60, 2);
  *p++ = ':';
  put_digits(p, s.ms / 1000 % 60, 2);
  put_text(p, " GMT");
  return std::string(buf, p);
}

}  // namespace lockstep
