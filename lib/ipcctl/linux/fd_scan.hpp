#pragma once
// The one walk of /proc: every process's status, every open descriptor, and
// (when asked) the shared mappings of interest. Collectors join against what
// it leaves in the Snapshot; none of them walks /proc on its own.
#include <ipcctl/linux/proc_root.hpp>
#include <ipcctl/model/snapshot.hpp>
#include <ipcctl/util/result.hpp>

#include <string_view>
#include <vector>

namespace ipcctl::sys {

struct WalkOptions {
  std::vector<int> pids;  // only these processes; empty: all
  bool maps = false;      // read /proc/PID/maps for its shared mappings
  bool fds = true;        // read /proc/PID/fd
};

// Fills snap.processes, snap.fds, snap.maps and the index. Processes that
// vanish mid-walk are skipped; those that cannot be read are counted into a
// warning. Fails only when /proc itself cannot be opened.
Result<void> walk_processes(const ProcRoot& root, const WalkOptions& opts, model::Snapshot& snap);

// Parsers, exposed for tests and fuzzing.
// /proc/PID/status: Name, PPid, Uid, Gid, the signal masks, Kthread.
model::Process parse_status(int pid, std::string_view text);
// A descriptor's link text: its type and, for pipe:[N] and socket:[N], N.
model::FdType classify_fd_link(std::string_view target, std::uint64_t& inode);
// /proc/PID/maps: the shared mappings of a path (/SYSV*, /dev/shm/*, /memfd:*,
// "/dev/zero (deleted)", files), devices under /dev excepted.
void parse_maps(int pid, std::string_view text, std::vector<model::MapEntry>& out);
// The entries parse_maps keeps, asked of the kernel through the open
// /proc/PID/maps `maps_fd` with PROCMAP_QUERY (Linux 6.11): false, with
// nothing added, where the kernel lacks it or a path is too long for it.
bool query_maps(int maps_fd, int pid, std::vector<model::MapEntry>& out);
// "rw" from the permission bits of a /proc/PID/fd/N link.
std::string access_from_link_mode(unsigned mode);

} // namespace ipcctl::sys
