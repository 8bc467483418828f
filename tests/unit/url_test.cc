// Splitting and decoding a request target (src/http/url.*). Decoding yields bytes: whether they
// are UTF-8 without U+0000 is for the caller to decide (API.md §1), so both come through here.
#include "http/url.h"

#include <gtest/gtest.h>

namespace lockstep::http {
namespace {

TEST(PercentDecode, decodes_escapes_in_either_case) {
  EXPECT_EQ(percent_decode("a%20b"), "a b");
  EXPECT_EQ(percent_decode("%41%62%7e%7E"), "Ab~~");
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_EQ(percent_decode("caf%C3%A9"), "caf\xC3\xA9");
  EXPECT_EQ(percent_decode("%25"), "%");  // decoded once, not twice
  EXPECT_EQ(percent_decode("%2541"), "%41");
}

TEST(PercentDecode, plus_is_a_space_only_in_a_query) {
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a%2Bb", true), "a+b");
}

TEST(PercentDecode, malformed_escapes_are_refused) {
  for (const char* bad : {"%", "%2", "a%4", "%zz", "%2g", "%g2", "%%41", "x%-1"}) {
    EXPECT_EQ(percent_decode(bad), std::nullopt) << bad;
    EXPECT_EQ(percent_decode(bad, true), std::nullopt) << bad;
  }
}

TEST(PercentDecode, invalid_utf8_and_nul_come_through_as_bytes) {
  EXPECT_EQ(percent_decode("%FF%FE"), "\xFF\xFE");
  EXPECT_EQ(percent_decode("%C3"), "\xC3");                // a truncated sequence
  EXPECT_EQ(percent_decode("%ED%A0%80"), "\xED\xA0\x80");  // a UTF-16 surrogate
  EXPECT_EQ(percent_decode("a%00b"), std::string("a\0b", 3));
}

TEST(ParseQuery, splits_pairs_and_decodes_keys_and_values) {
  EXPECT_EQ(parse_query("a=1&b=x%20y"), (QueryParams{{"a", "1"}, {"b", "x y"}}));
  EXPECT_EQ(parse_query("q=a+b&k%3Dx=v%26w"), (QueryParams{{"q", "a b"}, {"k=x", "v&w"}}));
  EXPECT_EQ(parse_query("flag&=v&e="), (QueryParams{{"flag", ""}, {"", "v"}, {"e", ""}}));
  EXPECT_EQ(parse_query("a=1=2"), (QueryParams{{"a", "1=2"}}));
  EXPECT_EQ(parse_query(""), QueryParams{});
}

TEST(ParseQuery, repeated_keys_are_all_kept_in_order) {
  EXPECT_EQ(parse_query("a=1&b=2&a=3"), (QueryParams{{"a", "1"}, {"b", "2"}, {"a", "3"}}));
}

TEST(ParseQuery, empty_pairs_are_skipped) {
  EXPECT_EQ(parse_query("&&a=1&&b=2&"), (QueryParams{{"a", "1"}, {"b", "2"}}));
}

TEST(ParseQuery, a_malformed_escape_in_a_key_or_a_value_refuses_the_whole_query) {
  EXPECT_EQ(parse_query("a=1&b=%zz"), std::nullopt);
  EXPECT_EQ(parse_query("a%=1"), std::nullopt);
}

TEST(ParseQuery, nul_and_invalid_utf8_come_through_for_the_handler_to_refuse) {
  EXPECT_EQ(parse_query("since=1%00"), (QueryParams{{"since", std::string("1\0", 2)}}));
  EXPECT_EQ(parse_query("%FF=%C3"), (QueryParams{{"\xFF", "\xC3"}}));
}

}  // namespace
}  // namespace lockstep::http
