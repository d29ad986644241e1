// churn: keeps the machine's IPC changing while ipcctl reads it, as
// production does. For SECONDS it forks, over and over, short-lived
// processes that each create one object of a random kind (SysV queue,
// segment or semaphore set, POSIX queue, memory or semaphore, FIFO, pipe,
// socket pair, eventfd, memfd, flock, TCP listener with an accepted
// connection, UDP socket with a datagram queued, unix socket bound to a
// path, signalfd, POSIX and OFD record locks, a pending signal), hold it for
// a random while, and then either clean up, exit without cleaning up, or
// are killed mid-way.
//
//   churn SECONDS DIR [PARALLEL]
//
// Names and keys come from this process's own range (/ipcchurn-PID-N, keys
// 0x63680000 + ((PID & 0xff) << 12) + N, files DIR/churn-N), so that
// whatever a killed child left behind is removed at the end (also on
// SIGTERM or SIGINT); nothing of the machine's is touched. Socket files
// (DIR/sock-N) are the exception: a child that cleans up unlinks its own,
// and those of the others are left in DIR for the caller to find and
// remove, as sem_open's temporaries are.
//
// Prints, when done, "children=N clean=N unclean=N killed=N
// clean_kept_socket=N": the processes forked, how each ended (cleaned up,
// exited without cleaning up, killed), and how many that cleaned up left
// their socket file behind (0 unless the clean-up is broken).
#include <fcntl.h>
#include <mqueue.h>
#include <netinet/in.h>
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
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <unordered_map>

namespace {

volatile sig_atomic_t g_stop = 0;

constexpr int k_kinds = 19;
constexpr int k_unix_path = 14;  // the kind that binds DIR/sock-N
constexpr int k_slots = 4096;    // names and keys per run
constexpr int k_unclean = 3;     // exit status of a child that left its object

std::string name_of(pid_t parent, int slot) { return "/ipcchurn-" + std::to_string(parent) + "-" + std::to_string(slot); }
std::string socket_path(const std::string& dir, int slot) { return dir + "/sock-" + std::to_string(slot); }

// A socket bound to 127.0.0.1 on a port of the kernel's choice; its address
// in *sa. -1 when any step fails.
int bound_loopback(int type, sockaddr_in* sa) {
  const int fd = ::socket(AF_INET, type, 0);
  if (fd < 0) return -1;
  *sa = sockaddr_in{};
  sa->sin_family = AF_INET;
  sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof *sa;
  if (::bind(fd, reinterpret_cast<sockaddr*>(sa), sizeof *sa) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(sa), &len) != 0)
    return -1;
  return fd;
}

// A record lock on PATH: POSIX (F_SETLK, owned by the process) on the whole
// file, or OFD (F_OFD_SETLK, owned by the open file) on its first 100 bytes.
void record_lock(const std::string& path, int cmd, short type) {
  const int fd = ::open(path.c_str(), O_CREAT | O_RDWR, 0600);
  if (fd < 0) return;
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_len = cmd == F_OFD_SETLK ? 100 : 0;
  ::fcntl(fd, cmd, &fl);
}

