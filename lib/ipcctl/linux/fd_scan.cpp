// The hot path. On a machine with 2,000 processes and 30,000 descriptors,
// every system call per descriptor shows, so each descriptor costs a
// readlinkat() and only what its type needs beyond that:
//   pipe      lstat of the link (its permission bits are the open mode)
//   socket    nothing (sock_diag supplies the rest)
//   path      stat of the target (is it a FIFO? which inode?), plus the
//             lstat for access only for FIFOs, /dev/shm and memfd
//   anon      nothing here; the eventfd and signalfd collectors read
//             fdinfo for just those descriptors
// All paths are opened relative to directory descriptors, so no path is
// built or resolved twice.
#include <ipcctl/linux/fd_scan.hpp>

#include <ipcctl/collect.hpp>

#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <iterator>
#include <optional>
#include <thread>
#include <cstring>

namespace ipcctl::sys {

using model::FdEntry;
using model::FdType;
using model::MapEntry;
using model::Process;

// The kernel escapes '\n' and '\\' in Name: (proc_task_name()).
static std::string unescape_status_name(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      ++i;
      out += s[i] == 'n' ? '\n' : s[i];
    } else {
      out += s[i];
    }
  }
  return out;
}

model::Process parse_status(int pid, std::string_view text) {
  Process p;
  p.pid = pid;
  bool dead = false;
  for_each_line(text, [&](std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const std::string_view key = line.substr(0, colon);
    const std::string_view val = trim(line.substr(colon + 1));
    auto hex = [&](std::uint64_t& out) { out = to_u64(val, 16).value_or(0); };
    auto first = [&](std::uint32_t& out) {
      const auto f = split_ws(val);
      if (!f.empty()) out = static_cast<std::uint32_t>(to_u64(f[0]).value_or(0));
    };
    switch (key.size()) {
    case 4:
      if (key == "Name") {
        std::string_view name = line.substr(colon + 1);
        if (!name.empty() && name.front() == '\t') name.remove_prefix(1);
        p.comm = unescape_status_name(name);
      }
      else if (key == "PPid") p.ppid = static_cast<int>(to_i64(val).value_or(0));
      break;
    case 3:
      if (key == "Uid") first(p.uid);
      else if (key == "Gid") first(p.gid);
      break;
    case 6:
      if (key == "SigPnd") hex(p.signals.pending);
      else if (key == "ShdPnd") hex(p.signals.shared_pending);
      else if (key == "SigBlk") hex(p.signals.blocked);
      else if (key == "SigIgn") hex(p.signals.ignored);
      else if (key == "SigCgt") hex(p.signals.caught);
      break;
    case 7:
      if (key == "Kthread") p.kernel_thread = val == "1";
      break;
    case 5:
      if (key == "State") dead = !val.empty() && (val.front() == 'Z' || val.front() == 'X');
      break;
    default: break;
    }
  });
  // A zombie's masks keep the SIGKILL that ended it: nothing is pending any more.
  if (dead) p.signals.pending = p.signals.shared_pending = 0;
  // Before Kthread: existed (6.4), kernel threads are kthreadd (pid 2) and its children.
  if (pid == 2 || p.ppid == 2) p.kernel_thread = true;
  return p;
}

model::FdType classify_fd_link(std::string_view target, std::uint64_t& inode) {
  inode = 0;
  auto bracketed = [&](std::string_view prefix) {
    if (!starts_with(target, prefix) || target.back() != ']') return false;
    inode = to_u64(target.substr(prefix.size(), target.size() - prefix.size() - 1)).value_or(0);
    return true;
  };
  if (target.empty()) return FdType::other;
  if (target.front() == '/') return FdType::path;
  if (bracketed("pipe:[")) return FdType::pipe;
  if (bracketed("socket:[")) return FdType::socket;
  if (starts_with(target, "anon_inode:")) return FdType::anon;
  return FdType::other;
}

std::string access_from_link_mode(unsigned mode) {
  std::string a;
  if (mode & S_IRUSR) a += 'r';
  if (mode & S_IWUSR) a += 'w';
  return a;
}

