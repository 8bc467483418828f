#include "core/time.h"

#include <gtest/gtest.h>

namespace lockstep {
namespace {

TEST(Rfc3339, parses_utc_offsets_and_fractions) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00.5Z"), 500);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00.123456Z"), 123);
  EXPECT_EQ(parse_rfc3339("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(parse_rfc3339("1969-12-31T23:00:00-01:00"), 0);
  EXPECT_EQ(parse_rfc3339("2026-12-01t17:00:00.000z"), parse_rfc3339("2026-12-01T17:00:00.000Z"));
  EXPECT_EQ(parse_rfc3339("2024-02-29T12:00:00Z").has_value(), true);
}

TEST(Rfc3339, rejects_invalid_dates_and_forms) {
  for (const char* bad : {"", "2026-12-01", "2026-12-01T17:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
                          "2026-04-31T00:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T23:60:00Z",
                          "2026-12-01T23:59:60Z", "2026-12-01 17:00:00Z", "2026-12-01T17:00:00.Z",
                          "2026-12-01T17:00:00+2:00", "2026-12-01T17:00:00Zjunk", "20261201T170000Z", "tomorrow"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
}

TEST(Rfc3339, formats_utc_with_milliseconds_and_round_trips) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(1'796'144'400'007), "2026-12-01T17:00:00.007Z");
  EXPECT_EQ(format_rfc3339(951'782'400'000), "2000-02-29T00:00:00.000Z");      // a leap day
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59.999Z");                   // before the epoch
  EXPECT_EQ(format_rfc3339(253'402'300'799'999), "9999-12-31T23:59:59.999Z");  // the last 4-digit year
  for (Millis t : {Millis{0}, Millis{951'782'400'000}, Millis{4'102'444'799'999}, Millis{-62'135'596'800'000}}) {
    EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t);
  }
}

TEST(HttpDate, parses_and_formats_imf_fixdate) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784'111'777'000);
  EXPECT_EQ(format_http_date(784'111'777'999), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format_http_date(951'868'799'000), "Tue, 29 Feb 2000 23:59:59 GMT");
  EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 31 Nov 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("garbage"));
}

}  // namespace
}  // namespace lockstep
