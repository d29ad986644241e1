// ipc_fixture: creates one IPC object of a given kind, with the processes
// that hold it, so the cli tests can check `ipcctl ls` against objects whose
// every fact is known (like util-linux's test_mkfds).
//
//   ipc_fixture KIND [key=value...]
//
// It prints one line of facts as key=value pairs, flushes, waits for a line
// (or EOF) on stdin, removes what it created and exits 0. Holder processes
// are forked children that die with the fixture (PR_SET_PDEATHSIG), hold only
// the descriptors their role needs, and report their facts back over a pipe
// before the fixture prints. SIGTERM, SIGINT and SIGHUP also clean up.
//
// Objects created here are real and machine-wide, so names and keys carry the
// fixture's pid, and everything is removed in reverse order of creation.
#include "janitor.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
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
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Args = std::map<std::string, std::string, std::less<>>;

std::vector<std::function<void()>> g_cleanup;  // run in reverse order
std::vector<pid_t> g_children;
bool g_in_child = false;
int g_report_fd = -1;  // a holder's pipe back to the fixture
volatile sig_atomic_t g_stop = 0;

void run_cleanup() {
  for (pid_t pid : g_children) ::kill(pid, SIGKILL);
  for (pid_t pid : g_children) ::waitpid(pid, nullptr, 0);
  g_children.clear();
  while (!g_cleanup.empty()) {
    auto f = std::move(g_cleanup.back());
    g_cleanup.pop_back();
    f();
  }
  if (!g_in_child) janitor::done();
}

// Something made that must go when the fixture ends: removed by run_cleanup,
// or by the janitor if the fixture is killed (a janitor.hpp journal line).
void made(const std::string& line) {
  g_cleanup.push_back([line] { janitor::remove_one(line); });
  janitor::note(line);
}

[[noreturn]] void die(std::string_view what, int err = errno) {
  fmt::print(stderr, "ipc_fixture: {}: {}\n", what, err ? std::strerror(err) : "failed");
  if (g_in_child) ::_exit(1);
  run_cleanup();
  std::exit(1);
}

[[noreturn]] void usage(std::string_view why) {
  fmt::print(stderr,
             "ipc_fixture: {}\n"
             "usage: ipc_fixture KIND [key=value...]\n"
             "kinds: sysv-msg sysv-shm sysv-sem posix-mq posix-shm posix-sem fifo pipe\n"
             "       socketpair unix-listen tcp udp netlink eventfd memfd anon-shm mapped-file signalfd\n"
             "       lock-posix lock-ofd lock-flock signal-pending\n",
             why);
  std::exit(2);
}

// Checks a system call's result: -1 (or MAP_FAILED) is fatal.
long check(long rc, std::string_view what) {
  if (rc == -1) die(what);
  return rc;
}

long num(const Args& args, std::string_view key, long def) {
  const auto it = args.find(key);
  if (it == args.end()) return def;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(it->second.c_str(), &end, 0);
  if (errno || end == it->second.c_str() || *end) usage(fmt::format("{}: not a number: {}", key, it->second));
  return v;
}

std::string str(const Args& args, std::string_view key, std::string def) {
  const auto it = args.find(key);
  return it == args.end() ? def : it->second;
}

// The facts line, in the order they are added.
class Facts {
public:
  template <class T> void add(std::string_view key, const T& value) {
    m_text += fmt::format("{}{}={}", m_text.empty() ? "" : " ", key, value);
  }
  void add_raw(std::string_view pairs) {
    if (pairs.empty()) return;
    if (!m_text.empty()) m_text += ' ';
    m_text += pairs;
  }
  const std::string& text() const { return m_text; }

private:
  std::string m_text;
};

// A private directory for paths (FIFOs, sockets, lock files).
std::string temp_dir() {
  static std::string dir;
  if (dir.empty()) {
    char tmpl[] = "/tmp/ipcfix.XXXXXX";
    if (!::mkdtemp(tmpl)) die("mkdtemp");
    dir = tmpl;
    made("rmdir " + dir);
  }
  return dir;
}

std::string temp_path(std::string_view name) {
  std::string path = temp_dir() + "/" + std::string(name);
  made("unlink " + path);
  return path;
}

