// Linux's machine facts: /proc/cpuinfo, /proc/loadavg, /proc/stat, uname and
// the clocksource and cpuidle files of /sys.
#include <ipcctl/bench/machine.hpp>

#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <sys/utsname.h>
#include <unistd.h>

namespace ipcctl::bench {

namespace {

std::string first_line(const char* path) {
  auto text = read_file(path);
  if (!text) return {};
  return std::string(trim(std::string_view(*text).substr(0, text->find('\n'))));
}

} // namespace

MachineFacts read_machine() {
  MachineFacts m;
  if (auto cpuinfo = read_file("/proc/cpuinfo")) {
    m.cpu_model = parse_cpu_model(*cpuinfo);
    m.hypervisor = parse_hypervisor(*cpuinfo);
  }
  m.cpus = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  utsname u{};
  if (::uname(&u) == 0) m.kernel = u.release;
  m.clocksource = first_line("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  m.cpuidle_governor = first_line("/sys/devices/system/cpu/cpuidle/current_governor");
  if (m.cpuidle_governor.empty()) m.cpuidle_governor = first_line("/sys/devices/system/cpu/cpuidle/current_governor_ro");
  m.cpuidle_driver = first_line("/sys/devices/system/cpu/cpuidle/current_driver");
  if (auto load = read_file("/proc/loadavg")) parse_loadavg(*load, m.load1, m.load5, m.load15);
  return m;
}

CpuTimes read_cpu_times() {
  auto stat = read_file("/proc/stat");
  return stat ? parse_cpu_times(*stat) : CpuTimes{};
}

} // namespace ipcctl::bench