// The child's life: make, hold, and end one of three ways.
[[noreturn]] void child(pid_t parent, int slot, int kind, unsigned seed, const std::string& dir) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  std::mt19937 rng(seed);
  const key_t key = static_cast<key_t>(0x63680000 + ((parent & 0xff) << 12) + slot);
  const std::string name = name_of(parent, slot);
  const std::string path = dir + "/churn-" + std::to_string(slot);
  const std::string sock = socket_path(dir, slot);
  int fds[2] = {-1, -1};
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
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
  case 12: {  // a listener, a client connected to it, and the accepted end
    sockaddr_in sa{};
    const int lfd = bound_loopback(SOCK_STREAM, &sa);
    if (lfd < 0 || ::listen(lfd, 4) != 0) break;
    const int cfd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (cfd >= 0 && ::connect(cfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
      ::send(cfd, "churn", 5, MSG_NOSIGNAL);
      ::accept(lfd, nullptr, nullptr);
    }
    break;
  }
  case 13: {  // a bound UDP socket with a datagram of its own queued
    sockaddr_in sa{};
    const int fd = bound_loopback(SOCK_DGRAM, &sa);
    if (fd >= 0) ::sendto(fd, "churn", 5, 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    break;
  }
  case k_unix_path: {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (sock.size() >= sizeof sa.sun_path) break;
    sock.copy(sa.sun_path, sock.size());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) break;
    // A socket file is still there when an earlier child of this slot
    // did not clean up: removed and bound again, as servers do.
    bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    if (!bound && errno == EADDRINUSE)
      bound = ::unlink(sock.c_str()) == 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    if (bound) ::listen(fd, 4);
    break;
  }
  case 15:
    ::sigprocmask(SIG_BLOCK, &usr1, nullptr);
    ::signalfd(-1, &usr1, 0);
    break;
  case 16: record_lock(path, F_SETLK, F_WRLCK); break;
  case 17: record_lock(path, F_OFD_SETLK, F_RDLCK); break;
  case 18:  // blocked, then sent: pending until the process ends
    ::sigprocmask(SIG_BLOCK, &usr1, nullptr);
    ::kill(::getpid(), SIGUSR1);
    break;
  }
  ::usleep(static_cast<useconds_t>(rng() % 50000));
  if (rng() % 3 == 0) ::_exit(k_unclean);  // leaves what it made: the parent cleans up at the end
  ::usleep(static_cast<useconds_t>(rng() % 50000));
  if (kind == k_unix_path) ::unlink(sock.c_str());
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
  int running = 0, children = 0, clean = 0, unclean = 0, killed = 0, clean_kept_socket = 0;
  std::unordered_map<pid_t, int> unix_path_slots;  // children binding a socket file: their slot
  // Tallies how one child ended; one that cleaned up must have taken its
  // socket file with it.
  auto ended = [&](pid_t pid, int status) {
    if (WIFSIGNALED(status)) ++killed;
    else if (WIFEXITED(status) && WEXITSTATUS(status) == k_unclean) ++unclean;
    else ++clean;
    const auto it = unix_path_slots.find(pid);
    if (it == unix_path_slots.end()) return;
    struct stat st {};
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && ::lstat(socket_path(dir, it->second).c_str(), &st) == 0)
      ++clean_kept_socket;
    unix_path_slots.erase(it);
  };
  while (!g_stop && std::chrono::steady_clock::now() < end) {
    while (!g_stop && running < parallel) {
      // Slots are reused: a child that finds its slot's object still there
      // (left by a killed one) opens it instead.
      const int slot = children % k_slots;
      const int kind = static_cast<int>(rng() % k_kinds);
      const unsigned seed = static_cast<unsigned>(rng());
      const pid_t pid = ::fork();
      if (pid == 0) {
        ::signal(SIGTERM, SIG_DFL);
        ::signal(SIGINT, SIG_DFL);
        child(self, slot, kind, seed, dir);
      }
      if (pid > 0) {
        ++running, ++children;
        if (kind == k_unix_path) unix_path_slots[pid] = slot;
        if (rng() % 5 == 0) {  // killed mid-way, at a random moment
          ::usleep(static_cast<useconds_t>(rng() % 20000));
          ::kill(pid, SIGKILL);
        }
      }
    }
    int status = 0;
    if (const pid_t pid = ::waitpid(-1, &status, 0); pid > 0) {
      --running;
      ended(pid, status);
    }
  }
  // Every process of the run is in its process group: none outlives it.
  ::signal(SIGTERM, SIG_IGN);
  ::kill(0, SIGTERM);
  int status = 0;
  for (pid_t pid; (pid = ::waitpid(-1, &status, 0)) > 0;) ended(pid, status);
  clean_up(self, std::min(children, k_slots), dir);
  std::printf("children=%d clean=%d unclean=%d killed=%d clean_kept_socket=%d\n", children, clean, unclean, killed,
              clean_kept_socket);
  return 0;
}
