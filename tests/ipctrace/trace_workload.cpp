// trace_workload: the processes ipctrace's cli tests and bench/trace.sh
// trace. `all` moves known byte counts between the parent and its children
// over every mechanism ipctrace reports, one child per mechanism, and
// writes the facts (refs, pids, bytes) to a file for the test to compare
// with the trace. The other modes exercise exit status, signals, a process
// killed mid-syscall, and the two benchmark workloads.
#include <arpa/inet.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

// LeakSanitizer stops the world with ptrace, which fails in a process that is
// already traced: in sanitizer builds the workload always is, so it opts out.
extern "C" int __lsan_is_turned_off() { return 1; }

namespace {

FILE* g_facts = nullptr;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "trace_workload: %s: %s\n", what, std::strerror(errno));
  std::exit(99);
}

void fact(const std::string& key, const std::string& value) {
  std::fprintf(g_facts, "%s=%s\n", key.c_str(), value.c_str());
  std::fflush(g_facts);
}
void fact(const std::string& key, long long value) { fact(key, std::to_string(value)); }

std::uint64_t inode_of(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) die("fstat");
  return st.st_ino;
}

void write_all(int fd, const void* buf, std::size_t n) {
  const char* p = static_cast<const char*>(buf);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w <= 0) die("write");
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

std::size_t read_all(int fd, std::size_t want) {
  char buf[8192];
  std::size_t got = 0;
  while (got < want) {
    const ssize_t r = ::read(fd, buf, std::min(sizeof buf, want - got));
    if (r < 0) die("read");
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return got;
}

// Runs f in a child; returns its pid.
pid_t child(const std::function<void()>& f) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    f();
    std::fflush(nullptr);
    ::_exit(0);
  }
  return pid;
}

void reap(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "trace_workload: child %d failed (status %d)\n", pid, status);
    std::exit(98);
  }
}

// Sync: the parent tells a child to go on by writing one byte to a pipe.
struct Gate {
  int fds[2];
  Gate() {
    if (::pipe2(fds, O_CLOEXEC) != 0) die("pipe2");
  }
};

volatile sig_atomic_t g_usr1 = 0;
void on_usr1(int) { g_usr1 = 1; }