ino_t inode_of(int fd) {
  struct stat st {};
  check(::fstat(fd, &st), "fstat");
  return st.st_ino;
}

ino_t inode_of(const std::string& path) {
  struct stat st {};
  check(::stat(path.c_str(), &st), fmt::format("stat {}", path));
  return st.st_ino;
}

// Closes every descriptor above stderr except `keep`.
void keep_only(std::initializer_list<int> keep) {
  for (int fd = 3; fd < 1024; ++fd) {
    bool kept = fd == g_report_fd;
    for (int k : keep) kept = kept || k == fd;
    if (!kept) ::close(fd);
  }
}

void write_all(int fd, const void* data, std::size_t len, std::string_view what) {
  const char* p = static_cast<const char*>(data);
  while (len > 0) {
    const ssize_t n = ::write(fd, p, len);
    if (n == -1 && errno == EINTR) continue;
    if (n <= 0) die(what);
    p += n;
    len -= static_cast<std::size_t>(n);
  }
}

void write_bytes(int fd, long count, std::string_view what) {
  const std::string data(static_cast<std::size_t>(count), 'x');
  write_all(fd, data.data(), data.size(), what);
}

// Forks a holder: `body` runs in the child with stdin and stdout on /dev/null
// and returns the child's facts ("fd=5"); the child then runs `then`, if
// given (it may block), and waits to be killed.
// Returns the child's facts, with its pid in `pid`.
std::string spawn(const std::function<std::string()>& body, pid_t& pid, const std::function<void()>& then = {}) {
  int sync[2];
  check(::pipe2(sync, O_CLOEXEC), "pipe2");
  const pid_t parent = ::getpid();
  pid = static_cast<pid_t>(check(::fork(), "fork"));
  if (pid == 0) {
    g_in_child = true;
    g_cleanup.clear();
    g_children.clear();
    janitor::forget();
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::close(sync[0]);
    g_report_fd = sync[1];
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::close(null);
    const std::string facts = body() + "\n";
    write_all(sync[1], facts.data(), facts.size(), "report to parent");
    ::close(sync[1]);
    if (then) then();  // after reporting: it may block
    for (;;) ::pause();
  }
  g_children.push_back(pid);
  ::close(sync[1]);
  std::string facts;
  char buf[256];
  for (;;) {
    const ssize_t n = ::read(sync[0], buf, sizeof buf);
    if (n == -1 && errno == EINTR) continue;
    if (n <= 0) break;
    facts.append(buf, static_cast<std::size_t>(n));
  }
  ::close(sync[0]);
  if (facts.empty() || facts.back() != '\n') die("holder process failed to start", 0);
  facts.pop_back();
  return facts;
}

// Retries a SysV get with IPC_EXCL on successive keys until one is free.
template <class Get> int sysv_create(key_t& key, Get get, std::string_view what) {
  for (int tries = 0; tries < 64; ++tries, ++key) {
    const int id = get(key);
    if (id != -1) return id;
    if (errno != EEXIST) die(what);
  }
  die(what, EEXIST);
}

key_t sysv_key(const Args& args) {
  return static_cast<key_t>(num(args, "key", 0x49500000L | (::getpid() & 0xfffff)));
}

std::string posix_name(const Args& args) {
  std::string name = str(args, "name", fmt::format("/ipcfix-{}", ::getpid()));
  if (name.empty() || name.front() != '/') name.insert(0, "/");
  return name;
}

// --- the kinds -------------------------------------------------------------

void make_sysv_msg(const Args& args, Facts& f) {
  key_t key = sysv_key(args);
  const int id = sysv_create(key, [](key_t k) { return ::msgget(k, IPC_CREAT | IPC_EXCL | 0600); }, "msgget");
  made(fmt::format("msg {}", id));
  const long count = num(args, "messages", 3), size = num(args, "size", 64);
  std::vector<char> buf(sizeof(long) + static_cast<std::size_t>(size), 'm');
  const long type = 1;
  std::memcpy(buf.data(), &type, sizeof type);
  for (long i = 0; i < count; ++i) check(::msgsnd(id, buf.data(), static_cast<std::size_t>(size), IPC_NOWAIT), "msgsnd");
  f.add("id", id);
  f.add("key", fmt::format("0x{:08x}", static_cast<unsigned>(key)));
  f.add("messages", count);
  f.add("bytes", count * size);
  f.add("pid", ::getpid());
}

