// One table of traced calls drives both the seccomp program and the decoder,
// so the two cannot disagree. Calls are listed by SYS_* name and compiled in
// only where the architecture has them (aarch64 has no pipe, mknod, dup2).
// The filter is a flat list of comparisons: with about sixty calls that is
// faster to build and to audit than a search tree, and the kernel's JIT
// makes the difference in run time negligible next to one ptrace stop.
#include <ipcctl/trace/syscalls.hpp>

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <array>
#include <cstddef>

namespace ipcctl::trace {

using model::Kind;
using model::KindSet;

namespace {

KindSet set_of(std::initializer_list<Kind> ks) {
  KindSet s;
  for (Kind k : ks) s.add(k);
  return s;
}

// Descriptor-based kinds whose data moves with read/write and friends.
KindSet fd_data() {
  return set_of({Kind::pipe, Kind::fifo, Kind::unix_socket, Kind::tcp, Kind::udp, Kind::eventfd});
}
KindSet sockets() { return set_of({Kind::unix_socket, Kind::tcp, Kind::udp}); }
// Kinds that live in an IPC or network namespace.
KindSet namespaced() {
  return set_of({Kind::sysv_msg, Kind::sysv_shm, Kind::sysv_sem, Kind::posix_mq, Kind::unix_socket, Kind::tcp, Kind::udp});
}
KindSet fd_kinds() {
  auto s = fd_data();
  s.add(Kind::posix_mq);
  s.add(Kind::posix_shm);
  s.add(Kind::memfd);
  return s;
}

std::vector<SyscallInfo> make_table() {
  std::vector<SyscallInfo> t;
  auto add = [&](long nr, Sys sys, std::string_view name, KindSet kinds, ArgCheck check = ArgCheck::none,
                 bool entry_enough = false, bool is_send = false) {
    t.push_back(SyscallInfo{nr, sys, name, kinds, check, entry_enough, is_send});
  };
  const KindSet sig = set_of({Kind::signal});
#define IPC_SYS(name, ...) add(SYS_##name, Sys::name, #name, __VA_ARGS__)
#ifdef SYS_read
  IPC_SYS(read, fd_data());
#endif
  IPC_SYS(write, fd_data(), ArgCheck::none, false, true);
  IPC_SYS(readv, fd_data());
  IPC_SYS(writev, fd_data(), ArgCheck::none, false, true);
  IPC_SYS(recvfrom, sockets());
  IPC_SYS(sendto, sockets(), ArgCheck::none, false, true);
  IPC_SYS(recvmsg, sockets());
  IPC_SYS(sendmsg, sockets(), ArgCheck::none, false, true);
  IPC_SYS(recvmmsg, sockets());
  IPC_SYS(sendmmsg, sockets());
  IPC_SYS(splice, fd_data());
  IPC_SYS(tee, set_of({Kind::pipe, Kind::fifo}));
  IPC_SYS(vmsplice, set_of({Kind::pipe, Kind::fifo}), ArgCheck::none, false, true);
  IPC_SYS(sendfile, fd_data());
  IPC_SYS(msgget, set_of({Kind::sysv_msg}));
  IPC_SYS(msgsnd, set_of({Kind::sysv_msg}), ArgCheck::none, false, true);
  IPC_SYS(msgrcv, set_of({Kind::sysv_msg}));
  IPC_SYS(shmget, set_of({Kind::sysv_shm}));
  IPC_SYS(shmat, set_of({Kind::sysv_shm}));
  IPC_SYS(shmdt, set_of({Kind::sysv_shm}));
  IPC_SYS(semget, set_of({Kind::sysv_sem}));
  IPC_SYS(semop, set_of({Kind::sysv_sem}));
  IPC_SYS(semtimedop, set_of({Kind::sysv_sem}));
  IPC_SYS(semctl, set_of({Kind::sysv_sem}));
  IPC_SYS(mq_open, set_of({Kind::posix_mq}));
  IPC_SYS(mq_unlink, set_of({Kind::posix_mq}));
  IPC_SYS(mq_timedsend, set_of({Kind::posix_mq}), ArgCheck::none, false, true);
  IPC_SYS(mq_timedreceive, set_of({Kind::posix_mq}));
  IPC_SYS(mq_notify, set_of({Kind::posix_mq}));
  IPC_SYS(mmap, set_of({Kind::posix_shm, Kind::memfd}), ArgCheck::shared_fd_mmap);
#ifdef SYS_pipe
  IPC_SYS(pipe, set_of({Kind::pipe}));
#endif
  IPC_SYS(pipe2, set_of({Kind::pipe}));
  IPC_SYS(socketpair, set_of({Kind::unix_socket}));
  IPC_SYS(socket, sockets());
  IPC_SYS(bind, sockets());
  IPC_SYS(connect, sockets());
  IPC_SYS(accept, sockets());
  IPC_SYS(accept4, sockets());
#ifdef SYS_mknod
  IPC_SYS(mknod, set_of({Kind::fifo}), ArgCheck::fifo_mknod);
#endif
  IPC_SYS(mknodat, set_of({Kind::fifo}), ArgCheck::fifo_mknodat);
#ifdef SYS_eventfd
  IPC_SYS(eventfd, set_of({Kind::eventfd}));
#endif
  IPC_SYS(eventfd2, set_of({Kind::eventfd}));
  IPC_SYS(memfd_create, set_of({Kind::memfd}));
  IPC_SYS(close, fd_kinds(), ArgCheck::none, true);
  IPC_SYS(close_range, fd_kinds());
#ifdef SYS_dup2
  IPC_SYS(dup2, fd_kinds());
#endif
  IPC_SYS(dup3, fd_kinds());
  IPC_SYS(unshare, namespaced());
  IPC_SYS(setns, namespaced());
  IPC_SYS(kill, sig, ArgCheck::none, false, true);
  IPC_SYS(tkill, sig, ArgCheck::none, false, true);
  IPC_SYS(tgkill, sig, ArgCheck::none, false, true);
  IPC_SYS(rt_sigqueueinfo, sig, ArgCheck::none, false, true);
  IPC_SYS(rt_tgsigqueueinfo, sig, ArgCheck::none, false, true);
  IPC_SYS(pidfd_send_signal, sig, ArgCheck::none, false, true);
  // Not IPC: the process's new name, for the events that follow (comm).
  IPC_SYS(prctl, traceable_kinds(), ArgCheck::prctl_set_name);
#undef IPC_SYS
  return t;
}

const std::vector<SyscallInfo>& table() {
  static const std::vector<SyscallInfo> t = make_table();
  return t;
}

constexpr std::size_t k_max_nr = 1024;

const std::array<const SyscallInfo*, k_max_nr>& by_nr() {
  static const auto index = [] {
    std::array<const SyscallInfo*, k_max_nr> a{};
    for (const auto& s : table())
      if (s.nr >= 0 && static_cast<std::size_t>(s.nr) < k_max_nr) a[static_cast<std::size_t>(s.nr)] = &s;
    return a;
  }();
  return index;
}

#if defined(__x86_64__)
constexpr std::uint32_t k_audit_arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t k_audit_arch = AUDIT_ARCH_AARCH64;
#else
#error "ipctrace: add this architecture's AUDIT_ARCH"
#endif

sock_filter stmt(std::uint16_t code, std::uint32_t k) { return BPF_STMT(code, k); }

} // namespace

std::span<const SyscallInfo> traced_syscalls() { return table(); }

const SyscallInfo* syscall_info(long nr) {
  if (nr < 0 || static_cast<std::size_t>(nr) >= k_max_nr) return nullptr;
  return by_nr()[static_cast<std::size_t>(nr)];
}

KindSet traceable_kinds() {
  auto s = fd_kinds();
  for (Kind k : {Kind::sysv_msg, Kind::sysv_shm, Kind::sysv_sem, Kind::signal}) s.add(k);
  return s;
}

std::vector<const SyscallInfo*> syscalls_for(const KindSet& kinds) {
  std::vector<const SyscallInfo*> out;
  bool fds = false;
  for (Kind k : model::all_kinds())
    if (kinds.has(k) && fd_kinds().has(k)) fds = true;
  for (const auto& s : table()) {
    bool keep = false;
    for (Kind k : model::all_kinds())
      if (kinds.has(k) && s.kinds.has(k)) keep = true;
    const bool bookkeeping = s.sys == Sys::close || s.sys == Sys::close_range || s.sys == Sys::dup2 ||
                             s.sys == Sys::dup3;
    if (keep || (fds && bookkeeping)) out.push_back(&s);
  }
  return out;
}

Result<std::vector<sock_filter>> build_filter(std::span<const SyscallInfo* const> calls) {
  // Jumps are relative and 8 bits wide: targets "allow" and "trace" sit at
  // the end; each jump to them is patched once the length is known.
  std::vector<sock_filter> p;
  std::vector<std::pair<std::size_t, bool>> to_allow_jt, to_trace_jt;  // (index, jt?) fixups
  auto jeq = [&](std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
    p.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf));
  };
  auto ld_arg_lo = [&](int arg) {
    p.push_back(stmt(BPF_LD | BPF_W | BPF_ABS,
                     static_cast<std::uint32_t>(offsetof(seccomp_data, args) + 8 * static_cast<std::size_t>(arg))));
  };
  p.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
  jeq(k_audit_arch, 1, 0);
  p.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  p.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
