// /proc/locks names each lock's file only by device and inode, and its
// owner only by a pid that is the process for a POSIX lock but merely the
// locker for flock, OFD locks and leases, which belong to an open file that
// fork and SCM_RIGHTS share among processes. The descriptors that hold a
// lock are the ones whose /proc/PID/fdinfo/FD lists it (a "lock:" line in
// the /proc/locks format), so: take the walk's descriptors on the same
// inode, read the fdinfo of just those (once each, however many byte-range
// locks a file has) and keep the ones that list the lock. Waiters never show
// in fdinfo: their pid is all there is. The kernel gives a lock's device as
// the superblock's s_dev, which stat() also reports except on filesystems
// such as btrfs subvolumes and overlayfs; there the lock keeps its pid
// holder but gets no path. Two identical lines (one process taking a shared
// flock twice through two opens of a file) cannot be told apart: both get
// the holders of both.
// A waiter's wait has no start time in the kernel: /proc/locks lists it and
// nothing more. What can be read is where its thread sleeps (wchan, the
// kernel's lock wait when it is blocked on the lock) and, from the
// scheduler's debug file /proc/PID/sched, se.exec_start: when it last ran,
// on the clock of the CPU it ran on (which leaves out interrupt and steal
// time, so it is compared with ipcctl's own thread's, not with the time of
// day). Each CPU's clock lags the time of day by its own interrupt and
// steal time (seconds apart on a virtual machine), so the reading to compare
// with is taken on the CPU the waiter last ran on (/proc/PID/stat's
// processor field), by a short-lived thread of ipcctl's moved there; where
// it cannot move, on whichever CPU it runs, and the estimate may be off by
// those seconds. The difference is how long the waiter has slept, which is
// how long it has waited unless it woke and slept again (a lock it waited
// behind went, and another took its place). Only waiters are looked at.
#include <ipcctl/linux/locks.hpp>

#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <unordered_map>

namespace ipcctl::sys {

namespace {

std::optional<std::uint64_t> parse_hex(std::string_view s) { return to_u64(s, 16); }

// "fe:00:408225": hex major and minor, decimal inode.
bool parse_dev_inode(std::string_view s, LockLine& l) {
  if (starts_with(s, "<none>")) return true;  // a lock without an inode
  const auto last = s.rfind(':');
  if (last == std::string_view::npos) return false;
  const auto mid = s.substr(0, last).find(':');
  if (mid == std::string_view::npos) return false;
  const auto major = parse_hex(s.substr(0, mid));
  const auto minor = parse_hex(s.substr(mid + 1, last - mid - 1));
  const auto inode = to_u64(s.substr(last + 1));
  if (!major || !minor || !inode || *major > 0xfffff || *minor > 0xfffff) return false;
  l.dev = makedev(*major, *minor);
  l.inode = *inode;
  return true;
}

std::string_view lock_access(std::string_view mode) {
  if (mode == "read") return "r";
  if (mode == "write") return "w";
  if (mode == "rw") return "rw";
  return "";
}

// The locks each descriptor's fdinfo lists, read on first use.
class FdinfoLocks {
public:
  FdinfoLocks(const ProcRoot& root, const model::Snapshot& snap) : m_root(root), m_snap(snap) {}