void make_sysv_shm(const Args& args, Facts& f) {
  key_t key = sysv_key(args);
  const long size = num(args, "size", 65536);
  const int id = sysv_create(
      key, [&](key_t k) { return ::shmget(k, static_cast<std::size_t>(size), IPC_CREAT | IPC_EXCL | 0600); }, "shmget");
  made(fmt::format("shm {}", id));
  void* addr = ::shmat(id, nullptr, 0);
  if (addr == reinterpret_cast<void*>(-1)) die("shmat");
  std::memset(addr, 's', static_cast<std::size_t>(size));
  pid_t child = 0;  // inherits the attachment
  spawn([] { keep_only({}); return std::string(); }, child);
  f.add("id", id);
  f.add("key", fmt::format("0x{:08x}", static_cast<unsigned>(key)));
  f.add("size", size);
  f.add("pid", ::getpid());
  f.add("pid2", child);
}

void make_sysv_sem(const Args& args, Facts& f) {
  key_t key = sysv_key(args);
  const long nsems = num(args, "nsems", 3);
  std::vector<unsigned short> values;
  if (auto it = args.find("values"); it != args.end()) {
    std::string_view rest = it->second;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      values.push_back(static_cast<unsigned short>(std::strtoul(std::string(rest.substr(0, comma)).c_str(), nullptr, 0)));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  for (long i = static_cast<long>(values.size()); i < nsems; ++i) values.push_back(static_cast<unsigned short>(2 * i + 1));
  values.resize(static_cast<std::size_t>(nsems));
  const int id = sysv_create(
      key, [&](key_t k) { return ::semget(k, static_cast<int>(nsems), IPC_CREAT | IPC_EXCL | 0600); }, "semget");
  made(fmt::format("sem {}", id));
  check(::semctl(id, 0, SETALL, values.data()), "semctl(SETALL)");
  if (num(args, "waiter", 0) != 0) {
    // A child blocked taking more than semaphore 0 holds: GETNCNT(0) is 1.
    pid_t child = 0;
    const short take = static_cast<short>(-(values[0] + 1));
    spawn([] { keep_only({}); return std::string(); }, child, [id, take] {
      sembuf op{0, take, 0};
      ::semop(id, &op, 1);
    });
    for (int i = 0; i < 400 && ::semctl(id, 0, GETNCNT) < 1; ++i) ::usleep(5000);
    f.add("waiter", child);
  }
  f.add("id", id);
  f.add("key", fmt::format("0x{:08x}", static_cast<unsigned>(key)));
  f.add("nsems", nsems);
  f.add("values", fmt::format("{}", fmt::join(values, ",")));
  f.add("pid", ::getpid());
}

void make_posix_mq(const Args& args, Facts& f) {
  const std::string name = posix_name(args);
  struct mq_attr attr {};
  attr.mq_maxmsg = num(args, "maxmsg", 5);
  attr.mq_msgsize = num(args, "msgsize", 128);
  const int fd = static_cast<int>(check(::mq_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600, &attr), "mq_open"));
  made("mq " + name);
  const long count = num(args, "messages", 2), size = num(args, "size", 16);
  const std::string msg(static_cast<std::size_t>(size), 'q');
  for (long i = 0; i < count; ++i) check(::mq_send(fd, msg.data(), msg.size(), 0), "mq_send");
  pid_t child = 0;  // a second holder, write-only
  const std::string child_facts = spawn(
      [&] {
        keep_only({});
        const int wfd = static_cast<int>(check(::mq_open(name.c_str(), O_WRONLY), "mq_open O_WRONLY"));
        return fmt::format("fd2={}", wfd);
      },
      child);
  f.add("name", name);
  f.add("pid", ::getpid());
  f.add("fd", fd);
  f.add("pid2", child);
  f.add_raw(child_facts);
  f.add("maxmsg", attr.mq_maxmsg);
  f.add("msgsize", attr.mq_msgsize);
  f.add("messages", count);
  f.add("bytes", count * size);
}

