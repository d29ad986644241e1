// bench/landscape.cpp: a machine-sized IPC landscape for bench/ls.sh.
//
// `ipcctl ls` is only worth measuring on a machine that looks like a busy server:
// thousands of processes, tens of thousands of descriptors of every kind, thousands of
// SysV objects and a few hundred POSIX ones, shared between processes. This program
// builds one, waits for SIGTERM/SIGINT/SIGHUP, and takes it all down again.
//
// Shape: the processes form a chain; neighbours share `links` pipes and unix socketpairs.
// They also come in groups of 8 that share an eventfd, a memfd, a regular file (with an
// flock and per-process POSIX locks), a FIFO (readers and writers), a POSIX message queue
// descriptor, a mapped POSIX shm object, a mapped named semaphore, an attached SysV
// segment, and (for the first --tcp groups) both ends of a TCP loopback connection.
// Every child holds the read end of one control pipe and blocks reading it: when this
// process ends, however it ends, the children see end-of-file and exit.
//
// The IPC-heavy shape (--shape ipc-heavy) is a machine that does a lot of IPC: every
// process owns a private set (a pipe, a FIFO, a unix socketpair, both ends of a TCP
// loopback connection, a UDP socket, an eventfd, a memfd, a POSIX queue, shm object and
// named semaphore, an flock and a POSIX lock on a private file, an attached SysV segment
// while there are segments enough), and --sysv is the count of each SysV kind. The
// children make their own objects, in parallel, and report readiness through a pipe.
//
// Everything named is written to <dir>/manifest as it is created (in the IPC-heavy shape,
// just before the child that creates it is forked), so that the script can still remove
// it if this process is killed before it cleans up.
//
// Usage: landscape --dir DIR --tag TAG [--shape default|ipc-heavy] [--procs N]
//                  [--fds-per-proc N] [--sysv N] [--posix N] [--tcp N]
// Prints "ready procs=N fds=N ... pid=N" on stdout once every child is in place.

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Options {
  int procs = 2000;
  int fds_per_proc = 16;
  int sysv = 3000;
  int posix = 64;
  int tcp = 16;
  bool heavy = false;  // --shape ipc-heavy
  std::string dir;
  std::string tag;
};

constexpr int group_size = 8;

struct State {
  std::vector<int> msg_ids, shm_ids, sem_ids;
  std::vector<std::string> mq_names, pshm_names, psem_names, paths;
  std::vector<mqd_t> mqds;
  std::vector<pid_t> children;
  int ctl_write = -1;
  FILE* manifest = nullptr;
};

State state;
sigset_t stop_signals;

void record(const char* kind, const std::string& what) {
  std::fprintf(state.manifest, "%s %s\n", kind, what.c_str());
  std::fflush(state.manifest);
}

// Ends the children (closing the control pipe is their signal), then removes every
// object this process created. Safe to call at any point of the setup.
void teardown() {
  if (state.ctl_write != -1) ::close(state.ctl_write);
  state.ctl_write = -1;
  for (pid_t pid : state.children)
    while (::waitpid(pid, nullptr, 0) == -1 && errno == EINTR) {}
  state.children.clear();
  int failed = 0;
  for (int id : state.msg_ids) failed += ::msgctl(id, IPC_RMID, nullptr) == -1;
  for (int id : state.shm_ids) failed += ::shmctl(id, IPC_RMID, nullptr) == -1;
  for (int id : state.sem_ids) failed += ::semctl(id, 0, IPC_RMID) == -1;
  for (mqd_t q : state.mqds) ::mq_close(q);
  // A name that is absent was never made: a child that failed stopped short of it.
  const auto refused = [](int r) { return r == -1 && errno != ENOENT; };
  for (auto& n : state.mq_names) failed += refused(::mq_unlink(n.c_str()));
  for (auto& n : state.pshm_names) failed += refused(::shm_unlink(n.c_str()));
  for (auto& n : state.psem_names) failed += refused(::sem_unlink(n.c_str()));
  for (auto& p : state.paths) failed += refused(::unlink(p.c_str()));
  if (failed) std::fprintf(stderr, "landscape: %d objects could not be removed\n", failed);
  FILE* manifest = state.manifest;
  state = State{};
  state.manifest = manifest;
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "landscape: %s: %s\n", what, std::strerror(errno));
  teardown();
  std::exit(1);
}