  const std::vector<LockLine>& of(std::size_t fd_index) {
    auto [it, inserted] = m_cache.try_emplace(fd_index);
    if (inserted) {
      const model::FdEntry& e = m_snap.walk->fds[fd_index];
      const std::string path = fmt::format("{}/fdinfo/{}", e.pid, e.fd);
      if (read_file_at(m_root.proc_fd(), path.c_str(), m_buf)) it->second = parse_fdinfo_locks(m_buf);
    }
    return it->second;
  }

private:
  const ProcRoot& m_root;
  const model::Snapshot& m_snap;
  std::unordered_map<std::size_t, std::vector<LockLine>> m_cache;
  std::string m_buf;
};

class LockSource final : public Source {
public:
  model::Kind kind() const override { return model::Kind::lock; }
  bool slow() const override { return true; }  // an fdinfo per locked descriptor
  Result<void> collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const override;
};

// Descriptors on the lock's file: same inode, and the same device where the
// walk stat()ed the target (pipes and sockets can be flock()ed too).
std::vector<std::size_t> candidates(const model::Snapshot& snap, const LockLine& l) {
  std::vector<std::size_t> out;
  if (!l.inode) return out;
  const auto [first, last] = snap.walk->fds_by_inode.equal_range(*l.inode);
  for (auto it = first; it != last; ++it) {
    const model::FdEntry& e = snap.walk->fds[it->second];
    if (e.dev == *l.dev || (e.type != model::FdType::path && e.dev == 0)) out.push_back(it->second);
  }
  std::sort(out.begin(), out.end());  // walk order: stable output
  return out;
}

struct Found {
  std::vector<model::Holder> holders;
  const model::FdEntry* file = nullptr;  // a descriptor on the lock's file: its path
};

Found find_holders(const model::Snapshot& snap, FdinfoLocks& fdinfo, const LockLine& l) {
  Found found;
  const std::string access(lock_access(l.mode));
  const std::vector<std::size_t> cands = candidates(snap, l);
  if (l.depth == 0) {
    for (std::size_t i : cands) {
      const auto& held = fdinfo.of(i);
      if (std::none_of(held.begin(), held.end(), [&](const LockLine& h) { return same_lock(h, l); })) continue;
      model::Holder h = snap.holder(snap.walk->fds[i]);
      h.access = access;
      found.holders.push_back(std::move(h));
      if (found.file == nullptr) found.file = &snap.walk->fds[i];
    }
  }
  if (found.holders.empty() && l.pid > 0) {
    // A waiter, or descriptors we could not read: the pid, and its one
    // descriptor on the file if it has exactly one.
    model::Holder h{l.pid, {}, std::nullopt, access, model::Via::fd, std::nullopt};
    if (const model::Process* p = snap.process(l.pid)) {
      h.comm = p->comm;
      h.uid = p->uid;
    }
    const model::FdEntry* only = nullptr;
    int count = 0;
    for (std::size_t i : cands) {
      if (snap.walk->fds[i].pid == l.pid && snap.walk->fds[i].dev == *l.dev) {
        only = &snap.walk->fds[i];
        ++count;
      }
    }
    if (count == 1) {
      h.fd = only->fd;
      found.file = only;
    }
    found.holders.push_back(std::move(h));
  }
  for (std::size_t i = 0; found.file == nullptr && i < cands.size(); ++i) {
    const model::FdEntry& e = snap.walk->fds[cands[i]];
    if (e.type == model::FdType::path && e.dev == *l.dev) found.file = &e;
  }
  return found;
}

// se.exec_start of a /proc/PID/sched text, in milliseconds (its unit).
std::optional<double> exec_start_ms(std::string_view text) {
  std::optional<double> out;
  for_each_line(text, [&](std::string_view line) {
    if (out || !starts_with(line, "se.exec_start")) return;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const std::string number(trim(line.substr(colon + 1)));
    char* end = nullptr;
    const double v = std::strtod(number.c_str(), &end);
    if (end != number.c_str() && *end == '\0' && v >= 0) out = v;
  });
  return out;
}

// Whether a wchan is a wait for a file lock or lease: locks_lock_inode_wait,
// flock_lock_inode_wait, do_lock_file_wait, fcntl_setlk, __break_lease...
bool lock_wait(std::string_view wchan) {
  return wchan.find("lock") != std::string_view::npos || wchan.find("setlk") != std::string_view::npos ||
         wchan.find("lease") != std::string_view::npos;
}

// The CPU a thread last ran on: field 39 of a /proc/PID/stat text.
std::optional<int> last_cpu(std::string_view stat) {
  const auto paren = stat.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  const auto f = split_ws(stat.substr(paren + 1));  // f[0] is field 3, the state
  if (f.size() <= 36) return std::nullopt;
  const auto cpu = to_i64(f[36]);
  if (!cpu || *cpu < 0 || *cpu >= CPU_SETSIZE) return std::nullopt;
  return static_cast<int>(*cpu);
}

// ipcctl's own se.exec_start on `cpu` (any CPU when nullopt or when the
// thread cannot be moved there), read by a thread that runs there: the
// reading of that CPU's scheduler clock to compare a waiter's with.
class SchedClock {
public:
  explicit SchedClock(const ProcRoot& root) : m_root(root) {}

