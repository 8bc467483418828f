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
    {"if-unmodified-since same second", {{}, {}, {}, kSameSecond}, true, false, Outcome::kProceed},
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
