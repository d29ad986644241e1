// Why the tracer looks the way it does:
// - Launch mode installs a seccomp filter in the child before exec, so only
//   the calls of syscalls.cpp stop (PTRACE_EVENT_SECCOMP); the tracer asks
//   for the exit stop (PTRACE_SYSCALL) only when the call touched an IPC
//   descriptor and the exit says something the entry does not. A write to a
//   regular file costs one stop, not two.
// - Attach mode cannot add a filter to a running process: it resumes with
//   PTRACE_SYSCALL and ignores the calls it does not care about.
// - Threads are seized (PTRACE_SEIZE), so group-stops are told apart from
//   signals (PTRACE_EVENT_STOP) and left as stops with PTRACE_LISTEN, and
//   every signal is re-injected: the tracees see what they would untraced.
// - Records go into a batch handed to the Sink when the tracer has nothing
//   else to do, and always before a stop that changes descriptors (an IPC
//   close, an exec, an exit), so the output stage sees holders as they were.
#include <ipcctl/trace/tracer.hpp>

#include <ipcctl/trace/decode.hpp>
#include <ipcctl/trace/syscalls.hpp>
#include <ipcctl/util/cpus.hpp>
#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/ipc.h>
#include <sys/ptrace.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cmath>
#include <unordered_map>

