#pragma once
// The per-sample clock of ipcbench: the invariant TSC, calibrated against
// CLOCK_MONOTONIC (QueryPerformanceCounter on Windows), or that clock itself
// where the CPU has no invariant TSC (or is not x86). A Clock is a plain
// value: a forked child inherits it, and a side b started afresh rebuilds it
// from its source and rate (tsc_at).
#include <cstdint>
#include <string>
#include <string_view>

namespace ipcctl::bench {

enum class ClockSource { tsc, monotonic };

class Clock {
public:
  // Reads ticks: the TSC on x86 with an invariant TSC, else CLOCK_MONOTONIC
  // nanoseconds. now() starts an interval: it may read before earlier
  // instructions finish, never after later ones take effect. now_after() ends
  // one: it reads once every earlier instruction has finished (rdtscp).
  std::uint64_t now() const;
  std::uint64_t now_after() const;
  // Ticks to nanoseconds (rounded).
  std::uint64_t to_ns(std::uint64_t ticks) const;
  ClockSource source() const { return m_source; }
  // Ticks per nanosecond: 1.0 for CLOCK_MONOTONIC.
  double ticks_per_ns() const { return m_ticks_per_ns; }
  std::string describe() const;  // "tsc 2596.1 MHz", "CLOCK_MONOTONIC" or "QueryPerformanceCounter"

  // Whether /proc/cpuinfo flags say the TSC is invariant (constant_tsc and nonstop_tsc).
  static bool cpuinfo_has_invariant_tsc(std::string_view cpuinfo);
  // Measures the TSC rate over `window_ns` of CLOCK_MONOTONIC (best of 3 windows).
  // Falls back to CLOCK_MONOTONIC when the TSC is not invariant or `force_monotonic`.
  static Clock calibrate(bool force_monotonic = false, std::uint64_t window_ns = 20'000'000);
  static Clock monotonic() { return Clock{}; }
  // A TSC clock of a known rate, for tests.
  static Clock tsc_at(double ticks_per_ns);

private:
  ClockSource m_source = ClockSource::monotonic;
  bool m_rdtscp = false;  // else lfence, then rdtsc
  double m_ticks_per_ns = 1.0;
  double m_ns_per_tick = 1.0;
};

// CLOCK_MONOTONIC (Windows: QueryPerformanceCounter) in nanoseconds.
std::uint64_t monotonic_ns();

} // namespace ipcctl::bench