  std::optional<double> now_on(std::optional<int> cpu) {
    const int at = cpu.value_or(-1);
    if (auto it = m_cache.find(at); it != m_cache.end()) return it->second;
    std::optional<double> out;
    std::thread([&] {
      if (cpu) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(*cpu, &set);
        if (::sched_setaffinity(0, sizeof set, &set) == 0) ::sched_yield();
      }
      std::string buf;
      if (read_file_at(m_root.proc_fd(), "thread-self/sched", buf)) out = exec_start_ms(buf);
    }).join();
    m_cache[at] = out;
    return out;
  }

private:
  const ProcRoot& m_root;
  std::map<int, std::optional<double>> m_cache;
};

struct Wait {
  std::optional<std::string> wchan;
  std::optional<std::int64_t> ms;
};

// Where the waiter `pid` sleeps and for how long: of its threads (at most
// the first 256), the first that sleeps in a lock wait, else the main one.
Wait waiter_wait(const ProcRoot& root, SchedClock& clock, int pid, std::string& buf) {
  Wait w;
  const std::string task = fmt::format("{}/task", pid);
  std::vector<std::string> tids;
  if (UniqueFd dir(::openat(root.proc_fd(), task.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); dir) {
    (void)for_each_entry(dir.get(), [&](const char* name) {
      if (tids.size() < 256) tids.emplace_back(name);
    });
  }
  std::sort(tids.begin(), tids.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;  // the main thread (lowest tid) first
  });
  std::string chosen = std::to_string(pid);
  for (const std::string& tid : tids) {
    const std::string path = fmt::format("{}/{}/wchan", task, tid);
    if (!read_file_at(root.proc_fd(), path.c_str(), buf, Read::once)) continue;
    const std::string_view wchan = trim(buf);
    if (wchan.empty() || wchan == "0") continue;
    if (!w.wchan || (lock_wait(wchan) && !lock_wait(*w.wchan))) {
      w.wchan = std::string(wchan);
      chosen = tid;
    }
    if (lock_wait(*w.wchan)) break;
  }
  const std::string sched = fmt::format("{}/{}/sched", task, chosen);
  if (!read_file_at(root.proc_fd(), sched.c_str(), buf)) return w;
  const auto theirs = exec_start_ms(buf);
  if (!theirs) return w;
  const std::string stat = fmt::format("{}/{}/stat", task, chosen);
  std::optional<int> cpu;
  if (read_file_at(root.proc_fd(), stat.c_str(), buf, Read::once)) cpu = last_cpu(buf);
  if (const auto mine = clock.now_on(cpu)) w.ms = static_cast<std::int64_t>(std::max(0.0, *mine - *theirs));
  return w;
}

model::Value or_null(const auto& v) {
  if (v) return *v;
  return std::monostate{};
}

Result<void> LockSource::collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const {
  const ProcRoot& root = ctx.root();
  auto text = read_file(root.path("/proc/locks"));
  if (!text) return fail(text.error());
  FdinfoLocks fdinfo(root, snap);

  std::string buf;
  SchedClock clock(root);
  std::int64_t number = -1;
  int waiters = 0;
  std::vector<std::string> chain;  // chain[d]: the ref of the latest entry at depth d
  for (const LockLine& l : parse_locks(*text)) {
    if (l.depth == 0 || l.number != number) {
      number = l.number;
      waiters = 0;
      chain.clear();
    }
    model::Object o;
    o.kind = model::Kind::lock;
    o.ref = l.depth == 0 ? fmt::format("lock:{}", l.number) : fmt::format("lock:{}.{}", l.number, ++waiters);
    o.id = l.number;
    o.inode = l.inode;
    std::optional<std::string> blocked_on;
    if (l.depth > 0) {
      const std::size_t d = static_cast<std::size_t>(l.depth) - 1;
      blocked_on = chain.empty() ? fmt::format("lock:{}", l.number) : chain[std::min(d, chain.size() - 1)];
    }
    chain.resize(std::min(chain.size(), static_cast<std::size_t>(l.depth)));
    chain.push_back(o.ref);

    Found found = find_holders(snap, fdinfo, l);
    o.holders = std::move(found.holders);
    if (!opts.keeps(o, {l.pid})) continue;
    const model::Process* owner = snap.process(l.pid);
    if (owner == nullptr && !o.holders.empty()) owner = snap.process(o.holders.front().pid);
    if (owner != nullptr) {
      o.owner.uid = owner->uid;
      o.owner.gid = owner->gid;
    }
    if (found.file != nullptr) o.name = found.file->target;

    o.set(model::key::kind, std::string(l.kind));
    o.set(model::key::lock_mode, std::string(l.mode));
    o.set(model::key::start, l.start);
    o.set(model::key::end, or_null(l.end));
    o.set(model::key::path, or_null(o.name));
    o.set(model::key::mandatory, l.mandatory);
    o.set(model::key::lock_blocked, l.depth > 0);
    o.set(model::key::blocked_on, or_null(blocked_on));
    o.set(model::key::pid, l.pid > 0 ? model::Value{std::int64_t{l.pid}} : model::Value{});
    o.set(model::key::lease_state, l.lease_state.empty() ? model::Value{} : model::Value{std::string(l.lease_state)});
    Wait wait;
    if (l.depth > 0 && l.pid > 0) wait = waiter_wait(root, clock, l.pid, buf);
    o.set(model::key::wchan, or_null(wait.wchan));
    o.set(model::key::waiting_ms, or_null(wait.ms));
    snap.objects.push_back(std::move(o));
  }
  return {};
}

} // namespace

