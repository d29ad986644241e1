// ipcbench's Windows seams, in this process: the clock (QueryPerformanceCounter,
// and the TSC calibrated against it), pinning, the handle lists side b's
// command line carries, the machine facts and the table of mechanisms. The
// mechanisms themselves run between two processes in tests/windows/cli.sh.
// Runs on Windows (Wine).
#include <ipcctl/bench/clock.hpp>
#include <ipcctl/bench/machine.hpp>
#include <ipcctl/bench/runner.hpp>
#include <ipcctl/bench/system.hpp>
#include <ipcctl/bench/transport.hpp>
#include <ipcctl/bench/win.hpp>
#include <ipcctl/windows/nt.hpp>

#include <doctest/doctest.h>

#include <winsock2.h>
#include <windows.h>

#include <string>
#include <vector>

using namespace ipcctl;
using namespace ipcctl::bench;

TEST_CASE("bench on Windows: the monotonic clock is QueryPerformanceCounter in nanoseconds") {
  CHECK(Clock::monotonic().describe() == "QueryPerformanceCounter");
  const std::uint64_t t0 = monotonic_ns();
  ::Sleep(50);
  const std::uint64_t t1 = monotonic_ns();
  CHECK(t1 - t0 >= 40'000'000u);
  CHECK(t1 - t0 < 2'000'000'000u);
}

TEST_CASE("bench on Windows: a calibrated clock agrees with QueryPerformanceCounter") {
  const Clock c = Clock::calibrate();
  if (c.source() == ClockSource::tsc) CHECK(c.ticks_per_ns() > 0.01);
  const std::uint64_t m0 = monotonic_ns(), k0 = c.now();
  ::Sleep(100);
  const std::uint64_t m1 = monotonic_ns(), k1 = c.now_after();
  const double ratio = static_cast<double>(c.to_ns(k1 - k0)) / static_cast<double>(m1 - m0);
  CHECK(ratio > 0.9);
  CHECK(ratio < 1.1);
  CHECK(Clock::calibrate(true).source() == ClockSource::monotonic);
}

TEST_CASE("bench on Windows: the usable CPUs, and pinning to one") {
  const std::vector<int> cpus = usable_cpus();
  REQUIRE_FALSE(cpus.empty());
  {
    const AffinityScope saved;
    CHECK(pin_thread(cpus.back()).has_value());
    CHECK(::GetCurrentProcessorNumber() == static_cast<DWORD>(cpus.back()));
  }
  CHECK(pin_thread(-1).has_value());
  CHECK_FALSE(pin_thread(64).has_value());
}

TEST_CASE("bench on Windows: handle lists") {
  CHECK(handle_list({12, 3456}) == "12,3456");
  CHECK(parse_handle_list("12,3456", 2) == std::vector<std::uintptr_t>{12, 3456});
  CHECK(parse_handle_list("12,x", 2).empty());
  CHECK(parse_handle_list("12", 2).empty());
  CHECK(parse_handle_list("12,3,4", 2).empty());
}

TEST_CASE("bench on Windows: machine facts") {
  const MachineFacts m = read_machine();
  CHECK(m.cpus >= 1);
  CHECK(m.kernel.find("Windows") != std::string::npos);
  CHECK(m.clocksource.rfind("QueryPerformanceCounter", 0) == 0);
  if (const auto wine = win::wine_version()) {
    CHECK(m.kernel.rfind("Wine " + *wine, 0) == 0);
    CHECK(m.note.find("Wine's figures, not Windows'") != std::string::npos);
  } else {
    CHECK(m.note.empty());
  }
  const CpuTimes before = read_cpu_times();
  for (const std::uint64_t until = monotonic_ns() + 50'000'000; monotonic_ns() < until;) {
  }
  const CpuTimes after = read_cpu_times();
  CHECK(after.total > before.total);
  CHECK(after.idle >= before.idle);
}

TEST_CASE("bench on Windows: the table of mechanisms") {
  std::vector<std::string> names;
  for (const auto& t : all_transports()) names.emplace_back(t.name);
  CHECK(names == std::vector<std::string>{"anon-pipe", "named-pipe", "named-pipe-msg", "section-event", "section-spin", "tcp",
                                          "udp", "unix", "mailslot"});
  REQUIRE(find_transport("mailslot") != nullptr);
  CHECK_FALSE(find_transport("mailslot")->no_latency.empty());
  CHECK_FALSE(find_transport("section-spin")->blocking);
  CHECK(find_transport("udp")->lossy);
  CHECK(find_transport("pipe") == nullptr);  // Linux's
  for (const auto& t : all_transports()) {
    auto transport = t.make();
    CHECK(transport->split().value() == nullptr);  // no threads mode: side b is a process
  }
}
