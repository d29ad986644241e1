// ipctrace --system: the loader and the user-space half of the eBPF backend.
//
// Why this shape: a BPF program cannot resolve refs and peers (that needs
// /proc, sock_diag and the history of who used what), so the kernel sends
// compact events (channel as inode, id or eventfd id; sockets' two ends) and
// this file turns them into the ptrace backend's Records; resolution, output
// and the summary are shared. The ring buffer is written with
// BPF_RB_NO_WAKEUP and read on a timer: a busy channel costs no wakeup per
// event. Hooks are probed: if the whole program does not load, each program
// is tried alone and those that load are kept, as long as sys_enter and
// sys_exit are among them.
#include <ipcctl/trace/system.hpp>

#include <ipcctl/trace/bpf_config.h>

#include <ipcctl/util/fd.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#if IPCCTL_HAVE_BPF

#include <ipcctl/linux/sockdiag.hpp>
#include <ipcctl/trace/decode.hpp>
#include <ipcctl/trace/syscalls.hpp>
#include <ipcctl/trace/bpf/ipctrace_bpf.h>
#include <ipcctl/trace/ipctrace.skel.h>
#include <ipcctl/util/parse.hpp>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <fmt/format.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <unordered_map>

#endif

namespace ipcctl::trace {

namespace {

// Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup, or
// /sys/fs/cgroup/unified on a hybrid (v1 + v2) system.
std::string cgroup2_root() {
  std::string mounts;
  if (read_file_at(AT_FDCWD, "/proc/self/mounts", mounts)) {
    std::string_view rest = mounts;
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      const std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      const auto f1 = line.find(' ');
      const auto f2 = line.find(' ', f1 + 1);
      if (f1 == std::string_view::npos || f2 == std::string_view::npos) continue;
      if (line.substr(f2 + 1).rfind("cgroup2 ", 0) == 0) return std::string(line.substr(f1 + 1, f2 - f1 - 1));
    }
  }
  return "/sys/fs/cgroup";
}

} // namespace

Result<std::uint64_t> cgroup_id(const std::string& path) {
  const std::string root = cgroup2_root();
  const std::string full = path.rfind(root, 0) == 0 ? path : root + "/" + (path.empty() || path[0] != '/' ? path : path.substr(1));
  struct stat st {};
  if (::stat(full.c_str(), &st) != 0) return fail(sys_error("stat", full));
  if (!S_ISDIR(st.st_mode)) return fail(Error{ENOTDIR, "cgroup", full, {}});
  return static_cast<std::uint64_t>(st.st_ino);
}

#if !IPCCTL_HAVE_BPF

struct SystemTracer::State {};
SystemTracer::SystemTracer(SystemOptions, Output&) {}
SystemTracer::~SystemTracer() = default;
Result<void> SystemTracer::start(const std::vector<std::string>&) {
  return fail(Error{0, "ipctrace --system", {}, "this ipctrace was built without eBPF support"});
}
std::string SystemTracer::capabilities() const { return {}; }
Result<ExitStatus> SystemTracer::run() {
  return fail(Error{0, "ipctrace --system", {}, "this ipctrace was built without eBPF support"});
}
SystemStats SystemTracer::stats() const { return {}; }
void SystemTracer::request_stop() {}
int SystemTracer::command_pid() const { return 0; }

#else

