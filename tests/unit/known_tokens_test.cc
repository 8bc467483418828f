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

}  // namespace
}  // namespace lockstep::http
