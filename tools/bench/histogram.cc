#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace lockstep::bench {
namespace {

constexpr std::uint64_t kExactLimit = 2 * Histogram::kSubBuckets;
// Every shift from 1 to 64 - (kSubBits + 1) has its kSubBuckets buckets after the exact ones.
constexpr std::size_t kBucketCount = kExactLimit + (64 - (Histogram::kSubBits + 1)) * Histogram::kSubBuckets;

}  // namespace

Histogram::Histogram() : counts_(kBucketCount, 0) {}

std::size_t Histogram::index_of(std::uint64_t value) {
  if (value < kExactLimit) return static_cast<std::size_t>(value);
  const int shift = static_cast<int>(std::bit_width(value)) - (kSubBits + 1);
  const std::uint64_t top = value >> shift;  // in [kSubBuckets, 2 * kSubBuckets)
  return static_cast<std::size_t>(kExactLimit + (shift - 1) * kSubBuckets + (top - kSubBuckets));
}

std::uint64_t Histogram::highest_equivalent(std::size_t index) {
  if (index < kExactLimit) return index;
  const std::uint64_t rest = index - kExactLimit;
  const std::uint64_t shift = rest / kSubBuckets + 1;
  const std::uint64_t top = rest % kSubBuckets + kSubBuckets;
  // For the very last bucket (top + 1) << shift wraps to 0, and 0 - 1 is UINT64_MAX: still right.
  return ((top + 1) << shift) - 1;
}

void Histogram::record(std::uint64_t value) {
  ++counts_[index_of(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value);
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double Histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::uint64_t Histogram::value_at(double q) const {
  if (count_ == 0) return 0;
  const double wanted = std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_));
  const std::uint64_t rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wanted));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highest_equivalent(i), max_);
  }
  return max_;
}

}  // namespace lockstep::bench