namespace {

static_assert(IPT_K_SYSV_MSG == static_cast<int>(model::Kind::sysv_msg) &&
              IPT_K_SYSV_SHM == static_cast<int>(model::Kind::sysv_shm) &&
              IPT_K_SYSV_SEM == static_cast<int>(model::Kind::sysv_sem) &&
              IPT_K_POSIX_MQ == static_cast<int>(model::Kind::posix_mq) &&
              IPT_K_FIFO == static_cast<int>(model::Kind::fifo) && IPT_K_PIPE == static_cast<int>(model::Kind::pipe) &&
              IPT_K_UNIX == static_cast<int>(model::Kind::unix_socket) &&
              IPT_K_TCP == static_cast<int>(model::Kind::tcp) && IPT_K_UDP == static_cast<int>(model::Kind::udp) &&
              IPT_K_EVENTFD == static_cast<int>(model::Kind::eventfd) &&
              IPT_K_SIGNAL == static_cast<int>(model::Kind::signal),
              "ipctrace_bpf.h kinds follow model::Kind");
static_assert(IPT_OP_SEND == static_cast<int>(Op::send) && IPT_OP_RECV == static_cast<int>(Op::recv) &&
              IPT_OP_CREATE == static_cast<int>(Op::create) && IPT_OP_OPEN == static_cast<int>(Op::open) &&
              IPT_OP_UNLINK == static_cast<int>(Op::unlink) && IPT_OP_ATTACH == static_cast<int>(Op::attach) &&
              IPT_OP_DETACH == static_cast<int>(Op::detach) && IPT_OP_SEM_OP == static_cast<int>(Op::sem_op) &&
              IPT_OP_SIGNAL_SEND == static_cast<int>(Op::signal_send) &&
              IPT_OP_SIGNAL_DELIVER == static_cast<int>(Op::signal_deliver),
              "ipctrace_bpf.h ops follow trace::Op");
static_assert(IPT_DIR_OUT == static_cast<int>(Dir::out) && IPT_DIR_IN == static_cast<int>(Dir::in),
              "ipctrace_bpf.h directions follow trace::Dir");

std::atomic<bool> g_stop{false};

// libbpf's messages: kept (the last few kB) to explain a failed load, never printed.
std::string g_libbpf_log;
int on_libbpf_print(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char line[512];
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(line, sizeof line, format, copy);
  va_end(copy);
  if (n > 0) g_libbpf_log.append(line, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof line - 1));
  if (g_libbpf_log.size() > 8192) g_libbpf_log.erase(0, g_libbpf_log.size() - 8192);
  return 0;
}

// The last line libbpf printed that says why, for an error message.
std::string libbpf_reason() {
  std::string_view log = g_libbpf_log;
  while (!log.empty() && log.back() == '\n') log.remove_suffix(1);
  const auto nl = log.rfind('\n');
  return std::string(nl == std::string_view::npos ? log : log.substr(nl + 1));
}

std::int64_t clock_ns(clockid_t id) {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

// The effective capabilities: CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN.
bool may_trace_system() {
  if (::geteuid() == 0) return true;
  std::string status;
  if (!read_file_at(AT_FDCWD, "/proc/self/status", status, Read::once)) return false;
  const auto at = status.find("CapEff:");
  if (at == std::string::npos) return false;
  const std::uint64_t caps = std::strtoull(status.c_str() + at + 7, nullptr, 16);
  constexpr std::uint64_t sys_admin = 1ULL << 21, perfmon = 1ULL << 38, bpf = 1ULL << 39;
  return (caps & sys_admin) || ((caps & perfmon) && (caps & bpf));
}

// A row of the syscall table as the BPF program reads it (the call map).
ipt_sys facts_of(const SyscallInfo& s) {
  ipt_sys f{};
  f.family = static_cast<__u8>(s.family);
  f.kind = s.kind ? static_cast<__u8>(*s.kind) : static_cast<__u8>(IPT_K_NONE);
  f.op = static_cast<__u8>(s.op);
  f.dir = static_cast<__u8>(s.dir);
  f.shape = static_cast<__u8>(s.shape);
  f.target_is = static_cast<__u8>(s.target_is);
  f.flags = s.zero_ok ? IPT_SYS_ZERO_OK : 0;
  f.fd = s.fd;
  f.buf = s.buf;
  f.len = s.len;
  f.addr = s.addr;
  f.id = s.id;
  f.flags_arg = s.flags;
  f.path = s.path;
  f.sig = s.sig;
  f.target = s.target;
  return f;
}

// The hook a program is attached to: its section name after the type.
std::string hook_name(const bpf_program* p) {
  const std::string_view sec = bpf_program__section_name(p);
  const auto slash = sec.find('/');
  return std::string(slash == std::string_view::npos ? sec : sec.substr(slash + 1));
}

std::string comm_text(const char (&comm)[16]) { return std::string(comm, ::strnlen(comm, sizeof comm)); }

std::string endpoint(const ipt_tuple& t, bool local) {
  sys::InetEndpoint e;
  std::memcpy(e.addr.data(), local ? t.laddr : t.raddr, 16);
  e.port = local ? t.lport : t.rport;
  return sys::endpoint_text(t.family == 10 ? sys::InetFamily::inet6 : sys::InetFamily::inet, e);
}

} // namespace

