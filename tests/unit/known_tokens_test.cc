#include "http/known_tokens.h"

#include <gtest/gtest.h>

namespace lockstep::http {
namespace {

TEST(KnownTokens, finds_what_was_accepted_until_it_is_forgotten) {
  KnownTokens known;
  EXPECT_FALSE(known.find("Bearer lst_a"));
  known.remember("Bearer lst_a", Principal{"alice", Role::kAdmin});
  auto found = known.find("Bearer lst_a");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "alice");
  EXPECT_EQ(found->role, Role::kAdmin);
  EXPECT_FALSE(known.find("Bearer lst_b"));              // another token
  known.remember("", Principal{"nobody", Role::kUser});  // no token: never known
  EXPECT_FALSE(known.find(""));
  known.forget("Bearer lst_a");
  EXPECT_FALSE(known.find("Bearer lst_a"));
}

// Bounded: a client sending many tokens that were each accepted once cannot grow it past its
// capacity; when full it starts over.
TEST(KnownTokens, never_holds_more_than_its_capacity) {
  KnownTokens known(3);
  for (int i = 0; i < 10; ++i) {
    known.remember("Bearer lst_" + std::to_string(i), Principal{"u" + std::to_string(i), Role::kUser});
    EXPECT_LE(known.size(), 3u);
  }
  EXPECT_TRUE(known.find("Bearer lst_9"));                       // the newest is always kept
  known.remember("Bearer lst_9", Principal{"u9", Role::kUser});  // known already: nothing goes
  EXPECT_TRUE(known.find("Bearer lst_9"));
}

// Reads from memory use a token only at the data version it was checked at: any commit since (a
// revocation in another process included) makes it unknown to them until it is checked again; a
// write's remember(), which checks at no version, does too.
TEST(KnownTokens, reads_use_a_token_only_at_the_version_it_was_checked_at) {
  KnownTokens known;
  known.remember("h", Principal{"alice", Role::kUser}, 7);
  ASSERT_TRUE(known.find_checked("h", 7));
  EXPECT_EQ(known.find_checked("h", 7)->name, "alice");
  EXPECT_FALSE(known.find_checked("h", 8));
  EXPECT_TRUE(known.find("h"));  // writes: the writer checks it again anyway
  known.remember("h", Principal{"alice", Role::kUser});
  EXPECT_FALSE(known.find_checked("h", 7));
  EXPECT_FALSE(known.find_checked("", 7));
}

}  // namespace
}  // namespace lockstep::http
