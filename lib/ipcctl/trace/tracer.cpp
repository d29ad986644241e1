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
// - A record is stamped at its call's entry but made at its exit: a read
//   that blocks until a write comes enters first and is made last. So each
//   batch says when the oldest call still in flight entered, and the output
//   stage holds back what entered after it, to write in entry order.
// - A call is decoded by its family's pair of handlers (handlers()), which
//   read its row of the syscall table (which argument is the descriptor, the
//   buffer, the address...), never its name: a call of a known family is one
//   row in syscalls.cpp and no code here.
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
        // The launched command is named at its exec: before, it is ipctrace.
        if (tid != root || root_execed) sink.process(tid, read_comm(tid));
      }
    }
    return it->second;
  }

  // Hands the batch over; on the heartbeat (`beat`) also an empty one, so
  // that records held back for their order (Batch::in_flight_since) are
  // written once the calls they waited for have come.
  void flush(bool beat = false) {
    if (batch.records.empty() && !beat) return;
    batch.in_flight_since = INT64_MAX;
    for (const auto& [tid, t] : threads)
      if (t.pending.active && !t.pending.rename) batch.in_flight_since = std::min(batch.in_flight_since, t.pending.rec.mono_ns);
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

  // A call's entry or exit stop, as its family's handlers see it.
  struct Stop {
    TracedThread& t;
    PendingCall& p;
    const SyscallInfo& s;  // its row
    TraceeMemory mem;
    std::int64_t rval = 0;  // at the exit: the result
    bool ok = false;        // at the exit: it succeeded
    // Argument i (an index from the row; never -1 where it is read).
    std::uint64_t arg(std::int8_t i) const { return p.args[static_cast<std::size_t>(i)]; }
  };
  enum class Entry { drop, keep, done };  // done: the handler did all there is
  enum class Exit { emit, done };         // done: the handler emitted what there is
  struct Handlers {
    Family family;
    Entry (State::*entry)(Stop&);
    Exit (State::*exit)(Stop&);
  };
  static const Handlers& handlers(Family f);

  bool data(Stop& c, int fd, Dir dir);
  std::string read_sockaddr(const Stop& c, std::uint64_t addr, std::uint64_t len);
  std::string fd_list(TracedThread& t, const std::vector<int>& fds);
  Entry enter_none(Stop&) { return Entry::drop; }
  Entry enter_keep(Stop&) { return Entry::keep; }
  Exit exit_emit(Stop&) { return Exit::emit; }
  Entry enter_fd_data(Stop& c);
  Exit exit_fd_data(Stop& c);
  Exit exit_recvmsg(Stop& c);
  Exit exit_sendmsg(Stop& c);
  Entry enter_fd_splice(Stop& c);
  Entry enter_sysv_data(Stop& c);
  Exit exit_sysv_data(Stop& c);
  Entry enter_sem_op(Stop& c);
  Entry enter_sem_ctl(Stop& c);
  Entry enter_ipc_get(Stop& c);
  Exit exit_ipc_get(Stop& c);
  Entry enter_shm_attach(Stop& c);
  Exit exit_shm_attach(Stop& c);
  Entry enter_shm_detach(Stop& c);
  Entry enter_mq_name(Stop& c);
  Exit exit_mq_name(Stop& c);
  Entry enter_fd_op(Stop& c);
  Exit exit_fd_op(Stop& c);
  Entry enter_mknod(Stop& c);
  Entry enter_fd_pair(Stop& c);
  Exit exit_fd_pair(Stop& c);
  Entry enter_fd_new(Stop& c);
  Exit exit_fd_new(Stop& c);
  Entry enter_close(Stop& c);
  Exit exit_fd_table(Stop& c);
  Entry enter_namespaces(Stop& c);
  Exit exit_namespaces(Stop& c);
  Entry enter_rename(Stop& c);
  Entry enter_signal_send(Stop& c);
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
  Stop c{t, p, *info, TraceeMemory(t.tid)};
  if ((this->*handlers(info->family).entry)(c) != Entry::keep) return;
  // Kinds known only at the exit (socket, accept) are checked there; the
  // descriptor and namespace bookkeeping calls have none.
  if (!kind_at_exit(info->family) && !opts.kinds.has(p.rec.kind)) return;
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
  if (info->entry_enough || (opts.fast && info->fast_entry && p.msg.fds.empty())) {
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
  if (!is_error && (p.rec.op == Op::send || p.rec.op == Op::recv)) p.rec.transferred = static_cast<std::uint64_t>(rval);
  Stop c{t, p, *p.info, TraceeMemory(t.tid), rval, !is_error};
  if ((this->*handlers(p.info->family).exit)(c) == Exit::emit) emit(p);
}

// The handlers, one pair for each family of calls (syscall_facts.hpp). An
// entry handler fills the record from the arguments the row names and says
// whether the call is kept; an exit handler adds what the result tells.

const Tracer::State::Handlers& Tracer::State::handlers(Family f) {
  using S = State;
  static constexpr std::array<Handlers, k_family_names.size()> table = {{
      {Family::none, &S::enter_none, &S::exit_emit},
      {Family::fd_data, &S::enter_fd_data, &S::exit_fd_data},
      {Family::fd_splice, &S::enter_fd_splice, &S::exit_emit},
      {Family::sysv_data, &S::enter_sysv_data, &S::exit_sysv_data},
      {Family::sem_op, &S::enter_sem_op, &S::exit_emit},
      {Family::sem_ctl, &S::enter_sem_ctl, &S::exit_emit},
      {Family::ipc_get, &S::enter_ipc_get, &S::exit_ipc_get},
      {Family::shm_attach, &S::enter_shm_attach, &S::exit_shm_attach},
      {Family::shm_detach, &S::enter_shm_detach, &S::exit_emit},
      {Family::mq_name, &S::enter_mq_name, &S::exit_mq_name},
      {Family::fd_op, &S::enter_fd_op, &S::exit_fd_op},
      {Family::mknod, &S::enter_mknod, &S::exit_emit},
      {Family::fd_pair, &S::enter_fd_pair, &S::exit_fd_pair},
      {Family::fd_new, &S::enter_fd_new, &S::exit_fd_new},
      {Family::close, &S::enter_close, &S::exit_emit},
      {Family::fd_table, &S::enter_keep, &S::exit_fd_table},
      {Family::namespaces, &S::enter_namespaces, &S::exit_namespaces},
      {Family::rename, &S::enter_rename, &S::exit_emit},
      {Family::signal_send, &S::enter_signal_send, &S::exit_emit},
      {Family::fifo_open, &S::enter_none, &S::exit_emit},  // the eBPF backend's only
  }};
  static_assert([] {
    for (std::size_t i = 0; i < table.size(); ++i)
      if (static_cast<std::size_t>(table[i].family) != i) return false;
    return true;
  }(), "one pair of handlers for each Family, in its order");
  return table[static_cast<std::size_t>(f)];
}

bool Tracer::State::data(Stop& c, int fd, Dir dir) {
  if (!use_fd(c.t, c.p, fd)) return false;
  c.p.rec.op = dir == Dir::out ? Op::send : Op::recv;
  c.p.rec.dir = dir;
  return true;
}

std::string Tracer::State::read_sockaddr(const Stop& c, std::uint64_t addr, std::uint64_t len) {
  std::string raw(std::min<std::size_t>(len, 128), '\0');
  return c.mem.read(addr, raw.data(), raw.size()) ? sockaddr_text(raw) : std::string();
}

Tracer::State::Entry Tracer::State::enter_fd_data(Stop& c) {
  PendingCall& p = c.p;
  const SyscallInfo& s = c.s;
  const bool out = s.dir == Dir::out;
  const int fd = static_cast<int>(c.arg(s.fd));
  if (!data(c, fd, s.dir)) {
    if (out && s.file_io && is_comm_file(c.t, fd)) {
      rename_at_exit(p);
      return Entry::done;
    }
    return Entry::drop;
  }
  switch (s.shape) {
  case Shape::bytes:
    p.rec.requested = c.arg(s.len);
    if (out) keep_payload(p, c.mem, c.arg(s.buf), c.arg(s.len));
    break;
  case Shape::iov:
    p.rec.requested = iov_total(c.mem, c.arg(s.buf), c.arg(s.len)).value_or(0);
    if (out && opts.payload) p.payload = iov_read(c.mem, c.arg(s.buf), c.arg(s.len), opts.payload, p.rec.requested);
    break;
  case Shape::msghdr:
    p.msg = read_msghdr(c.mem, c.arg(s.buf)).value_or(MsgHdr{});
    p.rec.requested = p.msg.bytes;
    if (out) {
      if (!p.msg.addr.empty()) p.name = p.msg.addr;
      if (opts.payload) p.payload = iov_read(c.mem, p.msg.iov, p.msg.iovlen, opts.payload, p.msg.bytes);
    }
    break;
  default:  // mmsghdr: counted at the exit
    break;
  }
  // The destination of a datagram sent (its length is a value).
  if (out && s.addr >= 0 && c.arg(s.addr) && c.arg(s.addr + 1)) p.name = read_sockaddr(c, c.arg(s.addr), c.arg(s.addr + 1));
  return Entry::keep;
}

Tracer::State::Exit Tracer::State::exit_fd_data(Stop& c) {
  PendingCall& p = c.p;
  const SyscallInfo& s = c.s;
  const bool in = s.dir == Dir::in;
  const std::uint64_t moved = static_cast<std::uint64_t>(c.rval);
  if (c.ok && s.zero_ok) p.rec.transferred = p.rec.requested;
  switch (s.shape) {
  case Shape::bytes:
    if (!in || !c.ok) break;
    keep_payload(p, c.mem, c.arg(s.buf), moved);
    // The source of a datagram received (its length is a pointer to it).
    if (s.addr >= 0 && c.arg(s.addr) && c.arg(s.addr + 1)) {
      socklen_t len = 0;
      if (c.mem.read(c.arg(s.addr + 1), &len, sizeof len) && len > 0) p.name = read_sockaddr(c, c.arg(s.addr), len);
    }
    break;
  case Shape::iov:
    if (in && c.ok && opts.payload) p.payload = iov_read(c.mem, c.arg(s.buf), c.arg(s.len), opts.payload, moved);
    break;
  case Shape::msghdr:
    return in ? exit_recvmsg(c) : exit_sendmsg(c);
  case Shape::mmsghdr: {
    // mmsghdr: a msghdr and the bytes moved (msg_len), vlen of them.
    const std::uint64_t vlen = std::min<std::uint64_t>(c.arg(s.len), k_max_iov);
    std::vector<mmsghdr> v(vlen);
    if (vlen && c.mem.read(c.arg(s.buf), v.data(), vlen * sizeof(mmsghdr))) {
      std::uint64_t requested = 0, total = 0;
      for (std::uint64_t i = 0; i < vlen; ++i) {
        requested += iov_total(c.mem, reinterpret_cast<std::uint64_t>(v[i].msg_hdr.msg_iov), v[i].msg_hdr.msg_iovlen).value_or(0);
        if (c.ok && i < moved) total += v[i].msg_len;
      }
      p.rec.requested = requested;
      p.rec.transferred = total;
    }
    p.rec.aux = c.ok ? static_cast<int>(c.rval) : 0;  // messages
    break;
  }
  default:
    break;
  }
  return Exit::emit;
}

// "3=pipe:123 4=file": descriptors passed, as the process has them now.
std::string Tracer::State::fd_list(TracedThread& t, const std::vector<int>& fds) {
  std::string list;
  for (int fd : fds) {
    const FdClass& c = fd_class(t, fd);
    Record tmp;
    tmp.kind = c.kind;
    tmp.channel = c.id;
    tmp.flags = k_has_channel;
    list += fmt::format("{}{}={}", list.empty() ? "" : " ", fd, c.ipc ? channel_ref(tmp, c.name) : "file");
  }
  return list;
}

Tracer::State::Exit Tracer::State::exit_recvmsg(Stop& c) {
  PendingCall& p = c.p;
  if (!c.ok) return Exit::emit;
  const MsgHdr after = read_msghdr(c.mem, c.arg(c.s.buf)).value_or(MsgHdr{});
  if (!after.addr.empty()) p.name = after.addr;
  if (opts.payload) p.payload = iov_read(c.mem, p.msg.iov, p.msg.iovlen, opts.payload, static_cast<std::uint64_t>(c.rval));
  if (after.fds.empty()) return Exit::emit;
  emit(p);
  PendingCall pass = p;
  pass.rec.op = Op::fd_pass;
  pass.rec.target = static_cast<int>(after.fds.size());
  // Descriptors new to the process: classified afresh.
  for (int fd : after.fds) processes[c.t.tgid].fds.erase(fd);
  pass.name = fd_list(c.t, after.fds);
  pass.rec.transferred = pass.rec.requested = 0;
  emit(pass);
  return Exit::done;
}

Tracer::State::Exit Tracer::State::exit_sendmsg(Stop& c) {
  PendingCall& p = c.p;
  if (!c.ok || p.msg.fds.empty()) return Exit::emit;
  PendingCall pass = p;
  pass.rec.op = Op::fd_pass;
  pass.rec.target = static_cast<int>(p.msg.fds.size());
  pass.name = fd_list(c.t, p.msg.fds);
  pass.payload.clear();
  pass.rec.transferred = pass.rec.requested = 0;
  emit(p);
  emit(pass);
  return Exit::done;
}

Tracer::State::Entry Tracer::State::enter_fd_splice(Stop& c) {
  const SyscallInfo& s = c.s;
  const Dir other = s.dir == Dir::out ? Dir::in : Dir::out;
  const bool want = data(c, static_cast<int>(c.arg(s.fd)), s.dir) ||
                    (s.fd_other >= 0 && data(c, static_cast<int>(c.arg(s.fd_other)), other));
  if (s.shape == Shape::iov) {
    if (want) c.p.rec.requested = iov_total(c.mem, c.arg(s.buf), c.arg(s.len)).value_or(0);
  } else {
    c.p.rec.requested = c.arg(s.len);
  }
  return want ? Entry::keep : Entry::drop;
}

// A SysV message: the data after its type.
Tracer::State::Entry Tracer::State::enter_sysv_data(Stop& c) {
  PendingCall& p = c.p;
  const SyscallInfo& s = c.s;
  p.rec.kind = *s.kind;
  p.rec.channel = c.arg(s.id);
  p.rec.flags |= k_has_channel;
  p.rec.requested = c.arg(s.len);
  p.rec.op = s.dir == Dir::out ? Op::send : Op::recv;
  p.rec.dir = s.dir;
  if (s.dir == Dir::out) keep_payload(p, c.mem, c.arg(s.buf) + sizeof(long), c.arg(s.len));
  else sink.user(p.rec.kind, p.rec.channel, c.t.tgid, Dir::in);
  return Entry::keep;
}

Tracer::State::Exit Tracer::State::exit_sysv_data(Stop& c) {
  if (c.ok && c.s.dir == Dir::in) keep_payload(c.p, c.mem, c.arg(c.s.buf) + sizeof(long), static_cast<std::uint64_t>(c.rval));
  if (c.ok && c.s.zero_ok) c.p.rec.transferred = c.p.rec.requested;
  return Exit::emit;
}

Tracer::State::Entry Tracer::State::enter_sem_op(Stop& c) {
  PendingCall& p = c.p;
  const SyscallInfo& s = c.s;
  p.rec.kind = *s.kind;
  p.rec.channel = c.arg(s.id);
  p.rec.flags |= k_has_channel;
  p.rec.op = s.op;
  p.rec.requested = c.arg(s.len);
  sink.user(p.rec.kind, p.rec.channel, c.t.tgid, Dir::none);
  std::vector<sembuf> ops(std::min<std::uint64_t>(c.arg(s.len), 64));
  if (!ops.empty() && c.mem.read(c.arg(s.buf), ops.data(), ops.size() * sizeof(sembuf))) {
    std::string text;
    for (const auto& o : ops) text += fmt::format("{}{}:{:+d}", text.empty() ? "" : ",", o.sem_num, o.sem_op);
    p.name = text;
  }
  return Entry::keep;
}

// semctl(id, semnum, cmd, arg): only what writes (SETVAL, SETALL) or removes.
Tracer::State::Entry Tracer::State::enter_sem_ctl(Stop& c) {
  PendingCall& p = c.p;
  const int cmd = static_cast<int>(c.arg(2)) & 0xff;
  p.rec.kind = *c.s.kind;
  p.rec.channel = c.arg(c.s.id);
  p.rec.flags |= k_has_channel;
  p.rec.op = cmd == IPC_RMID ? Op::unlink : c.s.op;
  p.rec.aux = cmd;
  if (cmd == SETVAL) p.name = fmt::format("{}={}", c.arg(1), static_cast<int>(c.arg(3)));
  return cmd == SETVAL || cmd == SETALL || cmd == IPC_RMID ? Entry::keep : Entry::drop;
}

Tracer::State::Entry Tracer::State::enter_ipc_get(Stop& c) {
  const SyscallInfo& s = c.s;
  c.p.rec.kind = *s.kind;
  c.p.rec.op = (c.arg(s.flags) & IPC_CREAT) ? Op::create : s.op;
  c.p.rec.requested = s.len >= 0 ? c.arg(s.len) : 0;  // segment size, semaphore count
  return Entry::keep;
}

Tracer::State::Exit Tracer::State::exit_ipc_get(Stop& c) {
  if (c.ok) {
    c.p.rec.channel = static_cast<std::uint64_t>(c.rval);
    c.p.rec.flags |= k_has_channel;
  }
  return Exit::emit;
}

Tracer::State::Entry Tracer::State::enter_shm_attach(Stop& c) {
  c.p.rec.kind = *c.s.kind;
  c.p.rec.channel = c.arg(c.s.id);
  c.p.rec.flags |= k_has_channel;
  c.p.rec.op = c.s.op;
  return Entry::keep;
}

Tracer::State::Exit Tracer::State::exit_shm_attach(Stop& c) {
  if (c.ok) processes[c.t.tgid].shm_maps[static_cast<std::uint64_t>(c.rval)] = static_cast<std::int64_t>(c.arg(c.s.id));
  return Exit::emit;
}

// The segment, from the address its shmat returned.
Tracer::State::Entry Tracer::State::enter_shm_detach(Stop& c) {
  auto& maps = processes[c.t.tgid].shm_maps;
  auto it = maps.find(c.arg(c.s.buf));
  c.p.rec.kind = *c.s.kind;
  c.p.rec.op = c.s.op;
  if (it != maps.end()) {
    c.p.rec.channel = static_cast<std::uint64_t>(it->second);
    c.p.rec.flags |= k_has_channel;
    maps.erase(it);
  }
  return Entry::keep;
}

Tracer::State::Entry Tracer::State::enter_mq_name(Stop& c) {
  PendingCall& p = c.p;
  const SyscallInfo& s = c.s;
  p.rec.kind = *s.kind;
  p.name = read_cstring(c.mem, c.arg(s.path), 256).value_or("");
  if (!p.name.empty() && p.name[0] != '/') p.name.insert(0, 1, '/');
  p.rec.op = s.flags >= 0 && (c.arg(s.flags) & O_CREAT) ? Op::create : s.op;
  return Entry::keep;
}

// An opened queue: its descriptor, classified now.
Tracer::State::Exit Tracer::State::exit_mq_name(Stop& c) {
  if (c.ok && c.p.rec.op != Op::unlink) {
    const int fd = static_cast<int>(c.rval);
    FdClass fc = classify_fd(c.t.tid, fd);
    if (fc.ipc) {
      processes[c.t.tgid].fds[fd] = fc;
      c.p.rec.channel = fc.id;
    }
    c.p.rec.fd = fd;
  }
  return Exit::emit;
}

Tracer::State::Entry Tracer::State::enter_fd_op(Stop& c) {
  PendingCall& p = c.p;
  const SyscallInfo& s = c.s;
  const bool want = use_fd(c.t, p, static_cast<int>(c.arg(s.fd)));
  p.rec.op = s.op;
  if (s.len >= 0) p.rec.requested = c.arg(s.len);
  if (want && s.addr >= 0 && c.arg(s.addr) && c.arg(s.addr + 1)) p.name = read_sockaddr(c, c.arg(s.addr), c.arg(s.addr + 1));
  return want ? Entry::keep : Entry::drop;
}

Tracer::State::Exit Tracer::State::exit_fd_op(Stop& c) {
  if (c.s.addr >= 0) sink.invalidate();  // the socket's addresses changed: a fresh sock_diag dump is needed
  return Exit::emit;
}

Tracer::State::Entry Tracer::State::enter_mknod(Stop& c) {
  const SyscallInfo& s = c.s;
  c.p.rec.kind = *s.kind;
  c.p.rec.op = s.op;
  std::string path = read_cstring(c.mem, c.arg(s.path)).value_or("");
  if (!path.empty() && path[0] != '/') {
    // Relative: to the cwd, or to the directory descriptor.
    const bool cwd = s.dirfd < 0 || static_cast<int>(c.arg(s.dirfd)) == AT_FDCWD;
    const std::string link = cwd ? fmt::format("/proc/{}/cwd", c.t.tid)
                                 : fmt::format("/proc/{}/fd/{}", c.t.tid, static_cast<int>(c.arg(s.dirfd)));
    char buf[4096];
    const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
    if (n > 0) path = std::string(buf, static_cast<std::size_t>(n)) + "/" + path;
  }
  c.p.name = path;
  return Entry::keep;
}

Tracer::State::Entry Tracer::State::enter_fd_pair(Stop& c) {
  c.p.rec.kind = *c.s.kind;
  c.p.rec.op = c.s.op;
  return Entry::keep;
}

// One event for each of the two descriptors.
Tracer::State::Exit Tracer::State::exit_fd_pair(Stop& c) {
  int fds[2] = {-1, -1};
  if (!c.ok || !c.mem.read(c.arg(c.s.buf), fds, sizeof fds)) return Exit::emit;
  for (int fd : fds) {
    PendingCall one = c.p;
    one.rec.result = c.rval;
    new_fd_event(c.t, one, fd, Op::create);
  }
  sink.invalidate();
  return Exit::done;
}

Tracer::State::Entry Tracer::State::enter_fd_new(Stop& c) {
  const SyscallInfo& s = c.s;
  if (s.kind) c.p.rec.kind = *s.kind;
  c.p.rec.op = s.op;
  if (s.len >= 0) c.p.rec.requested = c.arg(s.len);  // eventfd: the initial value
  if (s.path >= 0) c.p.name = read_cstring(c.mem, c.arg(s.path), 256).value_or("");
  return Entry::keep;
}

// The new descriptor, classified: its kind is known now.
Tracer::State::Exit Tracer::State::exit_fd_new(Stop& c) {
  if (!c.ok) return c.s.quiet_failure ? Exit::done : Exit::emit;
  c.p.name.clear();
  new_fd_event(c.t, c.p, static_cast<int>(c.rval), c.p.rec.op);
  sink.invalidate();
  return Exit::done;
}

Tracer::State::Entry Tracer::State::enter_close(Stop& c) {
  PendingCall& p = c.p;
  const int fd = static_cast<int>(c.arg(c.s.fd));
  auto& fds = processes[c.t.tgid].fds;
  auto it = fds.find(fd);
  if (it != fds.end() && it->second.ipc && opts.kinds.has(it->second.kind)) {
    use_fd(c.t, p, fd);
    p.rec.op = c.s.op;
    p.rec.flags |= k_entry_only;
    emit(p);
    flush();  // the descriptor is still there for the output stage to see
    sink.invalidate();
  }
  if (it != fds.end()) fds.erase(it);
  p.active = false;
  return Entry::done;
}

// dup2, dup3: the descriptor replaced; close_range: those in the range.
Tracer::State::Exit Tracer::State::exit_fd_table(Stop& c) {
  auto& fds = processes[c.t.tgid].fds;
  if (c.ok && c.s.fd_other < 0) {
    fds.erase(static_cast<int>(c.arg(c.s.fd)));
  } else if (c.ok) {
    const std::uint64_t first = c.arg(c.s.fd), last = c.arg(c.s.fd_other);
    std::erase_if(fds, [&](const auto& e) {
      return static_cast<std::uint64_t>(e.first) >= first && static_cast<std::uint64_t>(e.first) <= last;
    });
  }
  sink.invalidate();
  return Exit::done;
}

// The records so far are resolved in the namespaces they were made in.
Tracer::State::Entry Tracer::State::enter_namespaces(Stop&) {
  flush();
  return Entry::keep;
}

Tracer::State::Exit Tracer::State::exit_namespaces(Stop& c) {
  if (c.ok) sink.namespaces_changed(c.t.tgid);
  return Exit::done;
}

// prctl(option, ...): attach mode stops at every prctl; the filter, at
// PR_SET_NAME only.
Tracer::State::Entry Tracer::State::enter_rename(Stop& c) {
  if (c.arg(0) == PR_SET_NAME) rename_at_exit(c.p);
  return Entry::done;
}

Tracer::State::Entry Tracer::State::enter_signal_send(Stop& c) {
  PendingCall& p = c.p;
  const SyscallInfo& s = c.s;
  int target = static_cast<int>(c.arg(s.target));
  const std::uint64_t sig = c.arg(s.sig);
  if (s.target_is == Target::pidfd) target = pidfd_target(c.t.tid, target);
  if (s.target_is == Target::tid) target = read_tgid(target);
  p.rec.kind = *s.kind;
  p.rec.op = s.op;
  p.rec.dir = s.dir;
  p.rec.aux = static_cast<int>(sig);
  p.rec.target = target;
  if (target > 0) p.rec.flags |= k_has_target;
  else p.name = target == -1 ? "all" : fmt::format("pgrp {}", target == 0 ? ::getpgid(c.t.tgid) : -target);
  return sig != 0 ? Entry::keep : Entry::drop;
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
      s.flush(true);
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
