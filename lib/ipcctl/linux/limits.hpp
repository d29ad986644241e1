#pragma once
// The IPC limits of the machine and how much of each is in use, for
// `ipcctl limits`: SysV (kernel.msg*, kernel.shm*, kernel.sem), POSIX
// queues, pipes, file descriptors, unix sockets and /dev/shm.
#include <ipcctl/linux/proc_root.hpp>
#include <ipcctl/model/limit.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ipcctl::sys {

// The limit struct is plain data in model/, shared with audit and export.
using model::k_high_percent;
using model::Limit;

// What the running process and the mounted filesystems tell, beyond the
// files of /proc/sys; separate so that tests can state them.
struct HostFacts {
  std::optional<std::uint64_t> rlimit_msgqueue;  // the soft RLIMIT_MSGQUEUE in bytes
  bool rlimit_msgqueue_unlimited = false;
  std::optional<std::uint64_t> dev_shm_size, dev_shm_used;  // bytes (statvfs)
  std::uint64_t page_size = 4096;
  std::vector<std::string> warnings;  // what could not be found out
};

// getrlimit(RLIMIT_MSGQUEUE), statvfs(root/dev/shm) and the page size.
HostFacts host_facts(const ProcRoot& root);

struct LimitsReport {
  std::vector<Limit> limits;          // in a fixed order, grouped
  std::vector<std::string> warnings;  // unreadable or malformed entries, one line each
};

// Reads every limit below `root` (/proc/sys/..., /proc/sysvipc/*,
// /dev/mqueue) and joins `host`. Never fails as a whole: an entry that
// cannot be read or parsed has a null value or use and adds a warning.
// On a live root without /proc/sysvipc, the SysV use comes from *_STAT.
LimitsReport read_limits(const ProcRoot& root, const HostFacts& host);

} // namespace ipcctl::sys
