#pragma once
// File locks: one Object per line of /proc/locks (ref "lock:N"; a process
// waiting for a lock is "lock:N.W", W counting its waiters from 1), with the
// descriptors holding it found through the walk's fds and their fdinfo.
#include <ipcctl/linux/source.hpp>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace ipcctl::sys {

// One line of /proc/locks, or of a "lock:" line of /proc/PID/fdinfo/FD.
// The string views point at static text, never into the parsed line.
struct LockLine {
  std::int64_t number = 0;  // the "N:" the kernel numbers locks with
  int depth = 0;            // 0: a lock; 1: waits for it; 2: waits for a waiter...
  std::string_view kind;    // "posix", "ofd", "flock", "lease", "delegation", "unknown"
  std::string_view mode;    // "read", "write", "rw"; "none" for UNLCK (a lease being broken)
  bool mandatory = false;   // MANDATORY (before Linux 5.15) or MSNFS
  bool access_check = false;       // ACCESS: a transient check of a mandatory lock
  std::string_view lease_state;    // "active", "breaking", "breaker"; empty unless a lease
  int pid = 0;                     // -1 for OFD locks; 0 when not visible in our pid namespace
  std::optional<std::uint64_t> dev;    // makedev(major, minor) of the filesystem; nullopt: <none>
  std::optional<std::uint64_t> inode;  // nullopt for a lock without an inode
  std::int64_t start = 0;
  std::optional<std::int64_t> end;  // inclusive; nullopt: to end of file
};

// Parses one line: "1: POSIX  ADVISORY  WRITE 1888 fe:00:408225 0 EOF", or a
// waiter "1: -> FLOCK  ADVISORY  WRITE 2001 00:1a:5 0 EOF" (the spaces
// between "N:" and "->" give its depth on newer kernels, always 1 on older).
// nullopt for a line that does not have this shape.
std::optional<LockLine> parse_lock_line(std::string_view line);
// Every well-formed line of /proc/locks, in order; the rest are skipped.
std::vector<LockLine> parse_locks(std::string_view text);
// The "lock:\t..." lines of a /proc/PID/fdinfo/FD text: the locks this
// descriptor's open file holds (the kernel numbers them per descriptor).
std::vector<LockLine> parse_fdinfo_locks(std::string_view text);
// The same lock, comparing everything but the number and the depth.
bool same_lock(const LockLine& a, const LockLine& b);

// The lock source. Holders: the descriptors whose fdinfo lists the lock
// (for flock, OFD locks and leases, every process sharing the open file);
// a POSIX lock, or a lock whose descriptors could not be read, falls back to
// the pid /proc/locks names, without an fd. A waiter's holder is the waiting
// process, with its descriptor on the file when it has exactly one.
// detail: kind, lock_mode, start, end (null: to end of file), path (null
// when no descriptor of the walk has the file open), mandatory, blocked,
// blocked_on (the ref of the lock or waiter it waits behind; waiters only),
// pid (as /proc/locks gives it; null when not visible), lease_state (leases),
// and for a waiter, wchan (the kernel function its thread sleeps in) and
// waiting_ms (how long since it last ran, from /proc/PID/sched; null where
// that file is missing or unreadable). The kernel keeps no time of when a
// wait began: waiting_ms is an estimate (see locks.cpp).
// With opts.pids, only locks held or awaited by those processes.
// Fails only when /proc/locks cannot be read (a kernel without file locking).
const Source& lock_source();

} // namespace ipcctl::sys
