// Two runs of the same benchmark differ most through things outside it: other
// load, steal time on a virtual machine, the cpuidle governor (haltpoll makes a
// cross-core wake-up cost tens of microseconds). They are recorded with every
// report, and a run that was disturbed says so instead of posting clean-looking numbers.
// This file parses and judges; machine_linux.cpp and machine_windows.cpp read.
#include <ipcctl/bench/machine.hpp>

#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <cstdlib>

namespace ipcctl::bench {

std::string parse_cpu_model(std::string_view cpuinfo) {
  std::string model;
  for_each_line(cpuinfo, [&](std::string_view line) {
    if (!model.empty() || !starts_with(line, "model name")) return;
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) model = std::string(trim(line.substr(colon + 1)));
  });
  return model;
}

bool parse_hypervisor(std::string_view cpuinfo) {
  bool found = false;
  for_each_line(cpuinfo, [&](std::string_view line) {
    if (found || !starts_with(line, "flags")) return;
    for (auto f : split_ws(line))
      if (f == "hypervisor") found = true;
  });
  return found;
}

CpuTimes parse_cpu_times(std::string_view stat) {
  CpuTimes t;
  for_each_line(stat, [&](std::string_view line) {
    const auto f = split_ws(line);
    if (f.empty() || f[0] != "cpu" || t.total != 0) return;
    // cpu user nice system idle iowait irq softirq steal guest guest_nice
    for (std::size_t i = 1; i < f.size() && i <= 8; ++i) {
      const std::uint64_t v = to_u64(f[i]).value_or(0);
      t.total += v;
      if (i == 4 || i == 5) t.idle += v;
      if (i == 8) t.steal = v;
    }
  });
  return t;
}

bool parse_loadavg(std::string_view text, double& l1, double& l5, double& l15) {
  const auto f = split_ws(text);
  if (f.size() < 3) return false;
  double* out[] = {&l1, &l5, &l15};
  for (int i = 0; i < 3; ++i) {
    const std::string word(f[static_cast<std::size_t>(i)]);
    char* end = nullptr;
    *out[i] = std::strtod(word.c_str(), &end);
    if (end == word.c_str() || *end != '\0') return false;
  }
  return true;
}

void judge_noise(MachineFacts& m, const CpuTimes& before, const CpuTimes& after) {
  const double total = static_cast<double>(after.total - before.total);
  if (total > 0) {
    m.steal_pct = 100.0 * static_cast<double>(after.steal - before.steal) / total;
    m.busy_pct = 100.0 * (1.0 - static_cast<double>(after.idle - before.idle) / total);
  }
  m.noise.clear();
  if (m.load1 >= 0.5) m.noise.push_back(fmt::format("load average {:.2f} before the run", m.load1));
  if (m.steal_pct >= 1.0) m.noise.push_back(fmt::format("{:.1f}% steal time during the run", m.steal_pct));
  // Two processes, at most one busy CPU's worth each; more is someone else.
  const double ours = m.cpus > 0 ? 100.0 * 2.0 / m.cpus : 100.0;
  if (m.cpus > 2 && m.busy_pct > ours + 10.0)
    m.noise.push_back(fmt::format("CPUs {:.0f}% busy during the run, more than ipcbench accounts for", m.busy_pct));
}

} // namespace ipcctl::bench
