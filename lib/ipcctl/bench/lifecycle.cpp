// ipcbench creates SysV queues and semaphore sets, which outlive every process
// unless removed, and briefly FIFOs in a private directory. POSIX queues and
// FIFOs are unlinked as soon as both ends are open, and shared memory is an
// anonymous mapping, so only these few need care: they sit in a fixed table
// that signal handlers can walk (no allocation, only system calls). The child
// dies with the parent through PR_SET_PDEATHSIG = SIGTERM, whose handler also
// walks the table: a SIGKILL of the parent still removes the SysV objects.
// Before a run's child exists (between a transport's setup and the fork, or
// during the fork) nothing would: the table lives in shared memory, and a
// keeper process forked at the start walks it once ipcbench is gone.
#include <ipcctl/bench/lifecycle.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

namespace ipcctl::bench {

namespace {

constexpr int k_slots = 16;
constexpr std::size_t k_path_max = 256;

struct SysvSlot {
  std::atomic<int> id{-1};
  SysvKind kind = SysvKind::msg;
};
struct PathSlot {
  std::atomic<bool> used{false};
  bool is_dir = false;
  char path[k_path_max] = {};
};

struct Table {
  SysvSlot sysv[k_slots];
  PathSlot paths[k_slots];
};
Table g_own_table;  // until start_keeper() moves it to shared memory
Table* g_table = &g_own_table;
std::atomic<pid_t> g_child{0};
volatile sig_atomic_t g_aborted = 0;
volatile sig_atomic_t g_measuring = 0;       // between arm_watchdog and disarm_watchdog
volatile sig_atomic_t g_partner_failed = 0;  // report_failure() came, until clear_aborted()
constexpr int k_failed_signal = SIGUSR1;     // side b to the measuring process: report_failure()

void on_exit_signal(int sig) {
  const int saved = errno;
  const pid_t child = g_child.load();
  if (child > 0) ::kill(child, SIGKILL);
  remove_tracked();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
  errno = saved;
}

void on_alarm(int) {
  if (g_aborted == 0) g_aborted = 1;
  const pid_t child = g_child.load();
  if (child > 0) ::kill(child, SIGKILL);
}

// Side b ended (killed from outside, say): the run is over now, not when the
// watchdog fires. The child stays a zombie (WNOWAIT) for the runner to reap.
// The signal may come between two calls, and the next would then block for
// ever on a partner that is gone: the watchdog's timer is set to beat every
// 10 ms, so that every blocking call fails with EINTR until the run ends.
// The run is over: every blocking call fails with EINTR from now on. A run
// the watchdog already stopped stays "timed out".
void end_run() {
  if (g_aborted == 0) g_aborted = 2;
  itimerval beat{{0, 10'000}, {0, 10'000}};
  ::setitimer(ITIMER_REAL, &beat, nullptr);
}

void on_child(int) {
  const int saved = errno;
  const pid_t child = g_child.load();
  siginfo_t si{};
  if (g_measuring && child > 0 && g_aborted == 0 && ::waitid(P_PID, static_cast<id_t>(child), &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
      si.si_pid == child)
    end_run();
  errno = saved;
}

// Side b failed and wrote its report (report_failure()). Also after the
// watchdog fired: its one SIGALRM may have gone to side b's thread, and side a
// needs the beat to leave a blocking call. Before the measurement starts it is
// remembered, and arm_watchdog() ends the run at once.
void on_partner_failed(int) {
  g_partner_failed = 1;
  if (g_measuring) end_run();
}

} // namespace

void track_sysv(SysvKind kind, int id) {
  for (auto& s : g_table->sysv) {
    int expected = -1;
    if (s.id.load() == -1) {
      s.kind = kind;
      if (s.id.compare_exchange_strong(expected, id)) return;
    }
  }
  std::abort();  // more than k_slots live objects: a leak in a transport
}

void forget_sysv(int id) {
  for (auto& s : g_table->sysv)
    if (s.id.load() == id) s.id.store(-1);
}

void track_path(const char* path, bool is_dir) {
  for (auto& p : g_table->paths) {
    if (p.used.load()) continue;
    std::strncpy(p.path, path, k_path_max - 1);
    p.is_dir = is_dir;
    p.used.store(true);
    return;
  }
  std::abort();
}

void forget_path(const char* path) {
  for (auto& p : g_table->paths)
    if (p.used.load() && std::strcmp(p.path, path) == 0) p.used.store(false);
}

void remove_tracked() {
  for (auto& s : g_table->sysv) {
    const int id = s.id.exchange(-1);
    if (id < 0) continue;
    if (s.kind == SysvKind::msg)
      ::msgctl(id, IPC_RMID, nullptr);
    else
      ::semctl(id, 0, IPC_RMID);
  }
  for (int i = k_slots - 1; i >= 0; --i) {  // files before the directory that holds them
    auto& p = g_table->paths[i];
    if (!p.used.exchange(false)) continue;
    if (p.is_dir)
      ::rmdir(p.path);
    else
      ::unlink(p.path);
  }
}

void install_exit_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_exit_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::sigaction(sig, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  struct sigaction alarm {};
  alarm.sa_handler = on_alarm;  // no SA_RESTART: blocked calls return EINTR
  sigemptyset(&alarm.sa_mask);
  ::sigaction(SIGALRM, &alarm, nullptr);
  struct sigaction failed {};
  failed.sa_handler = on_partner_failed;  // no SA_RESTART
  sigemptyset(&failed.sa_mask);
  ::sigaction(k_failed_signal, &failed, nullptr);
  struct sigaction child {};
  child.sa_handler = on_child;  // no SA_RESTART either
  child.sa_flags = SA_NOCLDSTOP;
  sigemptyset(&child.sa_mask);
  ::sigaction(SIGCHLD, &child, nullptr);
}

void start_keeper() {
  void* shared = ::mmap(nullptr, sizeof(Table), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) return;  // no keeper: side b still cleans up when it can
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    ::munmap(shared, sizeof(Table));
    return;
  }
  auto* table = new (shared) Table{};
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(p[0]);
    ::close(p[1]);
    ::munmap(shared, sizeof(Table));
    return;
  }
  if (pid == 0) {
    // Out of the terminal's process group (Ctrl-C is the measuring
    // process's to handle), holding none of its output.
    ::close(p[1]);
    ::setsid();
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd : {0, 1, 2}) ::dup2(null, fd);
    char c;
    // Every holder of the write end (ipcbench, and a side b that has not
    // died yet) gone: end of file.
    while (::read(p[0], &c, 1) != 0 && errno == EINTR) {
    }
    g_table = table;
    remove_tracked();
    ::_exit(0);
  }
  ::close(p[0]);
  g_table = table;  // p[1] stays open, unused, until ipcbench ends
}

void set_child(pid_t pid) { g_child.store(pid); }

bool child_follow_parent(pid_t parent) {
  g_child.store(0);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  return ::getppid() == parent;
}

void arm_watchdog(double seconds) {
  itimerval t{};
  const double bounded = seconds > 0.001 ? std::min(seconds, 1e9) : 0.001;  // and NaN: at once
  const auto us = static_cast<long long>(bounded * 1e6);
  t.it_value.tv_sec = us / 1'000'000;
  t.it_value.tv_usec = us % 1'000'000;
  g_aborted = 0;
  ::setitimer(ITIMER_REAL, &t, nullptr);
  g_measuring = 1;
  if (g_partner_failed) end_run();  // after the timer: the beat must not be overwritten
}

void disarm_watchdog() {
  g_measuring = 0;  // first: side b's exit at the end of a run is no death mid-run
  itimerval t{};
  ::setitimer(ITIMER_REAL, &t, nullptr);
}

void report_failure(pid_t measuring) { ::kill(measuring, k_failed_signal); }

bool aborted() { return g_aborted != 0; }
bool partner_ended() { return g_aborted == 2; }
void clear_aborted() {
  g_aborted = 0;
  g_partner_failed = 0;
}

} // namespace ipcctl::bench