std::optional<LockLine> parse_lock_line(std::string_view line) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  LockLine l;
  const auto number = to_i64(trim(line.substr(0, colon)));
  if (!number) return std::nullopt;
  l.number = *number;

  std::string_view rest = line.substr(colon + 1);
  std::size_t indent = 0;
  while (indent < rest.size() && rest[indent] == ' ') ++indent;
  if (rest.substr(indent, 2) == "->") {
    l.depth = static_cast<int>(std::max<std::size_t>(indent, 1));
    rest.remove_prefix(indent + 2);
  }
  const auto f = split_ws(rest);
  if (f.size() < 7) return std::nullopt;

  const std::string_view type = f[0], qualifier = f[1];
  l.access_check = type == "ACCESS";
  if (type == "POSIX" || type == "ACCESS") l.kind = "posix";
  else if (type == "OFDLCK") l.kind = "ofd";
  else if (type == "FLOCK") l.kind = "flock";
  else if (type == "LEASE") l.kind = "lease";
  else if (type == "DELEG") l.kind = "delegation";
  else l.kind = "unknown";
  l.mandatory = qualifier == "MANDATORY" || qualifier == "MSNFS";
  if (l.kind == "lease" || l.kind == "delegation") {
    if (qualifier == "ACTIVE") l.lease_state = "active";
    else if (qualifier == "BREAKING") l.lease_state = "breaking";
    else if (qualifier == "BREAKER") l.lease_state = "breaker";
  }

  const std::string_view mode = f[2];
  if (mode == "READ") l.mode = "read";
  else if (mode == "WRITE") l.mode = "write";
  else if (mode == "RW") l.mode = "rw";
  else if (mode == "UNLCK" || mode == "NONE") l.mode = "none";
  else l.mode = "unknown";

  const auto pid = to_i64(f[3]);
  if (!pid || *pid < std::numeric_limits<int>::min() || *pid > std::numeric_limits<int>::max()) return std::nullopt;
  l.pid = static_cast<int>(*pid);
  if (!parse_dev_inode(f[4], l)) return std::nullopt;
  const auto start = to_i64(f[5]);
  if (!start) return std::nullopt;
  l.start = *start;
  if (f[6] != "EOF") {
    l.end = to_i64(f[6]);
    if (!l.end) return std::nullopt;
  }
  return l;
}

std::vector<LockLine> parse_locks(std::string_view text) {
  std::vector<LockLine> out;
  for_each_line(text, [&](std::string_view line) {
    if (auto l = parse_lock_line(line)) out.push_back(*l);
  });
  return out;
}

std::vector<LockLine> parse_fdinfo_locks(std::string_view text) {
  std::vector<LockLine> out;
  for_each_line(text, [&](std::string_view line) {
    if (!starts_with(line, "lock:")) return;
    if (auto l = parse_lock_line(trim(line.substr(5)))) out.push_back(*l);
  });
  return out;
}

bool same_lock(const LockLine& a, const LockLine& b) {
  return a.kind == b.kind && a.mode == b.mode && a.mandatory == b.mandatory && a.access_check == b.access_check &&
         a.lease_state == b.lease_state && a.pid == b.pid && a.dev == b.dev && a.inode == b.inode &&
         a.start == b.start && a.end == b.end;
}

const Source& lock_source() {
  static const LockSource s;
  return s;
}

} // namespace ipcctl::sys
