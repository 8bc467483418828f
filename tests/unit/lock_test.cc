#include "domain/lock.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace lockstep {
namespace {

const Lock kHeld{"t1", "alice", 7, 1000, 2000};

TEST(LockRules, acquire_grants_free_or_expired_renews_own_refuses_others) {
  EXPECT_EQ(decide_acquire(std::nullopt, "bob", 1500), AcquireDecision::kGrant);
  EXPECT_EQ(decide_acquire(kHeld, "bob", 1500), AcquireDecision::kLocked);
  EXPECT_EQ(decide_acquire(kHeld, "alice", 1500), AcquireDecision::kRenew);
  EXPECT_EQ(decide_acquire(kHeld, "bob", 1999), AcquireDecision::kLocked);
  EXPECT_EQ(decide_acquire(kHeld, "bob", 2000), AcquireDecision::kGrant);    // expired at that instant
  EXPECT_EQ(decide_acquire(kHeld, "alice", 2000), AcquireDecision::kGrant);  // a new grant, new token
}

TEST(LockRules, writes_by_others_are_locked_owner_passes_tokens_must_name_the_live_lock) {
  EXPECT_TRUE(check_write_lock(std::nullopt, "bob", std::nullopt, 1500));
  auto other = check_write_lock(kHeld, "bob", std::nullopt, 1500);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, Code::kLocked);
  EXPECT_EQ(other.error().retry_after_seconds, 1);
  EXPECT_TRUE(check_write_lock(kHeld, "alice", std::nullopt, 1500));
  EXPECT_TRUE(check_write_lock(kHeld, "alice", std::string("7"), 1500));
  EXPECT_FALSE(check_write_lock(kHeld, "alice", std::string("6"), 1500));         // an older grant
  EXPECT_FALSE(check_write_lock(kHeld, "alice", std::string("7"), 2000));         // expired
  EXPECT_FALSE(check_write_lock(std::nullopt, "alice", std::string("7"), 1500));  // released
  EXPECT_FALSE(check_write_lock(kHeld, "alice", std::string("7x"), 1500));
  EXPECT_TRUE(check_write_lock(kHeld, "bob", std::nullopt, 2000));  // no effect once expired
}

TEST(LockRules, retry_after_is_the_seconds_left_rounded_up) {
  EXPECT_EQ(locked_error(kHeld, 1000, "").retry_after_seconds, 1);
  Lock long_lock{"t", "a", 1, 0, 60'000};
  EXPECT_EQ(locked_error(long_lock, 500, "").retry_after_seconds, 60);
}

TEST(LockRules, request_limits) {
  boost::json::value ok = boost::json::parse(R"({"ttlSeconds":3600,"waitSeconds":30})");
  EXPECT_TRUE(parse_lock_request(&ok));
  for (const char* bad : {R"({"ttlSeconds":0})", R"({"ttlSeconds":3601})", R"({"waitSeconds":31})",
                          R"({"ttlSeconds":1.5})", R"({"color":1})", "[]"}) {
    boost::json::value v = boost::json::parse(bad);
    EXPECT_FALSE(parse_lock_request(&v)) << bad;
  }
  auto defaults = parse_lock_request(nullptr);
  EXPECT_EQ(defaults->ttl_seconds, 60);
  EXPECT_EQ(defaults->wait_seconds, 0);
}

}  // namespace
}  // namespace lockstep
