#pragma once
// The system calls ipctrace stops on, what each means for IPC, and the
// classic-BPF seccomp program that stops on exactly those (everything else
// runs untraced at full speed).
#include <ipcctl/model/kind.hpp>
#include <ipcctl/util/result.hpp>

#include <linux/filter.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ipcctl::trace {

// The decoder's view of a system call.
enum class Sys : std::uint8_t {
  read, write, readv, writev, recvfrom, sendto, recvmsg, sendmsg, recvmmsg, sendmmsg,
  splice, tee, vmsplice, sendfile,
  msgget, msgsnd, msgrcv, shmget, shmat, shmdt, semget, semop, semtimedop, semctl,
  mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_notify, mmap,
  pipe, pipe2, socketpair, socket, bind, connect, accept, accept4, mknod, mknodat,
  eventfd, eventfd2, memfd_create, close, close_range, dup2, dup3, unshare, setns,
  kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_send_signal,
  prctl,
};

// How the seccomp filter picks a call's stops beyond its number.
enum class ArgCheck : std::uint8_t {
  none,
  shared_fd_mmap,  // mmap: only MAP_SHARED mappings of a descriptor (arg 4 != -1)
  fifo_mknod,      // mknod: only S_IFIFO (mode in arg 1)
  fifo_mknodat,    // mknodat: only S_IFIFO (mode in arg 2)
  prctl_set_name,  // prctl: only PR_SET_NAME (option in arg 0), which renames the thread
};

struct SyscallInfo {
  long nr;
  Sys sys;
  std::string_view name;
  model::KindSet kinds;     // the mechanisms this call can concern (for -e)
  ArgCheck check = ArgCheck::none;
  bool entry_enough = false;  // the entry stop says all (close): no exit stop
  bool is_send = false;       // entry-only under --fast: bytes become an upper bound
};

// Every traced call this architecture has.
std::span<const SyscallInfo> traced_syscalls();
// The entry for a syscall number, or nullptr when it is not traced.
const SyscallInfo* syscall_info(long nr);
// The calls needed to trace `kinds`: those concerning one of them, plus the
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
