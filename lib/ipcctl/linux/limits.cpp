// The IPC limits live in a dozen sysctl files with three formats (one number,
// kernel.sem's four, file-nr's three), and their use is scattered: SysV use
// comes from /proc/sysvipc (the same parsers as `ls`), POSIX queues from the
// entries of /dev/mqueue, open files from file-nr, /dev/shm from statvfs.
// Every read goes through ProcRoot so a captured tree can stand in for the
// machine, and every failure becomes a warning next to a null cell: a limits
// report that stops at the first unreadable file would hide the rest.
#include <ipcctl/linux/limits.hpp>

#include <ipcctl/linux/sysvipc.hpp>
#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace ipcctl::sys {

namespace {

constexpr long k_mqueue_magic = 0x19800202;  // MQUEUE_MAGIC of linux/magic.h

// Why a read failed, without the path (the caller names the file as the user knows it).
std::string why(const Error& e) { return e.code != 0 ? std::string(std::strerror(e.code)) : e.message(); }

// Reads a whole file below root; a failure becomes a warning and nullopt.
std::optional<std::string> read_text(const ProcRoot& root, std::string_view rel, std::vector<std::string>& warnings) {
  auto text = read_file(root.path(rel));
  if (!text) {
    warnings.push_back(fmt::format("read {}: {}", rel, why(text.error())));
    return std::nullopt;
  }
  return std::move(*text);
}

// The whitespace-separated numbers of a sysctl file; nullopt (and a warning)
// when it cannot be read or does not hold `count` numbers.
std::optional<std::vector<std::uint64_t>> read_numbers(const ProcRoot& root, std::string_view rel, std::size_t count,
                                                       std::vector<std::string>& warnings) {
  const auto text = read_text(root, rel, warnings);
  if (!text) return std::nullopt;
  const auto fields = split_ws(trim(*text));
  std::vector<std::uint64_t> out;
  for (const auto f : fields) {
    const auto n = to_u64(f);
    if (!n) break;
    out.push_back(*n);
  }
  if (fields.size() != count || out.size() != count) {
    warnings.push_back(fmt::format("{}: expected {} number{}, got '{}'", rel, count, count == 1 ? "" : "s",
                                   std::string(trim(*text))));
    return std::nullopt;
  }
  return out;
}

std::optional<std::uint64_t> read_number(const ProcRoot& root, std::string_view rel,
                                         std::vector<std::string>& warnings) {
  auto v = read_numbers(root, rel, 1, warnings);
  if (!v) return std::nullopt;
  return (*v)[0];
}

// /proc/sys/kernel/shmmni -> "kernel.shmmni", as sysctl(8) names it.
std::string sysctl_name(std::string_view rel) {
  std::string s(rel.substr(std::string_view("/proc/sys/").size()));
  std::replace(s.begin(), s.end(), '/', '.');
  return s;
}

// The parsed /proc/sysvipc/NAME, or on a live machine without it the *_STAT
// walk; nullopt (and a warning) when neither works.
template <class Info>
std::optional<std::vector<Info>> load_sysv(const ProcRoot& root, std::string_view name,
                                           std::vector<Info> (*parse)(std::string_view),
                                           Result<std::vector<Info>> (*stat_all)(), std::vector<std::string>& warnings) {
  const std::string rel = fmt::format("/proc/sysvipc/{}", name);
  auto text = read_file(root.path(rel));
  if (text) return parse(*text);
  if (root.live()) {
    if (auto list = stat_all()) return std::move(*list);
  }
  warnings.push_back(fmt::format("read {}: {}: SysV {} use not counted", rel, why(text.error()), name));
  return std::nullopt;
}

// The number of entries of /dev/mqueue below root; nullopt (and a warning)
// when the mqueue filesystem is not mounted there.
std::optional<std::uint64_t> count_mqueues(const ProcRoot& root, std::vector<std::string>& warnings) {
  const std::string dir = root.path("/dev/mqueue");
  const char* not_mounted = "/dev/mqueue is not mounted: POSIX queues in use not counted "
                            "(mount -t mqueue none /dev/mqueue)";
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) warnings.emplace_back(not_mounted);
    else warnings.push_back(fmt::format("open /dev/mqueue: {}", std::strerror(err)));
    return std::nullopt;
  }
  if (root.live()) {
    struct statfs fs {};
    if (::fstatfs(fd.get(), &fs) != 0 || static_cast<long>(fs.f_type) != k_mqueue_magic) {
      warnings.emplace_back(not_mounted);
      return std::nullopt;
    }
  }
  std::uint64_t n = 0;
  if (auto r = for_each_entry(fd.get(), [&](const char*) { ++n; }); !r) {
    warnings.push_back(fmt::format("read /dev/mqueue: {}", why(r.error())));
    return std::nullopt;
  }
  return n;
}

