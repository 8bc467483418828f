// Per-principal token buckets (src/http/rate_limit.*, API.md §7), on a clock the test sets.
#include "http/rate_limit.h"

#include <gtest/gtest.h>

namespace lockstep::http {
namespace {

constexpr Millis kT0 = 1'700'000'000'000;

std::string header(const Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "<none>";
}

TEST(RateLimiter, a_fresh_bucket_holds_the_burst_and_then_refuses) {
  RateLimiter limiter(1, 3);
  for (long left : {2, 1, 0}) {
    auto v = limiter.take("alice", kT0);
    EXPECT_TRUE(v.allowed);
    EXPECT_EQ(v.remaining, left);
  }
  auto refused = limiter.take("alice", kT0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.retry_after, 1);
  EXPECT_EQ(refused.reset, 3);
}

// Each limiter is drained, then asked once or twice: no sum of many small refills (floating point).
TEST(RateLimiter, tokens_come_back_at_the_rate_and_no_sooner) {
  RateLimiter early(2, 2);  // one token every 500 ms
  ASSERT_TRUE(early.take("alice", kT0).allowed);
  ASSERT_TRUE(early.take("alice", kT0).allowed);
  EXPECT_FALSE(early.take("alice", kT0 + 499).allowed);
  RateLimiter on_time(2, 2);
  ASSERT_TRUE(on_time.take("alice", kT0).allowed);
  ASSERT_TRUE(on_time.take("alice", kT0).allowed);
  EXPECT_TRUE(on_time.take("alice", kT0 + 500).allowed);
  EXPECT_FALSE(on_time.take("alice", kT0 + 500).allowed);
}

TEST(RateLimiter, an_idle_bucket_fills_up_to_the_burst_only) {
  RateLimiter limiter(10, 5);
  ASSERT_TRUE(limiter.take("alice", kT0).allowed);
  int allowed = 0;
  while (limiter.take("alice", kT0 + 3'600'000).allowed) ASSERT_LT(++allowed, 100);
  EXPECT_EQ(allowed, 5);
}

TEST(RateLimiter, retry_after_is_the_wait_for_one_token_rounded_up_and_never_0) {
  struct Case {
    double rate;
    Millis later;  // after the only token was taken
    long retry_after;
  };
  for (const Case& c : {Case{1, 0, 1}, Case{1, 100, 1}, Case{1, 999, 1}, Case{0.1, 0, 10}, Case{0.1, 1, 10},
                        Case{0.1, 9000, 1}, Case{0.25, 1000, 3}, Case{3, 0, 1}, Case{100, 0, 1}}) {
    RateLimiter limiter(c.rate, 1);
    ASSERT_TRUE(limiter.take("alice", kT0).allowed);
    auto v = limiter.take("alice", kT0 + c.later);
    ASSERT_FALSE(v.allowed) << c.rate << " " << c.later;
    EXPECT_EQ(v.retry_after, c.retry_after) << "rate " << c.rate << ", " << c.later << " ms later";
  }
}

TEST(RateLimiter, reset_is_the_seconds_until_the_bucket_is_full) {
  RateLimiter limiter(1, 4);
  EXPECT_EQ(limiter.take("alice", kT0).reset, 1);
  EXPECT_EQ(limiter.take("alice", kT0).reset, 2);
  EXPECT_EQ(limiter.take("alice", kT0 + 500).reset, 3);  // 1.5 tokens left: 2.5 s to go
}

TEST(RateLimiter, every_principal_has_a_bucket_of_its_own) {
  RateLimiter limiter(1, 2);
  for (int i = 0; i < 1000; ++i) {
    const std::string who = "user-" + std::to_string(i);
    ASSERT_TRUE(limiter.take(who, kT0).allowed) << who;
    ASSERT_TRUE(limiter.take(who, kT0).allowed) << who;
    ASSERT_FALSE(limiter.take(who, kT0).allowed) << who;
  }
  EXPECT_TRUE(limiter.take("alice", kT0).allowed);
}

TEST(RateLimiter, a_clock_stepped_back_refills_nothing) {
  RateLimiter limiter(1, 1);
  ASSERT_TRUE(limiter.take("alice", kT0).allowed);
  EXPECT_FALSE(limiter.take("alice", kT0 - 60'000).allowed);
  EXPECT_FALSE(limiter.take("alice", kT0 + 999).allowed);  // refilled from kT0, not from the minute before
  EXPECT_TRUE(limiter.take("alice", kT0 + 2000).allowed);
}

TEST(RateLimiter, rate_0_turns_it_off) {
  EXPECT_FALSE(RateLimiter(0, 1).enabled());
  EXPECT_TRUE(RateLimiter(0.001, 1).enabled());
}

TEST(RateLimiter, describe_sets_the_ietf_headers) {
  RateLimiter limiter(5, 10);
  Response r;
  limiter.describe(limiter.take("alice", kT0), r);
  EXPECT_EQ(header(r, "RateLimit-Policy"), "\"default\";q=5;w=1");
  EXPECT_EQ(header(r, "RateLimit"), "\"default\";r=9;t=1");
}

TEST(RateLimiter, parse_reads_rate_and_burst) {
  using Spec = std::optional<std::pair<double, double>>;
  EXPECT_EQ(RateLimiter::parse("10"), (Spec{{10, 20}}));
  EXPECT_EQ(RateLimiter::parse("1/5"), (Spec{{1, 5}}));
  EXPECT_EQ(RateLimiter::parse("0.5/1"), (Spec{{0.5, 1}}));
  EXPECT_EQ(RateLimiter::parse("0"), (Spec{{0, 0}}));
  for (const char* bad : {"", "x", "-1", "1/0", "1/", "1/2x", "1 ", "inf", "nan", "1/inf"}) {
    EXPECT_EQ(RateLimiter::parse(bad), std::nullopt) << bad;
  }
}

// RateLimit-Policy's numbers are RFC 8941 integers or decimals of at most three fraction digits.
TEST(RateLimiter, the_policy_quota_is_a_structured_field_number) {
  EXPECT_EQ(policy_quota(1000), "q=1000;w=1");
  EXPECT_EQ(policy_quota(0.5), "q=0.5;w=1");
  EXPECT_EQ(policy_quota(0.001), "q=0.001;w=1");
  EXPECT_EQ(policy_quota(2.0 / 3), "q=0.667;w=1");
  EXPECT_EQ(policy_quota(0.0001), "q=1;w=10000");  // too small for three digits: one per window
}

}  // namespace
}  // namespace lockstep::http
