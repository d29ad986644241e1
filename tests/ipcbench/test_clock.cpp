#include "support.hpp"

#include <ipcctl/bench/clock.hpp>

#include <doctest/doctest.h>

#include <time.h>

using namespace ipcctl::bench;

TEST_CASE("bench::Clock invariant TSC detection") {
  CHECK(Clock::cpuinfo_has_invariant_tsc(test::bench_data("kvm-epyc/cpuinfo")));
  CHECK_FALSE(Clock::cpuinfo_has_invariant_tsc(test::bench_data("cpuinfo-no-nonstop-tsc")));
  CHECK_FALSE(Clock::cpuinfo_has_invariant_tsc(test::bench_data("cpuinfo-lookalike-flags")));
  CHECK_FALSE(Clock::cpuinfo_has_invariant_tsc(""));
}

TEST_CASE("bench::Clock conversion") {
  const Clock c = Clock::tsc_at(2.5);
  CHECK(c.source() == ClockSource::tsc);
  CHECK(c.to_ns(2500) == 1000);
  CHECK(c.to_ns(0) == 0);
  CHECK(c.describe() == "tsc 2500.0 MHz");
  const Clock m = Clock::monotonic();
  CHECK(m.to_ns(12345) == 12345);
  CHECK(m.describe() == "CLOCK_MONOTONIC");
}

TEST_CASE("bench::Clock calibration agrees with CLOCK_MONOTONIC") {
  const Clock c = Clock::calibrate();
  // Time a 50 ms sleep with both clocks: they must agree within 2%.
  const std::uint64_t m0 = monotonic_ns(), t0 = c.now();
  const timespec ts{0, 50'000'000};
  ::nanosleep(&ts, nullptr);
  const std::uint64_t t1 = c.now(), m1 = monotonic_ns();
  const double by_clock = static_cast<double>(c.to_ns(t1 - t0));
  const double by_monotonic = static_cast<double>(m1 - m0);
  INFO(c.describe(), ": ", by_clock, " ns against ", by_monotonic, " ns");
  CHECK(by_clock == doctest::Approx(by_monotonic).epsilon(0.02));
  CHECK(Clock::calibrate(true).source() == ClockSource::monotonic);
}
