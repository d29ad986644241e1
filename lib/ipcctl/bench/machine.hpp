#pragma once
// The facts a benchmark result is meaningless without: what CPU, how many,
// which kernel, clocksource and cpuidle governor, and how busy the machine was.
// Parsers take text (tests feed captured files); read_machine() reads /proc and
// /sys (machine_linux.cpp), or asks Windows (machine_windows.cpp).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ipcctl::bench {

struct CpuTimes {
  std::uint64_t total = 0, idle = 0, steal = 0;  // jiffies summed over all CPUs
};

struct MachineFacts {
  std::string cpu_model;         // "AMD EPYC"
  int cpus = 0;                  // online
  std::string kernel;            // uname -r
  std::string clocksource;       // "tsc", "kvm-clock"
  std::string cpuidle_governor;  // "haltpoll", "menu"; "" when there is no cpuidle
  std::string cpuidle_driver;
  bool hypervisor = false;       // the CPU flags say we run under one
  double load1 = 0, load5 = 0, load15 = 0;  // before the run
  double steal_pct = 0;          // of all CPU time during the run
  double busy_pct = 0;           // non-idle share of all CPU time during the run (ipcbench's own included)
  std::vector<std::string> noise;  // why the run is flagged noisy; empty: quiet
  std::string note;              // what else the figures need said ("measured under Wine"); "" for none
};

// "model name" of the first processor in /proc/cpuinfo; "" when absent.
std::string parse_cpu_model(std::string_view cpuinfo);
bool parse_hypervisor(std::string_view cpuinfo);
// The aggregate "cpu" line of /proc/stat.
CpuTimes parse_cpu_times(std::string_view stat);
// /proc/loadavg: the three averages; false on junk.
bool parse_loadavg(std::string_view text, double& l1, double& l5, double& l15);

// Reads everything but the during-run figures.
MachineFacts read_machine();
CpuTimes read_cpu_times();
// Fills steal_pct and busy_pct from two samples, and the noise verdict: a load
// average of 0.5 or more before the run, 1% or more steal time, or CPUs busier
// than the two processes ipcbench runs at a time can explain.
void judge_noise(MachineFacts& m, const CpuTimes& before, const CpuTimes& after);

} // namespace ipcctl::bench
