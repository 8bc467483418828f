#include "core/preconditions.h"

#include <gtest/gtest.h>

namespace lockstep {
namespace {

constexpr Millis kModified = 1'700'000'000'500;  // 2023-11-14T22:13:20.500Z
const char* kBefore = "Tue, 14 Nov 2023 22:13:19 GMT";
const char* kSameSecond = "Tue, 14 Nov 2023 22:13:20 GMT";
const char* kAfter = "Tue, 14 Nov 2023 22:13:21 GMT";

struct Case {
  const char* name;
  ConditionalHeaders headers;
  bool exists;
  bool safe;
  Outcome expected;
};

// RFC 9110 §13.2.2, step by step, against a resource with ETag "1-1" modified at kModified.
const Case kCases[] = {
    {"no conditions", {}, true, false, Outcome::kProceed},
    {"if-match current", {"\"1-1\""}, true, false, Outcome::kProceed},
    {"if-match stale", {"\"1-0\""}, true, false, Outcome::kPreconditionFailed},
    {"if-match list with current", {"\"0-0\", \"1-1\""}, true, false, Outcome::kProceed},
    {"if-match weak never matches", {"W/\"1-1\""}, true, false, Outcome::kPreconditionFailed},
    {"if-match star exists", {"*"}, true, false, Outcome::kProceed},
    {"if-match star missing", {"*"}, false, false, Outcome::kPreconditionFailed},
    {"if-match missing resource", {"\"1-1\""}, false, false, Outcome::kPreconditionFailed},
    {"if-match beats if-unmodified-since", {"\"1-1\"", {}, {}, kBefore}, true, false, Outcome::kProceed},
    {"if-unmodified-since before", {{}, {}, {}, kBefore}, true, false, Outcome::kPreconditionFailed},
    // Not known to be the only change within the second: older (see the date table below).
    {"if-unmodified-since same second", {{}, {}, {}, kSameSecond}, true, false, Outcome::kPreconditionFailed},
    {"if-unmodified-since after", {{}, {}, {}, kAfter}, true, false, Outcome::kProceed},
    {"if-unmodified-since invalid date ignored", {{}, {}, {}, "yesterday"}, true, false, Outcome::kProceed},
    {"if-none-match star on missing (create)", {{}, "*"}, false, false, Outcome::kProceed},
    {"if-none-match star on existing write", {{}, "*"}, true, false, Outcome::kPreconditionFailed},
    {"if-none-match current on get", {{}, "\"1-1\""}, true, true, Outcome::kNotModified},
    {"if-none-match weak compare on get", {{}, "W/\"1-1\""}, true, true, Outcome::kNotModified},
    {"if-none-match other on get", {{}, "\"9-9\""}, true, true, Outcome::kProceed},
    {"if-none-match beats if-modified-since", {{}, "\"9-9\"", kAfter}, true, true, Outcome::kProceed},
    {"if-modified-since not modified", {{}, {}, kAfter}, true, true, Outcome::kNotModified},
    {"if-modified-since modified", {{}, {}, kBefore}, true, true, Outcome::kProceed},
    {"if-modified-since ignored on writes", {{}, {}, kAfter}, true, false, Outcome::kProceed},
    {"if-none-match current on write", {{}, "\"1-1\""}, true, false, Outcome::kPreconditionFailed},
    {"if-none-match list with current on write", {{}, "\"0-0\", \"1-1\""}, true, false, Outcome::kPreconditionFailed},
    {"if-none-match weak current on write", {{}, "W/\"1-1\""}, true, false, Outcome::kPreconditionFailed},
    {"if-none-match other on write", {{}, "\"9-9\""}, true, false, Outcome::kProceed},
    {"if-none-match tag on missing write", {{}, "\"1-1\""}, false, false, Outcome::kProceed},
    // RFC 9110 §13.1.4: a resource with no modification date (a missing one) ignores the header.
    {"if-unmodified-since on missing resource ignored", {{}, {}, {}, kBefore}, false, false, Outcome::kProceed},
    {"if-match fails before if-none-match", {"\"0-0\"", "\"9-9\""}, true, true, Outcome::kPreconditionFailed},
};

TEST(Preconditions, follow_rfc9110_evaluation_order) {
  Representation rep{make_etag(1, 1), kModified};
  for (const auto& c : kCases) {
    auto parsed = Conditions::parse(c.headers);
    ASSERT_TRUE(parsed) << c.name;
    EXPECT_EQ(evaluate(*parsed, c.exists ? &rep : nullptr, c.safe), c.expected) << c.name;
  }
}

// API.md §4: a date stands for the representation only when its last change was before the named
// second, or within it while the change before it was not.
struct DateCase {
  const char* name;
  ConditionalHeaders headers;
  std::optional<Millis> earlier_change;
  bool safe;
  Outcome expected;
};

constexpr Millis kEarlierSameSecond = 1'700'000'000'100;          // 22:13:20.100
constexpr Millis kEarlierPreviousSecond = 1'700'000'000'000 - 1;  // 22:13:19.999

const DateCase kDateCases[] = {
    {"ius before, first version", {{}, {}, {}, kBefore}, kNoEarlierChange, false, Outcome::kPreconditionFailed},
    {"ius same second, first version", {{}, {}, {}, kSameSecond}, kNoEarlierChange, false, Outcome::kProceed},
    {"ius same second, earlier change the second before",
     {{}, {}, {}, kSameSecond},
     kEarlierPreviousSecond,
     false,
     Outcome::kProceed},
    {"ius same second, two changes in it",
     {{}, {}, {}, kSameSecond},
     kEarlierSameSecond,
     false,
     Outcome::kPreconditionFailed},
    {"ius same second, earlier change unknown",
     {{}, {}, {}, kSameSecond},
     std::nullopt,
     false,
     Outcome::kPreconditionFailed},
    {"ius after, two changes in the second before", {{}, {}, {}, kAfter}, kEarlierSameSecond, false, Outcome::kProceed},
    {"ius after, earlier change unknown", {{}, {}, {}, kAfter}, std::nullopt, false, Outcome::kProceed},
    {"ius same second, two changes, but if-match decides",
     {"\"1-1\"", {}, {}, kSameSecond},
     kEarlierSameSecond,
     false,
     Outcome::kProceed},
    {"ims same second, first version", {{}, {}, kSameSecond}, kNoEarlierChange, true, Outcome::kNotModified},
    {"ims same second, earlier change the second before",
     {{}, {}, kSameSecond},
     kEarlierPreviousSecond,
     true,
     Outcome::kNotModified},
    {"ims same second, two changes in it", {{}, {}, kSameSecond}, kEarlierSameSecond, true, Outcome::kProceed},
    {"ims same second, earlier change unknown", {{}, {}, kSameSecond}, std::nullopt, true, Outcome::kProceed},
    {"ims before", {{}, {}, kBefore}, kNoEarlierChange, true, Outcome::kProceed},
    {"ims after, two changes in the second before", {{}, {}, kAfter}, kEarlierSameSecond, true, Outcome::kNotModified},
    {"ims same second ignored on writes", {{}, {}, kSameSecond}, kEarlierSameSecond, false, Outcome::kProceed},
};

TEST(Preconditions, a_date_stands_for_the_representation_only_when_no_two_changes_share_its_second) {
  for (const auto& c : kDateCases) {
    Representation rep{make_etag(1, 1), kModified, c.earlier_change};
    auto parsed = Conditions::parse(c.headers);
    ASSERT_TRUE(parsed) << c.name;
    EXPECT_EQ(evaluate(*parsed, &rep, c.safe), c.expected) << c.name;
  }
}

// The earlier change is fetched only when evaluate would look at it: a date it uses names the
// second of the last change.
TEST(Preconditions, the_earlier_change_is_needed_only_for_a_date_in_the_second_of_the_last_change) {
  struct NeedCase {
    const char* name;
    ConditionalHeaders headers;
    bool safe;
    bool needed;
  };
  const NeedCase cases[] = {
      {"no conditions", {}, false, false},
      {"ius same second", {{}, {}, {}, kSameSecond}, false, true},
      {"ius same second on get", {{}, {}, {}, kSameSecond}, true, true},
      {"ius before", {{}, {}, {}, kBefore}, false, false},
      {"ius after", {{}, {}, {}, kAfter}, false, false},
      {"ius same second under if-match", {"*", {}, {}, kSameSecond}, false, false},
      {"ius invalid date", {{}, {}, {}, "soon"}, false, false},
      {"ims same second on get", {{}, {}, kSameSecond}, true, true},
      {"ims same second on a write", {{}, {}, kSameSecond}, false, false},
      {"ims same second under if-none-match", {{}, "*", kSameSecond}, true, false},
      {"ims after", {{}, {}, kAfter}, true, false},
      {"if-match alone", {"\"1-1\""}, false, false},
  };
  for (const auto& c : cases) {
    auto parsed = Conditions::parse(c.headers);
    ASSERT_TRUE(parsed) << c.name;
    EXPECT_EQ(needs_earlier_change(*parsed, kModified, c.safe), c.needed) << c.name;
  }
}

TEST(Preconditions, malformed_entity_tag_lists_are_errors_naming_the_header) {
  auto r = Conditions::parse({"abc", "W/x"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::kValidationFailed);
  ASSERT_EQ(r.error().errors.size(), 2u);
  EXPECT_EQ(r.error().errors[0].field, "If-Match");
  EXPECT_EQ(r.error().errors[1].field, "If-None-Match");
}

TEST(Preconditions, single_if_match_names_a_merge_base) {
  EXPECT_TRUE(Conditions::parse({"\"1-1\""})->single_if_match());
  EXPECT_FALSE(Conditions::parse({"\"1-1\", \"2-2\""})->single_if_match());
  EXPECT_FALSE(Conditions::parse({"*"})->single_if_match());
}

TEST(Preconditions, write_is_conditional_with_if_match_or_valid_unmodified_since) {
  EXPECT_FALSE(ConditionalHeaders{}.conditions_write());
  EXPECT_TRUE((ConditionalHeaders{"\"1\""}.conditions_write()));
  EXPECT_TRUE((ConditionalHeaders{{}, {}, {}, kBefore}.conditions_write()));
  EXPECT_FALSE((ConditionalHeaders{{}, {}, {}, "garbage"}.conditions_write()));
  EXPECT_FALSE((ConditionalHeaders{{}, {}, kBefore}.conditions_write()));
}

}  // namespace
}  // namespace lockstep
