// Linux's side of system.hpp: CLOCK_MONOTONIC, /proc/cpuinfo's TSC flags,
// nanosleep and sched_setaffinity.
#include <ipcctl/bench/clock.hpp>
#include <ipcctl/bench/runner.hpp>
#include <ipcctl/bench/spin.hpp>
#include <ipcctl/bench/system.hpp>

#include <ipcctl/util/cpus.hpp>
#include <ipcctl/util/fd.hpp>

#include <fmt/format.h>

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cstring>

namespace ipcctl::bench {

static_assert(sizeof(cpu_set_t) <= sizeof(std::array<std::uint64_t, 16>), "AffinityScope holds a cpu_set_t");

std::uint64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::string_view monotonic_name() { return "CLOCK_MONOTONIC"; }

bool tsc_is_invariant() {
  const auto cpuinfo = read_file("/proc/cpuinfo");
  return cpuinfo && Clock::cpuinfo_has_invariant_tsc(*cpuinfo);
}

void yield_cpu() { ::sched_yield(); }

void sleep_ns(std::uint64_t ns) {
  const timespec ts{static_cast<time_t>(ns / 1'000'000'000u), static_cast<long>(ns % 1'000'000'000u)};
  ::nanosleep(&ts, nullptr);
}

Result<void> pin_thread(int cpu) {
  if (cpu < 0) return {};
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof set, &set) != 0) return fail(sys_error("sched_setaffinity", fmt::format("cpu {}", cpu)));
  return {};
}

AffinityScope::AffinityScope() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return;
  std::memcpy(m_mask.data(), &set, sizeof set);
  m_saved = true;
}

AffinityScope::~AffinityScope() {
  if (!m_saved) return;
  cpu_set_t set;
  std::memcpy(&set, m_mask.data(), sizeof set);
  ::sched_setaffinity(0, sizeof set, &set);
}

std::vector<int> usable_cpus() { return allowed_cpus(); }

} // namespace ipcctl::bench
