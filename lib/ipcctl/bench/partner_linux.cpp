// Side b on Linux: a forked process, which inherits the set-up channel, or
// with --threads a thread of side a's process. The control pipe carries its
// 'R' and its report; a second pipe, the release pipe, holds a forked side b
// until side a lets it go (by closing it, or by dying): side a removes the
// channel's SysV objects first, so there is no moment in which side b is gone
// while they remain for a SIGKILL of side a to strand.
#include <ipcctl/bench/partner.hpp>

#include <ipcctl/bench/lifecycle.hpp>
#include <ipcctl/util/fd.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

namespace ipcctl::bench {

static_assert(sizeof(ChildReport) < PIPE_BUF, "one atomic write");

bool write_control(ControlEnd ctl, const void* data, std::size_t size) {
  return ::write(static_cast<int>(ctl), data, size) == static_cast<ssize_t>(size);
}

namespace {

int g_release = -1;

[[noreturn]] void child_exit(int code) {
  char c;
  while (::read(g_release, &c, 1) < 0 && errno == EINTR) {
  }
  ::_exit(code);
}

// Side b as a thread (--threads).
struct ThreadSide {
  Transport* transport;
  const RunSpec* spec;
  std::size_t size;
  const Clock* clock;
  int ctl;
  pid_t process;
};

void* thread_main(void* arg) {
  const auto& s = *static_cast<ThreadSide*>(arg);
  run_side_b(*s.transport, *s.spec, s.size, *s.clock, s.ctl, s.process);
  return nullptr;
}

// Waits for side b's thread to end. When the run failed, side b may be
// blocked on a channel that side a no longer serves: SIGALRM, whose handler
// raises the abort flag, is sent to it until it has returned.
void join_thread(pthread_t thread, bool failed) {
  for (;;) {
    timespec until{};
    ::clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += 10'000'000;
    if (until.tv_nsec >= 1'000'000'000) {
      until.tv_nsec -= 1'000'000'000;
      ++until.tv_sec;
    }
    if (::pthread_clockjoin_np(thread, nullptr, CLOCK_MONOTONIC, &until) == 0) return;
    if (failed || aborted()) ::pthread_kill(thread, SIGALRM);
  }
}

// Reads exactly `size` bytes from the control pipe within `timeout_ms`.
bool read_ctl(int fd, void* out, std::size_t size, int timeout_ms) {
  auto* p = static_cast<char*>(out);
  while (size > 0) {
    pollfd pfd{fd, POLLIN, 0};
    const int r = ::poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno == EINTR && !aborted()) continue;
    if (r <= 0) return false;
    const ssize_t n = ::read(fd, p, size);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Whether the child has ended, or does within `ms`; it is left to reap.
bool child_ended_within(pid_t pid, int ms) {
  for (int waited = 0;; waited += 5) {
    siginfo_t si{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid) return true;
    if (waited >= ms) return false;
    ::usleep(5000);
  }
}

// Waits for the child for up to `ms`, then kills it; returns its wait status.
int reap(pid_t pid, int ms) {
  int status = 0;
  for (int waited = 0;; waited += 5) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return status;
    if (waited >= ms) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return status;
    }
    const timespec ts{0, 5'000'000};
    ::nanosleep(&ts, nullptr);
  }
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

class LinuxPartner : public Partner {
public:
  LinuxPartner(pid_t pid, pthread_t thread, bool threads, pid_t parent, UniqueFd ctl_read, UniqueFd ctl_write,
               UniqueFd release_write, std::unique_ptr<ThreadSide> side)
      : m_pid(pid), m_thread(thread), m_threads(threads), m_parent(parent), m_ctl_read(std::move(ctl_read)),
        m_ctl_write(std::move(ctl_write)), m_release_write(std::move(release_write)), m_side(std::move(side)) {}