struct SystemTracer::State {
  SystemOptions opts;
  Output& out;
  ipctrace_bpf* skel = nullptr;
  ring_buffer* rb = nullptr;
  std::vector<std::string> hooks;  // loaded
  int child = 0;
  bool released = false;  // the command runs (it waits stopped until attached)
  Batch batch, pending;           // read last; read before, to resolve now
  std::vector<int> exits, pending_exits;
  bool changed = false;  // descriptors may have changed (fork, exec, exit)
  std::unordered_map<int, std::string> comms;
  std::unordered_map<std::uint64_t, std::string> fifo_paths, mq_names;  // by inode
  std::unordered_map<std::uint64_t, std::string> sock_dests;  // --summary: socket inode -> a datagram's destination
  std::map<std::pair<int, std::uint64_t>, std::uint64_t> shm_segments;  // (pid, address) -> id
  std::int64_t wall_offset = 0;
  SystemStats stats;

  State(SystemOptions o, Output& output) : opts(std::move(o)), out(output) {}
  ~State() {
    if (rb) ring_buffer__free(rb);
    if (skel) ipctrace_bpf__destroy(skel);
  }

  ipctrace_bpf* open_configured(bool filter_pids);
  Result<void> load(bool filter_pids);
  Result<void> fill_maps();
  void note_comm(int pid, const std::string& comm, std::int64_t since_ns = 0);
  int on_event(const void* data, std::size_t size);
  std::string fifo_path(const ipt_event& e, const char* name);
  void flush();
  void totals();
  std::array<std::uint64_t, IPT_COUNTERS> counters() const;
};

// IPCTRACE_BPF, a setting for working around (compat) and for measuring
// (floor, hooks, timing: read only in a build with -Dbench_knobs=true); see
// ipctrace(1).
bool bpf_env_is(std::string_view what) {
  if (!IPCCTL_BENCH_KNOBS && what != "compat") return false;
  const char* v = std::getenv("IPCTRACE_BPF");
  return v && std::string_view(v) == what;
}

ipctrace_bpf* SystemTracer::State::open_configured(bool filter_pids) {
  ipctrace_bpf* s = ipctrace_bpf__open();
  if (!s) return nullptr;
  s->rodata->self_tgid = static_cast<__u32>(::getpid());
  s->rodata->filter_pids = filter_pids;
  s->rodata->filter_cgroup = opts.cgroup.has_value();
  s->rodata->cgroup_id = opts.cgroup.value_or(0);
  s->rodata->filter_comm = !opts.comms.empty();
  s->rodata->summary = opts.summary;
  s->rodata->aid = bpf_env_is("hooks") ? IPT_AID_HOOKS : bpf_env_is("timing") ? IPT_AID_TIMING : IPT_AID_NONE;
  __u32 kinds = 0;
  for (model::Kind k : model::all_kinds())
    if (opts.kinds.has(k)) kinds |= 1u << static_cast<unsigned>(k);
  s->rodata->kinds = kinds;
  return s;
}

// The two programs of the sys_exit hook (ipctrace.bpf.c): one reads the
// kernel's structures with plain loads and needs bpf_rdonly_cast (Linux 6.2
// and later), the other with probe reads, for older kernels. One is loaded:
// the first where it loads, unless IPCTRACE_BPF=compat asks for the second.
constexpr std::string_view exit_fast = "on_sys_exit", exit_compat = "on_sys_exit_compat";

// IPCTRACE_BPF=floor, a measuring aid (bench/trace-system.sh): without the
// sys_enter program no call is ever in flight, so the sys_exit program
// returns after its first two checks, and what is left is what the hooks cost
// by being there: the kernel's slow path for every system call of every
// process, which any design on the syscall tracepoints pays. Whether PROGRAM
// is loaded as far as that setting goes (every path of load() asks).
bool floor_keeps(std::string_view program) { return program != "on_sys_enter" || !bpf_env_is("floor"); }

