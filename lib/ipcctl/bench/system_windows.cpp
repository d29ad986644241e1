// Windows' side of system.hpp: QueryPerformanceCounter, CPUID's invariant TSC
// bit, Sleep and SetThreadAffinityMask; and win.hpp's shared helpers.
#include <ipcctl/bench/clock.hpp>
#include <ipcctl/bench/runner.hpp>
#include <ipcctl/bench/spin.hpp>
#include <ipcctl/bench/system.hpp>
#include <ipcctl/bench/win.hpp>

#include <ipcctl/util/parse.hpp>
#include <ipcctl/windows/nt.hpp>

#include <fmt/format.h>

// clang-format off: winsock2 before windows.h
#include <winsock2.h>
#include <windows.h>
// clang-format on

#include <cpuid.h>

#include <mutex>

namespace ipcctl::bench {

namespace {

std::uint64_t qpc_frequency() {
  static const std::uint64_t freq = [] {
    LARGE_INTEGER f;
    ::QueryPerformanceFrequency(&f);
    return static_cast<std::uint64_t>(f.QuadPart);
  }();
  return freq;
}

} // namespace

std::uint64_t monotonic_ns() {
  LARGE_INTEGER t;
  ::QueryPerformanceCounter(&t);
  const auto ticks = static_cast<std::uint64_t>(t.QuadPart), freq = qpc_frequency();
  // Whole seconds, then the rest: no overflow for centuries of uptime.
  return ticks / freq * 1'000'000'000u + ticks % freq * 1'000'000'000u / freq;
}

std::string_view monotonic_name() { return "QueryPerformanceCounter"; }

bool tsc_is_invariant() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8));
}

void yield_cpu() { ::SwitchToThread(); }

void sleep_ns(std::uint64_t ns) { ::Sleep(static_cast<DWORD>(ns / 1'000'000u)); }

Result<void> pin_thread(int cpu) {
  if (cpu < 0) return {};
  if (cpu >= 64 || ::SetThreadAffinityMask(::GetCurrentThread(), DWORD_PTR{1} << cpu) == 0)
    return fail(last_error("SetThreadAffinityMask", fmt::format("cpu {}", cpu)));
  return {};
}

AffinityScope::AffinityScope() {
  DWORD_PTR process = 0, system = 0;
  if (!::GetProcessAffinityMask(::GetCurrentProcess(), &process, &system)) return;
  // A thread's mask cannot be read, only swapped: it is the process's until pinned.
  m_mask[0] = process;
  m_saved = true;
}

AffinityScope::~AffinityScope() {
  if (m_saved) ::SetThreadAffinityMask(::GetCurrentThread(), static_cast<DWORD_PTR>(m_mask[0]));
}

std::vector<int> usable_cpus() {
  std::vector<int> out;
  DWORD_PTR process = 0, system = 0;
  if (!::GetProcessAffinityMask(::GetCurrentProcess(), &process, &system)) return out;
  for (int c = 0; c < 64; ++c)
    if (process & (DWORD_PTR{1} << c)) out.push_back(c);
  return out;
}

Error last_error(std::string op, std::string subject) {
  return win::win_error(::GetLastError(), std::move(op), std::move(subject));
}

Error socket_error(std::string_view op, std::string_view what) {
  const auto code = static_cast<unsigned long>(::WSAGetLastError());
  return win::win_error(code, what.empty() ? std::string(op) : fmt::format("{}({})", op, what), "socket");
}

void* abort_event() {
  static void* const event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
  return event;
}

std::string handle_list(const std::vector<std::uintptr_t>& handles) {
  std::string out;
  for (const auto h : handles) out += fmt::format("{}{}", out.empty() ? "" : ",", h);
  return out;
}

std::vector<std::uintptr_t> parse_handle_list(std::string_view text, std::size_t count) {
  std::vector<std::uintptr_t> out;
  for (const auto word : split_commas(text)) {
    const auto n = to_u64(word);
    if (!n) return {};
    out.push_back(static_cast<std::uintptr_t>(*n));
  }
  if (out.size() != count) return {};
  return out;
}

void start_winsock() {
  static std::once_flag once;
  std::call_once(once, [] {
    WSADATA wsa;
    ::WSAStartup(MAKEWORD(2, 2), &wsa);
  });
}

} // namespace ipcctl::bench