std::uint64_t pages(std::int64_t bytes, std::uint64_t page_size) {
  const auto b = static_cast<std::uint64_t>(std::max<std::int64_t>(bytes, 0));
  return (b + page_size - 1) / page_size;
}

// Builds the report row by row, in the order the table shows them.
class Builder {
public:
  Builder(const ProcRoot& root, LimitsReport& report) : m_root(root), m_report(report) {}

  // A limit read from a one-number sysctl file.
  Limit& sysctl(std::string_view rel, std::string group, std::string unit, std::string description,
                std::optional<std::uint64_t> used = std::nullopt) {
    const auto v = read_number(m_root, rel, m_report.warnings);
    return add(Limit{std::string(rel.substr(rel.rfind('/') + 1)), std::move(group), sysctl_name(rel), v, used,
                     std::move(unit), std::move(description)});
  }
  Limit& add(Limit l) { return m_report.limits.emplace_back(std::move(l)); }
  std::vector<std::string>& warnings() { return m_report.warnings; }

private:
  const ProcRoot& m_root;
  LimitsReport& m_report;
};

template <class Info, class F>
std::optional<std::uint64_t> fold(const std::optional<std::vector<Info>>& list, F f) {
  if (!list) return std::nullopt;
  std::uint64_t acc = 0;
  for (const auto& i : *list) acc = f(acc, i);
  return acc;
}

void add_sysv(Builder& b, const ProcRoot& root, const HostFacts& host) {
  auto& w = b.warnings();
  const auto msg = load_sysv<MsgInfo>(root, "msg", parse_sysvipc_msg, stat_all_msg, w);
  const auto shm = load_sysv<ShmInfo>(root, "shm", parse_sysvipc_shm, stat_all_shm, w);
  const auto sem = load_sysv<SemInfo>(root, "sem", parse_sysvipc_sem, stat_all_sem, w);
  const auto count = [](std::uint64_t acc, const auto&) { return acc + 1; };
  const auto nonneg = [](std::int64_t v) { return static_cast<std::uint64_t>(std::max<std::int64_t>(v, 0)); };

  b.sysctl("/proc/sys/kernel/msgmni", "sysv-msg", "queues", "message queues, system-wide", fold(msg, count));
  b.sysctl("/proc/sys/kernel/msgmax", "sysv-msg", "bytes", "bytes in one message");
  b.sysctl("/proc/sys/kernel/msgmnb", "sysv-msg", "bytes", "default bytes a queue holds (used: the fullest queue)",
           fold(msg, [&](std::uint64_t acc, const MsgInfo& m) { return std::max(acc, nonneg(m.cbytes)); }));
  b.sysctl("/proc/sys/kernel/shmmax", "sysv-shm", "bytes", "bytes in one segment (used: the largest segment)",
           fold(shm, [&](std::uint64_t acc, const ShmInfo& s) { return std::max(acc, nonneg(s.size)); }));
  b.sysctl("/proc/sys/kernel/shmall", "sysv-shm", "pages", "pages of all segments, system-wide",
           fold(shm, [&](std::uint64_t acc, const ShmInfo& s) { return acc + pages(s.size, host.page_size); }));
  b.sysctl("/proc/sys/kernel/shmmni", "sysv-shm", "segments", "segments, system-wide", fold(shm, count));

  // kernel.sem is one file of four numbers: SEMMSL SEMMNS SEMOPM SEMMNI.
  const auto v = read_numbers(root, "/proc/sys/kernel/sem", 4, w);
  const auto at = [&](std::size_t i) { return v ? std::optional((*v)[i]) : std::nullopt; };
  const auto sem_row = [&](std::string name, std::size_t i, std::string unit, std::string desc,
                           std::optional<std::uint64_t> used) {
    b.add(Limit{std::move(name), "sysv-sem", "kernel.sem", at(i), used, std::move(unit), std::move(desc)});
  };
  sem_row("semmsl", 0, "semaphores", "semaphores in one set (used: the largest set)",
          fold(sem, [&](std::uint64_t acc, const SemInfo& s) { return std::max(acc, nonneg(s.nsems)); }));
  sem_row("semmns", 1, "semaphores", "semaphores in all sets, system-wide",
          fold(sem, [&](std::uint64_t acc, const SemInfo& s) { return acc + nonneg(s.nsems); }));
  sem_row("semopm", 2, "ops", "operations in one semop call", std::nullopt);
  sem_row("semmni", 3, "sets", "semaphore sets, system-wide", fold(sem, count));
}

