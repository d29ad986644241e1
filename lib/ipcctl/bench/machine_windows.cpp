// Windows' machine facts: the processor's name from the registry, the
// version (and Wine's, whose figures are Wine's and say so), the
// performance counter's rate, CPUID's hypervisor bit, and the CPU times of
// GetSystemTimes. Windows has no load average: it stays 0.
#include <ipcctl/bench/machine.hpp>

#include <ipcctl/windows/nt.hpp>

#include <fmt/format.h>

// clang-format off: winsock2 before windows.h
#include <winsock2.h>
#include <windows.h>
// clang-format on

#include <cpuid.h>

namespace ipcctl::bench {

namespace {

std::string processor_name() {
  char buf[256] = {};
  DWORD size = sizeof buf;
  if (::RegGetValueA(HKEY_LOCAL_MACHINE, "HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0", "ProcessorNameString",
                     RRF_RT_REG_SZ, nullptr, buf, &size) != ERROR_SUCCESS)
    return {};
  std::string name(buf);
  while (!name.empty() && name.back() == ' ') name.pop_back();
  return name;
}

std::string windows_version() {
  using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);
  OSVERSIONINFOW v{};
  v.dwOSVersionInfoSize = sizeof v;
  const auto fn = reinterpret_cast<RtlGetVersionFn>(
      reinterpret_cast<void*>(::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), "RtlGetVersion")));
  if (fn == nullptr || fn(&v) != 0) return "Windows";
  return fmt::format("Windows {}.{}.{}", v.dwMajorVersion, v.dwMinorVersion, v.dwBuildNumber);
}

std::uint64_t ticks(const FILETIME& t) { return (std::uint64_t{t.dwHighDateTime} << 32) | t.dwLowDateTime; }

} // namespace

MachineFacts read_machine() {
  MachineFacts m;
  m.cpu_model = processor_name();
  SYSTEM_INFO sys;
  ::GetSystemInfo(&sys);
  m.cpus = static_cast<int>(sys.dwNumberOfProcessors);
  m.kernel = windows_version();
  if (const auto wine = win::wine_version()) {
    m.kernel = fmt::format("Wine {} ({})", *wine, m.kernel);
    m.note = fmt::format("measured under Wine {}: these are Wine's figures, not Windows'", *wine);
  }
  LARGE_INTEGER freq;
  ::QueryPerformanceFrequency(&freq);
  m.clocksource = fmt::format("QueryPerformanceCounter {:.3f} MHz", static_cast<double>(freq.QuadPart) / 1e6);
  unsigned a = 0, b = 0, c = 0, d = 0;
  m.hypervisor = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 31));
  return m;
}

CpuTimes read_cpu_times() {
  FILETIME idle, kernel, user;
  if (!::GetSystemTimes(&idle, &kernel, &user)) return {};
  CpuTimes t;
  t.idle = ticks(idle);
  t.total = ticks(kernel) + ticks(user);  // kernel time includes idle time
  return t;
}

} // namespace ipcctl::bench