Result<void> SystemTracer::State::load(bool filter_pids) {
  libbpf_set_print(on_libbpf_print);
  const std::string_view unwanted = bpf_env_is("compat") ? exit_fast : exit_compat;
  // Loads only the programs KEEP says yes to; 0 or a libbpf error.
  auto load_only = [&](ipctrace_bpf* s, auto keep) {
    bpf_program* p = nullptr;
    bpf_object__for_each_program(p, s->obj) bpf_program__set_autoload(p, keep(std::string_view(bpf_program__name(p))));
    return ipctrace_bpf__load(s);
  };
  auto note_hooks = [&] {
    bpf_program* p = nullptr;
    bpf_object__for_each_program(p, skel->obj)
      if (bpf_program__autoload(p))
        hooks.push_back(hook_name(p) + (bpf_program__name(p) == exit_compat ? "(compat)" : ""));
  };
  // Every program, with the sys_exit one asked for; then, before 6.2, with
  // the other (it costs one load more, not one per program).
  for (const std::string_view without : {unwanted, unwanted == exit_compat ? exit_fast : std::string_view{}}) {
    if (without.empty()) break;
    skel = open_configured(filter_pids);
    if (!skel) return fail(Error{errno, "ipctrace --system", "open BPF object", {}});
    if (load_only(skel, [&](std::string_view n) { return n != without && floor_keeps(n); }) == 0) {
      note_hooks();
      return {};
    }
    ipctrace_bpf__destroy(skel);
    skel = nullptr;
  }
  // Some program does not load on this kernel: find which, keep the others.
  std::vector<std::string> names;
  {
    ipctrace_bpf* probe = open_configured(filter_pids);
    if (!probe) return fail(Error{errno, "ipctrace --system", "open BPF object", {}});
    bpf_program* p = nullptr;
    bpf_object__for_each_program(p, probe->obj) names.emplace_back(bpf_program__name(p));
    ipctrace_bpf__destroy(probe);
  }
  std::vector<std::string> ok;
  std::string why;
  for (const auto& name : names) {
    ipctrace_bpf* probe = open_configured(filter_pids);
    if (!probe) continue;
    if (load_only(probe, [&](std::string_view n) { return n == name; }) == 0) ok.push_back(name);
    else if (why.empty()) why = libbpf_reason();
    ipctrace_bpf__destroy(probe);
  }
  auto loads = [&](std::string_view name) { return std::find(ok.begin(), ok.end(), name) != ok.end(); };
  if (!loads("on_sys_enter") || (!loads(exit_fast) && !loads(exit_compat)))
    return fail(Error{0, "ipctrace --system", {},
                      fmt::format("the BPF program does not load on this kernel ({}); trace one command with "
                                  "ptrace instead: ipctrace -- CMD",
                                  why.empty() ? "no reason given" : why)});
  // One program of sys_exit: the one asked for where both load.
  const std::string_view drop = loads(exit_fast) && loads(exit_compat) ? unwanted : std::string_view{};
  skel = open_configured(filter_pids);
  if (!skel) return fail(Error{errno, "ipctrace --system", "open BPF object", {}});
  if (load_only(skel, [&](std::string_view n) { return loads(n) && n != drop && floor_keeps(n); }) != 0)
    return fail(Error{0, "ipctrace --system", {}, fmt::format("loading the BPF program: {}", libbpf_reason())});
  note_hooks();
  return {};
}

Result<void> SystemTracer::State::fill_maps() {
  const int calls = bpf_map__fd(skel->maps.calls);
  // The rows of the families the program decodes (the others' calls are
  // left out of the map: the program does not look at them).
  for (const SyscallInfo& info : traced_syscalls()) {
    if (!bpf_decodes(info.family) || info.nr < 0 || info.nr >= 1024) continue;
    const __u32 key = static_cast<__u32>(info.nr);
    const ipt_sys value = facts_of(info);
    bpf_map_update_elem(calls, &key, &value, BPF_ANY);
  }
  const int tgids = bpf_map__fd(skel->maps.tgids);
  for (int pid : opts.pids) {
    const __u32 key = static_cast<__u32>(pid);
    const __u8 one = 1;
    if (bpf_map_update_elem(tgids, &key, &one, BPF_ANY) != 0) return fail(sys_error("bpf_map_update_elem", "tgids"));
  }
  const int comms = bpf_map__fd(skel->maps.comms);
  for (const auto& c : opts.comms) {
    char key[16] = {};
    std::memcpy(key, c.data(), std::min<std::size_t>(c.size(), 15));
    const __u8 one = 1;
    if (bpf_map_update_elem(comms, key, &one, BPF_ANY) != 0) return fail(sys_error("bpf_map_update_elem", "comms"));
  }
  return {};
}

