#include "histogram.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace lockstep::bench {
namespace {

TEST(BenchHistogram, small_values_are_exact) {
  for (std::uint64_t v : {0ull, 1ull, 255ull, 511ull}) {
    EXPECT_EQ(Histogram::highest_equivalent(Histogram::index_of(v)), v) << v;
  }
}

TEST(BenchHistogram, buckets_are_contiguous_and_within_their_precision) {
  std::size_t previous = Histogram::index_of(0);
  for (std::uint64_t v = 1; v < (1ull << 22); v += 1 + v / 1000) {
    const std::size_t i = Histogram::index_of(v);
    EXPECT_TRUE(i == previous || i == previous + 1) << v;
    const std::uint64_t high = Histogram::highest_equivalent(i);
    ASSERT_GE(high, v);
    EXPECT_LE(high - v, v / Histogram::kSubBuckets) << v;
    previous = i;
  }
}

TEST(BenchHistogram, the_largest_value_has_a_bucket) {
  const std::size_t i = Histogram::index_of(UINT64_MAX);
  EXPECT_EQ(Histogram::highest_equivalent(i), UINT64_MAX);
  Histogram h;
  h.record(UINT64_MAX);
  EXPECT_EQ(h.value_at(1.0), UINT64_MAX);
}

TEST(BenchHistogram, percentiles_of_a_uniform_range) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.record(v * 1000);
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.min(), 1000u);
  EXPECT_EQ(h.max(), 100000000u);
  EXPECT_NEAR(static_cast<double>(h.value_at(0.5)), 50e6, 50e6 / 256);
  EXPECT_NEAR(static_cast<double>(h.value_at(0.99)), 99e6, 99e6 / 256);
  EXPECT_NEAR(static_cast<double>(h.value_at(0.999)), 99.9e6, 99.9e6 / 256);
  EXPECT_EQ(h.value_at(1.0), h.max());
  EXPECT_NEAR(h.mean(), 50.0005e6, 1);
}

TEST(BenchHistogram, a_single_outlier_is_the_max_not_the_p99) {
  Histogram h;
  for (int i = 0; i < 999; ++i) h.record(100);
  h.record(1'000'000);
  EXPECT_EQ(h.value_at(0.99), 100u);
  EXPECT_EQ(h.value_at(0.999), 100u);
  EXPECT_EQ(h.value_at(1.0), 1'000'000u);
}

TEST(BenchHistogram, merge_adds_counts_and_extremes) {
  Histogram a, b;
  a.record(10);
  b.record(5);
  b.record(20);
  a.merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.min(), 5u);
  EXPECT_EQ(a.max(), 20u);
  EXPECT_EQ(a.value_at(0.5), 10u);
}

TEST(BenchHistogram, empty_reports_zeros) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.value_at(0.99), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

}  // namespace
}  // namespace lockstep::bench
