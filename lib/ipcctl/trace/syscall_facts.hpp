#pragma once
// The vocabulary of the syscall table (syscalls.hpp): the families a traced
// call belongs to and the shapes of its arguments. Apart from the table,
// because two programs speak it: the tracer in C++, and the eBPF program in
// C, which gets these numbers from a header that bpf/gen_syscall_facts.cpp
// prints from this one at build time. So this file includes nothing of
// ipcctl, and each enum's names are listed beside it, in its order.
#include <array>
#include <cstdint>
#include <string_view>

namespace ipcctl::trace {

// What a call does, as far as a tracer must know to decode it. A family has
// one handler in each backend (tracer.cpp; the BPF program, for those
// bpf_decodes() names); its calls differ only in the facts of their row.
enum class Family : std::uint8_t {
  none,         // not traced
  fd_data,      // data through a descriptor: read, sendmsg, mq_timedsend...
  fd_splice,    // data moved by the kernel between descriptors: splice, sendfile
  sysv_data,    // data through a SysV queue named by its id: msgsnd, msgrcv
  sem_op,       // semop, semtimedop
  sem_ctl,      // semctl's writes and removal
  ipc_get,      // msgget, shmget, semget: a SysV object's id
  shm_attach,   // shmat
  shm_detach,   // shmdt
  mq_name,      // mq_open, mq_unlink: a POSIX queue by name
  fd_op,        // an operation on a descriptor: bind, connect, mq_notify, mmap
  mknod,        // a FIFO made
  fd_pair,      // two new descriptors: pipe, socketpair
  fd_new,       // a new descriptor: socket, accept, eventfd, memfd_create
  close,        // a descriptor closed
  fd_table,     // descriptors replaced or closed in bulk: dup2, dup3, close_range
  namespaces,   // unshare, setns
  rename,       // prctl(PR_SET_NAME)
  signal_send,  // kill and its kin
  fifo_open,    // open, openat of a FIFO (the eBPF backend only)
};
inline constexpr std::array<std::string_view, 20> k_family_names = {
    "none", "fd_data", "fd_splice", "sysv_data", "sem_op", "sem_ctl", "ipc_get", "shm_attach", "shm_detach",
    "mq_name", "fd_op", "mknod", "fd_pair", "fd_new", "close", "fd_table", "namespaces", "rename",
    "signal_send", "fifo_open",
};
static_assert(k_family_names.back() == "fifo_open" && static_cast<std::size_t>(Family::fifo_open) + 1 == k_family_names.size(),
              "one name per Family, in its order");

// How a call's buffer and length arguments give the bytes it moves.
enum class Shape : std::uint8_t {
  none,
  bytes,    // buf points to len bytes
  iov,      // buf is an iovec array of len entries
  msghdr,   // buf is a struct msghdr
  mmsghdr,  // buf is an array of len struct mmsghdr
  msgbuf,   // buf is a SysV message: a long type, then len bytes
};
inline constexpr std::array<std::string_view, 6> k_shape_names = {"none", "bytes", "iov", "msghdr", "mmsghdr", "msgbuf"};
static_assert(static_cast<std::size_t>(Shape::msgbuf) + 1 == k_shape_names.size(), "one name per Shape, in its order");

// What a signal call's target argument is.
enum class Target : std::uint8_t {
  none,
  pid,    // a process (or -1, 0, -pgrp: all, the caller's group, a group)
  tid,    // a thread: its process is looked up
  pidfd,  // a pidfd: its process is looked up
};
inline constexpr std::array<std::string_view, 4> k_target_names = {"none", "pid", "tid", "pidfd"};
static_assert(static_cast<std::size_t>(Target::pidfd) + 1 == k_target_names.size(), "one name per Target, in its order");

// The families the eBPF program decodes (ipctrace --system); calls of the
// others are not looked at there.
inline constexpr bool bpf_decodes(Family f) {
  switch (f) {
  case Family::fd_data:
  case Family::sysv_data:
  case Family::sem_op:
  case Family::shm_attach:
  case Family::shm_detach:
  case Family::mq_name:
  case Family::signal_send:
  case Family::fifo_open:
    return true;
  default:
    return false;
  }
}

} // namespace ipcctl::trace
