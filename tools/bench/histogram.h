// A log-linear latency histogram in the style of HdrHistogram.
//
// Values below 2 * kSubBuckets are counted exactly; above that, every power of two is split into
// kSubBuckets equal buckets, so any recorded value is known to within 1/kSubBuckets (0.4 %) of
// itself whatever its magnitude, in constant memory and O(1) per record. Percentiles read from it
// are therefore honest at p99.9 too, unlike a sampled or fixed-bucket histogram.
//
// Not thread-safe: give each thread its own and merge() them after the threads are joined.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lockstep::bench {

class Histogram {
 public:
  static constexpr int kSubBits = 8;
  static constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBits;

  Histogram();

  void record(std::uint64_t value);
  void merge(const Histogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const;

  // The value at quantile q (0 < q <= 1): the highest value equivalent to the bucket that holds
  // the ceil(q * count)-th smallest sample, never above the exact maximum. 0 when empty.
  std::uint64_t value_at(double q) const;

  // Bucket arithmetic, public so that its tests can pin the layout down.
  static std::size_t index_of(std::uint64_t value);
  static std::uint64_t highest_equivalent(std::size_t index);

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace lockstep::bench
