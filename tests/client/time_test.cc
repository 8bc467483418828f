// format_time/parse_time (RFC 3339 <-> lockstep::Time) and the taskStatus names: pure functions,
// tested without a server.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lockstep/time.h"
#include "lockstep/types.h"

namespace lockstep::testing {
namespace {

using namespace std::chrono;

Time at(year_month_day date, hours h, minutes m, seconds s, milliseconds ms = milliseconds(0)) {
  return sys_days(date) + h + m + s + ms;
}

TEST(Time, formats_utc_with_three_fraction_digits) {
  EXPECT_EQ(format_time(at(2026y / 12 / 1, 17h, 0min, 0s)), "2026-12-01T17:00:00.000Z");
  EXPECT_EQ(format_time(at(2024y / 2 / 29, 23h, 59min, 59s, 999ms)), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(format_time(Time{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_time(Time{} - 1ms), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_time(at(2099y / 1 / 1, 0h, 0min, 0s, 7ms)), "2099-01-01T00:00:00.007Z");
}

TEST(Time, parse_reads_what_format_writes) {
  for (Time t : {Time{}, Time{} - 1ms, at(2026y / 12 / 1, 17h, 0min, 0s), at(2000y / 2 / 29, 12h, 34min, 56s, 789ms),
                 at(9999y / 12 / 31, 23h, 59min, 59s, 999ms), at(1y / 1 / 1, 0h, 0min, 0s)}) {
    EXPECT_EQ(parse_time(format_time(t)), t) << format_time(t);
  }
}

TEST(Time, parse_accepts_any_fraction_and_truncates_past_the_millisecond) {
  const Time base = at(2030y / 12 / 1, 17h, 0min, 0s);
  EXPECT_EQ(parse_time("2030-12-01T17:00:00Z"), base);
  EXPECT_EQ(parse_time("2030-12-01T17:00:00.5Z"), base + 500ms);
  EXPECT_EQ(parse_time("2030-12-01T17:00:00.12Z"), base + 120ms);
  EXPECT_EQ(parse_time("2030-12-01T17:00:00.123Z"), base + 123ms);
  EXPECT_EQ(parse_time("2030-12-01T17:00:00.123999999Z"), base + 123ms);
}

TEST(Time, parse_applies_numeric_offsets) {
  const Time utc = at(2030y / 12 / 1, 17h, 0min, 0s);
  EXPECT_EQ(parse_time("2030-12-01T18:00:00+01:00"), utc);
  EXPECT_EQ(parse_time("2030-12-01T11:30:00-05:30"), utc);
  EXPECT_EQ(parse_time("2030-12-01T17:00:00+00:00"), utc);
  EXPECT_EQ(parse_time("2030-12-01T17:00:00-00:00"), utc);
  EXPECT_EQ(parse_time("2030-12-02T02:00:00.250+09:00"), utc + 250ms);
  EXPECT_EQ(parse_time("2031-01-01T00:30:00+01:00"), at(2030y / 12 / 31, 23h, 30min, 0s));  // across a year
}

TEST(Time, parse_accepts_lower_case_t_and_z) {
  EXPECT_EQ(parse_time("2030-12-01t17:00:00z"), at(2030y / 12 / 1, 17h, 0min, 0s));
}

TEST(Time, parse_refuses_what_is_not_an_rfc3339_date_time) {
  for (const char* bad : {"",
                          "2030-12-01",
                          "2030-12-01T17:00:00",
                          "2030-12-01 17:00:00Z",
                          "2030-12-01T17:00Z",
                          "30-12-01T17:00:00Z",
                          "2030-12-01T17:00:00.Z",
                          "2030-12-01T17:00:00ZZ",
                          "2030-12-01T17:00:00+0100",
                          "2030-12-01T17:00:00+01",
                          "2030-12-01T17:00:00+24:00",
                          "2030-13-01T17:00:00Z",
                          "2030-00-01T17:00:00Z",
                          "2030-02-29T17:00:00Z",
                          "2030-04-31T17:00:00Z",
                          "2030-12-01T24:00:00Z",
                          "2030-12-01T17:60:00Z",
                          "2030-12-01T17:00:60Z",
                          "2030-12-01T17:00:00Z ",
                          " 2030-12-01T17:00:00Z",
                          "2030-12-0xT17:00:00Z",
                          "tomorrow"}) {
    EXPECT_EQ(parse_time(bad), std::nullopt) << bad;
  }
}

TEST(TaskStatusNames, round_trip_every_status) {
  const std::vector<std::pair<TaskStatus, std::string>> names{
      {TaskStatus::kNotStarted, "NOT_STARTED"}, {TaskStatus::kInProgress, "IN_PROGRESS"},
      {TaskStatus::kBlocked, "BLOCKED"},        {TaskStatus::kDeferred, "DEFERRED"},
      {TaskStatus::kCompleted, "COMPLETED"},    {TaskStatus::kCancelled, "CANCELLED"}};
  for (const auto& [status, name] : names) {
    EXPECT_EQ(to_string(status), name);
    EXPECT_EQ(parse_task_status(name), status) << name;
  }
}

TEST(TaskStatusNames, parse_refuses_other_text) {
  for (const char* bad : {"", "blocked", "Blocked", "DONE", "BLOCKED ", "NOT STARTED"}) {
    EXPECT_EQ(parse_task_status(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace lockstep::testing