void make_posix_shm(const Args& args, Facts& f) {
  const std::string name = posix_name(args);
  const long size = num(args, "size", 8192);
  const int fd = static_cast<int>(check(::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600), "shm_open"));
  made("pshm " + name);
  check(::ftruncate(fd, size), "ftruncate");
  void* addr = ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) die("mmap");
  std::memset(addr, 'p', static_cast<std::size_t>(size));
  pid_t child = 0;  // holds the mapping only
  spawn([] { keep_only({}); return std::string(); }, child);
  f.add("name", name);
  f.add("inode", inode_of(fd));
  f.add("size", size);
  f.add("pid", ::getpid());
  f.add("fd", fd);
  f.add("pid2", child);
}

void make_posix_sem(const Args& args, Facts& f) {
  const std::string name = posix_name(args);
  const long value = num(args, "value", 3);
  sem_t* sem = ::sem_open(name.c_str(), O_CREAT | O_EXCL, 0600, static_cast<unsigned>(value));
  if (sem == SEM_FAILED) die("sem_open");
  made("psem " + name);
  pid_t child = 0;  // inherits the mapping
  spawn([] { keep_only({}); return std::string(); }, child);
  f.add("name", name);
  f.add("inode", inode_of("/dev/shm/sem." + name.substr(1)));
  f.add("value", value);
  f.add("pid", ::getpid());
  f.add("pid2", child);
}

// Adds the facts of a FIFO or pipe read end: unread bytes and capacity.
void pipe_facts(int fd, long bytes, Facts& f) {
  f.add("bytes", bytes);
  f.add("capacity", check(::fcntl(fd, F_GETPIPE_SZ), "F_GETPIPE_SZ"));
}

void make_fifo(const Args& args, Facts& f) {
  const std::string path = str(args, "path", "");
  const std::string fifo_path = path.empty() ? temp_path("fifo") : path;
  if (!path.empty()) made("unlink " + path);
  check(::mkfifo(fifo_path.c_str(), 0600), "mkfifo");
  const long bytes = num(args, "bytes", 100);
  pid_t reader = 0, writer = 0;
  const std::string rfacts = spawn(
      [&] {
        keep_only({});
        const int fd = static_cast<int>(check(::open(fifo_path.c_str(), O_RDONLY | O_NONBLOCK), "open fifo O_RDONLY"));
        return fmt::format("rfd={}", fd);
      },
      reader);
  const std::string wfacts = spawn(
      [&] {
        keep_only({});
        const int fd = static_cast<int>(check(::open(fifo_path.c_str(), O_WRONLY), "open fifo O_WRONLY"));
        write_bytes(fd, bytes, "write fifo");
        return fmt::format("wfd={}", fd);
      },
      writer);
  f.add("path", fifo_path);
  f.add("inode", inode_of(fifo_path));
  f.add("rpid", reader);
  f.add_raw(rfacts);
  f.add("wpid", writer);
  f.add_raw(wfacts);
  const int probe = static_cast<int>(check(::open(fifo_path.c_str(), O_RDONLY | O_NONBLOCK), "open fifo"));
  pipe_facts(probe, bytes, f);
  ::close(probe);
}

void make_pipe(const Args& args, Facts& f) {
  int p[2];
  check(::pipe(p), "pipe");
  if (auto it = args.find("capacity"); it != args.end()) check(::fcntl(p[1], F_SETPIPE_SZ, num(args, "capacity", 0)), "F_SETPIPE_SZ");
  const long bytes = num(args, "bytes", 100);
  pid_t reader = 0, writer = 0;
  const std::string wfacts = spawn(
      [&] {
        keep_only({p[1]});
        write_bytes(p[1], bytes, "write pipe");
        return fmt::format("wfd={}", p[1]);
      },
      writer);
  const std::string rfacts = spawn(
      [&] {
        keep_only({p[0]});
        return fmt::format("rfd={}", p[0]);
      },
      reader);
  f.add("inode", inode_of(p[0]));
  f.add("rpid", reader);
  f.add_raw(rfacts);
  f.add("wpid", writer);
  f.add_raw(wfacts);
  pipe_facts(p[0], bytes, f);
  ::close(p[0]);
  ::close(p[1]);
}