bool stop_requested() {
  const timespec zero{};
  return ::sigtimedwait(&stop_signals, nullptr, &zero) > 0;
}

int checked(int r, const char* what) {
  if (r == -1) die(what);
  return r;
}

// A key that names the object in `ipcs` and lsipc, or IPC_PRIVATE for every other one
// (real machines have both). Falls back to IPC_PRIVATE if the key is taken.
template <class Get>
int sysv_create(int i, Get get) {
  if (i % 2 == 0) {
    const key_t key = static_cast<key_t>(0x1bc00000u | ((::getpid() & 0xffu) << 16) | unsigned(i));
    const int id = get(key, IPC_CREAT | IPC_EXCL | 0600);
    if (id != -1 || errno != EEXIST) return id;
  }
  return get(IPC_PRIVATE, IPC_CREAT | 0600);
}

void create_sysv(int nmsg, int nshm, int nsem) {
  for (int i = 0; i < nmsg; ++i) {
    const int id = checked(sysv_create(i, [](key_t k, int f) { return ::msgget(k, f); }), "msgget");
    state.msg_ids.push_back(id);
    record("msg", std::to_string(id));
    if (i % 4 == 0) {
      struct { long mtype; char text[32]; } msg{1, "landscape"};
      checked(::msgsnd(id, &msg, sizeof msg.text, IPC_NOWAIT), "msgsnd");
    }
  }
  for (int i = 0; i < nshm; ++i) {
    const int id = checked(sysv_create(i, [](key_t k, int f) { return ::shmget(k, 4096, f); }), "shmget");
    state.shm_ids.push_back(id);
    record("shm", std::to_string(id));
  }
  for (int i = 0; i < nsem; ++i) {
    const int id = checked(sysv_create(i, [](key_t k, int f) { return ::semget(k, 4, f); }), "semget");
    state.sem_ids.push_back(id);
    record("sem", std::to_string(id));
    unsigned short values[4] = {1, 0, static_cast<unsigned short>(i % 7), 3};
    checked(::semctl(id, 0, SETALL, values), "semctl(SETALL)");
  }
}

