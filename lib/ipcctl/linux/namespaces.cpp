// Namespaces are found through the processes in them (/proc/PID/ns/*, whose
// inode is the namespace's), and read by a thread that enters one: setns(2)
// changes only the calling thread's namespaces, and the thread ends with its
// work. SysV objects and POSIX queues are per IPC namespace and the kernel
// answers for the caller's, so /proc/sysvipc, *ctl(2) and mq_*(3) in that
// thread see the entered namespace; a netlink socket opened there lists the
// entered network namespace's sockets.
#include <ipcctl/linux/namespaces.hpp>

#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <thread>
#include <unordered_set>

namespace ipcctl::sys {

using model::NsType;

namespace {

std::string ns_link(int pid, NsType t) {
  return pid == 0 ? fmt::format("/proc/self/ns/{}", model::ns_type_name(t))
                  : fmt::format("/proc/{}/ns/{}", pid, model::ns_type_name(t));
}

int clone_flag(NsType t) { return t == NsType::ipc ? CLONE_NEWIPC : CLONE_NEWNET; }

bool hex_id(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// "machine-foo\x2dbar.scope" -> "foo-bar": systemd escapes '-' in unit names.
std::string unescape_unit(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
      if (auto v = to_u64(s.substr(i + 2, 2), 16)) {
        out += static_cast<char>(*v);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// The container one cgroup path names, looking at its components from the
// innermost out.
std::optional<model::Container> container_in_path(std::string_view path) {
  std::vector<std::string_view> parts;
  for (std::string_view rest = path; !rest.empty();) {
    const auto slash = rest.find('/');
    if (slash != 0) parts.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  }
  auto make = [&](std::string_view runtime, std::string_view id) {
    return model::Container{std::string(runtime), std::string(id), std::string(path)};
  };
  // "<prefix><id>.scope", with id 64 hex digits.
  auto scoped = [](std::string_view part, std::string_view prefix) -> std::optional<std::string_view> {
    if (!starts_with(part, prefix) || part.size() <= prefix.size() + 6 || part.substr(part.size() - 6) != ".scope")
      return std::nullopt;
    const auto id = part.substr(prefix.size(), part.size() - prefix.size() - 6);
    return hex_id(id) ? std::optional(id) : std::nullopt;
  };
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> k_scopes{{{"docker-", "docker"},
                                                                                         {"cri-containerd-", "containerd"},
                                                                                         {"nerdctl-", "containerd"},
                                                                                         {"crio-", "cri-o"},
                                                                                         {"libpod-", "podman"}}};
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    const std::string_view part = *it;
    for (const auto& [prefix, runtime] : k_scopes)
      if (auto id = scoped(part, prefix)) return make(runtime, *id);
    const std::string_view parent = it + 1 != parts.rend() ? *(it + 1) : std::string_view{};
    // cgroupfs drivers: /docker/<id>, /default/<id> (containerd's namespace),
    // /libpod_parent/libpod-<id>, /kubepods/.../crio-<id>, /kubepods/.../<id>
    if (starts_with(part, "crio-") && hex_id(part.substr(5))) return make("cri-o", part.substr(5));
    if (starts_with(part, "cri-containerd-") && hex_id(part.substr(15))) return make("containerd", part.substr(15));
    if (hex_id(part)) {
      if (parent == "docker") return make("docker", part);
      if (parent == "default" && parts.size() == 2) return make("containerd", part);
      if (std::any_of(parts.begin(), parts.end(), [](std::string_view p) { return starts_with(p, "kubepods"); }))
        return make("kubernetes", part);
    }
    if (starts_with(part, "libpod-") && hex_id(part.substr(7))) return make("podman", part.substr(7));
    if (starts_with(part, "machine-") && part.size() > 14 && part.substr(part.size() - 6) == ".scope" &&
        parent == "machine.slice")
      return make("systemd-nspawn", unescape_unit(part.substr(8, part.size() - 14)));
    if (starts_with(part, "lxc.payload.") && part.size() > 12) return make("lxc", part.substr(12));
    if (parent == "lxc") return make("lxc", part);
  }
  return std::nullopt;
}

} // namespace

std::optional<std::uint64_t> ns_inode(const ProcRoot& root, int pid, NsType t) {
  if (!root.live()) {
    errno = ENOTSUP;  // a captured tree has no namespaces to read
    return std::nullopt;
  }
  // Relative to the held /proc: asked once per process on a busy machine.
  char link[48];
  if (pid == 0) fmt::format_to_n(link, sizeof link - 1, "self/ns/{}", model::ns_type_name(t)).out[0] = '\0';
  else fmt::format_to_n(link, sizeof link - 1, "{}/ns/{}", pid, model::ns_type_name(t)).out[0] = '\0';
  struct stat st {};
  if (::fstatat(root.proc_fd(), link, &st, 0) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(st.st_ino);
}

std::optional<model::Container> parse_container(std::string_view cgroup_text) {
  // cgroup v2's "0::PATH" line first, then the v1 hierarchies in order.
  std::vector<std::string_view> paths;
  for (std::string_view rest = cgroup_text; !rest.empty();) {
    const auto nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view path = line.substr(second + 1);
    if (starts_with(line, "0::")) paths.insert(paths.begin(), path);
    else paths.push_back(path);
  }
  for (std::string_view p : paths)
    if (auto c = container_in_path(p)) return c;
  return std::nullopt;
}

std::optional<model::Container> container_of(const ProcRoot& root, int pid) {
  auto text = read_file(root.path(fmt::format("/proc/{}/cgroup", pid)));
  return text ? parse_container(*text) : std::nullopt;
}

NsList list_namespaces(const ProcRoot& root, model::Walk& walk) {
  NsList out;
  std::vector<int> pids;
  pids.reserve(walk.processes.size());
  for (const auto& [pid, p] : walk.processes)
    if (!p.kernel_thread) pids.push_back(pid);
  std::sort(pids.begin(), pids.end());
  for (NsType t : {NsType::ipc, NsType::net}) {
    const auto own = ns_inode(root, 0, t);
    if (!own) continue;
    out.targets.push_back(NsTarget{model::Namespace{t, *own, true, std::nullopt, ns_link(0, t)}, 0});
    std::unordered_set<std::uint64_t> seen{*own};
    for (int pid : pids) {
      const auto inode = ns_inode(root, pid, t);
      if (!inode) {
        if (t == NsType::ipc && errno != ENOENT) ++out.unreadable;  // ENOENT: it ended since the walk
        continue;
      }
      (t == NsType::ipc ? walk.processes[pid].ipc_ns : walk.processes[pid].net_ns) = *inode;
      if (!seen.insert(*inode).second) continue;
      out.targets.push_back(NsTarget{model::Namespace{t, *inode, false, container_of(root, pid), ns_link(pid, t)}, pid});
    }
  }
  return out;
}

Result<NsTarget> find_namespace(const ProcRoot& root, NsType t, std::uint64_t inode) {
  const auto own = ns_inode(root, 0, t);
  if (own == inode) return NsTarget{model::Namespace{t, inode, true, std::nullopt, ns_link(0, t)}, 0};
  auto listed = list_pids(root);
  if (!listed) return fail(listed.error());
  std::vector<int> pids = std::move(*listed);
  std::sort(pids.begin(), pids.end());
  for (int pid : pids)
    if (ns_inode(root, pid, t) == inode)
      return NsTarget{model::Namespace{t, inode, false, container_of(root, pid), ns_link(pid, t)}, pid};
  return fail(Error{ENOENT, "find", fmt::format("{} namespace {}", model::ns_type_name(t), inode), {}});
}

std::optional<std::uint64_t> socket_namespace(const ProcRoot& root, std::uint64_t inode) {
  if (!root.live()) return std::nullopt;
  auto pids = list_pids(root);
  if (!pids) return std::nullopt;
  const std::string want = fmt::format("socket:[{}]", inode);
  for (int pid : *pids) {
    // A process that ended or that ipcctl may not read is passed over.
    UniqueFd fds(::openat(root.proc_fd(), fmt::format("{}/fd", pid).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fds) continue;
    bool held = false;
    (void)for_each_entry(fds.get(), [&](const char* name) {
      if (held) return;
      char link[64];
      const ssize_t n = ::readlinkat(fds.get(), name, link, sizeof link);
      held = n > 0 && std::string_view(link, static_cast<std::size_t>(n)) == want;
    });
    if (held) return ns_inode(root, pid, NsType::net);
  }
  return std::nullopt;
}

Result<std::vector<NsTarget>> resolve_namespace(const ProcRoot& root, std::string_view spec) {
  auto bad = [&](std::string_view why) {
    return fail(Error{0, {}, {}, fmt::format("-N: '{}' {}", spec, why)});
  };
  if (spec.empty()) return bad("is empty: give a PID, a namespace inode or the path of a namespace file");
  if (spec.front() == '/') {
    UniqueFd fd(::open(std::string(spec).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return fail(sys_error("open", std::string(spec)));
    const int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
    struct stat st {};
    if (type < 0 || ::fstat(fd.get(), &st) != 0) return bad("is not a namespace file (such as /proc/PID/ns/ipc or /run/netns/NAME)");
    if (type != CLONE_NEWIPC && type != CLONE_NEWNET) return bad("is a namespace, but neither an IPC nor a network one");
    const NsType t = type == CLONE_NEWIPC ? NsType::ipc : NsType::net;
    const bool own = ns_inode(root, 0, t) == st.st_ino;
    return std::vector<NsTarget>{NsTarget{model::Namespace{t, st.st_ino, own, std::nullopt, std::string(spec)}, 0}};
  }
  const auto n = to_u64(spec);
  if (!n || *n == 0) return bad("is not a PID, a namespace inode or an absolute path");
  if (*n <= 4194304) {  // PID_MAX_LIMIT: a process id
    std::vector<NsTarget> out;
    const int pid = static_cast<int>(*n);
    for (NsType t : {NsType::ipc, NsType::net}) {
      const auto inode = ns_inode(root, pid, t);
      if (!inode) return fail(sys_error("stat", ns_link(pid, t)));
      const bool own = ns_inode(root, 0, t) == inode;
      out.push_back(NsTarget{
          model::Namespace{t, *inode, own, own ? std::nullopt : container_of(root, pid), ns_link(pid, t)}, pid});
    }
    return out;
  }
  for (NsType t : {NsType::ipc, NsType::net})
    if (auto found = find_namespace(root, t, *n)) return std::vector<NsTarget>{std::move(*found)};
  return fail(Error{ENOENT, "find", fmt::format("namespace {}", *n),
                    "no process is in it (name a bind-mounted one by its path, as -N /run/netns/NAME)"});
}

Result<void> run_in_namespace(const model::Namespace& ns, const std::function<void(const std::string&)>& fn) {
  UniqueFd fd(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail(sys_error("open", ns.path));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || st.st_ino != ns.inode)
    return fail(Error{ESTALE, "open", ns.path, fmt::format("it no longer enters {} namespace {}",
                                                          model::ns_type_name(ns.type), ns.inode)});
  std::optional<Error> error;
  std::thread worker([&] {
    std::string mqueue_error;
    if (ns.type == NsType::ipc) {
      // The mount namespace first, so the mqueue mount made after setns
      // (which belongs to the entered IPC namespace) is seen by no one else.
      if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        mqueue_error = fmt::format("a private mount namespace: {}", sys_error("unshare", {}).message());
    }
    if (::setns(fd.get(), clone_flag(ns.type)) != 0) {
      error = sys_error("setns", ns.path);
      return;
    }
    if (ns.type == NsType::ipc && mqueue_error.empty() &&
        ::mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
      mqueue_error = sys_error("mount mqueue on", "/dev/mqueue").message();
    fn(mqueue_error);
  });
  worker.join();
  if (error) return fail(*error);
  return {};
}

} // namespace ipcctl::sys
