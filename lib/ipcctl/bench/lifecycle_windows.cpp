// lifecycle.hpp on Windows. Nothing a Windows mechanism makes outlives its
// handles but the AF_UNIX socket's file, which is tracked here like Linux's
// FIFOs; side b watches side a's process and ends with it (partner_windows.cpp),
// so no keeper is needed. The watchdog is a thread: when the run's time is up,
// or side b's process ends mid-run, it sets the abort flag and abort_event()
// (side a's waits include it) and ends side b, which breaks the channel under
// a blocked read or write, as SIGALRM's EINTR does on Linux.
#include <ipcctl/bench/lifecycle.hpp>

#include <ipcctl/bench/win.hpp>

// clang-format off: winsock2 before windows.h
#include <winsock2.h>
#include <windows.h>
// clang-format on

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace ipcctl::bench {

namespace {

constexpr int k_slots = 16;
constexpr std::size_t k_path_max = 260;

struct PathSlot {
  std::atomic<bool> used{false};
  bool is_dir = false;
  char path[k_path_max] = {};
};
PathSlot g_paths[k_slots];

std::atomic<int> g_aborted{0};  // 1: the watchdog fired; 2: side b ended
std::atomic<void*> g_child{nullptr};
std::thread g_watchdog;
HANDLE g_disarm = nullptr;

void end_child() {
  if (void* child = g_child.load()) ::TerminateProcess(child, 9);
}

BOOL WINAPI on_console_event(DWORD) {
  end_child();
  remove_tracked();
  return FALSE;  // and the default handler ends ipcbench
}

} // namespace

void track_sysv(SysvKind, int) { std::abort(); }  // no SysV objects on Windows
void forget_sysv(int) {}

void track_path(const char* path, bool is_dir) {
  for (auto& p : g_paths) {
    if (p.used.load()) continue;
    std::strncpy(p.path, path, k_path_max - 1);
    p.is_dir = is_dir;
    p.used.store(true);
    return;
  }
  std::abort();
}

void forget_path(const char* path) {
  for (auto& p : g_paths)
    if (p.used.load() && std::strcmp(p.path, path) == 0) p.used.store(false);
}

void remove_tracked() {
  for (int i = k_slots - 1; i >= 0; --i) {
    auto& p = g_paths[i];
    if (!p.used.exchange(false)) continue;
    if (p.is_dir)
      ::RemoveDirectoryA(p.path);
    else
      ::DeleteFileA(p.path);
  }
}

void start_keeper() {}

void install_exit_handlers() {
  ::SetConsoleCtrlHandler(on_console_event, TRUE);
  start_winsock();
  abort_event();  // made now, not first in a hurry
}

void set_child(pid_t pid) {
  if (void* old = g_child.exchange(nullptr)) ::CloseHandle(old);
  if (pid > 0)
    g_child.store(::OpenProcess(SYNCHRONIZE | PROCESS_TERMINATE, FALSE, static_cast<DWORD>(pid)));
}

bool child_follow_parent(pid_t) { return true; }

void arm_watchdog(double seconds) {
  disarm_watchdog();
  g_aborted = 0;
  ::ResetEvent(abort_event());
  if (g_disarm == nullptr) g_disarm = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
  ::ResetEvent(g_disarm);
  const double bounded = seconds > 0.001 ? std::min(seconds, 4e6) : 0.001;  // and NaN: at once
  const auto ms = static_cast<DWORD>(bounded * 1000);
  g_watchdog = std::thread([ms] {
    HANDLE waits[2] = {g_disarm, g_child.load()};
    const DWORD n = waits[1] != nullptr ? 2 : 1;
    const DWORD r = ::WaitForMultipleObjects(n, waits, FALSE, ms);
    if (r == WAIT_OBJECT_0) return;  // disarmed
    int none = 0;
    g_aborted.compare_exchange_strong(none, r == WAIT_OBJECT_0 + 1 ? 2 : 1);
    ::SetEvent(abort_event());
    end_child();
  });
}

void disarm_watchdog() {
  if (!g_watchdog.joinable()) return;
  ::SetEvent(g_disarm);
  g_watchdog.join();
}

// Side b's failure ends its process at once (partner_windows.cpp), which the
// watchdog sees.
void report_failure(pid_t) {}

bool aborted() { return g_aborted.load() != 0; }
bool partner_ended() { return g_aborted.load() == 2; }
void clear_aborted() {
  g_aborted = 0;
  ::ResetEvent(abort_event());
}

} // namespace ipcctl::bench