void create_posix(const Options& o) {
  for (int i = 0; i < o.posix; ++i) {
    const std::string base = "/" + o.tag + "-" + std::to_string(i);
    mq_attr attr{};
    attr.mq_maxmsg = 4;
    attr.mq_msgsize = 128;
    const std::string mq = base + ".mq";
    const mqd_t q = ::mq_open(mq.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
    if (q == mqd_t(-1)) die("mq_open");
    state.mq_names.push_back(mq);
    state.mqds.push_back(q);
    record("mq", mq);
    if (i % 2 == 0) checked(::mq_send(q, "landscape", 9, 1), "mq_send");

    const std::string shm = base + ".shm";
    const int fd = checked(::shm_open(shm.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600), "shm_open");
    state.pshm_names.push_back(shm);
    record("pshm", shm);
    checked(::ftruncate(fd, 8192), "ftruncate");
    ::close(fd);

    const std::string sem = base + ".sem";
    sem_t* s = ::sem_open(sem.c_str(), O_CREAT | O_EXCL, 0600, unsigned(i % 5));
    if (s == SEM_FAILED) die("sem_open");
    state.psem_names.push_back(sem);
    record("psem", sem);
    ::sem_close(s);
  }
}

// What one group of processes shares. Members inherit it at fork; the parent lets go
// of it once the whole group is forked.
struct Group {
  int eventfd = -1, memfd = -1, file = -1, fifo_r = -1, fifo_w = -1, mq = -1, pshm = -1;
  int tcp_client = -1, tcp_server = -1;
  void* pshm_map = nullptr;
  sem_t* psem = nullptr;
  void* sysv_map = nullptr;

  void release() {
    for (int fd : {eventfd, memfd, file, fifo_r, fifo_w, pshm, tcp_client, tcp_server})
      if (fd != -1) ::close(fd);
    if (pshm_map) ::munmap(pshm_map, 8192);
    if (psem) ::sem_close(psem);
    if (sysv_map) ::shmdt(sysv_map);
    *this = Group{};
  }
};

Group make_group(const Options& o, int g, int listener, const sockaddr_in& addr) {
  Group gr;
  gr.eventfd = checked(::eventfd(unsigned(g), 0), "eventfd");
  gr.memfd = checked(::memfd_create((o.tag + "-" + std::to_string(g)).c_str(), 0), "memfd_create");
  checked(::ftruncate(gr.memfd, 4096), "ftruncate(memfd)");

  const std::string file = o.dir + "/file-" + std::to_string(g);
  gr.file = checked(::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600), "open(file)");
  state.paths.push_back(file);
  checked(static_cast<int>(::write(gr.file, "landscape\n", 10)), "write(file)");
  checked(::flock(gr.file, LOCK_SH), "flock");

  const std::string fifo = o.dir + "/fifo-" + std::to_string(g);
  checked(::mkfifo(fifo.c_str(), 0600), "mkfifo");
  state.paths.push_back(fifo);
  gr.fifo_r = checked(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK), "open(fifo, r)");
  gr.fifo_w = checked(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK), "open(fifo, w)");

  if (!state.mqds.empty()) {
    const std::size_t k = std::size_t(g) % state.mqds.size();
    gr.mq = state.mqds[k];  // owned by state: not closed by release()
    gr.pshm = checked(::shm_open(state.pshm_names[k].c_str(), O_RDWR, 0), "shm_open");
    gr.pshm_map = ::mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, gr.pshm, 0);
    if (gr.pshm_map == MAP_FAILED) die("mmap(posix shm)");
    gr.psem = ::sem_open(state.psem_names[k].c_str(), 0);
    if (gr.psem == SEM_FAILED) die("sem_open");
  }
  if (std::size_t(g) < state.shm_ids.size()) {
    gr.sysv_map = ::shmat(state.shm_ids[std::size_t(g)], nullptr, 0);
    if (gr.sysv_map == reinterpret_cast<void*>(-1)) die("shmat");
  }
  if (g < o.tcp) {
    gr.tcp_client = checked(::socket(AF_INET, SOCK_STREAM, 0), "socket");
    checked(::connect(gr.tcp_client, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), "connect");
    gr.tcp_server = checked(::accept(listener, nullptr, nullptr), "accept");
  }
  return gr;
}

// The child: keep the descriptors in `keep`, close the rest, take its locks, report
// ready, and block on the control pipe until it reaches end-of-file.
[[noreturn]] void run_child(std::vector<int> keep, int member, int file, int ctl, int ready) {
  ::sigprocmask(SIG_UNBLOCK, &stop_signals, nullptr);
  std::sort(keep.begin(), keep.end());
  unsigned next = 0;
  for (int fd : keep) {
    if (unsigned(fd) > next) ::close_range(next, unsigned(fd) - 1, 0);
    next = unsigned(fd) + 1;
  }
  ::close_range(next, ~0u, 0);
  if (member < 2) {  // one writer and one reader lock per group, visible in lslocks
    struct flock lk{};
    lk.l_type = member == 0 ? F_WRLCK : F_RDLCK;
    lk.l_whence = SEEK_SET;
    lk.l_start = member == 0 ? 0 : 100;
    lk.l_len = 10;
    ::fcntl(file, F_SETLK, &lk);
  }
  if (::write(ready, "r", 1) != 1) ::_exit(1);
  ::close(ready);
  char c;
  while (::read(ctl, &c, 1) == -1 && errno == EINTR) {}
  ::_exit(0);
}

