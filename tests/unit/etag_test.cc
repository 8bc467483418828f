#include "core/etag.h"

#include <gtest/gtest.h>

namespace lockstep {
namespace {

TEST(EntityTagList, parses_star_lists_weak_tags_and_empty_elements) {
  auto any = parse_entity_tag_list(" * ");
  ASSERT_TRUE(any);
  EXPECT_TRUE(any->any);

  auto list = parse_entity_tag_list("\"a\", W/\"b\" ,,\"c-1\"");
  ASSERT_TRUE(list);
  EXPECT_FALSE(list->any);
  ASSERT_EQ(list->tags.size(), 3u);
  EXPECT_EQ(list->tags[0], (EntityTag{"\"a\"", false}));
  EXPECT_EQ(list->tags[1], (EntityTag{"\"b\"", true}));
  EXPECT_EQ(list->tags[2], (EntityTag{"\"c-1\"", false}));
}

TEST(EntityTagList, rejects_what_is_not_an_entity_tag) {
  for (const char* bad : {"", "abc", "\"unterminated", "W/abc", "\"a\" \"b\"", "\"a\";x", "w/\"a\"", "\"a\"b",
                          "\"sp ace\"", "*, \"a\""}) {
    EXPECT_FALSE(parse_entity_tag_list(bad)) << bad;
  }
}

TEST(EntityTag, strong_comparison_needs_both_strong_weak_ignores_prefix) {
  EntityTag s{"\"x\"", false}, w{"\"x\"", true}, other{"\"y\"", false};
  EXPECT_TRUE(strong_match(s, s));
  EXPECT_FALSE(strong_match(s, w));
  EXPECT_FALSE(strong_match(w, w));
  EXPECT_TRUE(weak_match(s, w));
  EXPECT_TRUE(weak_match(w, w));
  EXPECT_FALSE(weak_match(s, other));
}

TEST(EntityTag, made_tags_differ_by_revision_and_round_trip) {
  EXPECT_NE(make_etag(1, 5), make_etag(1, 6));
  auto t = make_etag(3, 42);
  EXPECT_FALSE(t.weak);
  EXPECT_EQ(parse_entity_tag(t.to_string()), t);
}

}  // namespace
}  // namespace lockstep