void make_socketpair(const Args& args, Facts& f) {
  int sv[2];
  check(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "socketpair");
  const long bytes = num(args, "bytes", 100);
  pid_t a = 0, b = 0;
  const std::string afacts = spawn(
      [&] {
        keep_only({sv[0]});
        write_bytes(sv[0], bytes, "write socket");
        return fmt::format("fd={}", sv[0]);
      },
      a);
  const std::string bfacts = spawn(
      [&] {
        keep_only({sv[1]});
        return fmt::format("fd2={}", sv[1]);
      },
      b);
  f.add("inode", inode_of(sv[0]));
  f.add("pid", a);
  f.add_raw(afacts);
  f.add("inode2", inode_of(sv[1]));
  f.add("pid2", b);
  f.add_raw(bfacts);
  f.add("bytes", bytes);
  ::close(sv[0]);
  ::close(sv[1]);
}

void make_unix_listen(const Args& args, Facts& f) {
  const std::string path = temp_path("sock");
  const std::string abstract = str(args, "abstract", fmt::format("ipcfix-{}", ::getpid()));
  struct sockaddr_un pa {};
  pa.sun_family = AF_UNIX;
  std::snprintf(pa.sun_path, sizeof pa.sun_path, "%s", path.c_str());
  const int lfd = static_cast<int>(check(::socket(AF_UNIX, SOCK_STREAM, 0), "socket"));
  check(::bind(lfd, reinterpret_cast<sockaddr*>(&pa), sizeof pa), "bind path");
  check(::listen(lfd, 8), "listen path");

  struct sockaddr_un aa {};
  aa.sun_family = AF_UNIX;
  std::memcpy(aa.sun_path + 1, abstract.data(), std::min(abstract.size(), sizeof aa.sun_path - 2));
  const auto alen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + abstract.size());
  const int afd = static_cast<int>(check(::socket(AF_UNIX, SOCK_STREAM, 0), "socket"));
  check(::bind(afd, reinterpret_cast<sockaddr*>(&aa), alen), "bind abstract");
  check(::listen(afd, 8), "listen abstract");

  pid_t client = 0;
  const std::string cfacts = spawn(
      [&] {
        keep_only({});
        const int fd = static_cast<int>(check(::socket(AF_UNIX, SOCK_STREAM, 0), "socket"));
        check(::connect(fd, reinterpret_cast<sockaddr*>(&pa), sizeof pa), "connect");
        return fmt::format("cfd={} cinode={}", fd, inode_of(fd));
      },
      client);
  const int sfd = static_cast<int>(check(::accept(lfd, nullptr, nullptr), "accept"));
  f.add("pid", ::getpid());
  f.add("path", path);
  f.add("fd", lfd);
  f.add("inode", inode_of(lfd));
  f.add("abstract", abstract);
  f.add("afd", afd);
  f.add("ainode", inode_of(afd));
  f.add("sfd", sfd);
  f.add("sinode", inode_of(sfd));
  f.add("cpid", client);
  f.add_raw(cfacts);
}

int local_port(int fd) {
  struct sockaddr_in sa {};
  socklen_t len = sizeof sa;
  check(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len), "getsockname");
  return ntohs(sa.sin_port);
}

struct sockaddr_in loopback(int port) {
  struct sockaddr_in sa {};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  return sa;
}

void make_tcp(const Args& args, Facts& f) {
  const int lfd = static_cast<int>(check(::socket(AF_INET, SOCK_STREAM, 0), "socket"));
  auto sa = loopback(0);
  check(::bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), "bind");
  check(::listen(lfd, 8), "listen");
  const int port = local_port(lfd);
  const long bytes = num(args, "bytes", 100);
  pid_t client = 0;
  const std::string cfacts = spawn(
      [&] {
        keep_only({});
        const int fd = static_cast<int>(check(::socket(AF_INET, SOCK_STREAM, 0), "socket"));
        auto to = loopback(port);
        check(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), "connect");
        write_bytes(fd, bytes, "send");
        return fmt::format("cfd={} cinode={} cport={}", fd, inode_of(fd), local_port(fd));
      },
      client);
  const int sfd = static_cast<int>(check(::accept(lfd, nullptr, nullptr), "accept"));
  f.add("pid", ::getpid());
  f.add("fd", lfd);
  f.add("inode", inode_of(lfd));
  f.add("port", port);
  f.add("sfd", sfd);
  f.add("sinode", inode_of(sfd));
  f.add("cpid", client);
  f.add_raw(cfacts);
  f.add("bytes", bytes);
}