// The command is the task's at the event: a rename (prctl, /proc/PID/comm,
// exec) shows from the first event after it, and the records before it,
// resolved later, keep the name they were made under.
void SystemTracer::State::note_comm(int pid, const std::string& comm, std::int64_t since_ns) {
  auto [it, fresh] = comms.try_emplace(pid, comm);
  if (!fresh && it->second == comm) return;
  it->second = comm;
  out.resolver().note_process(pid, comm, since_ns);  // as Output::process, with the time
}

std::string SystemTracer::State::fifo_path(const ipt_event& e, const char* name) {
  if (name && name[0]) {
    std::string path(name, ::strnlen(name, IPT_NAME_MAX));
    if (path[0] != '/') {
      char cwd[4096];
      const ssize_t n = ::readlink(fmt::format("/proc/{}/cwd", e.pid).c_str(), cwd, sizeof cwd);
      if (n > 0) path = std::string(cwd, static_cast<std::size_t>(n)) + "/" + path;
    }
    fifo_paths[e.channel] = path;
    return path;
  }
  if (auto it = fifo_paths.find(e.channel); it != fifo_paths.end()) return it->second;
  // Opened before the trace began: its descriptor names it, while it is open.
  char link[4096];
  const ssize_t n = ::readlink(fmt::format("/proc/{}/fd/{}", e.pid, e.fd).c_str(), link, sizeof link);
  if (n <= 0 || link[0] != '/') return {};
  std::string path(link, static_cast<std::size_t>(n));
  fifo_paths[e.channel] = path;
  return path;
}

int SystemTracer::State::on_event(const void* data, std::size_t size) {
  if (size < sizeof(ipt_event)) return 0;
  const auto& e = *static_cast<const ipt_event*>(data);
  const auto* l = (e.flags & IPT_F_NAME) && size >= sizeof(ipt_event_long) ? static_cast<const ipt_event_long*>(data)
                                                                            : nullptr;
  ++stats.events;
  const int pid = static_cast<int>(e.pid);
  switch (e.type) {
  case IPT_EV_FORK:
  case IPT_EV_EXEC:
    note_comm(pid, comm_text(e.comm), static_cast<std::int64_t>(e.mono_ns));
    out.resolver().note_namespaces(pid, e.ipc_ns, e.net_ns);
    changed = true;
    return 0;
  case IPT_EV_EXIT:
    exits.push_back(pid);
    changed = true;
    return 0;
  case IPT_EV_IPC:
  case IPT_EV_SOCKET:
    break;
  default:
    return 0;
  }
  note_comm(pid, comm_text(e.comm), static_cast<std::int64_t>(e.mono_ns));
  out.resolver().note_namespaces(pid, e.ipc_ns, e.net_ns);
  Record r;
  r.mono_ns = static_cast<std::int64_t>(e.mono_ns);
  r.wall_ns = r.mono_ns + wall_offset;
  r.duration_ns = e.duration_ns;
  r.result = e.result;
  r.channel = e.channel;
  r.requested = e.requested;
  r.transferred = e.transferred;
  r.pid = pid;
  r.tid = static_cast<int>(e.tid);
  r.fd = e.fd;
  r.target = e.target;
  r.aux = e.aux;
  r.nr = e.nr;
  r.kind = static_cast<model::Kind>(e.kind);
  r.op = static_cast<Op>(e.op);
  r.dir = static_cast<Dir>(e.dir);
  r.sock_type = e.sock_type;
  r.ipc_ns = e.ipc_ns;
  if (e.flags & IPT_F_CHANNEL) r.flags |= k_has_channel;
  if (e.flags & IPT_F_TARGET) r.flags |= k_has_target;
  if (r.op == Op::signal_deliver) r.flags |= k_entry_only;
  std::string name;
  switch (r.kind) {
  case model::Kind::fifo:
    name = fifo_path(e, l ? l->name : nullptr);
    break;
  case model::Kind::posix_mq:
    if (l && l->name[0]) {
      name.assign(l->name, ::strnlen(l->name, IPT_NAME_MAX));
      if (name[0] != '/') name.insert(0, 1, '/');
      if (r.flags & k_has_channel) mq_names[r.channel] = name;
    } else if (auto it = mq_names.find(r.channel); it != mq_names.end()) {
      name = it->second;
    }
    break;
  case model::Kind::sysv_shm:
    if (r.op == Op::attach && r.result >= 0 && r.result != -1) {
      shm_segments[{pid, static_cast<std::uint64_t>(r.result)}] = r.channel;
    } else if (r.op == Op::detach) {
      if (auto it = shm_segments.find({pid, r.requested}); it != shm_segments.end()) {
        r.channel = it->second;
        r.flags |= k_has_channel;
        shm_segments.erase(it);
      }
      r.requested = 0;
    }
    break;
  default:
    break;
  }
  if (l && (e.flags & IPT_F_ADDR)) name = sockaddr_text(std::string_view(reinterpret_cast<const char*>(l->addr), l->addr_len));
  if (l && (e.flags & IPT_F_TUPLE) && (r.flags & k_has_channel))
    out.resolver().note_endpoints(r.kind, r.channel, endpoint(l->tuple, true),
                                  l->tuple.rport ? endpoint(l->tuple, false) : std::string(), pid);
  if (l && (e.flags & IPT_F_PEER) && (r.flags & k_has_channel)) out.resolver().note_unix_peer(r.channel, l->peer_ino);
  if (e.type == IPT_EV_SOCKET) {
    // Not an event: what --summary needs to resolve the socket's rows.
    if (r.op == Op::send && !name.empty()) {
      out.user(r.kind, r.channel, pid, Dir::out, name);
      sock_dests[r.channel] = name;
    }
    return 0;
  }
  r.name = batch.strings.add(std::move(name));
  batch.records.push_back(r);
  return 0;
}

