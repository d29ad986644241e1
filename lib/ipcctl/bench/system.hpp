#pragma once
// The few things the clock and the runner ask of the operating system, one
// file per system: system_linux.cpp and system_windows.cpp. Everything that
// measures is above this line and the same on both. Internal to lib/ipcctl/bench.
#include <ipcctl/util/result.hpp>

#include <array>
#include <cstdint>
#include <string_view>

namespace ipcctl::bench {

// The name of the clock monotonic_ns() reads: "CLOCK_MONOTONIC", "QueryPerformanceCounter".
std::string_view monotonic_name();
// Whether the TSC is invariant (constant rate, running in every idle state):
// Linux's /proc/cpuinfo flags, CPUID on Windows.
bool tsc_is_invariant();
// Sleeps for about `ns` nanoseconds.
void sleep_ns(std::uint64_t ns);
// Pins the calling thread to `cpu`; a negative cpu: leaves it be.
Result<void> pin_thread(int cpu);

// The calling thread's CPUs when made, restored when destroyed.
class AffinityScope {
public:
  AffinityScope();
  ~AffinityScope();
  AffinityScope(const AffinityScope&) = delete;
  AffinityScope& operator=(const AffinityScope&) = delete;

private:
  std::array<std::uint64_t, 16> m_mask{};  // a cpu_set_t, or a Windows affinity mask
  bool m_saved = false;
};

} // namespace ipcctl::bench