void make_udp(const Args& args, Facts& f) {
  const int fd = static_cast<int>(check(::socket(AF_INET, SOCK_DGRAM, 0), "socket"));
  auto sa = loopback(0);
  check(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), "bind");
  const int port = local_port(fd);
  const long bytes = num(args, "bytes", 100);
  pid_t client = 0;
  const std::string cfacts = spawn(
      [&] {
        keep_only({});
        const int cfd = static_cast<int>(check(::socket(AF_INET, SOCK_DGRAM, 0), "socket"));
        auto to = loopback(port);
        check(::connect(cfd, reinterpret_cast<sockaddr*>(&to), sizeof to), "connect");
        write_bytes(cfd, bytes, "send");
        return fmt::format("cfd={} cinode={} cport={}", cfd, inode_of(cfd), local_port(cfd));
      },
      client);
  f.add("pid", ::getpid());
  f.add("fd", fd);
  f.add("inode", inode_of(fd));
  f.add("port", port);
  f.add("cpid", client);
  f.add_raw(cfacts);
  f.add("bytes", bytes);
}

// A netlink socket of `protocol` bound to `groups` (the port the kernel
// chooses: the process's pid for its first socket of the protocol), or -1
// with errno when the bind is refused.
int netlink_bound(int protocol, unsigned groups) {
  const int fd = static_cast<int>(check(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol), "socket(AF_NETLINK)"));
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = groups;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    const int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

unsigned netlink_port(int fd) {
  sockaddr_nl sa{};
  socklen_t len = sizeof sa;
  check(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len), "getsockname(AF_NETLINK)");
  return sa.nl_pid;
}

// A NETLINK_ROUTE socket receiving link changes (RTMGRP_LINK), a
// NETLINK_KOBJECT_UEVENT socket (receiving the kernel's uevents where
// allowed), and a child whose NETLINK_ROUTE socket is connected to the
// first one's port: its peer.
void make_netlink(const Args&, Facts& f) {
  const int fd = netlink_bound(NETLINK_ROUTE, RTMGRP_LINK);
  if (fd < 0) die("bind(NETLINK_ROUTE)");
  const unsigned port = netlink_port(fd);
  int ufd = netlink_bound(NETLINK_KOBJECT_UEVENT, 1);
  unsigned ugroups = 1;
  if (ufd < 0) {
    ufd = netlink_bound(NETLINK_KOBJECT_UEVENT, 0);
    ugroups = 0;
  }
  if (ufd < 0) die("bind(NETLINK_KOBJECT_UEVENT)");
  pid_t child = 0;
  const std::string cfacts = spawn(
      [&] {
        keep_only({});
        const int cfd = netlink_bound(NETLINK_ROUTE, 0);
        if (cfd < 0) die("bind(NETLINK_ROUTE)");
        sockaddr_nl to{};
        to.nl_family = AF_NETLINK;
        to.nl_pid = port;
        check(::connect(cfd, reinterpret_cast<sockaddr*>(&to), sizeof to), "connect(AF_NETLINK)");
        return fmt::format("cfd={} cinode={} cportid={}", cfd, inode_of(cfd), netlink_port(cfd));
      },
      child);
  f.add("pid", ::getpid());
  f.add("fd", fd);
  f.add("inode", inode_of(fd));
  f.add("portid", port);
  f.add("groups", 1);
  f.add("ufd", ufd);
  f.add("uinode", inode_of(ufd));
  f.add("uportid", netlink_port(ufd));
  f.add("ugroups", ugroups);
  f.add("cpid", child);
  f.add_raw(cfacts);
}

// The eventfd-id line of /proc/self/fdinfo/FD (Linux 5.13+), or -1.
long eventfd_id(int fd) {
  FILE* fp = std::fopen(fmt::format("/proc/self/fdinfo/{}", fd).c_str(), "r");
  if (!fp) die("open fdinfo");
  char line[256];
  long id = -1;
  while (std::fgets(line, sizeof line, fp))
    if (std::strncmp(line, "eventfd-id:", 11) == 0) id = std::strtol(line + 11, nullptr, 10);
  std::fclose(fp);
  return id;
}

