// Timing one round trip with clock_gettime costs ~20 ns through the vDSO and, on
// hosts whose clocksource is not the TSC, a system call (QueryPerformanceCounter
// on Windows likewise); rdtsc costs a few ns and is constant-rate and
// synchronised across cores when cpuinfo says constant_tsc and nonstop_tsc (on
// Windows, CPUID's invariant TSC bit). Its rate is measured, not trusted from
// the model name: the best of a few windows of the system's monotonic clock
// (system.hpp), each bracketed by TSC reads, so a preemption inside one window
// cannot skew the result.
//
// A round trip is timed with rdtsc at its start and rdtscp at its end, the
// pairing Intel's guide to timing code recommends (less the cpuid, which
// traps to the hypervisor on a virtual machine). rdtsc may read before
// earlier instructions finish, but the send that follows becomes visible
// only after it: the start is never late. rdtscp waits for every earlier
// instruction, the load that saw the reply among them: the end is never
// early. lfence around both would cost a shared-memory round trip half again.
#include <ipcctl/bench/clock.hpp>

#include <ipcctl/bench/system.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>
#define IPCCTL_HAVE_TSC 1
#else
#define IPCCTL_HAVE_TSC 0
#endif

namespace ipcctl::bench {

namespace {

std::uint64_t read_tsc() {
#if IPCCTL_HAVE_TSC
  return __rdtsc();
#else
  return monotonic_ns();
#endif
}

bool cpu_has_rdtscp() {
#if IPCCTL_HAVE_TSC
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(0x80000001, &a, &b, &c, &d) && (d & (1u << 27));
#else
  return false;
#endif
}

} // namespace

std::uint64_t Clock::now() const {
  return m_source == ClockSource::tsc ? read_tsc() : monotonic_ns();
}

std::uint64_t Clock::now_after() const {
#if IPCCTL_HAVE_TSC
  if (m_source == ClockSource::tsc) {
    if (m_rdtscp) {
      unsigned cpu;
      return __rdtscp(&cpu);
    }
    _mm_lfence();
    return __rdtsc();
  }
#endif
  return monotonic_ns();
}

std::uint64_t Clock::to_ns(std::uint64_t ticks) const {
  if (m_source == ClockSource::monotonic) return ticks;
  return static_cast<std::uint64_t>(std::llround(static_cast<double>(ticks) * m_ns_per_tick));
}

std::string Clock::describe() const {
  if (m_source == ClockSource::monotonic) return std::string(monotonic_name());
  return fmt::format("tsc {:.1f} MHz", m_ticks_per_ns * 1000.0);
}

bool Clock::cpuinfo_has_invariant_tsc(std::string_view cpuinfo) {
  const auto flags_at = cpuinfo.find("\nflags");
  if (flags_at == std::string_view::npos) return false;
  auto line = cpuinfo.substr(flags_at + 1);
  line = line.substr(0, line.find('\n'));
  auto has = [&](std::string_view flag) {
    for (std::size_t at = line.find(flag); at != std::string_view::npos; at = line.find(flag, at + 1)) {
      const bool left = at > 0 && (line[at - 1] == ' ' || line[at - 1] == '\t');
      const std::size_t end = at + flag.size();
      const bool right = end == line.size() || line[end] == ' ';
      if (left && right) return true;
    }
    return false;
  };
  return has("constant_tsc") && has("nonstop_tsc");
}

Clock Clock::tsc_at(double ticks_per_ns) {
  Clock c;
  c.m_source = ClockSource::tsc;
  c.m_rdtscp = cpu_has_rdtscp();
  c.m_ticks_per_ns = ticks_per_ns;
  c.m_ns_per_tick = 1.0 / ticks_per_ns;
  return c;
}

Clock Clock::calibrate(bool force_monotonic, std::uint64_t window_ns) {
  if (force_monotonic || !IPCCTL_HAVE_TSC) return Clock{};
  if (!tsc_is_invariant()) return Clock{};
  double best = 0;
  std::uint64_t best_err = ~std::uint64_t{0};
  for (int round = 0; round < 3; ++round) {
    // Bracket each clock_gettime by TSC reads; the narrowest bracket is the most exact.
    const std::uint64_t a0 = read_tsc(), m0 = monotonic_ns(), a1 = read_tsc();
    while (monotonic_ns() - m0 < window_ns) {
    }
    const std::uint64_t b0 = read_tsc(), m1 = monotonic_ns(), b1 = read_tsc();
    const std::uint64_t err = (a1 - a0) + (b1 - b0);
    if (m1 <= m0) continue;
    if (err < best_err) {
      best_err = err;
      const std::uint64_t ticks = (b0 + b1) / 2 - (a0 + a1) / 2;  // between the midpoints of each pair
      best = static_cast<double>(ticks) / static_cast<double>(m1 - m0);
    }
  }
  if (!(best > 0.01)) return Clock{};  // a TSC slower than 10 MHz is not one to trust
  return tsc_at(best);
}

} // namespace ipcctl::bench
