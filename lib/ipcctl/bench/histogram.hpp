#pragma once
// A log-linear histogram of nanosecond values (HdrHistogram's layout): values
// below 128 have a bucket each; above, every power of two is split into 128
// equal buckets. Any recorded value is reported within 1/256 of itself (the
// bucket's midpoint, clamped to the exact min and max), for the whole 64-bit
// range, in a fixed 58 KiB of counts. Mean and standard deviation are exact.
#include <cstdint>
#include <vector>

namespace ipcctl::bench {

class Histogram {
public:
  static constexpr int k_sub_bits = 7;
  static constexpr std::uint64_t k_sub_count = std::uint64_t{1} << k_sub_bits;

  Histogram();
  void record(std::uint64_t value);
  void merge(const Histogram& other);

  std::uint64_t count() const { return m_count; }
  std::uint64_t min() const { return m_count ? m_min : 0; }
  std::uint64_t max() const { return m_max; }
  double mean() const { return m_mean; }
  double stddev() const;  // population standard deviation; 0 for fewer than 2 values
  // The value at percentile p (0 < p <= 100): the smallest recorded value with at
  // least p% of the values at or below it, to within the bucket error. 0 when empty.
  std::uint64_t percentile(double p) const;

  struct Bucket {
    std::uint64_t low, high, count;  // values low..high inclusive
  };
  // The non-empty buckets, in increasing order.
  std::vector<Bucket> buckets() const;

  // The bucket layout, exposed for tests.
  static std::size_t bucket_of(std::uint64_t value);
  static std::uint64_t bucket_low(std::size_t bucket);
  static std::uint64_t bucket_high(std::size_t bucket);

private:
  std::vector<std::uint64_t> m_counts;
  std::uint64_t m_count = 0, m_min = ~std::uint64_t{0}, m_max = 0;
  double m_mean = 0, m_m2 = 0;  // Welford's running mean and sum of squared deviations
};

} // namespace ipcctl::bench