namespace {

// A shared mapping of `path`, as the kernel names it, or nullopt for one
// that is not IPC: devices under /dev (a GPU's, a frame buffer) are not;
// /dev/shm files and "/dev/zero (deleted)", anonymous shared memory, are.
// " (deleted)" comes off the path into .deleted.
std::optional<MapEntry> shared_mapping(int pid, std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  if (starts_with(path, "/dev/") && !starts_with(path, "/dev/shm/") && !starts_with(path, "/dev/zero"))
    return std::nullopt;
  MapEntry m;
  m.pid = pid;
  constexpr std::string_view k_deleted = " (deleted)";
  if (path.size() > k_deleted.size() && path.substr(path.size() - k_deleted.size()) == k_deleted) {
    m.deleted = true;
    path.remove_suffix(k_deleted.size());
  }
  m.path = std::string(path);
  return m;
}

} // namespace

void parse_maps(int pid, std::string_view text, std::vector<MapEntry>& out) {
  // address perms offset dev inode path. Only shared mappings ('s', the
  // fourth permission character) of a path are kept, so most lines of a
  // big process are passed over on one character.
  for_each_line(text, [&](std::string_view line) {
    const auto space = line.find(' ');
    if (space == std::string_view::npos || line.size() < space + 5 || line[space + 4] != 's') return;
    const auto slash = line.find('/', space);
    if (slash == std::string_view::npos) return;
    auto found = shared_mapping(pid, line.substr(slash));
    if (!found) return;
    const auto f = split_ws(line.substr(0, slash));
    if (f.size() < 5 || f[1].size() < 4) return;
    MapEntry& m = *found;
    m.inode = to_u64(f[4]).value_or(0);
    const auto colon = f[3].find(':');
    if (colon != std::string_view::npos) {
      const auto major = to_u64(f[3].substr(0, colon), 16).value_or(0);
      const auto minor = to_u64(f[3].substr(colon + 1), 16).value_or(0);
      m.dev = makedev(major, minor);
    }
    if (const auto dash = f[0].find('-'); dash != std::string_view::npos) {
      const auto start = to_u64(f[0].substr(0, dash), 16), end = to_u64(f[0].substr(dash + 1), 16);
      if (start && end && *end > *start) m.length = *end - *start;
    }
    if (f[1][0] == 'r') m.access += 'r';
    if (f[1][1] == 'w') m.access += 'w';
    out.push_back(std::move(m));
  });
}

// PROCMAP_QUERY (Linux 6.11): the kernel itself finds a process's next
// shared, file-backed mapping, so the forty-odd lines of its maps are
// neither formatted nor parsed for the two or three that matter. The
// layout is the kernel's ABI (include/uapi/linux/fs.h), spelled out here
// for older headers.
namespace {
struct ProcmapQuery {
  std::uint64_t size, query_flags, query_addr;
  std::uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
  std::uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
  std::uint64_t vma_name_addr, build_id_addr;
};
static_assert(sizeof(ProcmapQuery) == 104);
constexpr unsigned long k_procmap_query = 0xc0686611;  // _IOWR('f', 17, struct procmap_query)
constexpr std::uint64_t k_vma_readable = 0x01, k_vma_writable = 0x02, k_vma_shared = 0x08;
constexpr std::uint64_t k_covering_or_next_vma = 0x10, k_file_backed_vma = 0x20;
} // namespace

bool query_maps(int fd, int pid, std::vector<MapEntry>& out) {
  const std::size_t before = out.size();
  char name[4096];
  std::uint64_t addr = 0;
  for (;;) {
    ProcmapQuery q{};
    q.size = sizeof q;
    q.query_flags = k_covering_or_next_vma | k_vma_shared | k_file_backed_vma;
    q.query_addr = addr;
    q.vma_name_size = sizeof name;
    q.vma_name_addr = reinterpret_cast<std::uintptr_t>(name);
    if (::ioctl(fd, k_procmap_query, &q) != 0) {
      // ENOENT: no mapping past addr. ESRCH: no memory (a zombie, a kernel
      // thread). ENAMETOOLONG: a path past PATH_MAX, which the text has.
      if (errno != ENOTTY && errno != EINVAL && errno != ENAMETOOLONG) return true;
      out.resize(before);
      return false;
    }
    if (q.vma_end <= addr) return true;  // never loop on a kernel that does not advance
    addr = q.vma_end;
    if (q.vma_name_size == 0) continue;
    auto found = shared_mapping(pid, std::string_view(name, q.vma_name_size - 1));  // the size counts the NUL
    if (!found) continue;
    MapEntry& m = *found;
    m.inode = q.inode;
    m.dev = makedev(q.dev_major, q.dev_minor);
    m.length = q.vma_end - q.vma_start;
    if (q.vma_flags & k_vma_readable) m.access += 'r';
    if (q.vma_flags & k_vma_writable) m.access += 'w';
    out.push_back(std::move(m));
  }
}