void SystemTracer::State::flush() {
  if (changed) out.invalidate();
  // Who used which channel, before any record is resolved: the process at
  // the other end may have a record in the next read of the ring buffer (a
  // blocked reader's returns just after the write), or be gone. So records
  // are resolved one read late, after the users of the next are known.
  for (const Record& r : batch.records) {
    if (r.flags & k_has_channel) out.resolver().note_user(r.kind, r.channel, r.pid, r.dir, r.ipc_ns);
    const std::string& name = batch.strings.get(r.name);
    if (r.op == Op::send && !name.empty() && (r.kind == model::Kind::udp || r.kind == model::Kind::unix_socket))
      out.user(r.kind, r.channel, r.pid, Dir::out, name);
  }
  // Also when empty: the output stage writes the records it held back for
  // their order once their window has passed.
  out.batch(pending);
  pending.clear();
  std::swap(pending, batch);
  for (int pid : pending_exits) out.process_exit(pid);
  if (!pending_exits.empty()) out.invalidate();
  pending_exits.clear();
  std::swap(pending_exits, exits);
  changed = false;
}

std::array<std::uint64_t, IPT_COUNTERS> SystemTracer::State::counters() const {
  std::array<std::uint64_t, IPT_COUNTERS> total{};
  const int fd = bpf_map__fd(skel->maps.counters);
  const int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return total;
  std::vector<__u64> per_cpu(static_cast<std::size_t>(ncpu));
  for (__u32 i = 0; i < IPT_COUNTERS; ++i)
    if (bpf_map_lookup_elem(fd, &i, per_cpu.data()) == 0)
      for (auto v : per_cpu) total[i] += v;
  return total;
}

