#include <gtest/gtest.h>

#include <set>

#include "core/crypto.h"
#include "core/ids.h"
#include "core/utf8.h"

namespace lockstep {
namespace {

TEST(Utf8, counts_code_points_not_bytes) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("h\xC3\xA9llo"), 5u);      // é
  EXPECT_EQ(utf8_length("\xE2\x82\xAC"), 1u);      // €
  EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80"), 1u);  // 😀
}

TEST(Utf8, rejects_invalid_sequences) {
  for (const char* bad : {"\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF", "a\x80"}) {
    EXPECT_FALSE(utf8_length(bad)) << bad;
  }
}

TEST(Utf8, to_valid_utf8_keeps_valid_text_and_replaces_each_invalid_byte) {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"", ""},
      {"abc", "abc"},
      {"h\xC3\xA9llo \xF0\x9F\x98\x80", "h\xC3\xA9llo \xF0\x9F\x98\x80"},
      {std::string("a\0b", 3), std::string("a\0b", 3)},  // valid UTF-8; JSON escapes it
      {"\xFF\xFE", "\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"id\xC3", "id\xEF\xBF\xBD"},                              // cut short at the end
      {"\xC0\xAFx", "\xEF\xBF\xBD\xEF\xBF\xBDx"},                // overlong
      {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // a surrogate
  };
  for (const auto& c : cases) {
    EXPECT_EQ(to_valid_utf8(c.in), c.out) << c.in;
    EXPECT_TRUE(utf8_length(to_valid_utf8(c.in))) << c.in;
  }
}

TEST(Ulid, ids_are_26_url_safe_characters_and_strictly_increasing) {
  std::string last;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = make_ulid(1'700'000'000'000);  // same millisecond each time
    EXPECT_EQ(id.size(), 26u);
    EXPECT_TRUE(is_valid_client_id(id));
    EXPECT_LT(last, id);
    last = id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_LT(last, make_ulid(1'700'000'000'001));
}

TEST(ClientId, allows_only_the_url_safe_alphabet_up_to_64) {
  EXPECT_TRUE(is_valid_client_id("task_1-A"));
  EXPECT_TRUE(is_valid_client_id(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_client_id(std::string(65, 'a')));
  EXPECT_FALSE(is_valid_client_id(""));
  EXPECT_FALSE(is_valid_client_id("a.b"));
  EXPECT_FALSE(is_valid_client_id("a/b"));
}

TEST(Tokens, are_random_and_stored_as_sha256) {
  std::string a = make_token(), b = make_token();
  EXPECT_NE(a, b);
  EXPECT_TRUE(a.starts_with("lst_"));
  EXPECT_EQ(a.size(), 48u);
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

}  // namespace
}  // namespace lockstep