namespace ipcctl::trace {

namespace {

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_tick = 0;

std::int64_t now_ns(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

std::string read_comm(int pid) {
  std::string text;
  if (!read_file_at(AT_FDCWD, fmt::format("/proc/{}/comm", pid).c_str(), text, Read::once)) return {};
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// Whether a descriptor's link names a process's or a thread's name file,
// /proc/PID/comm or /proc/PID/task/TID/comm (/proc/self/comm resolves to one).
bool is_comm_link(std::string_view link) {
  auto number = [&](std::string_view& s) {
    std::size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    s.remove_prefix(n);
    return n > 0;
  };
  if (!starts_with(link, "/proc/")) return false;
  link.remove_prefix(6);
  if (!number(link)) return false;
  if (starts_with(link, "/task/")) {
    link.remove_prefix(6);
    if (!number(link)) return false;
  }
  return link == "/comm";
}

int read_tgid(int tid) {
  std::string text;
  if (!read_file_at(AT_FDCWD, fmt::format("/proc/{}/status", tid).c_str(), text, Read::once)) return tid;
  return static_cast<int>(to_i64(field_value(text, "Tgid").value_or("")).value_or(tid));
}

constexpr long k_seize_options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                                 PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
                                 PTRACE_O_TRACESECCOMP;

constexpr long k_heartbeat_ms = 100;          // the longest a record waits to be written
constexpr std::size_t k_batch_records = 4096;  // or until this many are waiting

bool is_stop_signal(int sig) { return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU; }

} // namespace

// One traced process (thread group): what its descriptors are.
struct TracedProcess {
  std::unordered_map<int, FdClass> fds;
  std::unordered_map<std::uint64_t, std::int64_t> shm_maps;  // shmat address -> shmid
};

// A system call between its entry and exit stops.
struct PendingCall {
  const SyscallInfo* info = nullptr;
  std::array<std::uint64_t, 6> args{};
  Record rec;
  std::string payload;
  std::string name;
  MsgHdr msg;
  bool active = false;
  bool rename = false;  // the call may rename the process: read its comm at the exit
};

struct TracedThread {
  int tid = 0;
  int tgid = 0;
  PendingCall pending;
};

struct Tracer::State {
  TraceOptions opts;
  Sink& sink;
  Batch batch;
  std::unordered_map<int, TracedThread> threads;
  std::unordered_map<int, TracedProcess> processes;
  bool attach_mode = false;
  int root = 0;          // the launched command
  UniqueFd exec_pipe;    // read end: the child's errno if exec fails
  ExitStatus result;
  bool root_sigcont = true;  // the SIGCONT that started the root: not the tracee's
  bool root_execed = false;  // before its exec, the root is ipctrace's own child code
  std::vector<sock_filter> filter;
  std::int64_t spin_ns = 0;  // the poll before sleeping (0: never); see wait_any
  std::int64_t gap_ns = 0;   // moving average of the time a wait took

  State(const TraceOptions& o, Sink& s) : opts(o), sink(s) {}

  // The next stop of any tracee: waitpid(-1, __WALL). A stop wakes the
  // tracer, and the tracer's resume wakes the tracee. A tracer asleep on
  // another CPU is woken across CPUs, which on a virtual machine without
  // guest halt polling costs more than the stop itself (an interrupt to a
  // halted vCPU). So while stops come close together (the moving average of
  // the wait under spin_ns), the tracer polls with WNOHANG for up to spin_ns
  // first, and sleeps only when none came. Never with one usable CPU, where
  // polling would hold the CPU the tracee needs to reach its next stop.
  int wait_any(int& status) {
    if (spin_ns == 0) return ::waitpid(-1, &status, __WALL);
    const std::int64_t start = now_ns(CLOCK_MONOTONIC);
    int tid = 0;
    if (gap_ns < spin_ns) {
      for (std::int64_t t = start; t - start < spin_ns; t = now_ns(CLOCK_MONOTONIC)) {
        if (g_tick || (g_stop && attach_mode)) {  // what run() acts on: as a signal in the sleep would
          errno = EINTR;
          return -1;
        }
        if ((tid = ::waitpid(-1, &status, __WALL | WNOHANG)) != 0) break;
      }
    }
    if (tid == 0) tid = ::waitpid(-1, &status, __WALL);
    // A long sleep counts as twice the poll, so that polling resumes a few
    // close stops after an idle spell rather than a hundred.
    gap_ns += (std::min(now_ns(CLOCK_MONOTONIC) - start, 2 * spin_ns) - gap_ns) / 8;
    return tid;
  }

  TracedThread& thread(int tid, int tgid = 0) {
    auto [it, fresh] = threads.try_emplace(tid);
    if (fresh) {
      it->second.tid = tid;
      it->second.tgid = tgid ? tgid : read_tgid(tid);
      if (it->second.tgid == tid) {
        processes.try_emplace(tid);
        sink.process(tid, read_comm(tid));
      }
    }
    return it->second;
  }

  void flush() {
    if (batch.records.empty()) return;
    sink.batch(batch);
    batch.clear();
  }

  // Resumes a thread: to its next seccomp stop, or to the exit of this call.
  void resume(const TracedThread& t, int sig = 0) {
    const bool want_exit = attach_mode || t.pending.active;
    ::ptrace(want_exit ? PTRACE_SYSCALL : PTRACE_CONT, t.tid, 0, sig);
  }

  const FdClass& fd_class(TracedThread& t, int fd) {
    auto& fds = processes[t.tgid].fds;
    auto it = fds.find(fd);
    if (it == fds.end()) it = fds.emplace(fd, classify_fd(t.tid, fd)).first;
    return it->second;
  }

  // Fills the record's channel from descriptor `fd`; false when `fd` is not
  // a channel of a traced kind (a file, a terminal, netlink): no record then.
  bool use_fd(TracedThread& t, PendingCall& p, int fd) {
    const FdClass& c = fd_class(t, fd);
    if (!c.ipc || !opts.kinds.has(c.kind)) return false;
    p.rec.fd = fd;
    p.rec.kind = c.kind;
    p.rec.channel = c.id;
    p.rec.flags |= k_has_channel;
    p.rec.sock_type = c.sock_type;
    p.name = c.name;
    return true;
  }

  void emit(PendingCall& p) {
    if (!p.name.empty()) p.rec.name = batch.strings.add(std::move(p.name));
    if (!p.payload.empty()) p.rec.payload = batch.add_payload(std::move(p.payload));
    batch.records.push_back(p.rec);
    p.name.clear();
    p.payload.clear();
  }

  void keep_payload(PendingCall& p, const Memory& mem, std::uint64_t addr, std::uint64_t n) {
    if (opts.payload == 0 || n == 0) return;
    p.payload.resize(static_cast<std::size_t>(std::min<std::uint64_t>(opts.payload, n)));
    if (!mem.read(addr, p.payload.data(), p.payload.size())) p.payload.clear();
  }

  // Whether `fd` (not an IPC channel) is a name file of the process
  // (/proc/self/comm): a write to it renames. Asked only of descriptors
  // written to, and kept with the descriptor's class until it is closed.
  bool is_comm_file(TracedThread& t, int fd) {
    FdClass& c = processes[t.tgid].fds[fd];
    if (c.ipc) return false;
    if (c.name.empty()) {
      char buf[64];
      const ssize_t n = ::readlink(fmt::format("/proc/{}/fd/{}", t.tid, fd).c_str(), buf, sizeof buf);
      c.name = n > 0 && is_comm_link(std::string_view(buf, static_cast<std::size_t>(n))) ? "comm" : "-";
    }
    return c.name == "comm";
  }
  // The call may rename the process (prctl(PR_SET_NAME), a write to its
  // comm file): its exit is waited for, where the name is read again.
  void rename_at_exit(PendingCall& p) {
    p.rename = true;
    p.active = true;
  }

  void on_entry(TracedThread& t, long nr, const std::uint64_t* args);
  void on_exit(TracedThread& t, std::int64_t rval, bool is_error);
  void new_fd_event(TracedThread& t, PendingCall& p, int fd, Op op);
  void on_signal(TracedThread& t, int sig);
  void on_stop(int tid, int status);
  void detach_all();
};

Tracer::Tracer(const TraceOptions& opts, Sink& sink) : m(std::make_unique<State>(opts, sink)) {}
Tracer::~Tracer() = default;

void Tracer::request_stop() { g_stop = 1; }

Result<void> Tracer::launch(const std::vector<std::string>& argv) {
  auto prog = build_filter(syscalls_for(m->opts.kinds));
  if (!prog) return fail(prog.error());
  m->filter = std::move(*prog);
  std::vector<char*> cargv;
  cargv.reserve(argv.size() + 1);
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  int pfd[2];
  if (::pipe2(pfd, O_CLOEXEC) == -1) return fail(sys_error("pipe2", "exec status"));
  UniqueFd rd(pfd[0]), wr(pfd[1]);
  const pid_t pid = ::fork();
  if (pid == -1) return fail(sys_error("fork", argv[0]));
  if (pid == 0) {
    // The child: stop until seized, filter, exec. Only async-signal-safe calls.
    ::close(pfd[0]);
    ::raise(SIGSTOP);
    int err = 0;
    sock_fprog fprog{static_cast<unsigned short>(m->filter.size()), m->filter.data()};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
        ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == -1) {
      err = errno;
    } else {
      ::execvp(cargv[0], cargv.data());
      err = errno;
    }
    [[maybe_unused]] auto n = ::write(pfd[1], &err, sizeof err);
    ::_exit(err == ENOENT ? 127 : 126);
  }
  wr = UniqueFd();
  int status = 0;
  if (::waitpid(pid, &status, WSTOPPED) == -1 || !WIFSTOPPED(status)) {
    ::kill(pid, SIGKILL);
    return fail(Error{ECHILD, "waitpid", argv[0], "the child did not stop"});
  }
  if (::ptrace(PTRACE_SEIZE, pid, 0, k_seize_options | PTRACE_O_EXITKILL) == -1) {
    const Error e = sys_error("ptrace(PTRACE_SEIZE)", argv[0]);
    ::kill(pid, SIGKILL);
    return fail(e);
  }
  m->root = pid;
  m->exec_pipe = std::move(rd);
  m->thread(pid, pid);
  ::kill(pid, SIGCONT);
  return {};
}

Result<void> Tracer::attach(const std::vector<int>& pids) {
  m->attach_mode = true;
  for (int pid : pids) {
    const std::string dir = fmt::format("/proc/{}/task", pid);
    UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!d) return fail(sys_error("open", dir));
    std::vector<int> tids;
    auto r = for_each_entry(d.get(), [&](const char* name) {
      if (auto tid = to_i64(name)) tids.push_back(static_cast<int>(*tid));
    });
    if (!r) return fail(r.error());
    for (int tid : tids) {
      if (m->threads.count(tid)) continue;
      if (::ptrace(PTRACE_SEIZE, tid, 0, k_seize_options) == -1) {
        if (errno == ESRCH) continue;  // a thread that just ended
        return fail(sys_error("ptrace(PTRACE_SEIZE)", fmt::format("pid {}", pid)));
      }
      m->thread(tid, pid);
      ::ptrace(PTRACE_INTERRUPT, tid, 0, 0);
    }
  }
  return {};
}

void Tracer::State::new_fd_event(TracedThread& t, PendingCall& p, int fd, Op op) {
  processes[t.tgid].fds.erase(fd);  // a new descriptor: classify afresh
  if (!use_fd(t, p, fd)) return;
  p.rec.op = op;
  emit(p);
}

void Tracer::State::on_entry(TracedThread& t, long nr, const std::uint64_t* a) {
  PendingCall& p = t.pending;
  p.active = false;
  p.rename = false;
  const SyscallInfo* info = syscall_info(nr);
  if (!info) return;
  p.info = info;
  std::copy(a, a + 6, p.args.begin());
  p.rec = Record{};
  p.rec.mono_ns = now_ns(CLOCK_MONOTONIC);
  p.rec.wall_ns = now_ns(CLOCK_REALTIME);
  p.rec.pid = t.tgid;
  p.rec.tid = t.tid;
  p.rec.nr = static_cast<std::uint16_t>(nr);
  p.name.clear();
  p.payload.clear();
  p.msg = MsgHdr{};
  const TraceeMemory mem(t.tid);
  const int fd0 = static_cast<int>(a[0]);
  bool want = true;  // an IPC call: keep it

  auto data = [&](int fd, Op op) {
    if (!use_fd(t, p, fd)) return false;
    p.rec.op = op;
    p.rec.dir = op == Op::send ? Dir::out : Dir::in;
    return true;
  };
  switch (info->sys) {
  case Sys::write:
  case Sys::read:
    want = data(fd0, info->sys == Sys::write ? Op::send : Op::recv);
    if (!want && info->sys == Sys::write && is_comm_file(t, fd0)) return rename_at_exit(p);
    p.rec.requested = a[2];
    if (want && info->sys == Sys::write) keep_payload(p, mem, a[1], a[2]);
    break;
  case Sys::writev:
  case Sys::readv:
    want = data(fd0, info->sys == Sys::writev ? Op::send : Op::recv);
    if (!want && info->sys == Sys::writev && is_comm_file(t, fd0)) return rename_at_exit(p);
    if (want) {
      p.rec.requested = iov_total(mem, a[1], a[2]).value_or(0);
      if (info->sys == Sys::writev && opts.payload) p.payload = iov_read(mem, a[1], a[2], opts.payload, p.rec.requested);
    }
    break;
  case Sys::sendto:
  case Sys::recvfrom:
    want = data(fd0, info->sys == Sys::sendto ? Op::send : Op::recv);
    p.rec.requested = a[2];
    if (want && info->sys == Sys::sendto) {
      keep_payload(p, mem, a[1], a[2]);
      if (a[4] && a[5]) {
        std::string raw(std::min<std::size_t>(a[5], 128), '\0');
        if (mem.read(a[4], raw.data(), raw.size())) p.name = sockaddr_text(raw);
      }
    }
    break;
  case Sys::sendmsg:
  case Sys::recvmsg:
    want = data(fd0, info->sys == Sys::sendmsg ? Op::send : Op::recv);
    if (want) {
      p.msg = read_msghdr(mem, a[1]).value_or(MsgHdr{});
      p.rec.requested = p.msg.bytes;
      if (info->sys == Sys::sendmsg) {
        if (!p.msg.addr.empty()) p.name = p.msg.addr;
        if (opts.payload) p.payload = iov_read(mem, p.msg.iov, p.msg.iovlen, opts.payload, p.msg.bytes);
      }
    }
    break;
  case Sys::sendmmsg:
  case Sys::recvmmsg:
    want = data(fd0, info->sys == Sys::sendmmsg ? Op::send : Op::recv);
    break;
  case Sys::splice: {
    // splice(in, off_in, out, off_out, len): report the IPC side; out first.
    want = data(static_cast<int>(a[2]), Op::send) || data(fd0, Op::recv);
    p.rec.requested = a[4];
    break;
  }
  case Sys::tee:
    want = data(static_cast<int>(a[1]), Op::send);
    p.rec.requested = a[2];
    break;
  case Sys::vmsplice:
    want = data(fd0, Op::send);
    if (want) p.rec.requested = iov_total(mem, a[1], a[2]).value_or(0);
    break;
  case Sys::sendfile:
    want = data(fd0, Op::send);
    p.rec.requested = a[3];
    break;
  case Sys::msgsnd:
  case Sys::msgrcv:
    p.rec.kind = model::Kind::sysv_msg;
    p.rec.channel = a[0];
    p.rec.flags |= k_has_channel;
    p.rec.requested = a[2];
    if (info->sys == Sys::msgsnd) {
      p.rec.op = Op::send;
      p.rec.dir = Dir::out;
      keep_payload(p, mem, a[1] + sizeof(long), a[2]);
    } else {
      p.rec.op = Op::recv;
      p.rec.dir = Dir::in;
      sink.user(p.rec.kind, p.rec.channel, t.tgid, Dir::in);
    }
    break;
  case Sys::semop:
  case Sys::semtimedop: {
    p.rec.kind = model::Kind::sysv_sem;
    p.rec.channel = a[0];
    p.rec.flags |= k_has_channel;
    p.rec.op = Op::sem_op;
    p.rec.requested = a[2];
    sink.user(p.rec.kind, p.rec.channel, t.tgid, Dir::none);
    std::vector<sembuf> ops(std::min<std::uint64_t>(a[2], 64));
    if (!ops.empty() && mem.read(a[1], ops.data(), ops.size() * sizeof(sembuf))) {
      std::string text;
      for (const auto& s : ops) text += fmt::format("{}{}:{:+d}", text.empty() ? "" : ",", s.sem_num, s.sem_op);
      p.name = text;
    }
    break;
  }
  case Sys::semctl: {
    const int cmd = static_cast<int>(a[2]) & 0xff;
    want = cmd == SETVAL || cmd == SETALL || cmd == IPC_RMID;
    p.rec.kind = model::Kind::sysv_sem;
    p.rec.channel = a[0];
    p.rec.flags |= k_has_channel;
    p.rec.op = cmd == IPC_RMID ? Op::unlink : Op::sem_set;
    p.rec.aux = cmd;
    if (cmd == SETVAL) p.name = fmt::format("{}={}", a[1], static_cast<int>(a[3]));
    break;
  }
  case Sys::msgget:
  case Sys::shmget:
  case Sys::semget:
    p.rec.kind = info->sys == Sys::msgget ? model::Kind::sysv_msg
                 : info->sys == Sys::shmget ? model::Kind::sysv_shm
                                            : model::Kind::sysv_sem;
    p.rec.op = (a[info->sys == Sys::msgget ? 1 : 2] & IPC_CREAT) ? Op::create : Op::open;
    p.rec.requested = info->sys == Sys::msgget ? 0 : a[1];  // segment size, semaphore count
    break;
  case Sys::shmat:
    p.rec.kind = model::Kind::sysv_shm;
    p.rec.channel = a[0];
    p.rec.flags |= k_has_channel;
    p.rec.op = Op::attach;
    break;
  case Sys::shmdt: {
    auto& maps = processes[t.tgid].shm_maps;
    auto it = maps.find(a[0]);
    p.rec.kind = model::Kind::sysv_shm;
    p.rec.op = Op::detach;
    if (it != maps.end()) {
      p.rec.channel = static_cast<std::uint64_t>(it->second);
      p.rec.flags |= k_has_channel;
      maps.erase(it);
    }
    break;
  }
  case Sys::mq_open:
  case Sys::mq_unlink:
    p.rec.kind = model::Kind::posix_mq;
    p.name = read_cstring(mem, a[0], 256).value_or("");
    if (!p.name.empty() && p.name[0] != '/') p.name.insert(0, 1, '/');
    p.rec.op = info->sys == Sys::mq_unlink ? Op::unlink : (a[1] & O_CREAT) ? Op::create : Op::open;
    break;
  case Sys::mq_timedsend:
  case Sys::mq_timedreceive:
    want = data(fd0, info->sys == Sys::mq_timedsend ? Op::send : Op::recv);
    p.rec.requested = a[2];
    if (want && info->sys == Sys::mq_timedsend) keep_payload(p, mem, a[1], a[2]);
    break;
  case Sys::mq_notify:
    want = use_fd(t, p, fd0);
    p.rec.op = Op::notify;
    break;
  case Sys::mmap:
    want = use_fd(t, p, static_cast<int>(a[4]));
    p.rec.op = Op::attach;
    p.rec.requested = a[1];
    break;
  case Sys::mknod:
  case Sys::mknodat: {
    const std::uint64_t path_arg = info->sys == Sys::mknod ? a[0] : a[1];
    p.rec.kind = model::Kind::fifo;
    p.rec.op = Op::create;
    std::string path = read_cstring(mem, path_arg).value_or("");
    if (!path.empty() && path[0] != '/') {
      // Relative: to the cwd, or to the directory descriptor.
      const bool cwd = info->sys == Sys::mknod || static_cast<int>(a[0]) == AT_FDCWD;
      const std::string link = cwd ? fmt::format("/proc/{}/cwd", t.tid) : fmt::format("/proc/{}/fd/{}", t.tid, fd0);
      char buf[4096];
      const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
      if (n > 0) path = std::string(buf, static_cast<std::size_t>(n)) + "/" + path;
    }
    p.name = path;
    break;
  }
  case Sys::pipe:
  case Sys::pipe2:
    p.rec.kind = model::Kind::pipe;
    p.rec.op = Op::create;
    break;
  case Sys::socketpair:
    p.rec.kind = model::Kind::unix_socket;
    p.rec.op = Op::create;
    break;
  case Sys::socket:
    p.rec.op = Op::create;
    break;
  case Sys::bind:
  case Sys::connect:
    want = use_fd(t, p, fd0);
    p.rec.op = info->sys == Sys::bind ? Op::bind : Op::connect;
    if (want && a[1] && a[2]) {
      std::string raw(std::min<std::size_t>(a[2], 128), '\0');
      if (mem.read(a[1], raw.data(), raw.size())) p.name = sockaddr_text(raw);
    }
    break;
  case Sys::accept:
  case Sys::accept4:
    p.rec.op = Op::accept;
    break;
  case Sys::eventfd:
  case Sys::eventfd2:
    p.rec.kind = model::Kind::eventfd;
    p.rec.op = Op::create;
    p.rec.requested = a[0];  // initial value
    break;
  case Sys::memfd_create:
    p.rec.kind = model::Kind::memfd;
    p.rec.op = Op::create;
    p.name = read_cstring(mem, a[0], 256).value_or("");
    break;
  case Sys::close: {
    auto& fds = processes[t.tgid].fds;
    auto it = fds.find(fd0);
    want = it != fds.end() && it->second.ipc && opts.kinds.has(it->second.kind);
    if (want) {
      use_fd(t, p, fd0);
      p.rec.op = Op::close;
      p.rec.flags |= k_entry_only;
      emit(p);
      flush();  // the descriptor is still there for the output stage to see
      sink.invalidate();
    }
    if (it != fds.end()) fds.erase(it);
    p.active = false;
    return;
  }
  case Sys::close_range:
  case Sys::dup2:
  case Sys::dup3:
    want = true;  // bookkeeping only: no event
    break;
  case Sys::unshare:
  case Sys::setns:
    // The records so far are resolved in the namespaces they were made in.
    flush();
    want = true;
    break;
  case Sys::prctl:
    // Attach mode stops at every prctl; the filter, at PR_SET_NAME only.
    if (a[0] == PR_SET_NAME) rename_at_exit(p);
    return;
  case Sys::kill:
  case Sys::tkill:
  case Sys::tgkill:
  case Sys::rt_sigqueueinfo:
  case Sys::rt_tgsigqueueinfo:
  case Sys::pidfd_send_signal: {
    int target = static_cast<int>(a[0]);
    std::uint64_t sig = a[1];
    if (info->sys == Sys::tgkill || info->sys == Sys::rt_tgsigqueueinfo) sig = a[2];
    if (info->sys == Sys::pidfd_send_signal) target = pidfd_target(t.tid, fd0);
    if (info->sys == Sys::tkill) target = read_tgid(target);
    want = sig != 0;
    p.rec.kind = model::Kind::signal;
    p.rec.op = Op::signal_send;
    p.rec.dir = Dir::out;
    p.rec.aux = static_cast<int>(sig);
    p.rec.target = target;
    if (target > 0) p.rec.flags |= k_has_target;
    else p.name = target == -1 ? "all" : fmt::format("pgrp {}", target == 0 ? ::getpgid(t.tgid) : -target);
    break;
  }
  }
  if (!want) return;
  // Kinds known only at the exit (socket, accept) are checked there; the
  // descriptor bookkeeping calls have none.
  const bool kind_later = info->sys == Sys::socket || info->sys == Sys::accept || info->sys == Sys::accept4 ||
                          info->sys == Sys::close_range || info->sys == Sys::dup2 || info->sys == Sys::dup3 ||
                          info->sys == Sys::unshare || info->sys == Sys::setns;
  if (!kind_later && !opts.kinds.has(p.rec.kind)) return;
  // Channels whose other end cannot be found from holders: tell the output
  // stage now, since the other side's record may be written first.
  if (p.rec.op == Op::send) {
    const model::Kind k = p.rec.kind;
    if (k == model::Kind::sysv_msg || k == model::Kind::posix_mq || k == model::Kind::eventfd)
      sink.user(k, p.rec.channel, t.tgid, Dir::out);
    else if ((k == model::Kind::udp || k == model::Kind::unix_socket) && !p.name.empty())
      sink.user(k, p.rec.channel, t.tgid, Dir::out, p.name);
  }
  p.active = true;
  // --fast: a send's entry says what it asked for; descriptors passed with it
  // are reported at its exit, when they have been sent.
  if (info->entry_enough || (opts.fast && info->is_send && p.msg.fds.empty())) {
    p.rec.flags |= k_entry_only;
    p.rec.transferred = p.rec.requested;
    emit(p);
    p.active = false;
  }
}

void Tracer::State::on_exit(TracedThread& t, std::int64_t rval, bool is_error) {
  PendingCall& p = t.pending;
  if (!p.active) return;
  p.active = false;
  if (p.rename) {
    // The events before the rename are written under the old name, those
    // after it under the new one.
    p.rename = false;
    if (!is_error) {
      flush();
      sink.process(t.tgid, read_comm(t.tgid));
    }
    return;
  }
  p.rec.duration_ns = now_ns(CLOCK_MONOTONIC) - p.rec.mono_ns;
  // A call interrupted by a signal (-ERESTARTSYS and kin) shows as EINTR.
  if (is_error && rval <= -512 && rval >= -516) rval = -EINTR;
  p.rec.result = rval;
  const TraceeMemory mem(t.tid);
  const auto& a = p.args;
  const bool ok = !is_error;
  const Sys sys = p.info->sys;
  if (ok && (p.rec.op == Op::send || p.rec.op == Op::recv)) p.rec.transferred = static_cast<std::uint64_t>(rval);
  switch (sys) {
  case Sys::read:
  case Sys::recvfrom:
  case Sys::mq_timedreceive:
    if (ok) keep_payload(p, mem, a[1], static_cast<std::uint64_t>(rval));
    if (ok && sys == Sys::recvfrom && a[4] && a[5]) {
      socklen_t len = 0;
      if (mem.read(a[5], &len, sizeof len) && len > 0) {
        std::string raw(std::min<std::size_t>(len, 128), '\0');
        if (mem.read(a[4], raw.data(), raw.size())) p.name = sockaddr_text(raw);
      }
    }
    break;
  case Sys::readv:
    if (ok && opts.payload) p.payload = iov_read(mem, a[1], a[2], opts.payload, static_cast<std::uint64_t>(rval));
    break;
  case Sys::recvmsg: {
    if (!ok) break;
    const MsgHdr after = read_msghdr(mem, a[1]).value_or(MsgHdr{});
    if (!after.addr.empty()) p.name = after.addr;
    if (opts.payload) p.payload = iov_read(mem, p.msg.iov, p.msg.iovlen, opts.payload, static_cast<std::uint64_t>(rval));
    if (!after.fds.empty()) {
      emit(p);
      PendingCall pass = p;
      pass.rec.op = Op::fd_pass;
      pass.rec.target = static_cast<int>(after.fds.size());
      std::string list;
      for (int fd : after.fds) {
        processes[t.tgid].fds.erase(fd);
        const FdClass& c = fd_class(t, fd);
        Record tmp;
        tmp.kind = c.kind;
        tmp.channel = c.id;
        tmp.flags = k_has_channel;
        const std::string ref = c.ipc ? channel_ref(tmp, c.name) : "file";
        list += fmt::format("{}{}={}", list.empty() ? "" : " ", fd, ref);
      }
      pass.name = list;
      pass.rec.transferred = pass.rec.requested = 0;
      emit(pass);
      return;
    }
    break;
  }
  case Sys::sendmsg:
    if (ok && !p.msg.fds.empty()) {
      PendingCall pass = p;
      pass.rec.op = Op::fd_pass;
      pass.rec.target = static_cast<int>(p.msg.fds.size());
      std::string list;
      for (int fd : p.msg.fds) {
        const FdClass& c = fd_class(t, fd);
        Record tmp;
        tmp.kind = c.kind;
        tmp.channel = c.id;
        tmp.flags = k_has_channel;
        list += fmt::format("{}{}={}", list.empty() ? "" : " ", fd, c.ipc ? channel_ref(tmp, c.name) : "file");
      }
      pass.name = list;
      pass.payload.clear();
      pass.rec.transferred = pass.rec.requested = 0;
      emit(p);
      emit(pass);
      return;
    }
    break;
  case Sys::sendmmsg:
  case Sys::recvmmsg: {
    // mmsghdr: a msghdr and the bytes moved (msg_len), vlen of them.
    const std::uint64_t vlen = std::min<std::uint64_t>(a[2], k_max_iov);
    std::vector<mmsghdr> v(vlen);
    if (vlen && mem.read(a[1], v.data(), vlen * sizeof(mmsghdr))) {
      std::uint64_t requested = 0, moved = 0;
      for (std::uint64_t i = 0; i < vlen; ++i) {
        requested += iov_total(mem, reinterpret_cast<std::uint64_t>(v[i].msg_hdr.msg_iov), v[i].msg_hdr.msg_iovlen).value_or(0);
        if (ok && i < static_cast<std::uint64_t>(rval)) moved += v[i].msg_len;
      }
      p.rec.requested = requested;
      p.rec.transferred = moved;
    }
    p.rec.aux = ok ? static_cast<int>(rval) : 0;  // messages
    break;
  }
  case Sys::msgrcv:
    if (ok) keep_payload(p, mem, a[1] + sizeof(long), static_cast<std::uint64_t>(rval));
    break;
  case Sys::msgsnd:
  case Sys::mq_timedsend:
    if (ok) p.rec.transferred = p.rec.requested;
    break;
  case Sys::msgget:
  case Sys::shmget:
  case Sys::semget:
    if (!ok) break;
    p.rec.channel = static_cast<std::uint64_t>(rval);
    p.rec.flags |= k_has_channel;
    break;
  case Sys::shmat:
    if (ok) processes[t.tgid].shm_maps[static_cast<std::uint64_t>(rval)] = static_cast<std::int64_t>(a[0]);
    break;
  case Sys::mq_open:
    if (ok) {
      FdClass c = classify_fd(t.tid, static_cast<int>(rval));
      if (c.ipc) {
        processes[t.tgid].fds[static_cast<int>(rval)] = c;
        p.rec.channel = c.id;
      }
      p.rec.fd = static_cast<int>(rval);
    }
    break;
  case Sys::pipe:
  case Sys::pipe2:
  case Sys::socketpair: {
    int fds[2] = {-1, -1};
    if (!ok || !mem.read(sys == Sys::socketpair ? a[3] : a[0], fds, sizeof fds)) break;
    for (int fd : fds) {
      PendingCall one = p;
      one.rec.result = rval;
      new_fd_event(t, one, fd, Op::create);
    }
    sink.invalidate();
    return;
  }
  case Sys::socket:
  case Sys::accept:
  case Sys::accept4:
  case Sys::eventfd:
  case Sys::eventfd2:
  case Sys::memfd_create:
    if (!ok) {
      if (sys == Sys::socket) return;  // unknown family: not worth an event
      break;
    }
    if (sys == Sys::memfd_create) p.name.clear();
    new_fd_event(t, p, static_cast<int>(rval), p.rec.op);
    sink.invalidate();
    return;
  case Sys::bind:
  case Sys::connect:
    sink.invalidate();  // the socket's addresses changed: a fresh sock_diag dump is needed
    break;
  case Sys::dup2:
  case Sys::dup3:
    if (ok) processes[t.tgid].fds.erase(static_cast<int>(a[1]));
    sink.invalidate();
    return;
  case Sys::unshare:
  case Sys::setns:
    if (ok) sink.namespaces_changed(t.tgid);
    return;
  case Sys::close_range:
    if (ok) {
      auto& fds = processes[t.tgid].fds;
      std::erase_if(fds, [&](const auto& e) {
        return static_cast<std::uint64_t>(e.first) >= a[0] && static_cast<std::uint64_t>(e.first) <= a[1];
      });
    }
    sink.invalidate();
    return;
  default:
    break;
  }
  emit(p);
}

void Tracer::State::on_signal(TracedThread& t, int sig) {
  siginfo_t si{};
  Record r;
  r.mono_ns = now_ns(CLOCK_MONOTONIC);
  r.wall_ns = now_ns(CLOCK_REALTIME);
  r.pid = t.tgid;
  r.tid = t.tid;
  r.kind = model::Kind::signal;
  r.op = Op::signal_deliver;
  r.dir = Dir::in;
  r.aux = sig;
  r.target = t.tgid;
  r.flags = k_has_target | k_entry_only;
  // Only signals a process sent (si_code <= 0: kill, sigqueue, tgkill, a
  // message queue's notification), not the kernel's SIGCHLD or SIGSEGV.
  if (::ptrace(PTRACE_GETSIGINFO, t.tid, 0, &si) != 0 || si.si_code > 0) return;
  if (t.tid == root && sig == SIGCONT && root_sigcont) {
    root_sigcont = false;
    return;
  }
  r.channel = static_cast<std::uint64_t>(si.si_pid);  // the sender
  if (opts.kinds.has(model::Kind::signal)) batch.records.push_back(r);
}

void Tracer::State::on_stop(int tid, int status) {
  if (WIFEXITED(status) || WIFSIGNALED(status)) {
    auto it = threads.find(tid);
    if (it != threads.end()) {
      if (it->second.tgid == tid) {
        processes.erase(tid);
        sink.process_exit(tid);
      }
      threads.erase(it);
    }
    if (tid == root) {
      result.code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
      result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    }
    sink.invalidate();
    return;
  }
  if (!WIFSTOPPED(status)) return;
  TracedThread& t = thread(tid);
  const int sig = WSTOPSIG(status);
  const int event = status >> 16;
  if (sig == (SIGTRAP | 0x80) || event == PTRACE_EVENT_SECCOMP) {
    if (tid == root && !root_execed) {
      resume(t);  // reporting a failed exec to ipctrace: not the command's IPC
      return;
    }
    __ptrace_syscall_info info{};
    if (::ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) <= 0) {
      resume(t);
      return;
    }
    if (info.op == PTRACE_SYSCALL_INFO_SECCOMP)
      on_entry(t, static_cast<long>(info.seccomp.nr), reinterpret_cast<const std::uint64_t*>(info.seccomp.args));
    else if (info.op == PTRACE_SYSCALL_INFO_ENTRY)
      on_entry(t, static_cast<long>(info.entry.nr), reinterpret_cast<const std::uint64_t*>(info.entry.args));
    else if (info.op == PTRACE_SYSCALL_INFO_EXIT)
      on_exit(t, info.exit.rval, info.exit.is_error != 0);
    resume(t);
    return;
  }
  switch (event) {
  case PTRACE_EVENT_FORK:
  case PTRACE_EVENT_VFORK:
  case PTRACE_EVENT_CLONE: {
    unsigned long child = 0;
    ::ptrace(PTRACE_GETEVENTMSG, tid, 0, &child);
    const int c = static_cast<int>(child);
    if (c > 0 && !threads.count(c)) {
      TracedThread& ct = thread(c, event == PTRACE_EVENT_CLONE ? 0 : c);
      // A new process starts with its parent's descriptors.
      if (ct.tgid == c && ct.tgid != t.tgid) processes[c].fds = processes[t.tgid].fds;
    }
    sink.invalidate();
    resume(t);
    return;
  }
  case PTRACE_EVENT_EXEC: {
    flush();
    unsigned long former = 0;
    ::ptrace(PTRACE_GETEVENTMSG, tid, 0, &former);
    if (static_cast<int>(former) != tid) threads.erase(static_cast<int>(former));
    t.pending.active = false;
    processes[t.tgid] = TracedProcess{};
    sink.process(t.tgid, read_comm(t.tgid));
    sink.invalidate();
    if (t.tgid == root) {
      root_execed = true;
      exec_pipe = UniqueFd();  // exec succeeded
    }
    resume(t);
    return;
  }
  case PTRACE_EVENT_EXIT:
    flush();  // its descriptors are still there
    t.pending.active = false;
    resume(t);
    return;
  case PTRACE_EVENT_STOP:
    if (is_stop_signal(sig)) {
      ::ptrace(PTRACE_LISTEN, tid, 0, 0);  // a group-stop: stay stopped
      return;
    }
    resume(t);
    return;
  default:
    break;
  }
  // A signal about to be delivered: record it, let it through.
  on_signal(t, sig);
  resume(t, sig);
}