void SystemTracer::State::totals() {
  const int fd = bpf_map__fd(skel->maps.agg);
  const int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return;
  struct Row {
    ipt_agg_key key;
    ipt_agg_value sum;
  };
  std::vector<Row> rows;
  std::vector<ipt_agg_value> per_cpu(static_cast<std::size_t>(ncpu));
  ipt_agg_key key{}, next{};
  bool first = true;
  while (bpf_map_get_next_key(fd, first ? nullptr : &key, &next) == 0) {
    first = false;
    key = next;
    if (bpf_map_lookup_elem(fd, &key, per_cpu.data()) != 0) continue;
    Row row{key, {}};
    for (const auto& v : per_cpu) {
      row.sum.messages += v.messages;
      row.sum.bytes += v.bytes;
      row.sum.errors += v.errors;
      for (int b = 0; b < IPT_HIST_BUCKETS; ++b) row.sum.hist[b] += v.hist[b];
      if (v.comm[0]) std::memcpy(row.sum.comm, v.comm, sizeof v.comm);
      if (v.nr) row.sum.nr = v.nr;
    }
    rows.push_back(row);
  }
  Batch b;
  auto record_of = [&](const Row& row) {
    Record r;
    r.kind = static_cast<model::Kind>(row.key.kind);
    r.op = static_cast<Op>(row.key.op);
    r.dir = static_cast<Dir>(row.key.dir);
    r.pid = r.tid = static_cast<int>(row.key.pid);
    r.nr = row.sum.nr;
    r.sock_type = row.key.sock_type;
    if (r.op == Op::signal_send) {
      r.target = static_cast<int>(row.key.channel);
      if (r.target > 0) r.flags |= k_has_target;
    } else {
      r.channel = row.key.channel;
      // SysV id 0 is an id; 0 is no channel only for the other kinds.
      if (r.channel || row.key.kind <= IPT_K_SYSV_SEM) r.flags |= k_has_channel;
    }
    std::string name;
    if (r.kind == model::Kind::fifo) {
      if (auto it = fifo_paths.find(r.channel); it != fifo_paths.end()) name = it->second;
    } else if (r.kind == model::Kind::posix_mq) {
      if (auto it = mq_names.find(r.channel); it != mq_names.end()) name = it->second;
    } else if (r.op == Op::send) {
      if (auto it = sock_dests.find(r.channel); it != sock_dests.end()) name = it->second;
    }
    r.name = b.strings.add(std::move(name));
    return r;
  };
  for (const Row& row : rows) {
    note_comm(static_cast<int>(row.key.pid), comm_text(row.sum.comm));
    if (row.key.ipc_ns) out.resolver().note_ipc_namespace(static_cast<int>(row.key.pid), row.key.ipc_ns);
    const Record r = record_of(row);
    if (r.flags & k_has_channel) out.user(r.kind, r.channel, r.pid, r.dir, {});
  }
  Summary s;
  for (const Row& row : rows) {
    const Event e = out.resolver().resolve(b, record_of(row));
    std::vector<std::pair<std::int64_t, std::uint64_t>> durations;
    for (int i = 0; i < IPT_HIST_BUCKETS; ++i)
      if (row.sum.hist[i]) durations.emplace_back(std::int64_t{1} << i, row.sum.hist[i]);
    s.add_totals(e, row.sum.messages, row.sum.bytes, row.sum.errors, durations);
  }
  const auto c = counters();
  stats.lost_events = c[IPT_LOST_EVENTS];
  stats.lost_rows = c[IPT_LOST_AGG];
  s.set_lost_events(c[IPT_LOST_EVENTS] + c[IPT_LOST_AGG]);
  out.summary() = std::move(s);
}

SystemTracer::SystemTracer(SystemOptions opts, Output& out) : m(std::make_unique<State>(std::move(opts), out)) {}
SystemTracer::~SystemTracer() {
  if (m->child > 0 && !m->released) {
    // start() failed after the command was made: it never ran.
    ::kill(m->child, SIGKILL);
    ::waitpid(m->child, nullptr, 0);
  }
}

