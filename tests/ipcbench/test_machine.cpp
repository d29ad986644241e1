#include "support.hpp"

#include <ipcctl/bench/machine.hpp>
#include <ipcctl/bench/report.hpp>

#include <doctest/doctest.h>

using namespace ipcctl::bench;

TEST_CASE("bench::parse machine facts") {
  const std::string cpuinfo = test::bench_data("kvm-epyc/cpuinfo");
  CHECK(parse_cpu_model(cpuinfo) == "AMD EPYC");
  CHECK(parse_hypervisor(cpuinfo));
  CHECK_FALSE(parse_hypervisor(test::bench_data("cpuinfo-lookalike-flags")));
  CHECK(parse_cpu_model("") == "");

  const CpuTimes t = parse_cpu_times(test::bench_data("kvm-epyc/stat"));
  // cpu  1284764 0 133082 639331 1243 0 872 373 0 0
  CHECK(t.total == 1284764u + 133082 + 639331 + 1243 + 872 + 373);
  CHECK(t.idle == 639331u + 1243);
  CHECK(t.steal == 373u);

  double l1 = 0, l5 = 0, l15 = 0;
  CHECK(parse_loadavg(test::bench_data("kvm-epyc/loadavg"), l1, l5, l15));
  CHECK(l1 == doctest::Approx(4.08));
  CHECK(l15 == doctest::Approx(3.71));
  CHECK_FALSE(parse_loadavg("1.0 x", l1, l5, l15));
}

TEST_CASE("bench::judge_noise") {
  MachineFacts m;
  m.cpus = 8;
  m.load1 = 0.1;
  judge_noise(m, CpuTimes{1000, 800, 0}, CpuTimes{2000, 1600, 5});
  CHECK(m.noise.empty());
  CHECK(m.steal_pct == doctest::Approx(0.5));
  CHECK(m.busy_pct == doctest::Approx(20.0));
  m.load1 = 3.0;
  judge_noise(m, CpuTimes{1000, 800, 0}, CpuTimes{2000, 1000, 50});
  REQUIRE(m.noise.size() == 3);  // load, 5% steal, 80% busy on 8 CPUs
  CHECK(m.noise[1].find("steal") != std::string::npos);
}

TEST_CASE("bench::format_ns and format_count") {
  CHECK(format_ns(812) == "812ns");
  CHECK(format_ns(4370) == "4.37us");
  CHECK(format_ns(23700) == "23.7us");
  CHECK(format_ns(4.56e6) == "4.56ms");
  CHECK(format_count(1234567) == "1.23M");
  CHECK(format_count(999) == "999");
}
