// A Prometheus-style histogram: cumulative bucket counts, a sum and a count. Lock-free to observe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace lockstep {

class Histogram {
 public:
  // `bounds`: the upper bounds of the buckets, increasing (+Inf is implied).
  explicit Histogram(std::vector<double> bounds);

  void observe(double value);

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

  // Buckets for request and commit latency in seconds (100 µs to 10 s).
  static std::vector<double> latency_bounds();

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, not cumulative; last is +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micro_{0};  // the sum in millionths, so that it can be atomic
};

}  // namespace lockstep