int run_all(const std::string& dir) {
  const std::string self = std::to_string(::getpid());
  fact("parent", ::getpid());
  std::string buf(8192, 'x');

  // pipe: child writes 1000 (write) + 300 + 200 (writev); parent reads to EOF.
  {
    int p[2];
    if (::pipe(p) != 0) die("pipe");
    const pid_t c = child([&] {
      ::close(p[0]);
      write_all(p[1], buf.data(), 1000);
      iovec iov[2] = {{buf.data(), 300}, {buf.data(), 200}};
      if (::writev(p[1], iov, 2) != 500) die("writev");
    });
    ::close(p[1]);
    fact("pipe.ref", "pipe:" + std::to_string(inode_of(p[0])));
    fact("pipe.writer", c);
    fact("pipe.bytes", 1500);
    if (read_all(p[0], 1500) != 1500) die("pipe read");
    reap(c);
    ::close(p[0]);
  }
  // fifo: child writes 777; parent reads.
  {
    const std::string path = dir + "/fifo";
    if (::mkfifo(path.c_str(), 0600) != 0) die("mkfifo");
    const pid_t c = child([&] {
      const int fd = ::open(path.c_str(), O_WRONLY);
      if (fd < 0) die("open fifo");
      write_all(fd, buf.data(), 777);
      ::close(fd);
    });
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) die("open fifo");
    fact("fifo.ref", "fifo:" + path);
    fact("fifo.writer", c);
    fact("fifo.bytes", 777);
    if (read_all(fd, 777) != 777) die("fifo read");
    reap(c);
    ::close(fd);
    ::unlink(path.c_str());
  }
  // unix stream: parent send()s 4096; child recv()s and answers 123 with
  // sendmsg; parent recvmsg()s; then the parent passes a pipe's read end
  // with SCM_RIGHTS (1 byte of data).
  {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) die("socketpair");
    int extra[2];
    if (::pipe(extra) != 0) die("pipe");
    const pid_t c = child([&] {
      ::close(sv[0]);
      std::size_t got = 0;
      char in[8192];
      while (got < 4096) {
        const ssize_t r = ::recv(sv[1], in, sizeof in, 0);
        if (r <= 0) die("recv");
        got += static_cast<std::size_t>(r);
      }
      iovec iov{buf.data(), 123};
      msghdr m{};
      m.msg_iov = &iov;
      m.msg_iovlen = 1;
      if (::sendmsg(sv[1], &m, 0) != 123) die("sendmsg");
      char one;
      char control[CMSG_SPACE(sizeof(int))];
      iovec iov1{&one, 1};
      msghdr r{};
      r.msg_iov = &iov1;
      r.msg_iovlen = 1;
      r.msg_control = control;
      r.msg_controllen = sizeof control;
      if (::recvmsg(sv[1], &r, 0) != 1) die("recvmsg rights");
    });
    ::close(sv[1]);
    fact("unix.ref", "unix:" + std::to_string(inode_of(sv[0])));
    fact("unix.child", c);
    fact("unix.sent", 4096);
    fact("unix.received", 123);
    if (::send(sv[0], buf.data(), 4096, 0) != 4096) die("send");
    char in[256];
    iovec iov{in, sizeof in};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    std::size_t got = 0;
    while (got < 123) {
      const ssize_t r = ::recvmsg(sv[0], &m, 0);
      if (r <= 0) die("recvmsg");
      got += static_cast<std::size_t>(r);
    }
    char one = '!';
    iovec iov1{&one, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr s{};
    s.msg_iov = &iov1;
    s.msg_iovlen = 1;
    s.msg_control = control;
    s.msg_controllen = sizeof control;
    cmsghdr* cm = CMSG_FIRSTHDR(&s);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cm), &extra[0], sizeof(int));
    if (::sendmsg(sv[0], &s, 0) != 1) die("sendmsg rights");
    fact("rights.passed", "pipe:" + std::to_string(inode_of(extra[0])));
    reap(c);
    ::close(sv[0]);
    ::close(extra[0]);
    ::close(extra[1]);
  }
  // tcp loopback: child connects and writes 2000; parent accepts and reads.
  {
    const int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (l < 0 || ::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(l, 1) != 0 ||
        ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      die("tcp listen");
    const pid_t c = child([&] {
      const int s = ::socket(AF_INET, SOCK_STREAM, 0);
      if (s < 0 || ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("connect");
      write_all(s, buf.data(), 2000);
      ::close(s);
    });
    const int s = ::accept(l, nullptr, nullptr);
    if (s < 0) die("accept");
    fact("tcp.ref", "tcp:" + std::to_string(inode_of(s)));
    fact("tcp.writer", c);
    fact("tcp.bytes", 2000);
    if (read_all(s, 2000) != 2000) die("tcp read");
    reap(c);
    ::close(s);
    ::close(l);
  }
  // udp loopback: child sendto()s 321 to the parent's bound socket.
  {
    const int u = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (u < 0 || ::bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(u, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      die("udp bind");
    fact("udp.ref", "udp:" + std::to_string(inode_of(u)));
    const pid_t c = child([&] {
      const int s = ::socket(AF_INET, SOCK_DGRAM, 0);
      if (::sendto(s, buf.data(), 321, 0, reinterpret_cast<sockaddr*>(&a), sizeof a) != 321) die("sendto");
      ::close(s);
    });
    fact("udp.writer", c);
    fact("udp.bytes", 321);
    char in[1024];
    if (::recvfrom(u, in, sizeof in, 0, nullptr, nullptr) != 321) die("recvfrom");
    reap(c);
    ::close(u);
  }
  // SysV message queue: child msgsnd()s 256 bytes; parent msgrcv()s.
  {
    const int q = ::msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (q < 0) die("msgget");
    fact("msg.ref", "sysv-msg:" + std::to_string(q));
    struct {
      long mtype;
      char text[256];
    } m{1, {}};
    const pid_t c = child([&] {
      if (::msgsnd(q, &m, 256, 0) != 0) die("msgsnd");
    });
    fact("msg.writer", c);
    fact("msg.bytes", 256);
    if (::msgrcv(q, &m, sizeof m.text, 0, 0) != 256) die("msgrcv");
    reap(c);
    ::msgctl(q, IPC_RMID, nullptr);
  }
  // POSIX message queue: child mq_send()s 100 bytes; parent receives.
  {
    const std::string name = "/ipctrace-wl-" + self;
    mq_attr attr{};
    attr.mq_maxmsg = 4;
    attr.mq_msgsize = 128;
    const mqd_t q = ::mq_open(name.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600, &attr);
    if (q == static_cast<mqd_t>(-1)) {
      fact("mq.skipped", std::strerror(errno));
    } else {
      fact("mq.ref", "posix-mq:" + name);
      const pid_t c = child([&] {
        if (::mq_send(q, buf.data(), 100, 1) != 0) die("mq_send");
      });
      fact("mq.writer", c);
      fact("mq.bytes", 100);
      char in[128];
      if (::mq_receive(q, in, sizeof in, nullptr) != 100) die("mq_receive");
      reap(c);
      ::mq_close(q);
      ::mq_unlink(name.c_str());
    }
  }
  // SysV semaphore: child semop +1; parent semop -1 (waits for it).
  {
    const int s = ::semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    if (s < 0) die("semget");
    fact("sem.ref", "sysv-sem:" + std::to_string(s));
    const pid_t c = child([&] {
      sembuf up{0, 1, 0};
      if (::semop(s, &up, 1) != 0) die("semop up");
    });
    fact("sem.child", c);
    sembuf down{0, -1, 0};
    if (::semop(s, &down, 1) != 0) die("semop down");
    reap(c);
    ::semctl(s, 0, IPC_RMID);
  }
  // SysV shared memory: parent and child attach and detach.
  {
    const int id = ::shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id < 0) die("shmget");
    fact("shm.ref", "sysv-shm:" + std::to_string(id));
    void* p = ::shmat(id, nullptr, 0);
    if (p == reinterpret_cast<void*>(-1)) die("shmat");
    const pid_t c = child([&] {
      void* q = ::shmat(id, nullptr, 0);
      if (q == reinterpret_cast<void*>(-1)) die("shmat child");
      static_cast<char*>(q)[0] = 1;
      ::shmdt(q);
    });
    reap(c);
    fact("shm.child", c);
    ::shmdt(p);
    ::shmctl(id, IPC_RMID, nullptr);
  }
  // POSIX shared memory: shm_open + mmap(MAP_SHARED).
  {
    const std::string name = "/ipctrace-wl-shm-" + self;
    const int fd = ::shm_open(name.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 || ::ftruncate(fd, 8192) != 0) die("shm_open");
    void* p = ::mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) die("mmap");
    fact("pshm.ref", "posix-shm:" + name);
    ::munmap(p, 8192);
    ::close(fd);
    ::shm_unlink(name.c_str());
  }
  // eventfd: child writes 8 bytes (value 5); parent reads 8.
  {
    const int e = ::eventfd(0, EFD_CLOEXEC);
    if (e < 0) die("eventfd");
    const pid_t c = child([&] {
      const std::uint64_t v = 5;
      if (::write(e, &v, 8) != 8) die("eventfd write");
    });
    fact("eventfd.writer", c);
    std::uint64_t v = 0;
    if (::read(e, &v, 8) != 8 || v != 5) die("eventfd read");
    reap(c);
    ::close(e);
  }
  // signal: child kill()s the parent with SIGUSR1.
  {
    struct sigaction sa {};
    sa.sa_handler = on_usr1;
    ::sigaction(SIGUSR1, &sa, nullptr);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    ::sigprocmask(SIG_BLOCK, &block, &old);
    const pid_t parent = ::getpid();
    const pid_t c = child([&] {
      if (::kill(parent, SIGUSR1) != 0) die("kill");
    });
    fact("signal.sender", c);
    while (!g_usr1) ::sigsuspend(&old);
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    reap(c);
  }
  // memfd
  {
    const int m = ::memfd_create("ipctrace-wl", MFD_CLOEXEC);
    if (m < 0) die("memfd_create");
    fact("memfd.ref", "memfd:" + std::to_string(inode_of(m)));
    ::close(m);
  }
  fact("done", 1);
  return 0;
}

// A pipe ping-pong of n round trips of one byte; prints round trips per second.
int run_pingpong(long n, bool mixed) {
  int up[2], down[2];
  if (::pipe(up) != 0 || ::pipe(down) != 0) die("pipe");
  timespec t0{}, t1{};
  ::clock_gettime(CLOCK_MONOTONIC, &t0);
  const pid_t c = child([&] {
    char b;
    for (long i = 0; i < n; ++i) {
      if (::read(down[0], &b, 1) != 1) die("read");
      if (::write(up[1], &b, 1) != 1) die("write");
    }
  });
  char b = 'x';
  struct stat st {};
  for (long i = 0; i < n; ++i) {
    if (mixed) {
      // Unrelated work a real program does between messages.
      for (int k = 0; k < 10; ++k) {
        (void)::getppid();
        (void)::stat("/", &st);
        (void)::clock_gettime(CLOCK_MONOTONIC, &t1);
      }
      const int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
      char junk[512];
      if (fd >= 0) {
        (void)!::read(fd, junk, sizeof junk);
        ::close(fd);
      }
    }
    if (::write(down[1], &b, 1) != 1) die("write");
    if (::read(up[0], &b, 1) != 1) die("read");
  }
  ::clock_gettime(CLOCK_MONOTONIC, &t1);
  reap(c);
  const double secs = static_cast<double>(t1.tv_sec - t0.tv_sec) + static_cast<double>(t1.tv_nsec - t0.tv_nsec) / 1e9;
  std::printf("%.0f\n", static_cast<double>(n) / secs);
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: trace_workload all FACTS DIR | exit N | killed-by SIG | block | pingpong N | mixed N | own-ipc-ns [flip|pair] | rename\n");
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string mode = argv[1];
  if (mode == "all" && argc == 4) {
    g_facts = std::fopen(argv[2], "w");
    if (!g_facts) die("facts file");
    return run_all(argv[3]);
  }
  if (mode == "exit" && argc == 3) {
    // Output on both streams, a child's too, and a chosen status.
    std::printf("to stdout\n");
    std::fprintf(stderr, "to stderr\n");
    reap(child([] { std::printf("child to stdout\n"); }));
    return std::atoi(argv[2]);
  }
  if (mode == "killed-by" && argc == 3) {
    std::fflush(nullptr);
    ::raise(std::atoi(argv[2]));
    return 0;
  }
  if (mode == "own-ipc-ns" && (argc == 2 || (argc == 3 && (std::strcmp(argv[2], "flip") == 0 ||
                                                             std::strcmp(argv[2], "pair") == 0)))) {
    // A SysV queue in an IPC namespace of its own (needs root): one 7-byte
    // message through it; prints the namespace's inode and the queue's id,
    // which is the same in every fresh namespace. With `flip`, first the
    // same through a queue of the namespace it started in, whose id it
    // prints on a line before. With `pair`, two children do it, each in a
    // namespace of its own that lives until both have made theirs: a freed
    // namespace's inode number is soon given to the next one.
    auto one_message = [] {
      const int q = ::msgget(IPC_PRIVATE, IPC_CREAT | 0600);
      if (q < 0) die("msgget");
      struct {
        long type;
        char text[8];
      } m{1, "abcdefg"};
      if (::msgsnd(q, &m, 7, 0) != 0 || ::msgrcv(q, &m, sizeof m.text, 0, 0) != 7) die("msgsnd/msgrcv");
      ::msgctl(q, IPC_RMID, nullptr);
      return q;
    };
    if (argc == 3 && std::strcmp(argv[2], "pair") == 0) {
      int ready[2], go[2];
      if (::pipe(ready) != 0 || ::pipe(go) != 0) die("pipe");
      pid_t kids[2];
      for (pid_t& kid : kids)
        kid = child([&] {
          ::close(go[1]);
          if (::unshare(CLONE_NEWIPC) != 0) die("unshare(CLONE_NEWIPC)");
          struct stat st {};
          if (::stat("/proc/self/ns/ipc", &st) != 0) die("stat /proc/self/ns/ipc");
          if (::write(ready[1], "r", 1) != 1) die("write");
          char b;
          (void)!::read(go[0], &b, 1);  // both namespaces exist: go on
          std::printf("%lu %d\n", static_cast<unsigned long>(st.st_ino), one_message());
        });
      char two[2];
      for (std::size_t got = 0; got < sizeof two;) {
        const ssize_t n = ::read(ready[0], two + got, sizeof two - got);
        if (n <= 0) die("read");
        got += static_cast<std::size_t>(n);
      }
      ::close(go[1]);
      for (pid_t kid : kids) reap(kid);
      return 0;
    }
    if (argc == 3) std::printf("%d\n", one_message());
    if (::unshare(CLONE_NEWIPC) != 0) die("unshare(CLONE_NEWIPC)");
    struct stat st {};
    if (::stat("/proc/self/ns/ipc", &st) != 0) die("stat /proc/self/ns/ipc");
    const int q = one_message();
    std::printf("%lu %d\n", static_cast<unsigned long>(st.st_ino), q);
    return 0;
  }
  if (mode == "rename" && argc == 2) {
    // Renames itself between writes to a pipe of its own: 1 byte as it
    // started, 2 after prctl(PR_SET_NAME, "wl_prctl"), 3 after writing
    // "wl_procfs" to /proc/self/comm; then reads the 6 bytes back.
    int p[2];
    if (::pipe(p) != 0) die("pipe");
    if (::write(p[1], "a", 1) != 1) die("write");
    if (::prctl(PR_SET_NAME, "wl_prctl", 0, 0, 0) != 0) die("prctl(PR_SET_NAME)");
    if (::write(p[1], "bb", 2) != 2) die("write");
    const int comm = ::open("/proc/self/comm", O_WRONLY | O_CLOEXEC);
    if (comm < 0 || ::write(comm, "wl_procfs", 9) != 9) die("write /proc/self/comm");
    ::close(comm);
    if (::write(p[1], "ccc", 3) != 3) die("write");
    char buf[6];
    for (std::size_t got = 0; got < sizeof buf;) {
      const ssize_t n = ::read(p[0], buf + got, sizeof buf - got);
      if (n <= 0) die("read");
      got += static_cast<std::size_t>(n);
    }
    return 0;
  }
  if (mode == "block") {
    // A child blocked in read() on a pipe nobody writes; prints its pid.
    int p[2];
    if (::pipe(p) != 0) die("pipe");
    const pid_t c = child([&] {
      char b;
      (void)!::read(p[0], &b, 1);
    });
    std::printf("%d\n", c);
    std::fflush(stdout);
    int status = 0;
    ::waitpid(c, &status, 0);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  }
  if ((mode == "pingpong" || mode == "mixed") && argc == 3) return run_pingpong(std::atol(argv[2]), mode == "mixed");
  if (mode == "serve" && argc == 3) {
    // For attach tests: n one-byte round trips, one every 10 ms, after a
    // line on stdout says the pid is ready.
    std::printf("%d\n", ::getpid());
    std::fflush(stdout);
    timespec pause{0, 10'000'000};
    int p[2];
    if (::pipe(p) != 0) die("pipe");
    const long n = std::atol(argv[2]);
    const pid_t c = child([&] {
      ::close(p[1]);
      char b;
      for (long i = 0; i < n; ++i)
        if (::read(p[0], &b, 1) != 1) die("read");
    });
    ::close(p[0]);
    for (long i = 0; i < n; ++i) {
      ::nanosleep(&pause, nullptr);
      if (::write(p[1], "x", 1) != 1) die("write");
    }
    reap(c);
    return 0;
  }
  return usage();
}