int count_fds(pid_t pid) {
  DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (!d) return 0;
  int n = 0;
  while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

// Says what is in place ("ready ..." on stdout, which the script waits for),
// then holds it until a stop signal, and takes it down.
int ready_until_stopped(const sigset_t& stop_signals) {
  long fds = 0;
  for (pid_t pid : state.children) fds += count_fds(pid);
  std::printf("ready procs=%zu fds=%ld msg=%zu shm=%zu sem=%zu posix_mq=%zu posix_shm=%zu "
              "posix_sem=%zu pid=%d\n",
              state.children.size(), fds, state.msg_ids.size(), state.shm_ids.size(),
              state.sem_ids.size(), state.mq_names.size(), state.pshm_names.size(),
              state.psem_names.size(), int(::getpid()));
  std::fflush(stdout);

  int sig = 0;
  ::sigwait(&stop_signals, &sig);
  teardown();
  return 0;
}

// --- the IPC-heavy shape ------------------------------------------------------------

// The names holder i gives its objects. The parent knows them too: it records them
// before the child exists and removes them (absent or not) when it tears down.
struct HeavyNames {
  std::string mq, pshm, psem, fifo, file;
};

HeavyNames heavy_names(const Options& o, int i) {
  const std::string base = "/" + o.tag + "-" + std::to_string(i);
  const std::string path = o.dir + "/h" + std::to_string(i);
  return {base + ".mq", base + ".shm", base + ".sem", path + ".fifo", path + ".lock"};
}

constexpr uid_t spare_uid = 4000000;  // the first of the ids POSIX queues are charged to

[[noreturn]] void holder_fail(int i, const char* what) {
  std::fprintf(stderr, "landscape: holder %d: %s: %s\n", i, what, std::strerror(errno));
  ::_exit(1);
}

// One holder: keeps stdio, the control pipe's read end and the ready pipe's write end,
// makes its private set, says ready, and blocks until the control pipe reaches
// end-of-file. Its objects are named; its descriptors and maps go when it exits.
[[noreturn]] void run_holder(const Options& o, int i, int ctl, int ready, int shm_id) {
  ::sigprocmask(SIG_UNBLOCK, &stop_signals, nullptr);
  const auto ok = [i](long r, const char* what) {
    if (r == -1) holder_fail(i, what);
    return int(r);
  };
  // Control pipe to 3, ready pipe to 4, nothing else of the parent's.
  const int c = ok(::fcntl(ctl, F_DUPFD, 64), "dup(ctl)");
  const int r = ok(::fcntl(ready, F_DUPFD, 64), "dup(ready)");
  ::close_range(3, 63, 0);
  ok(::dup2(c, 3), "dup2(ctl)");
  ok(::dup2(r, 4), "dup2(ready)");
  ::close_range(5, ~0u, 0);
  const HeavyNames n = heavy_names(o, i);
  constexpr char text[] = "landscape";

  int p[2];
  ok(::pipe(p), "pipe");
  if (i % 2 == 0) ok(::write(p[1], text, 9), "write(pipe)");  // unread bytes in half of them

  ok(::mkfifo(n.fifo.c_str(), 0600), "mkfifo");
  ok(::open(n.fifo.c_str(), O_RDONLY | O_NONBLOCK), "open(fifo, r)");
  const int fifo_w = ok(::open(n.fifo.c_str(), O_WRONLY | O_NONBLOCK), "open(fifo, w)");
  if (i % 2 == 1) ok(::write(fifo_w, text, 9), "write(fifo)");

  ok(::socketpair(AF_UNIX, SOCK_STREAM, 0, p), "socketpair");

  // Both ends of a TCP loopback connection, through a listener of its own that goes
  // once accepted. Linger 0: ending the holder resets the connection, so no port is
  // left in TIME_WAIT for the next, larger landscape.
  const int listener = ok(::socket(AF_INET, SOCK_STREAM, 0), "socket(tcp listener)");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ok(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), "bind(tcp)");
  ok(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), "getsockname");
  ok(::listen(listener, 1), "listen");
  const int client = ok(::socket(AF_INET, SOCK_STREAM, 0), "socket(tcp)");
  ok(::connect(client, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), "connect");
  const int server = ok(::accept(listener, nullptr, nullptr), "accept");
  ::close(listener);
  const linger no_wait{1, 0};
  for (int fd : {client, server}) ok(::setsockopt(fd, SOL_SOCKET, SO_LINGER, &no_wait, sizeof no_wait), "SO_LINGER");
  if (i % 2 == 0) ok(::write(client, text, 9), "write(tcp)");

  const int udp = ok(::socket(AF_INET, SOCK_DGRAM, 0), "socket(udp)");
  addr.sin_port = 0;
  ok(::bind(udp, reinterpret_cast<sockaddr*>(&addr), sizeof addr), "bind(udp)");

  ok(::eventfd(unsigned(i), 0), "eventfd");
  const int memfd = ok(::memfd_create((o.tag + "-" + std::to_string(i)).c_str(), 0), "memfd_create");
  ok(::write(memfd, text, 9), "write(memfd)");

  // A user's queues may take RLIMIT_MSGQUEUE bytes (800 KiB by default, about 2,500 of
  // these), and lifting that needs CAP_SYS_RESOURCE, which a container may not have. So
  // each queue is charged to one of 64 spare real user ids while it is created (the
  // charge follows the real uid); its owner is the effective uid, root, as before.
  mq_attr attr{};
  attr.mq_maxmsg = 2;
  attr.mq_msgsize = 64;
  const uid_t uid = ::getuid();
  const bool charged_apart = ::setresuid(spare_uid + uid_t(i % 64), uid_t(-1), uid_t(-1)) == 0;
  const mqd_t q = ::mq_open(n.mq.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
  if (q == mqd_t(-1)) holder_fail(i, "mq_open");
  if (charged_apart) ok(::setresuid(uid, uid_t(-1), uid_t(-1)), "setresuid");
  if (i % 2 == 0) ok(::mq_send(q, text, 9, 1), "mq_send");

  const int shm = ok(::shm_open(n.pshm.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600), "shm_open");
  ok(::ftruncate(shm, 4096), "ftruncate(shm)");
  void* map = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
  if (map == MAP_FAILED) holder_fail(i, "mmap(shm)");
  static_cast<char*>(map)[0] = 'l';

  if (::sem_open(n.psem.c_str(), O_CREAT | O_EXCL, 0600, unsigned(i % 5)) == SEM_FAILED)
    holder_fail(i, "sem_open");  // stays mapped; sem_open closed its descriptor

  const int file = ok(::open(n.file.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600), "open(lock file)");
  ok(::write(file, "landscape\n", 10), "write(lock file)");
  ok(::flock(file, LOCK_EX), "flock");
  struct flock lk{};
  lk.l_type = F_WRLCK;
  lk.l_whence = SEEK_SET;
  lk.l_start = 0;
  lk.l_len = 4;
  ok(::fcntl(file, F_SETLK, &lk), "fcntl(F_SETLK)");

  if (shm_id != -1 && ::shmat(shm_id, nullptr, 0) == reinterpret_cast<void*>(-1)) holder_fail(i, "shmat");

  if (::write(4, "r", 1) != 1) holder_fail(i, "write(ready)");
  ::close(4);
  char ch;
  while (::read(3, &ch, 1) == -1 && errno == EINTR) {}
  ::_exit(0);
}

