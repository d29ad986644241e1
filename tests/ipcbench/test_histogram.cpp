#include <ipcctl/bench/histogram.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using ipcctl::bench::Histogram;

namespace {

// The nearest-rank percentile of sorted samples: what Histogram::percentile approximates.
std::uint64_t reference(const std::vector<std::uint64_t>& sorted, double p) {
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

} // namespace

TEST_CASE("bench::Histogram bucket layout") {
  std::mt19937_64 rng(7);
  SUBCASE("every value lies in its bucket, and the bucket is narrow") {
    for (int i = 0; i < 100000; ++i) {
      const std::uint64_t v = rng() >> (rng() % 64);
      const auto b = Histogram::bucket_of(v);
      REQUIRE(Histogram::bucket_low(b) <= v);
      REQUIRE(v <= Histogram::bucket_high(b));
      const double width = static_cast<double>(Histogram::bucket_high(b) - Histogram::bucket_low(b) + 1);
      if (v >= Histogram::k_sub_count) CHECK(width / static_cast<double>(v) <= 1.0 / 128);
      else CHECK(width == 1);
    }
  }
  SUBCASE("the extremes") {
    CHECK(Histogram::bucket_of(0) == 0);
    CHECK(Histogram::bucket_of(127) == 127);
    CHECK(Histogram::bucket_of(128) == 128);
    const auto top = Histogram::bucket_of(~std::uint64_t{0});
    CHECK(Histogram::bucket_high(top) == ~std::uint64_t{0});
  }
  SUBCASE("buckets are contiguous and increasing") {
    for (std::size_t b = 1; b < Histogram::bucket_of(std::uint64_t{1} << 40); ++b)
      REQUIRE(Histogram::bucket_low(b) == Histogram::bucket_high(b - 1) + 1);
  }
}

TEST_CASE("bench::Histogram percentiles against sorted samples") {
  std::mt19937_64 rng(42);
  // Latency-like: a log-normal body around 5 us with a far tail.
  std::lognormal_distribution<double> body(std::log(5000.0), 0.5);
  std::vector<std::uint64_t> samples;
  Histogram h;
  for (int i = 0; i < 200000; ++i) {
    auto v = static_cast<std::uint64_t>(body(rng));
    if (i % 1000 == 0) v *= 300;  // wake-ups from deep idle
    samples.push_back(v);
    h.record(v);
  }
  std::sort(samples.begin(), samples.end());
  for (double p : {0.1, 1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    const double want = static_cast<double>(reference(samples, p));
    const double got = static_cast<double>(h.percentile(p));
    INFO("p", p, " want ", want, " got ", got);
    CHECK(std::fabs(got - want) <= want / 256.0 + 0.5);
  }
  CHECK(h.count() == samples.size());
  CHECK(h.min() == samples.front());
  CHECK(h.max() == samples.back());
  CHECK(h.percentile(100) == samples.back());

  double sum = 0;
  for (auto v : samples) sum += static_cast<double>(v);
  const double mean = sum / static_cast<double>(samples.size());
  double sq = 0;
  for (auto v : samples) sq += (static_cast<double>(v) - mean) * (static_cast<double>(v) - mean);
  CHECK(h.mean() == doctest::Approx(mean).epsilon(1e-9));
  CHECK(h.stddev() == doctest::Approx(std::sqrt(sq / static_cast<double>(samples.size()))).epsilon(1e-9));

  std::uint64_t in_buckets = 0;
  for (const auto& b : h.buckets()) {
    CHECK(b.count > 0);
    in_buckets += b.count;
  }
  CHECK(in_buckets == samples.size());
}

TEST_CASE("bench::Histogram small and merged") {
  Histogram empty;
  CHECK(empty.count() == 0);
  CHECK(empty.percentile(50) == 0);
  CHECK(empty.stddev() == 0);

  Histogram a, b, all;
  for (std::uint64_t v = 1; v <= 100; ++v) {
    (v % 2 ? a : b).record(v * 1000);
    all.record(v * 1000);
  }
  CHECK(a.percentile(50) != b.percentile(50));
  a.merge(b);
  CHECK(a.count() == 100);
  CHECK(a.min() == 1000);
  CHECK(a.max() == 100000);
  CHECK(a.mean() == doctest::Approx(all.mean()));
  CHECK(a.stddev() == doctest::Approx(all.stddev()));
  for (double p : {1.0, 50.0, 99.0}) CHECK(a.percentile(p) == all.percentile(p));
  // Nearest rank: the 50th of 100 values 1000..100000 is 50000 (within its bucket's error).
  CHECK(std::fabs(static_cast<double>(all.percentile(50)) - 50000.0) <= 50000.0 / 256);
}