void Tracer::State::detach_all() {
  flush();
  for (auto& [tid, t] : threads) ::ptrace(PTRACE_INTERRUPT, tid, 0, 0);
  while (!threads.empty()) {
    int status = 0;
    const int tid = ::waitpid(-1, &status, __WALL);
    if (tid == -1) {
      if (errno == EINTR) continue;
      break;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      threads.erase(tid);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    const int sig = WSTOPSIG(status);
    const int event = status >> 16;
    // Re-inject a signal that was about to be delivered; stops carry none.
    const bool signal_stop = event == 0 && sig != (SIGTRAP | 0x80);
    ::ptrace(PTRACE_DETACH, tid, 0, signal_stop ? sig : 0);
    threads.erase(tid);
  }
}

Result<ExitStatus> Tracer::run() {
  State& s = *m;
  // The heartbeat: records wait in the batch until it beats (or until a
  // stop needs them written), so a busy trace costs no write per event.
  struct sigaction sa {}, old_sa {};
  sa.sa_handler = [](int) { g_tick = 1; };
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGALRM, &sa, &old_sa);  // no SA_RESTART: waitpid returns EINTR
  itimerval beat{};
  beat.it_interval = beat.it_value = timeval{0, k_heartbeat_ms * 1000};
  ::setitimer(ITIMER_REAL, &beat, nullptr);
  const long beats_per_tick = s.opts.interval_s > 0 ? std::max(1L, std::lround(s.opts.interval_s * 1000 / k_heartbeat_ms)) : 0;
  long beats = 0;
  s.spin_ns = s.opts.spin_us > 0 && allowed_cpus().size() >= 2 ? std::int64_t{s.opts.spin_us} * 1000 : 0;
  for (;;) {
    if (g_stop && s.attach_mode) {
      s.detach_all();
      break;
    }
    if (g_tick) {
      g_tick = 0;
      s.flush();
      if (beats_per_tick && ++beats % beats_per_tick == 0) s.sink.tick();
    }
    int status = 0;
    const int tid = s.wait_any(status);
    if (tid == -1) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      return fail(sys_error("waitpid", "tracees"));
    }
    s.on_stop(tid, status);
    if (s.batch.records.size() >= k_batch_records) s.flush();
  }
  itimerval off{};
  ::setitimer(ITIMER_REAL, &off, nullptr);
  ::sigaction(SIGALRM, &old_sa, nullptr);
  s.flush();
  if (s.exec_pipe) {
    int err = 0;
    if (::read(s.exec_pipe.get(), &err, sizeof err) == sizeof err && err != 0)
      return fail(Error{err, "exec", "the command"});
  }
  return s.result;
}

} // namespace ipcctl::trace