int run_heavy(const Options& o) {
  // Thousands of small queues pass the default per-user byte limit; root may lift it.
  const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  ::setrlimit(RLIMIT_MSGQUEUE, &unlimited);

  create_sysv(o.sysv, o.sysv, o.sysv);

  int ctl[2], ready[2];
  checked(::pipe2(ctl, O_CLOEXEC), "pipe");
  checked(::pipe2(ready, O_CLOEXEC), "pipe");
  state.ctl_write = ctl[1];

  // Names first, in the manifest and in the teardown lists; then the child.
  for (int i = 0; i < o.procs; ++i) {
    if (stop_requested()) {
      teardown();
      return 1;
    }
    const HeavyNames n = heavy_names(o, i);
    state.mq_names.push_back(n.mq);
    state.pshm_names.push_back(n.pshm);
    state.psem_names.push_back(n.psem);
    state.paths.push_back(n.fifo);
    state.paths.push_back(n.file);
    std::fprintf(state.manifest, "mq %s\npshm %s\npsem %s\n", n.mq.c_str(), n.pshm.c_str(), n.psem.c_str());
    std::fflush(state.manifest);
    const int shm_id = std::size_t(i) < state.shm_ids.size() ? state.shm_ids[std::size_t(i)] : -1;
    const pid_t pid = ::fork();
    if (pid == -1) die("fork");
    if (pid == 0) run_holder(o, i, ctl[0], ready[1], shm_id);
    state.children.push_back(pid);
  }
  ::close(ctl[0]);
  ::close(ready[1]);

  // Every holder writes one byte once its set is in place. One that exits instead
  // failed (it said why on stderr).
  std::size_t got = 0;
  char buf[4096];
  pollfd pfd{ready[0], POLLIN, 0};
  while (got < state.children.size()) {
    if (::poll(&pfd, 1, 200) > 0) {
      const ssize_t n = ::read(ready[0], buf, sizeof buf);
      if (n > 0) got += std::size_t(n);
      else if (n < 0 && errno != EINTR) die("read(ready)");
    }
    if (stop_requested()) {
      teardown();
      return 1;
    }
    int status = 0;
    const pid_t dead = ::waitpid(-1, &status, WNOHANG);
    if (dead > 0) {
      std::erase(state.children, dead);
      errno = ECHILD;
      die("a holder exited during setup");
    }
  }
  ::close(ready[0]);

  return ready_until_stopped(stop_signals);
}

