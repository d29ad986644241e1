// Latency distributions are long-tailed (a wake-up on another core costs 100x a
// same-core hand-off) and need their tail percentiles, so every sample is kept:
// a log-linear histogram keeps them all with a bounded relative error in fixed
// memory, and recording is a few instructions, cheap enough to sit in the timed loop.
#include <ipcctl/bench/histogram.hpp>

#include <algorithm>
#include <cmath>

namespace ipcctl::bench {

namespace {
constexpr std::size_t k_buckets = (64 - Histogram::k_sub_bits + 1) * Histogram::k_sub_count;
}

Histogram::Histogram() : m_counts(k_buckets, 0) {}

std::size_t Histogram::bucket_of(std::uint64_t v) {
  if (v < k_sub_count) return static_cast<std::size_t>(v);
  const int high_bit = 63 - __builtin_clzll(v);
  const int shift = high_bit - k_sub_bits;
  return static_cast<std::size_t>(shift + 1) * k_sub_count + static_cast<std::size_t>((v >> shift) - k_sub_count);
}

std::uint64_t Histogram::bucket_low(std::size_t b) {
  if (b < k_sub_count) return b;
  const std::size_t shift = b / k_sub_count - 1;
  return (k_sub_count + b % k_sub_count) << shift;
}

std::uint64_t Histogram::bucket_high(std::size_t b) {
  if (b < k_sub_count) return b;
  const std::size_t shift = b / k_sub_count - 1;
  return bucket_low(b) + ((std::uint64_t{1} << shift) - 1);
}

void Histogram::record(std::uint64_t v) {
  ++m_counts[bucket_of(v)];
  ++m_count;
  m_min = std::min(m_min, v);
  m_max = std::max(m_max, v);
  const double x = static_cast<double>(v);
  const double delta = x - m_mean;
  m_mean += delta / static_cast<double>(m_count);
  m_m2 += delta * (x - m_mean);
}

void Histogram::merge(const Histogram& o) {
  if (o.m_count == 0) return;
  for (std::size_t i = 0; i < k_buckets; ++i) m_counts[i] += o.m_counts[i];
  const double na = static_cast<double>(m_count), nb = static_cast<double>(o.m_count);
  const double delta = o.m_mean - m_mean;
  m_mean = (na * m_mean + nb * o.m_mean) / (na + nb);
  m_m2 += o.m_m2 + delta * delta * na * nb / (na + nb);
  m_count += o.m_count;
  m_min = std::min(m_min, o.m_min);
  m_max = std::max(m_max, o.m_max);
}

double Histogram::stddev() const {
  return m_count < 2 ? 0.0 : std::sqrt(m_m2 / static_cast<double>(m_count));
}

std::uint64_t Histogram::percentile(double p) const {
  if (m_count == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(m_count)));
  rank = std::clamp<std::uint64_t>(rank, 1, m_count);
  if (rank == 1) return m_min;  // the extremes are known exactly
  if (rank == m_count) return m_max;
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < k_buckets; ++b) {
    seen += m_counts[b];
    if (seen >= rank) {
      const std::uint64_t low = bucket_low(b), high = bucket_high(b);
      const std::uint64_t mid = low + (high - low) / 2;
      return std::clamp(mid, m_min, m_max);
    }
  }
  return m_max;
}

std::vector<Histogram::Bucket> Histogram::buckets() const {
  std::vector<Bucket> out;
  for (std::size_t b = 0; b < k_buckets; ++b)
    if (m_counts[b]) out.push_back({bucket_low(b), bucket_high(b), m_counts[b]});
  return out;
}

} // namespace ipcctl::bench