void make_eventfd(const Args& args, Facts& f) {
  const long count = num(args, "count", 5);
  const int fd = static_cast<int>(check(::eventfd(static_cast<unsigned>(count), 0), "eventfd"));
  pid_t child = 0;
  const std::string cfacts = spawn(
      [&] {
        keep_only({fd});
        return fmt::format("fd2={}", fd);
      },
      child);
  f.add("id", eventfd_id(fd));
  f.add("count", count);
  f.add("pid", ::getpid());
  f.add("fd", fd);
  f.add("pid2", child);
  f.add_raw(cfacts);
}

void make_memfd(const Args& args, Facts& f) {
  const std::string name = str(args, "name", "ipcfix");
  const long size = num(args, "size", 4096);
  const int fd = static_cast<int>(check(::memfd_create(name.c_str(), MFD_ALLOW_SEALING | MFD_CLOEXEC), "memfd_create"));
  check(::ftruncate(fd, size), "ftruncate");
  check(::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), "F_ADD_SEALS");
  void* addr = ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) die("mmap");
  std::memset(addr, 'f', static_cast<std::size_t>(size));
  f.add("name", name);
  f.add("inode", inode_of(fd));
  f.add("size", size);
  f.add("pid", ::getpid());
  f.add("fd", fd);
}

// The inode column of this process's maps line for the mapping at `addr`:
// the shmem inode of anonymous shared memory.
std::string map_inode(const void* addr) {
  FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) die("open /proc/self/maps");
  const std::string want = fmt::format("{:x}-", reinterpret_cast<std::uintptr_t>(addr));
  char line[4096];
  std::string inode;
  while (inode.empty() && std::fgets(line, sizeof line, maps) != nullptr) {
    if (std::string_view(line).substr(0, want.size()) != want) continue;
    char perms[8], offset[32], dev[32], ino[32];
    if (std::sscanf(line, "%*s %7s %31s %31s %31s", perms, offset, dev, ino) == 4) inode = ino;
  }
  std::fclose(maps);
  if (inode.empty()) die("mapping not in /proc/self/maps", 0);
  return inode;
}

// A shared mapping `addr` of `len` bytes, held by this process and, with
// holders=2, by a child that inherits it (mprotect'ed read-only with access2=r).
void share_mapping(const Args& args, void* addr, std::size_t len, Facts& f) {
  f.add("pid", ::getpid());
  if (num(args, "holders", 2) < 2) return;
  const bool read_only = str(args, "access2", "rw") == "r";
  pid_t child = 0;
  spawn(
      [&] {
        keep_only({});
        if (read_only) check(::mprotect(addr, len, PROT_READ), "mprotect");
        return std::string();
      },
      child);
  f.add("pid2", child);
}

void make_anon_shm(const Args& args, Facts& f) {
  const auto size = static_cast<std::size_t>(num(args, "size", 8192));
  void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (addr == MAP_FAILED) die("mmap");
  std::memset(addr, 'a', size);
  f.add("inode", map_inode(addr));
  f.add("size", size);
  share_mapping(args, addr, size, f);
}

// A file of size= bytes in the fixture's directory, of which the first
// map= bytes are mapped MAP_SHARED; its descriptor is closed after mmap.
void make_mapped_file(const Args& args, Facts& f) {
  const std::string path = temp_path(str(args, "name", "mapped.db-shm"));
  const long size = num(args, "size", 12288);
  const auto len = static_cast<std::size_t>(num(args, "map", 4096));
  const int fd = static_cast<int>(check(::open(path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600), "open"));
  check(::ftruncate(fd, size), "ftruncate");
  void* addr = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) die("mmap");
  std::memset(addr, 'm', len);
  f.add("path", path);
  f.add("inode", inode_of(fd));
  f.add("size", size);
  f.add("map", len);
  ::close(fd);
  share_mapping(args, addr, len, f);
}

