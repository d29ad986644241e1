// churn_trace: a workload whose processes and threads end in the middle of
// a system call, for tests/reliability/trace-churn.sh. Each round forks a
// child that blocks (read on a pipe, msgrcv, semop, accept, or several
// threads each blocked in one of those) and is then ended at a random
// moment: SIGKILL from the parent, or exit_group from one of its own
// threads while the others are still blocked. Some children also leave a
// thread that exits on its own first. The parent removes every object it
// created and exits with STATUS; killed, its janitor removes them
// (tests/helpers/janitor.hpp).
//   churn_trace SEED STATUS [ROUNDS]
// The seed makes a run repeatable; the test kills processes from outside
// too, so the workload never waits for a child without a bound.
#include "../helpers/janitor.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

// LeakSanitizer stops the world with ptrace, which fails in a traced process.
extern "C" int __lsan_is_turned_off() { return 1; }

namespace {

std::uint64_t g_rand = 1;

unsigned next_rand(unsigned bound) {
  g_rand = g_rand * 6364136223846793005ULL + 1442695040888963407ULL;
  return static_cast<unsigned>((g_rand >> 33) % bound);
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "churn_trace: %s: %s\n", what, std::strerror(errno));
  std::exit(99);
}

void sleep_us(long us) {
  timespec ts{us / 1000000, (us % 1000000) * 1000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// The objects one round blocks on, created by the parent before the fork so
// that it can remove them whatever happens to the child.
struct Channels {
  int pipe_fd[2] = {-1, -1};
  int msq = -1;
  int sem = -1;
  int listener = -1;
};

Channels open_channels() {
  Channels c;
  if (::pipe(c.pipe_fd) != 0) die("pipe");
  // Keyed, the key journalled first: the test may SIGKILL this process
  // between msgget's return and any line it could write after.
  c.msq = janitor::keyed("msg", [](key_t k) { return ::msgget(k, IPC_CREAT | IPC_EXCL | 0600); });
  if (c.msq < 0) die("msgget");
  c.sem = janitor::keyed("sem", [](key_t k) { return ::semget(k, 1, IPC_CREAT | IPC_EXCL | 0600); });
  if (c.sem < 0) die("semget");
  c.listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c.listener < 0) die("socket");
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  // Abstract: nothing to unlink when the process is killed.
  const int n = std::snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "churn-trace-%d-%u", ::getpid(), next_rand(1u << 30));
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + static_cast<std::size_t>(n));
  if (::bind(c.listener, reinterpret_cast<sockaddr*>(&a), len) != 0) die("bind");
  if (::listen(c.listener, 1) != 0) die("listen");
  return c;
}

void close_channels(Channels& c) {
  ::close(c.pipe_fd[0]);
  ::close(c.pipe_fd[1]);
  ::close(c.listener);
  ::msgctl(c.msq, IPC_RMID, nullptr);
  ::semctl(c.sem, 0, IPC_RMID);
}

enum class Block { pipe_read, msgrcv, semop, accept, count };

// Blocks in one call until the process ends; returns if the call fails
// (the object was removed), which ends the thread or process normally.
void block_in(const Channels& c, Block b) {
  switch (b) {
  case Block::pipe_read: {
    char buf[64];
    (void)!::read(c.pipe_fd[0], buf, sizeof buf);
    break;
  }
  case Block::msgrcv: {
    struct {
      long mtype;
      char text[64];
    } m{};
    (void)::msgrcv(c.msq, &m, sizeof m.text, 0, 0);
    break;
  }
  case Block::semop: {
    sembuf op{0, -1, 0};
    (void)::semop(c.sem, &op, 1);
    break;
  }
  case Block::accept: (void)::accept(c.listener, nullptr, nullptr); break;
  case Block::count: break;
  }
}

struct ThreadArg {
  const Channels* c;
  Block b;
};

void* blocked_thread(void* p) {
  const auto* arg = static_cast<const ThreadArg*>(p);
  block_in(*arg->c, arg->b);
  return nullptr;
}

void* short_thread(void*) {
  sleep_us(200);
  return nullptr;  // ends on its own while the others are blocked
}

// The child: some threads blocked in calls, perhaps one that exits first,
// then the main thread blocks too, or ends the whole process (exit_group)
// under the blocked threads.
[[noreturn]] void child(const Channels& c, unsigned threads, bool exit_under, pid_t parent) {
  janitor::forget();
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the parent may be killed from outside
  // ... even before that prctl: a traced child starts stopped, a wide window.
  // It would then block for ever, holding both ends of its pipe, and keep
  // the trace running, as it would keep strace -f.
  if (::getppid() != parent) ::_exit(0);
  static ThreadArg args[4];
  for (unsigned i = 0; i < threads && i < 4; ++i) {
    args[i] = {&c, static_cast<Block>(next_rand(static_cast<unsigned>(Block::count)))};
    pthread_t t;
    if (::pthread_create(&t, nullptr, blocked_thread, &args[i]) != 0) die("pthread_create");
    ::pthread_detach(t);
  }
  if (next_rand(2) == 0) {
    pthread_t t;
    if (::pthread_create(&t, nullptr, short_thread, nullptr) == 0) ::pthread_detach(t);
  }
  if (exit_under) {
    sleep_us(next_rand(3000));
    ::_exit(0);  // exit_group: every blocked thread dies inside its call
  }
  block_in(c, static_cast<Block>(next_rand(static_cast<unsigned>(Block::count))));
  ::_exit(0);
}

// Waits up to 2 s for the child; SIGKILLs it if it is still there.
void reap(pid_t pid) {
  for (int i = 0; i < 2000; ++i) {
    const pid_t r = ::waitpid(pid, nullptr, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return;
    sleep_us(1000);
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

void one_round() {
  Channels c = open_channels();
  const unsigned threads = next_rand(4);
  const bool exit_under = threads > 0 && next_rand(3) == 0;
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) die("fork");
  if (pid == 0) child(c, threads, exit_under, parent);
  if (!exit_under) {
    // Sometimes before the child even blocks; sometimes long enough for the
    // test to strike first from outside.
    sleep_us(next_rand(2) ? next_rand(5000) : 20000 + next_rand(20000));
    ::kill(pid, SIGKILL);
  }
  reap(pid);
  close_channels(c);
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: churn_trace SEED STATUS [ROUNDS]\n");
    return 2;
  }
  g_rand = std::strtoull(argv[1], nullptr, 10) * 2654435761ULL + 1;
  const int status = std::atoi(argv[2]);
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 4;
  ::signal(SIGPIPE, SIG_IGN);
  janitor::start();  // the test SIGKILLs this process too: its queues and sets must still go
  for (int i = 0; i < rounds; ++i) one_round();
  janitor::done();
  return status;
}