void add_posix(Builder& b, const ProcRoot& root, const HostFacts& host) {
  b.sysctl("/proc/sys/fs/mqueue/queues_max", "posix-mq", "queues", "POSIX message queues, system-wide",
           count_mqueues(root, b.warnings()));
  b.sysctl("/proc/sys/fs/mqueue/msg_max", "posix-mq", "messages", "messages in one queue (unprivileged)");
  b.sysctl("/proc/sys/fs/mqueue/msgsize_max", "posix-mq", "bytes", "bytes in one message (unprivileged)");
  Limit rl{"RLIMIT_MSGQUEUE", "posix-mq", "", host.rlimit_msgqueue, std::nullopt, "bytes",
           "bytes of queues this user may create (ulimit -q)"};
  rl.unlimited = host.rlimit_msgqueue_unlimited;
  b.add(std::move(rl));
  b.add(Limit{"/dev/shm", "posix-shm", "", host.dev_shm_size, host.dev_shm_used, "bytes",
              "size of the tmpfs that holds POSIX shared memory and semaphores"});
}

void add_files(Builder& b, const ProcRoot& root) {
  b.sysctl("/proc/sys/fs/pipe-max-size", "pipe", "bytes", "capacity an unprivileged user may set (F_SETPIPE_SZ)");
  b.sysctl("/proc/sys/fs/pipe-user-pages-soft", "pipe", "pages",
           "pipe pages per user before new pipes get one page (0: no limit)");
  b.sysctl("/proc/sys/fs/pipe-user-pages-hard", "pipe", "pages",
           "pipe pages per user before new pipes fail (0: no limit)");

  // file-nr: allocated, allocated but unused (0 since 2.6), maximum.
  auto& w = b.warnings();
  std::optional<std::uint64_t> open_files;
  if (const auto nr = read_numbers(root, "/proc/sys/fs/file-nr", 3, w))
    open_files = (*nr)[0] >= (*nr)[1] ? (*nr)[0] - (*nr)[1] : 0;
  b.sysctl("/proc/sys/fs/file-max", "fd", "files", "open files, system-wide (used: fs.file-nr)", open_files);
  b.sysctl("/proc/sys/fs/nr_open", "fd", "fds", "descriptors one process may open (RLIMIT_NOFILE's ceiling)");

  b.sysctl("/proc/sys/net/unix/max_dgram_qlen", "unix", "datagrams", "datagrams queued on one unix socket");
  b.sysctl("/proc/sys/net/core/somaxconn", "unix", "connections", "listen() backlog of one socket");
}

} // namespace

HostFacts host_facts(const ProcRoot& root) {
  HostFacts h;
  if (const long ps = ::sysconf(_SC_PAGESIZE); ps > 0) h.page_size = static_cast<std::uint64_t>(ps);
  rlimit rl{};
  if (::getrlimit(RLIMIT_MSGQUEUE, &rl) == 0) {
    if (rl.rlim_cur == RLIM_INFINITY) h.rlimit_msgqueue_unlimited = true;
    else h.rlimit_msgqueue = rl.rlim_cur;
  } else {
    h.warnings.push_back(fmt::format("getrlimit RLIMIT_MSGQUEUE: {}", std::strerror(errno)));
  }
  struct statvfs vfs {};
  const std::string shm = root.path("/dev/shm");
  if (::statvfs(shm.c_str(), &vfs) == 0) {
    h.dev_shm_size = static_cast<std::uint64_t>(vfs.f_blocks) * vfs.f_frsize;
    h.dev_shm_used = static_cast<std::uint64_t>(vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize;
  } else {
    h.warnings.push_back(fmt::format("statvfs /dev/shm: {}: its size and use not shown", std::strerror(errno)));
  }
  return h;
}

LimitsReport read_limits(const ProcRoot& root, const HostFacts& host) {
  LimitsReport report;
  report.warnings = host.warnings;
  Builder b(root, report);
  add_sysv(b, root, host);
  add_posix(b, root, host);
  add_files(b, root);
  return report;
}

} // namespace ipcctl::sys
