// churn: keeps the machine's IPC changing while ipcctl reads it, as
// production does. For SECONDS it forks, over and over, short-lived
// processes that each create one object of a random kind (SysV queue,
// segment or semaphore set, POSIX queue, memory or semaphore, FIFO, pipe,
// socket pair, eventfd, memfd, flock), hold it for a random while, and then
// either clean up, exit without cleaning up, or are killed mid-way.
//
//   churn SECONDS [PARALLEL]
//
// Names and keys come from this process's own range (/ipcchurn-PID-N, keys
// 0x63680000 + ...), so that whatever a killed child left behind is
// removed at the end (also on SIGTERM or SIGINT); nothing of the
// machine's is touched. Prints "children=N" when done.
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace {

volatile sig_atomic_t g_stop = 0;

constexpr int k_kinds = 12;
constexpr int k_slots = 4096;  // names and keys per run

std::string name_of(pid_t parent, int slot) { return "/ipcchurn-" + std::to_string(parent) + "-" + std::to_string(slot); }

// The child's life: make, hold, and end one of three ways.
[[noreturn]] void child(pid_t parent, int slot, unsigned seed, const std::string& dir) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  std::mt19937 rng(seed);
  const int kind = static_cast<int>(rng() % k_kinds);
  const key_t key = static_cast<key_t>(0x63680000 + ((parent & 0xff) << 12) + slot);
  const std::string name = name_of(parent, slot);
  const std::string path = dir + "/churn-" + std::to_string(slot);
  int fds[2] = {-1, -1};
  switch (kind) {
  case 0: ::msgget(key, IPC_CREAT | 0600); break;
  case 1: {
    const int id = ::shmget(key, 4096, IPC_CREAT | 0600);
    if (id >= 0) ::shmat(id, nullptr, 0);
    break;
  }
  case 2: ::semget(key, 2, IPC_CREAT | 0600); break;
  case 3: ::mq_open(name.c_str(), O_CREAT | O_RDWR, 0600, nullptr); break;
  case 4: {
    const int fd = ::shm_open(name.c_str(), O_CREAT | O_RDWR, 0600);
    if (fd >= 0 && ::ftruncate(fd, 8192) == 0) ::mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    break;
  }
  case 5: ::sem_open(name.c_str(), O_CREAT, 0600, 1); break;
  case 6:
    if (::mkfifo(path.c_str(), 0600) == 0) ::open(path.c_str(), O_RDWR);
    break;
  case 7:
    if (const pid_t me = ::getpid(); ::pipe(fds) == 0 && ::fork() == 0) {  // a grandchild holds the other end
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != me) ::_exit(0);  // the child died before the line above
      ::pause();
      ::_exit(0);
    }
    break;
  case 8: ::socketpair(AF_UNIX, SOCK_STREAM, 0, fds); break;
  case 9: ::eventfd(1, 0); break;
  case 10: ::memfd_create("churn", 0); break;
  case 11: {
    const int fd = ::open(path.c_str(), O_CREAT | O_RDWR, 0600);
    if (fd >= 0) ::flock(fd, LOCK_EX);
    break;
  }
  }
  ::usleep(static_cast<useconds_t>(rng() % 50000));
  if (rng() % 3 == 0) ::_exit(0);  // leaves what it made: the parent cleans up at the end
  ::usleep(static_cast<useconds_t>(rng() % 50000));
  ::exit(0);
}

void clean_up(pid_t self, int slots, const std::string& dir) {
  for (int slot = 0; slot < slots; ++slot) {
    const key_t key = static_cast<key_t>(0x63680000 + ((self & 0xff) << 12) + slot);
    if (int id = ::msgget(key, 0); id >= 0) ::msgctl(id, IPC_RMID, nullptr);
    if (int id = ::shmget(key, 0, 0); id >= 0) ::shmctl(id, IPC_RMID, nullptr);
    if (int id = ::semget(key, 0, 0); id >= 0) ::semctl(id, 0, IPC_RMID);
    const std::string name = name_of(self, slot);
    ::mq_unlink(name.c_str());
    ::shm_unlink(name.c_str());
    ::sem_unlink(name.c_str());
    ::unlink((dir + "/churn-" + std::to_string(slot)).c_str());
  }
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: churn SECONDS DIR [PARALLEL]\n");
    return 2;
  }
  const double seconds = std::atof(argv[1]);
  const std::string dir = argv[2];
  const int parallel = argc > 3 ? std::atoi(argv[3]) : 8;
  const pid_t self = ::getpid();
  ::setpgid(0, 0);
  // SIGTERM and SIGINT end the run early, with the same clean-up.
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_stop = 1; };
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  std::mt19937 rng(static_cast<unsigned>(self));
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int running = 0, children = 0;
  while (!g_stop && std::chrono::steady_clock::now() < end) {
    while (!g_stop && running < parallel) {
      // Slots are reused: a child that finds its slot's object still there
      // (left by a killed one) opens it instead.
      const int slot = children % k_slots;
      const unsigned seed = static_cast<unsigned>(rng());
      const pid_t pid = ::fork();
      if (pid == 0) {
        ::signal(SIGTERM, SIG_DFL);
        ::signal(SIGINT, SIG_DFL);
        child(self, slot, seed, dir);
      }
      if (pid > 0) {
        ++running, ++children;
        if (rng() % 5 == 0) {  // killed mid-way, at a random moment
          ::usleep(static_cast<useconds_t>(rng() % 20000));
          ::kill(pid, SIGKILL);
        }
      }
    }
    if (::waitpid(-1, nullptr, 0) > 0) --running;
  }
  // Every process of the run is in its process group: none outlives it.
  ::signal(SIGTERM, SIG_IGN);
  ::kill(0, SIGTERM);
  while (::waitpid(-1, nullptr, 0) > 0) {}
  clean_up(self, std::min(children, k_slots), dir);
  std::printf("children=%d\n", children);
  return 0;
}