  pid_t peer() const override { return m_threads ? m_parent : m_pid; }
  bool read(void* out, std::size_t size, int timeout_ms) override {
    return read_ctl(m_ctl_read.get(), out, size, timeout_ms);
  }
  bool readable(int ms) override {
    pollfd pfd{m_ctl_read.get(), POLLIN, 0};
    return ::poll(&pfd, 1, ms) > 0;
  }
  bool ended_within(int ms) override { return !m_threads && child_ended_within(m_pid, ms); }
  std::string how_ended() override {
    return m_threads ? std::string("a thread: no exit status") : describe_exit(reap(m_pid, 100));
  }
  std::string end(bool failed, std::unique_ptr<Transport>& a, std::unique_ptr<Transport>& b) override {
    if (m_threads) {
      // Side b's thread may still use the channel (a shared mapping, say), so it
      // ends before either transport goes.
      join_thread(m_thread, failed);
      disarm_watchdog();  // the beat a failing side b may have started after side a disarmed
      b.reset();
      a.reset();
      return {};
    }
    a.reset();                     // SysV objects go while side b still waits...
    m_release_write = UniqueFd{};  // ...and only then may it exit
    const int status = reap(m_pid, failed ? 0 : 2000);
    set_child(0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    return describe_exit(status);
  }

private:
  pid_t m_pid;
  pthread_t m_thread;
  bool m_threads;
  pid_t m_parent;
  UniqueFd m_ctl_read, m_ctl_write;  // m_ctl_write: a thread's end, closed once it has ended
  UniqueFd m_release_write;
  std::unique_ptr<ThreadSide> m_side;
};

} // namespace

Result<std::unique_ptr<Partner>> start_partner(Transport& t, Transport* b, const RunSpec& run, std::size_t size,
                                               const Clock& clock) {
  int ctl[2], release[2];
  if (::pipe2(ctl, O_CLOEXEC) != 0) return fail(sys_error("pipe2", "control"));
  if (::pipe2(release, O_CLOEXEC) != 0) {
    const Error e = sys_error("pipe2", "release");
    ::close(ctl[0]);
    ::close(ctl[1]);
    return fail(e);
  }
  const pid_t parent = ::getpid();
  pid_t pid = 0;  // side b's process, when it is one
  pthread_t thread{};
  auto side = std::make_unique<ThreadSide>(ThreadSide{b, &run, size, &clock, ctl[1], parent});
  if (run.threads) {
    if (const int e = ::pthread_create(&thread, nullptr, thread_main, side.get()); e != 0) {
      for (int fd : {ctl[0], ctl[1], release[0], release[1]}) ::close(fd);
      return fail(Error{e, "pthread_create", "side b"});
    }
  } else {
    pid = ::fork();
    if (pid < 0) {
      const Error e = sys_error("fork", "side b");
      for (int fd : {ctl[0], ctl[1], release[0], release[1]}) ::close(fd);
      return fail(e);
    }
  }
  if (!run.threads && pid == 0) {
    ::close(ctl[0]);
    ::close(release[1]);
    g_release = release[0];
    if (!child_follow_parent(parent)) {
      remove_tracked();  // the parent died before PR_SET_PDEATHSIG (the keeper, if any, would too)
      ::_exit(1);
    }
    // Side b never returns into the caller's code.
    child_exit(run_side_b(t, run, size, clock, ctl[1], parent) ? 0 : 1);
  }
  set_child(pid);
  UniqueFd ctl_write{ctl[1]};  // side b's end: closed here now, or after its thread has ended
  if (!run.threads) ctl_write = UniqueFd{};
  ::close(release[0]);
  return std::unique_ptr<Partner>(std::make_unique<LinuxPartner>(pid, thread, run.threads, parent, UniqueFd{ctl[0]},
                                                                 std::move(ctl_write), UniqueFd{release[1]},
                                                                 std::move(side)));
}

// A forked side b never comes back through main().
std::optional<int> run_side_b_process(int, char**) { return std::nullopt; }

} // namespace ipcctl::bench
