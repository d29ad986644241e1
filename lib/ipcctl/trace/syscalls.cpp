// One table of traced calls drives the seccomp program, the ptrace decoder
// and the eBPF program, so they cannot disagree. Calls are listed by SYS_* name and compiled in
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

// The table. A row gives the call's family and the facts its family's
// handlers read: which arguments are the descriptor, the buffer and its
// length, an address, an id, a name; its direction; what it returns.
std::vector<SyscallInfo> make_table() {
  std::vector<SyscallInfo> t;
  auto add = [&](long nr, std::string_view name, SyscallInfo row) {
    row.nr = nr;
    row.name = name;
    t.push_back(row);
  };
  using F = Family;
  using S = Shape;
  const KindSet sig = set_of({Kind::signal});
  const KindSet msg = set_of({Kind::sysv_msg}), shm = set_of({Kind::sysv_shm}), sem = set_of({Kind::sysv_sem});
  const KindSet mq = set_of({Kind::posix_mq}), pipes = set_of({Kind::pipe, Kind::fifo});
#define IPC_SYS(name, ...) add(SYS_##name, #name, SyscallInfo __VA_ARGS__)
  // Data through a descriptor.
#ifdef SYS_read
  IPC_SYS(read, {.family = F::fd_data, .kinds = fd_data(), .dir = Dir::in, .shape = S::bytes, .fd = 0, .buf = 1, .len = 2, .file_io = true});
#endif
  IPC_SYS(write, {.family = F::fd_data, .kinds = fd_data(), .dir = Dir::out, .shape = S::bytes, .fd = 0, .buf = 1, .len = 2, .fast_entry = true, .file_io = true});
  IPC_SYS(readv, {.family = F::fd_data, .kinds = fd_data(), .dir = Dir::in, .shape = S::iov, .fd = 0, .buf = 1, .len = 2, .file_io = true});
  IPC_SYS(writev, {.family = F::fd_data, .kinds = fd_data(), .dir = Dir::out, .shape = S::iov, .fd = 0, .buf = 1, .len = 2, .fast_entry = true, .file_io = true});
  IPC_SYS(recvfrom, {.family = F::fd_data, .kinds = sockets(), .dir = Dir::in, .shape = S::bytes, .fd = 0, .buf = 1, .len = 2, .addr = 4});
  IPC_SYS(sendto, {.family = F::fd_data, .kinds = sockets(), .dir = Dir::out, .shape = S::bytes, .fd = 0, .buf = 1, .len = 2, .addr = 4, .fast_entry = true});
  IPC_SYS(recvmsg, {.family = F::fd_data, .kinds = sockets(), .dir = Dir::in, .shape = S::msghdr, .fd = 0, .buf = 1});
  IPC_SYS(sendmsg, {.family = F::fd_data, .kinds = sockets(), .dir = Dir::out, .shape = S::msghdr, .fd = 0, .buf = 1, .fast_entry = true});
  IPC_SYS(recvmmsg, {.family = F::fd_data, .kinds = sockets(), .dir = Dir::in, .shape = S::mmsghdr, .fd = 0, .buf = 1, .len = 2});
  IPC_SYS(sendmmsg, {.family = F::fd_data, .kinds = sockets(), .dir = Dir::out, .shape = S::mmsghdr, .fd = 0, .buf = 1, .len = 2});
  IPC_SYS(mq_timedsend, {.family = F::fd_data, .kinds = mq, .dir = Dir::out, .shape = S::bytes, .fd = 0, .buf = 1, .len = 2, .fast_entry = true, .zero_ok = true});
  IPC_SYS(mq_timedreceive, {.family = F::fd_data, .kinds = mq, .dir = Dir::in, .shape = S::bytes, .fd = 0, .buf = 1, .len = 2});
  // Data moved by the kernel: the descriptor written to, or else the one read from.
  IPC_SYS(splice, {.family = F::fd_splice, .kinds = fd_data(), .dir = Dir::out, .shape = S::none, .fd = 2, .fd_other = 0, .len = 4});
  IPC_SYS(tee, {.family = F::fd_splice, .kinds = pipes, .dir = Dir::out, .shape = S::none, .fd = 1, .len = 2});
  IPC_SYS(vmsplice, {.family = F::fd_splice, .kinds = pipes, .dir = Dir::out, .shape = S::iov, .fd = 0, .buf = 1, .len = 2, .fast_entry = true});
  IPC_SYS(sendfile, {.family = F::fd_splice, .kinds = fd_data(), .dir = Dir::out, .shape = S::none, .fd = 0, .len = 3});
  // System V.
  IPC_SYS(msgget, {.family = F::ipc_get, .kinds = msg, .kind = Kind::sysv_msg, .op = Op::open, .flags = 1});
  IPC_SYS(msgsnd, {.family = F::sysv_data, .kinds = msg, .kind = Kind::sysv_msg, .dir = Dir::out, .shape = S::msgbuf, .buf = 1, .len = 2, .id = 0, .fast_entry = true, .zero_ok = true});
  IPC_SYS(msgrcv, {.family = F::sysv_data, .kinds = msg, .kind = Kind::sysv_msg, .dir = Dir::in, .shape = S::msgbuf, .buf = 1, .len = 2, .id = 0});
  IPC_SYS(shmget, {.family = F::ipc_get, .kinds = shm, .kind = Kind::sysv_shm, .op = Op::open, .len = 1, .flags = 2});
  IPC_SYS(shmat, {.family = F::shm_attach, .kinds = shm, .kind = Kind::sysv_shm, .op = Op::attach, .id = 0});
  IPC_SYS(shmdt, {.family = F::shm_detach, .kinds = shm, .kind = Kind::sysv_shm, .op = Op::detach, .buf = 0});
  IPC_SYS(semget, {.family = F::ipc_get, .kinds = sem, .kind = Kind::sysv_sem, .op = Op::open, .len = 1, .flags = 2});
  IPC_SYS(semop, {.family = F::sem_op, .kinds = sem, .kind = Kind::sysv_sem, .op = Op::sem_op, .buf = 1, .len = 2, .id = 0});
  IPC_SYS(semtimedop, {.family = F::sem_op, .kinds = sem, .kind = Kind::sysv_sem, .op = Op::sem_op, .buf = 1, .len = 2, .id = 0});
  IPC_SYS(semctl, {.family = F::sem_ctl, .kinds = sem, .kind = Kind::sysv_sem, .op = Op::sem_set, .id = 0});
  // POSIX queues and shared memory.
  IPC_SYS(mq_open, {.family = F::mq_name, .kinds = mq, .kind = Kind::posix_mq, .op = Op::open, .flags = 1, .path = 0});
  IPC_SYS(mq_unlink, {.family = F::mq_name, .kinds = mq, .kind = Kind::posix_mq, .op = Op::unlink, .path = 0});
  IPC_SYS(mq_notify, {.family = F::fd_op, .kinds = mq, .op = Op::notify, .fd = 0});
  IPC_SYS(mmap, {.family = F::fd_op, .kinds = set_of({Kind::posix_shm, Kind::memfd}), .check = ArgCheck::shared_fd_mmap, .op = Op::attach, .fd = 4, .len = 1});
  // Channels made.
#ifdef SYS_pipe
  IPC_SYS(pipe, {.family = F::fd_pair, .kinds = set_of({Kind::pipe}), .kind = Kind::pipe, .op = Op::create, .buf = 0});
#endif
  IPC_SYS(pipe2, {.family = F::fd_pair, .kinds = set_of({Kind::pipe}), .kind = Kind::pipe, .op = Op::create, .buf = 0});
  IPC_SYS(socketpair, {.family = F::fd_pair, .kinds = set_of({Kind::unix_socket}), .kind = Kind::unix_socket, .op = Op::create, .buf = 3});
  IPC_SYS(socket, {.family = F::fd_new, .kinds = sockets(), .op = Op::create, .quiet_failure = true});
  IPC_SYS(bind, {.family = F::fd_op, .kinds = sockets(), .op = Op::bind, .fd = 0, .addr = 1});
  IPC_SYS(connect, {.family = F::fd_op, .kinds = sockets(), .op = Op::connect, .fd = 0, .addr = 1});
  IPC_SYS(accept, {.family = F::fd_new, .kinds = sockets(), .op = Op::accept});
  IPC_SYS(accept4, {.family = F::fd_new, .kinds = sockets(), .op = Op::accept});
#ifdef SYS_mknod
  IPC_SYS(mknod, {.family = F::mknod, .kinds = set_of({Kind::fifo}), .check = ArgCheck::fifo_mknod, .kind = Kind::fifo, .op = Op::create, .path = 0});
#endif
  IPC_SYS(mknodat, {.family = F::mknod, .kinds = set_of({Kind::fifo}), .check = ArgCheck::fifo_mknodat, .kind = Kind::fifo, .op = Op::create, .path = 1, .dirfd = 0});
#ifdef SYS_eventfd
  IPC_SYS(eventfd, {.family = F::fd_new, .kinds = set_of({Kind::eventfd}), .kind = Kind::eventfd, .op = Op::create, .len = 0});
#endif
  IPC_SYS(eventfd2, {.family = F::fd_new, .kinds = set_of({Kind::eventfd}), .kind = Kind::eventfd, .op = Op::create, .len = 0});
  IPC_SYS(memfd_create, {.family = F::fd_new, .kinds = set_of({Kind::memfd}), .kind = Kind::memfd, .op = Op::create, .path = 0});
  // Descriptor bookkeeping.
  IPC_SYS(close, {.family = F::close, .kinds = fd_kinds(), .op = Op::close, .fd = 0, .entry_enough = true});
  IPC_SYS(close_range, {.family = F::fd_table, .kinds = fd_kinds(), .fd = 0, .fd_other = 1});
#ifdef SYS_dup2
  IPC_SYS(dup2, {.family = F::fd_table, .kinds = fd_kinds(), .fd = 1});
#endif
  IPC_SYS(dup3, {.family = F::fd_table, .kinds = fd_kinds(), .fd = 1});
  IPC_SYS(unshare, {.family = F::namespaces, .kinds = namespaced()});
  IPC_SYS(setns, {.family = F::namespaces, .kinds = namespaced()});
  // Signals.
  IPC_SYS(kill, {.family = F::signal_send, .kinds = sig, .kind = Kind::signal, .op = Op::signal_send, .dir = Dir::out, .sig = 1, .target = 0, .target_is = Target::pid, .fast_entry = true});
  IPC_SYS(tkill, {.family = F::signal_send, .kinds = sig, .kind = Kind::signal, .op = Op::signal_send, .dir = Dir::out, .sig = 1, .target = 0, .target_is = Target::tid, .fast_entry = true});
  IPC_SYS(tgkill, {.family = F::signal_send, .kinds = sig, .kind = Kind::signal, .op = Op::signal_send, .dir = Dir::out, .sig = 2, .target = 0, .target_is = Target::pid, .fast_entry = true});
  IPC_SYS(rt_sigqueueinfo, {.family = F::signal_send, .kinds = sig, .kind = Kind::signal, .op = Op::signal_send, .dir = Dir::out, .sig = 1, .target = 0, .target_is = Target::pid, .fast_entry = true});
  IPC_SYS(rt_tgsigqueueinfo, {.family = F::signal_send, .kinds = sig, .kind = Kind::signal, .op = Op::signal_send, .dir = Dir::out, .sig = 2, .target = 0, .target_is = Target::pid, .fast_entry = true});
  IPC_SYS(pidfd_send_signal, {.family = F::signal_send, .kinds = sig, .kind = Kind::signal, .op = Op::signal_send, .dir = Dir::out, .sig = 1, .target = 0, .target_is = Target::pidfd, .fast_entry = true});
  // Not IPC: the process's new name, for the events that follow (comm).
  IPC_SYS(prctl, {.family = F::rename, .kinds = traceable_kinds(), .check = ArgCheck::prctl_set_name});
  // The eBPF backend's own: a FIFO's opening names the path its ref needs
  // (the ptrace backend reads it from the descriptor).
#ifdef SYS_open
  IPC_SYS(open, {.family = F::fifo_open, .kinds = set_of({Kind::fifo}), .kind = Kind::fifo, .op = Op::open, .path = 0, .ptrace = false});
#endif
  IPC_SYS(openat, {.family = F::fifo_open, .kinds = set_of({Kind::fifo}), .kind = Kind::fifo, .op = Op::open, .path = 1, .dirfd = 0, .ptrace = false});
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
      if (s.ptrace && s.nr >= 0 && static_cast<std::size_t>(s.nr) < k_max_nr) a[static_cast<std::size_t>(s.nr)] = &s;
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
    if (!s.ptrace) continue;
    bool keep = false;
    for (Kind k : model::all_kinds())
      if (kinds.has(k) && s.kinds.has(k)) keep = true;
    if (keep || (fds && fd_bookkeeping(s.family))) out.push_back(&s);
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