namespace {

// Paths that are never FIFOs or IPC files: no stat needed.
bool boring_path(std::string_view p) {
  return p == "/dev/null" || p == "/dev/zero" || p == "/dev/urandom" || p == "/dev/random" ||
         starts_with(p, "/dev/pts/") || starts_with(p, "/dev/tty");
}

bool wants_access(std::string_view target, unsigned mode) {
  return S_ISFIFO(mode) || starts_with(target, "/dev/shm/") ||
         starts_with(target, "/memfd:");
}

// The processes whose descriptors, or maps, could not be read.
struct WalkCounts {
  std::vector<int> fd_denied, maps_denied;
};

void scan_fds(int procfd, const char* pidname, int pid, std::vector<FdEntry>& out, WalkCounts& counts) {
  char path[64];
  fmt::format_to_n(path, sizeof path - 1, "{}/fd", pidname).out[0] = '\0';
  UniqueFd dirfd(::openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dirfd) {
    if (errno == EACCES || errno == EPERM) counts.fd_denied.push_back(pid);
    return;  // ENOENT: gone mid-walk, which is normal
  }
  char link[4096];
  bool denied = false;
  (void)for_each_entry(dirfd.get(), [&](const char* name) {
    if (denied || name[0] < '0' || name[0] > '9') return;
    const ssize_t n = ::readlinkat(dirfd.get(), name, link, sizeof link);
    if (n <= 0) {
      // EACCES here, with the directory readable, means the links are
      // guarded (a process in another user namespace, or one under a
      // ptrace policy): count it once. ENOENT: closed mid-walk.
      if (n < 0 && (errno == EACCES || errno == EPERM)) {
        counts.fd_denied.push_back(pid);
        denied = true;
      }
      return;
    }
    FdEntry e;
    e.pid = pid;
    std::from_chars(name, name + std::strlen(name), e.fd);
    e.target.assign(link, static_cast<std::size_t>(n));
    e.type = classify_fd_link(e.target, e.inode);
    struct stat st {};
    switch (e.type) {
    case FdType::pipe:
      if (::fstatat(dirfd.get(), name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        e.access = access_from_link_mode(st.st_mode);
      break;
    case FdType::path:
      if (boring_path(e.target)) break;
      if (::fstatat(dirfd.get(), name, &st, 0) == 0) {
        e.inode = st.st_ino;
        e.dev = st.st_dev;
        e.file_mode = st.st_mode;
        e.file_size = st.st_size;
      }
      if (wants_access(e.target, e.file_mode) &&
          ::fstatat(dirfd.get(), name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        e.access = access_from_link_mode(st.st_mode);
      break;
    case FdType::socket:
      e.access = "rw";
      break;
    default: break;
    }
    out.push_back(std::move(e));
  });
}

// Whether this kernel answers PROCMAP_QUERY; cleared on the first process
// it cannot answer for, whose maps, and all later ones, are read as text.
std::atomic<bool> g_procmap_query{true};

void scan_maps(int procfd, bool live, const char* pidname, int pid, std::vector<MapEntry>& out, WalkCounts& counts,
               std::string& buf) {
  char path[64];
  fmt::format_to_n(path, sizeof path - 1, "{}/maps", pidname).out[0] = '\0';
  if (live && g_procmap_query.load(std::memory_order_relaxed)) {
    UniqueFd fd(::openat(procfd, path, O_RDONLY | O_CLOEXEC));
    if (!fd) {
      if (errno == EACCES || errno == EPERM) counts.maps_denied.push_back(pid);
      return;
    }
    if (query_maps(fd.get(), pid, out)) return;
    g_procmap_query.store(false, std::memory_order_relaxed);
  }
  auto r = read_file_at(procfd, path, buf);
  if (!r) {
    if (r.error().denied()) counts.maps_denied.push_back(pid);
    return;
  }
  parse_maps(pid, buf, out);
}

} // namespace

Result<void> walk_processes(const ProcRoot& root, const WalkOptions& opts, model::Snapshot& snap) {
  const std::string proc = root.path("/proc");
  UniqueFd procfd(::open(proc.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!procfd) return fail(sys_error("open", proc));

  std::vector<int> pids = opts.pids;
  if (pids.empty()) {
    auto listed = list_pids(root);
    if (!listed) return fail(listed.error());
    pids = std::move(*listed);
  }
  const int self = root.live() ? static_cast<int>(::getpid()) : -1;

  // The walk is system-call bound and /proc scales across cores: split
  // the processes between a few threads, each filling its own part.
  struct Part {
    std::vector<Process> processes;
    std::vector<FdEntry> fds;
    std::vector<MapEntry> maps;
    WalkCounts counts;
  };
  const std::size_t threads =
      pids.size() < 256 ? 1 : collect_threads();
  std::vector<Part> parts(threads);
  auto work = [&](std::size_t index) {
    Part& part = parts[index];
    std::string buf;
    buf.reserve(4096);
    part.fds.reserve(pids.size() * 16 / threads);
    for (std::size_t i = index; i < pids.size(); i += threads) {
      const int pid = pids[i];
      if (pid == self) continue;
      char pidname[16];
      fmt::format_to_n(pidname, sizeof pidname - 1, "{}", pid).out[0] = '\0';
      char path[64];
      fmt::format_to_n(path, sizeof path - 1, "{}/status", pidname).out[0] = '\0';
      if (!read_file_at(procfd.get(), path, buf, Read::once)) continue;  // gone mid-walk
      part.processes.push_back(parse_status(pid, buf));
      if (part.processes.back().kernel_thread) continue;
      if (opts.fds) scan_fds(procfd.get(), pidname, pid, part.fds, part.counts);
      if (opts.maps) scan_maps(procfd.get(), root.live(), pidname, pid, part.maps, part.counts, buf);
    }
  };
  {
    std::vector<std::jthread> workers;
    for (std::size_t t = 1; t < threads; ++t) workers.emplace_back(work, t);
    work(0);
  }
  WalkCounts counts;
  for (auto& part : parts) {
    for (auto& p : part.processes) snap.walk->processes.emplace(p.pid, std::move(p));
    std::move(part.fds.begin(), part.fds.end(), std::back_inserter(snap.walk->fds));
    std::move(part.maps.begin(), part.maps.end(), std::back_inserter(snap.walk->maps));
    auto& fd_denied = part.counts.fd_denied;
    auto& maps_denied = part.counts.maps_denied;
    counts.fd_denied.insert(counts.fd_denied.end(), fd_denied.begin(), fd_denied.end());
    counts.maps_denied.insert(counts.maps_denied.end(), maps_denied.begin(), maps_denied.end());
  }
  snap.walk->maps_read = opts.maps;
  std::sort(counts.fd_denied.begin(), counts.fd_denied.end());
  std::sort(counts.maps_denied.begin(), counts.maps_denied.end());
  snap.walk->fds_denied = counts.fd_denied;
  snap.walk->maps_denied = counts.maps_denied;
  snap.walk->index();

  const bool root_user = ::geteuid() == 0;
  auto processes = [](std::size_t n) { return fmt::format("{} process{}", n, n == 1 ? "" : "es"); };
  if (!counts.fd_denied.empty())
    snap.warn(fmt::format("{} {} not readable: their descriptors and holders are missing; {}",
                          processes(counts.fd_denied.size()), counts.fd_denied.size() == 1 ? "was" : "were",
                          root_user ? "they are guarded even from root (another user namespace or a ptrace policy)"
                                    : "run as root to see them"),
              {counts.fd_denied, {}});
  if (!counts.maps_denied.empty())
    snap.warn(fmt::format("the memory maps of {} were not readable: shared memory they attach is not "
                          "attributed to them{}",
                          processes(counts.maps_denied.size()), root_user ? "" : "; run as root to see it"),
              {counts.maps_denied, {}});
  return {};
}

} // namespace ipcctl::sys