Result<void> SystemTracer::start(const std::vector<std::string>& command) {
  if (!may_trace_system())
    return fail(Error{0, "ipctrace --system", {},
                      "needs CAP_BPF and CAP_PERFMON (or root); without them, trace one command with ptrace: "
                      "ipctrace -- CMD, or ipctrace -p PID"});
  if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0)
    return fail(Error{0, "ipctrace --system", {},
                      "needs a kernel with BTF (/sys/kernel/btf/vmlinux is missing); trace one command with "
                      "ptrace instead: ipctrace -- CMD"});
  const bool filter_pids = !m->opts.pids.empty() || !command.empty();
  if (auto r = m->load(filter_pids); !r) return r;
  if (!command.empty()) {
    // The command stops itself before exec until its pid is in the filter
    // and the program is attached: its first instruction is traced, and
    // nothing of ipctrace's own before it.
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) return fail(sys_error("fork", command[0]));
    if (pid == 0) {
      ::raise(SIGSTOP);
      std::vector<char*> argv;
      argv.reserve(command.size() + 1);
      for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      const int err = errno;
      std::fprintf(stderr, "ipctrace: cannot run '%s': %s\n", command[0].c_str(), std::strerror(err));
      ::_exit(err == ENOENT ? 127 : 126);
    }
    m->child = pid;
    int status = 0;
    if (::waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status))
      return fail(Error{0, "ipctrace --system", command[0], "the command did not start"});
    m->opts.pids.push_back(pid);
  }
  if (auto r = m->fill_maps(); !r) return r;
  if (ipctrace_bpf__attach(m->skel) != 0)
    return fail(Error{errno, "ipctrace --system", fmt::format("attach ({})", libbpf_reason()), {}});
  m->rb = ring_buffer__new(
      bpf_map__fd(m->skel->maps.events),
      [](void* ctx, void* data, std::size_t size) { return static_cast<State*>(ctx)->on_event(data, size); }, m.get(),
      nullptr);
  if (!m->rb) return fail(sys_error("ring_buffer__new", "events"));
  m->wall_offset = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
  if (m->child > 0) {
    ::kill(m->child, SIGCONT);
    m->released = true;
  }
  return {};
}

std::string SystemTracer::capabilities() const {
  std::string out;
  for (const auto& h : m->hooks) out += (out.empty() ? "" : " ") + h;
  return out;
}

int SystemTracer::command_pid() const { return m->child; }

void SystemTracer::request_stop() { g_stop = true; }

Result<ExitStatus> SystemTracer::run() {
  ExitStatus status;
  const std::int64_t start = clock_ns(CLOCK_MONOTONIC);
  std::int64_t last_tick = start;
  const auto ns = [](double s) { return static_cast<std::int64_t>(s * 1e9); };
  // The programs wake no one (BPF_RB_NO_WAKEUP): the ring is read every
  // 20 ms, or every millisecond while a read finds it busy. A busy machine
  // fills the ring (about 75,000 events) in some 50 ms, and a fixed pause
  // after each long read let it overflow while the reader could keep up.
  constexpr int k_busy_records = 2048;
  bool busy = false;
  while (!g_stop) {
    timespec pause{0, busy ? 1'000'000 : 20'000'000};
    ::nanosleep(&pause, nullptr);
    busy = ring_buffer__consume(m->rb) >= k_busy_records;
    m->flush();
    const std::int64_t now = clock_ns(CLOCK_MONOTONIC);
    if (m->child > 0) {
      int st = 0;
      if (::waitpid(m->child, &st, WNOHANG) == m->child) {
        m->child = 0;
        if (WIFEXITED(st)) status.code = WEXITSTATUS(st);
        if (WIFSIGNALED(st)) status.signal = WTERMSIG(st);
        break;
      }
    }
    if (m->opts.duration_s > 0 && now - start >= ns(m->opts.duration_s)) break;
    if (m->opts.summary && m->opts.interval_s > 0 && now - last_tick >= ns(m->opts.interval_s)) {
      last_tick = now;
      m->totals();
      m->out.tick();
    }
  }
  ring_buffer__consume(m->rb);
  m->flush();
  m->flush();  // the records held back one read
  if (m->child > 0) {
    // --duration ended the trace: the command runs on, untraced; its status is ours.
    int st = 0;
    while (::waitpid(m->child, &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(st)) status.code = WEXITSTATUS(st);
    if (WIFSIGNALED(st)) status.signal = WTERMSIG(st);
    m->child = 0;
  }
  if (m->opts.summary) m->totals();
  const auto c = m->counters();
  m->stats.lost_events = c[IPT_LOST_EVENTS];
  m->stats.lost_rows = c[IPT_LOST_AGG];
  return status;
}

SystemStats SystemTracer::stats() const { return m->stats; }

#endif

} // namespace ipcctl::trace