void make_signalfd(const Args&, Facts& f) {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  check(::sigprocmask(SIG_BLOCK, &mask, nullptr), "sigprocmask");
  const int fd = static_cast<int>(check(::signalfd(-1, &mask, SFD_CLOEXEC), "signalfd"));
  f.add("pid", ::getpid());
  f.add("fd", fd);
}

enum class LockKind { posix, ofd, flock };

void make_lock(LockKind kind, const Args& args, Facts& f) {
  const std::string path = temp_path("lockfile");
  const int fd = static_cast<int>(check(::open(path.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600), "open lock file"));
  write_bytes(fd, 4096, "write lock file");
  const std::string mode = str(args, "mode", "write");
  if (mode != "read" && mode != "write") usage("mode= must be read or write");
  const long start = num(args, "start", 0), len = num(args, "len", 0);
  if (kind == LockKind::flock) {
    check(::flock(fd, mode == "read" ? LOCK_SH : LOCK_EX), "flock");
  } else {
    struct flock fl {};
    fl.l_type = mode == "read" ? F_RDLCK : F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    check(::fcntl(fd, kind == LockKind::ofd ? F_OFD_SETLK : F_SETLK, &fl), "fcntl lock");
  }
  const bool whole = kind == LockKind::flock || len == 0;
  f.add("path", path);
  f.add("inode", inode_of(fd));
  f.add("pid", ::getpid());
  f.add("fd", fd);
  f.add("mode", mode);
  f.add("start", kind == LockKind::flock ? 0 : start);
  f.add("end", whole ? std::string("eof") : std::to_string(start + len - 1));
}

void make_signal_pending(const Args&, Facts& f) {
  pid_t child = 0;
  spawn(
      [] {
        keep_only({});
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGUSR1);
        check(::sigprocmask(SIG_BLOCK, &mask, nullptr), "sigprocmask");
        return std::string();
      },
      child);
  check(::kill(child, SIGUSR1), "kill SIGUSR1");
  f.add("pid", child);
  f.add("signal", "SIGUSR1");
}

void on_signal(int) { g_stop = 1; }

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage("no kind given");
  const std::string_view kind = argv[1];
  Args args;
  for (int i = 2; i < argc; ++i) {
    const std::string_view a = argv[i];
    const auto eq = a.find('=');
    if (eq == std::string_view::npos) usage(fmt::format("not key=value: {}", a));
    args[std::string(a.substr(0, eq))] = std::string(a.substr(eq + 1));
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;  // no SA_RESTART: the wait on stdin returns EINTR
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  const std::map<std::string_view, std::function<void(const Args&, Facts&)>> kinds{
      {"sysv-msg", make_sysv_msg},
      {"sysv-shm", make_sysv_shm},
      {"sysv-sem", make_sysv_sem},
      {"posix-mq", make_posix_mq},
      {"posix-shm", make_posix_shm},
      {"posix-sem", make_posix_sem},
      {"fifo", make_fifo},
      {"pipe", make_pipe},
      {"socketpair", make_socketpair},
      {"unix-listen", make_unix_listen},
      {"tcp", make_tcp},
      {"udp", make_udp},
      {"netlink", make_netlink},
      {"eventfd", make_eventfd},
      {"memfd", make_memfd},
      {"anon-shm", make_anon_shm},
      {"mapped-file", make_mapped_file},
      {"signalfd", make_signalfd},
      {"lock-posix", [](const Args& a, Facts& f) { make_lock(LockKind::posix, a, f); }},
      {"lock-ofd", [](const Args& a, Facts& f) { make_lock(LockKind::ofd, a, f); }},
      {"lock-flock", [](const Args& a, Facts& f) { make_lock(LockKind::flock, a, f); }},
      {"signal-pending", make_signal_pending},
  };
  const auto it = kinds.find(kind);
  if (it == kinds.end()) usage(fmt::format("unknown kind: {}", kind));

  janitor::start();  // removes what the fixture makes if it is SIGKILLed
  Facts facts;
  it->second(args, facts);
  fmt::print("{}\n", facts.text());
  std::fflush(stdout);

  char c = 0;
  while (!g_stop) {
    const ssize_t n = ::read(0, &c, 1);
    if (n == -1 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
  }
  run_cleanup();
  return 0;
}