#if defined(__x86_64__)
  // x32 calls carry bit 30 in the number; they are not traced.
  p.push_back(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 0));
  to_allow_jt.emplace_back(p.size() - 1, true);
#endif
  std::vector<const SyscallInfo*> checked;
  for (const SyscallInfo* s : calls) {
    if (s->check != ArgCheck::none) {
      checked.push_back(s);
      continue;
    }
    jeq(static_cast<std::uint32_t>(s->nr), 0, 0);
    to_trace_jt.emplace_back(p.size() - 1, true);
  }
  for (const SyscallInfo* s : checked) {
    // jeq nr ? next : skip block; the block leaves with allow or trace.
    const std::size_t head = p.size();
    jeq(static_cast<std::uint32_t>(s->nr), 0, 0);
    if (s->check == ArgCheck::shared_fd_mmap) {
      ld_arg_lo(4);  // fd: -1 for anonymous mappings
      jeq(0xffffffffu, 0, 0);
      to_allow_jt.emplace_back(p.size() - 1, true);
      ld_arg_lo(3);  // flags
      p.push_back(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MAP_SHARED, 0, 0));
      to_trace_jt.emplace_back(p.size() - 1, true);
      to_allow_jt.emplace_back(p.size() - 1, false);
    } else if (s->check == ArgCheck::prctl_set_name) {
      ld_arg_lo(0);  // option
      jeq(PR_SET_NAME, 0, 0);
      to_trace_jt.emplace_back(p.size() - 1, true);
      to_allow_jt.emplace_back(p.size() - 1, false);
    } else {
      ld_arg_lo(s->check == ArgCheck::fifo_mknod ? 1 : 2);
      p.push_back(stmt(BPF_ALU | BPF_AND | BPF_K, S_IFMT));
      jeq(S_IFIFO, 0, 0);
      to_trace_jt.emplace_back(p.size() - 1, true);
      to_allow_jt.emplace_back(p.size() - 1, false);
    }
    // Not this call: skip the block, whose every exit is a jump to a verdict,
    // with the number still in the accumulator.
    p[head].jf = static_cast<std::uint8_t>(p.size() - head - 1);
  }
  const std::size_t allow = p.size();
  p.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  const std::size_t trace = p.size();
  p.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_TRACE));
  auto patch = [&](const std::vector<std::pair<std::size_t, bool>>& fixups, std::size_t target) -> bool {
    for (auto [at, jt] : fixups) {
      const std::size_t off = target - at - 1;
      if (off > 255) return false;
      (jt ? p[at].jt : p[at].jf) = static_cast<std::uint8_t>(off);
    }
    return true;
  };
  if (!patch(to_allow_jt, allow) || !patch(to_trace_jt, trace))
    return fail(Error{0, "seccomp", "filter", "too many system calls for one jump"});
  return p;
}

} // namespace ipcctl::trace