int parse_int(const char* s, const char* opt) {
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  if (!*s || *end || v < 0 || v > 1000000) {
    std::fprintf(stderr, "landscape: %s wants a number, not '%s'\n", opt, s);
    std::exit(2);
  }
  return int(v);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string opt = argv[i];
    const char* val = argv[i + 1];
    if (opt == "--procs") o.procs = parse_int(val, "--procs");
    else if (opt == "--fds-per-proc") o.fds_per_proc = parse_int(val, "--fds-per-proc");
    else if (opt == "--sysv") o.sysv = parse_int(val, "--sysv");
    else if (opt == "--posix") o.posix = parse_int(val, "--posix");
    else if (opt == "--tcp") o.tcp = parse_int(val, "--tcp");
    else if (opt == "--shape" && (std::strcmp(val, "default") == 0 || std::strcmp(val, "ipc-heavy") == 0))
      o.heavy = std::strcmp(val, "ipc-heavy") == 0;
    else if (opt == "--dir") o.dir = val;
    else if (opt == "--tag") o.tag = val;
    else {
      std::fprintf(stderr, "landscape: unknown option %s\n", opt.c_str());
      std::exit(2);
    }
  }
  if (argc % 2 == 0 || o.dir.empty() || o.tag.empty() || o.procs < 2) {
    std::fprintf(stderr, "usage: landscape --dir DIR --tag TAG [--shape default|ipc-heavy]"
                         " [--procs N>=2] [--fds-per-proc N] [--sysv N] [--posix N] [--tcp N]\n");
    std::exit(2);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  ::sigemptyset(&stop_signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) ::sigaddset(&stop_signals, s);
  ::sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  state.manifest = std::fopen((o.dir + "/manifest").c_str(), "we");
  if (!state.manifest) die("open manifest");

  if (o.heavy) return run_heavy(o);
  create_sysv(o.sysv / 3, o.sysv / 3, o.sysv - 2 * (o.sysv / 3));
  create_posix(o);

  int ctl[2], ready[2];
  checked(::pipe(ctl), "pipe");
  checked(::pipe(ready), "pipe");
  state.ctl_write = ctl[1];

  const int listener = checked(::socket(AF_INET, SOCK_STREAM, 0), "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  checked(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), "bind");
  checked(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), "getsockname");
  checked(::listen(listener, 128), "listen");

  // Each process holds 3 stdio + control + 6 group descriptors; the rest of its budget
  // goes to the links with its two neighbours, one descriptor per link on each side.
  const int links = std::max(1, (o.fds_per_proc - 10) / 2);
  std::vector<int> carry;  // far ends of the links to the previous process
  const int groups = (o.procs + group_size - 1) / group_size;
  for (int g = 0; g < groups; ++g) {
    Group gr = make_group(o, g, listener, addr);
    for (int m = 0; m < group_size; ++m) {
      const int i = g * group_size + m;
      if (i >= o.procs) break;
      if (stop_requested()) {
        gr.release();
        for (int fd : carry) ::close(fd);
        teardown();
        return 1;
      }
      std::vector<int> mine, theirs;  // this process's ends, the next one's
      for (int l = 0; i + 1 < o.procs && l < links; ++l) {
        int p[2];
        if (l % 2 == 0) {
          checked(::pipe(p), "pipe");
          mine.push_back(p[1]);  // writes to the next process
          theirs.push_back(p[0]);
        } else {
          const int type = l % 4 == 1 ? SOCK_STREAM : SOCK_DGRAM;
          checked(::socketpair(AF_UNIX, type, 0, p), "socketpair");
          mine.push_back(p[0]);
          theirs.push_back(p[1]);
        }
      }
      std::vector<int> keep = {0, 1, 2, ctl[0], ready[1], gr.eventfd, gr.memfd, gr.file};
      keep.push_back(m % 2 == 0 ? gr.fifo_r : gr.fifo_w);
      for (int fd : {gr.mq, gr.pshm, m == 0 ? gr.tcp_client : m == 1 ? gr.tcp_server : -1,
                     i == 0 ? listener : -1})
        if (fd != -1) keep.push_back(fd);
      keep.insert(keep.end(), carry.begin(), carry.end());
      keep.insert(keep.end(), mine.begin(), mine.end());

      const pid_t pid = ::fork();
      if (pid == -1) die("fork");
      if (pid == 0) run_child(keep, m, gr.file, ctl[0], ready[1]);
      state.children.push_back(pid);
      for (int fd : carry) ::close(fd);
      for (int fd : mine) ::close(fd);
      carry = theirs;
    }
    gr.release();
  }
  ::close(listener);
  ::close(ctl[0]);
  ::close(ready[1]);
  // Every child writes one byte once it is in place; end-of-file means one died.
  std::size_t got = 0;
  char buf[256];
  while (got < state.children.size()) {
    const ssize_t n = ::read(ready[0], buf, sizeof buf);
    if (n == 0) {
      errno = ECHILD;
      die("a child exited during setup");
    }
    if (n < 0 && errno != EINTR) die("read(ready)");
    if (n > 0) got += std::size_t(n);
    if (stop_requested()) {
      teardown();
      return 1;
    }
  }
  ::close(ready[0]);

  return ready_until_stopped(stop_signals);
}
