#pragma once
// The system calls ipctrace traces, what each means for IPC, and the
// classic-BPF seccomp program that stops on exactly those (everything else
// runs untraced at full speed). One table: the ptrace decoder, the seccomp
// filter and the eBPF program all take a call's family, its descriptor
// arguments and its direction from its row. Adding a call of a known family
// is adding a row (syscalls.cpp).
#include <ipcctl/model/kind.hpp>
#include <ipcctl/trace/event.hpp>
#include <ipcctl/trace/syscall_facts.hpp>
#include <ipcctl/util/result.hpp>

#include <linux/filter.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace ipcctl::trace {

// How the seccomp filter picks a call's stops beyond its number.
enum class ArgCheck : std::uint8_t {
  none,
  shared_fd_mmap,  // mmap: only MAP_SHARED mappings of a descriptor (arg 4 != -1)
  fifo_mknod,      // mknod: only S_IFIFO (mode in arg 1)
  fifo_mknodat,    // mknodat: only S_IFIFO (mode in arg 2)
  prctl_set_name,  // prctl: only PR_SET_NAME (option in arg 0), which renames the thread
};

// One row of the table: everything the ptrace decoder, the seccomp filter
// and the eBPF program know of a call. Argument fields are indexes into the
// six arguments, -1 when the call has none of that kind. The family's
// handler reads the row, never the call's name or number.
struct SyscallInfo {
  long nr = -1;
  std::string_view name;
  Family family = Family::none;
  model::KindSet kinds;     // the mechanisms this call can concern (for -e)
  ArgCheck check = ArgCheck::none;
  // The mechanism when no descriptor says it (SysV calls, mq_open, pipe,
  // signals); none for descriptor calls and where the exit tells (socket).
  std::optional<model::Kind> kind;
  Op op = Op::send;         // what it does, where the direction does not say it
  Dir dir = Dir::none;      // out: sends (op send); in: receives (op recv)
  Shape shape = Shape::none;
  std::int8_t fd = -1;        // the descriptor (for fd_table: the first replaced or closed)
  std::int8_t fd_other = -1;  // splice: the descriptor read from; close_range: the last closed
  std::int8_t buf = -1;       // the data (Shape says how), shmdt's address, pipe's array
  std::int8_t len = -1;       // the byte or entry count; eventfd's initial value
  std::int8_t addr = -1;      // a sockaddr; its length is the next argument (a pointer
                              // to it when the call receives)
  std::int8_t id = -1;        // a SysV id
  std::int8_t flags = -1;     // flags whose create bit (O_CREAT, IPC_CREAT) makes open a create
  std::int8_t path = -1;      // a name or path string
  std::int8_t dirfd = -1;     // the directory a relative path starts from
  std::int8_t sig = -1;       // a signal number
  std::int8_t target = -1;    // a signal's target, as target_is says
  Target target_is = Target::none;
  bool entry_enough = false;  // the entry stop says all (close): no exit stop
  bool fast_entry = false;    // entry-only under --fast: bytes become an upper bound
  bool zero_ok = false;       // returns 0 on success, having moved all it was asked to
  bool file_io = false;       // works on any file (read, write): a write to /proc/PID/comm renames
  bool quiet_failure = false; // no event when it fails (socket: an unknown family)
  bool ptrace = true;         // traced by the ptrace backend (false: the eBPF one only)
};

// Whether a family's calls change which descriptors a process has, and
// so are traced whenever a descriptor-based kind is.
inline constexpr bool fd_bookkeeping(Family f) { return f == Family::close || f == Family::fd_table; }
// Whether a family's mechanism is known only at the exit (socket, accept),
// or it has none (descriptor and namespace bookkeeping): -e is checked then.
inline constexpr bool kind_at_exit(Family f) {
  return f == Family::fd_new || f == Family::fd_table || f == Family::namespaces;
}

// Every row this architecture has: the calls the ptrace backend traces,
// and the eBPF backend's own (SyscallInfo::ptrace false).
std::span<const SyscallInfo> traced_syscalls();
// The ptrace backend's row for a syscall number, or nullptr when it does not
// trace it.
const SyscallInfo* syscall_info(long nr);
// The ptrace backend's calls needed to trace `kinds`: those concerning one of them, plus the
// descriptor bookkeeping calls (close, dup2, dup3, close_range) whenever a
// descriptor-based kind is selected; unshare and setns for the kinds that
// live in a namespace; prctl(PR_SET_NAME) always, as every event names its
// process.
std::vector<const SyscallInfo*> syscalls_for(const model::KindSet& kinds);

// The mechanisms -e accepts: ipcctl's kind names and families (see
// model::parse_kinds), of which those ipctrace traces.
model::KindSet traceable_kinds();

// A seccomp program returning SECCOMP_RET_TRACE for `calls` (with their
// argument checks) and SECCOMP_RET_ALLOW for everything else, including
// calls of a foreign ABI (x32, i386 on x86_64), which are not traced.
// Errors: more calls than a jump can span (code 0, op "seccomp").
Result<std::vector<sock_filter>> build_filter(std::span<const SyscallInfo* const> calls);

} // namespace ipcctl::trace
