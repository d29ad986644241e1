#pragma once
// IPC and network namespaces: which ones the machine's processes are in,
// the container each belongs to (told from cgroup paths, never by asking a
// runtime), and a way to read one: a short-lived thread that enters it with
// setns(2), so ipcctl's own namespaces never change.
#include <ipcctl/collect.hpp>
#include <ipcctl/linux/proc_root.hpp>
#include <ipcctl/model/snapshot.hpp>
#include <ipcctl/util/result.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipcctl::sys {

using ipcctl::NsTarget;  // a namespace to read (collect.hpp)

// The inode of /proc/PID/ns/{ipc,net}; pid 0 is ipcctl itself. Null when
// the link cannot be read (another user's process, a captured tree), with
// errno saying why (ENOENT: the process is gone).
std::optional<std::uint64_t> ns_inode(const ProcRoot& root, int pid, model::NsType t);

// The container a /proc/PID/cgroup text names, by the cgroup path patterns
// of Docker, containerd, CRI-O, Podman, Kubernetes, systemd-nspawn and LXC.
std::optional<model::Container> parse_container(std::string_view cgroup_text);
std::optional<model::Container> container_of(const ProcRoot& root, int pid);

// Every IPC and network namespace the walk's processes are in, ipcctl's own
// first, then by the lowest pid in each (the one entered); sets each
// process's ipc_ns and net_ns. Processes whose links cannot be read are counted in
// `unreadable`.
struct NsList {
  std::vector<NsTarget> targets;
  std::size_t unreadable = 0;
};
NsList list_namespaces(const ProcRoot& root, model::Walk& walk);

// What -N names: a PID (its IPC and network namespaces), a namespace inode
// (found among the processes), or the path of a namespace file. Errors have
// code 0 for a malformed spec (bad usage) and an errno when it names nothing.
Result<std::vector<NsTarget>> resolve_namespace(const ProcRoot& root, std::string_view spec);
// The namespace of that type and inode, entered through one of its processes.
Result<NsTarget> find_namespace(const ProcRoot& root, model::NsType t, std::uint64_t inode);

// The network namespace of the socket with that inode: the namespace of the
// first process that holds it (sockfs inodes are unique on the machine, so
// a socket ref needs no namespace). Null when no readable process holds it.
std::optional<std::uint64_t> socket_namespace(const ProcRoot& root, std::uint64_t inode);

// Runs fn on a new thread that has entered `ns` (setns) through ns.path,
// after checking that the path still names that namespace (a pid may have
// been reused); for an IPC
// namespace the thread also gets a private mount namespace with that
// namespace's mqueue filesystem on /dev/mqueue, so POSIX queues can be read
// and removed by their paths. Errors: opening or entering the namespace
// (EPERM without CAP_SYS_ADMIN). A failed mqueue mount is not an error: fn
// receives its text and decides.
Result<void> run_in_namespace(const model::Namespace& ns, const std::function<void(const std::string& mqueue_error)>& fn);

} // namespace ipcctl::sys
