#pragma once
// The detail keys: every field a collector may set in an object's `detail`,
// each a typed constant with its meaning. Collectors set them and readers
// (rm's checks, audit, graph, the table) read them through these constants,
// so a misspelt key does not compile instead of silently reading null. Each
// kind's descriptor (kind.cpp) lists the keys its objects carry; the columns
// of -o and -Q are made from those lists, and a test checks every collected
// object against them.
#include <ipcctl/api.hpp>

#include <string_view>

IPCCTL_API_BEGIN

namespace ipcctl::model {

// What a key's value is: the variant alternative of Value it holds (or null).
enum class KeyType : unsigned char {
  number,   // std::int64_t: a count, an id, a pid
  bytes,    // std::int64_t, in bytes: people see 4K, scripts see 4096
  flag,     // bool
  text,     // std::string
  time,     // Time: RFC 3339 in JSON, local time for people
  numbers,  // std::vector<std::int64_t>
  texts,    // std::vector<std::string>
};

struct DetailKey {
  std::string_view name;  // snake_case, as in JSON: "unread_bytes"
  KeyType type;
  std::string_view help;  // one line for --list-columns and ipcctl-json(7)
};

// The constants, grouped by the kinds that set them. A key several kinds
// set means the same thing for each (ctime, dev, state).
namespace key {
// Several kinds.
inline constexpr DetailKey messages{"messages", KeyType::number, "messages queued"};
inline constexpr DetailKey bytes{"bytes", KeyType::bytes, "bytes queued"};
inline constexpr DetailKey ctime{"ctime", KeyType::time, "time of the last change"};
inline constexpr DetailKey mtime{"mtime", KeyType::time, "time of the last write (a POSIX object's file)"};
inline constexpr DetailKey dev{"dev", KeyType::text, "device of the file (major:minor), for rm's identity check"};
inline constexpr DetailKey btime{"btime", KeyType::time, "birth time of the file"};
inline constexpr DetailKey btime_nsec{"btime_nsec", KeyType::number, "nanoseconds of the birth time"};
inline constexpr DetailKey ctime_nsec{"ctime_nsec", KeyType::number, "nanoseconds of ctime"};
inline constexpr DetailKey pid{"pid", KeyType::number, "process id"};
inline constexpr DetailKey state{"state", KeyType::text, "socket state, as ss prints it"};
inline constexpr DetailKey count{"count", KeyType::number, "eventfd counter; a Windows semaphore's count"};

// System V.
inline constexpr DetailKey max_bytes{"max_bytes", KeyType::bytes, "queue limit in bytes (msg_qbytes)"};
inline constexpr DetailKey lspid{"lspid", KeyType::number, "pid of the last msgsnd"};
inline constexpr DetailKey lrpid{"lrpid", KeyType::number, "pid of the last msgrcv"};
inline constexpr DetailKey stime{"stime", KeyType::time, "time of the last msgsnd"};
inline constexpr DetailKey rtime{"rtime", KeyType::time, "time of the last msgrcv"};
inline constexpr DetailKey nattch{"nattch", KeyType::number, "number of attaches"};
inline constexpr DetailKey cpid{"cpid", KeyType::number, "pid of the creator"};
inline constexpr DetailKey lpid{"lpid", KeyType::number, "pid of the last shmat/shmdt"};
inline constexpr DetailKey atime{"atime", KeyType::time, "time of the last attach"};
inline constexpr DetailKey dtime{"dtime", KeyType::time, "time of the last detach"};
inline constexpr DetailKey rss_bytes{"rss_bytes", KeyType::bytes, "resident bytes of a segment"};
inline constexpr DetailKey swap_bytes{"swap_bytes", KeyType::bytes, "swapped bytes of a segment"};
inline constexpr DetailKey dest{"dest", KeyType::flag, "segment marked for removal (1/0)"};
inline constexpr DetailKey locked{"locked", KeyType::flag, "segment locked in memory (1/0)"};
inline constexpr DetailKey cuid{"cuid", KeyType::number, "creator's uid"};
inline constexpr DetailKey cgid{"cgid", KeyType::number, "creator's gid"};
inline constexpr DetailKey nsems{"nsems", KeyType::number, "semaphores in the set"};
inline constexpr DetailKey values{"values", KeyType::numbers, "semaphore values"};
inline constexpr DetailKey ncnt{"ncnt", KeyType::numbers, "processes waiting for increase, per semaphore"};
inline constexpr DetailKey zcnt{"zcnt", KeyType::numbers, "processes waiting for zero, per semaphore"};
inline constexpr DetailKey last_pids{"last_pids", KeyType::numbers, "pid of the last semop, per semaphore"};
inline constexpr DetailKey otime{"otime", KeyType::time, "time of the last semop"};

// POSIX.
inline constexpr DetailKey maxmsg{"maxmsg", KeyType::number, "queue capacity in messages"};
inline constexpr DetailKey msgsize{"msgsize", KeyType::bytes, "largest message in bytes"};
inline constexpr DetailKey notify_pid{"notify_pid", KeyType::number, "pid registered for notification"};
inline constexpr DetailKey notify_signal{"notify_signal", KeyType::text, "signal sent on notification"};
inline constexpr DetailKey value{"value", KeyType::number, "semaphore value"};
inline constexpr DetailKey waiters{"waiters", KeyType::number, "threads waiting on a POSIX semaphore"};
inline constexpr DetailKey blocks_bytes{"blocks_bytes", KeyType::bytes,
                                        "bytes allocated to a POSIX shared memory object"};

// Pipes and FIFOs.
inline constexpr DetailKey unread_bytes{"unread_bytes", KeyType::bytes, "bytes written and not yet read"};
inline constexpr DetailKey capacity_bytes{"capacity_bytes", KeyType::bytes, "pipe buffer size"};
inline constexpr DetailKey deleted{"deleted", KeyType::flag, "FIFO or mapped file removed from the filesystem (1/0)"};

// Sockets.
inline constexpr DetailKey sock_type{"sock_type", KeyType::text, "stream, dgram, seqpacket"};
inline constexpr DetailKey abstract{"abstract", KeyType::flag, "abstract unix socket name (1/0)"};
inline constexpr DetailKey file_inode{"file_inode", KeyType::number, "inode of a unix socket's file"};
inline constexpr DetailKey stale{"stale", KeyType::flag,
                                 "a socket file no socket is bound to (found with --scan) (1/0)"};
inline constexpr DetailKey family{"family", KeyType::text, "inet or inet6"};
inline constexpr DetailKey local{"local", KeyType::text, "local address:port"};
inline constexpr DetailKey remote{"remote", KeyType::text, "remote address:port"};
inline constexpr DetailKey rqueue{"rqueue", KeyType::number, "receive queue (listening: backlog)"};
inline constexpr DetailKey wqueue{"wqueue", KeyType::number, "send queue (listening: max backlog)"};
inline constexpr DetailKey protocol{"protocol", KeyType::text,
                                    "netlink protocol: route, kobject_uevent, generic, sock_diag..."};
inline constexpr DetailKey portid{"portid", KeyType::number, "netlink port id the socket is bound to"};
inline constexpr DetailKey dst_portid{"dst_portid", KeyType::number,
                                      "netlink port id the socket sends to (0: the kernel)"};
inline constexpr DetailKey dst_group{"dst_group", KeyType::number, "netlink multicast group the socket sends to"};
inline constexpr DetailKey groups{"groups", KeyType::numbers, "netlink multicast groups the socket receives"};

// eventfd, memfd, signalfd.
inline constexpr DetailKey eventfd_id{"eventfd_id", KeyType::number, "eventfd identity"};
inline constexpr DetailKey semaphore{"semaphore", KeyType::flag, "eventfd in semaphore mode (1/0)"};
inline constexpr DetailKey seals{"seals", KeyType::texts, "memfd seals"};
inline constexpr DetailKey mask{"mask", KeyType::texts, "signals a signalfd accepts"};

// Shared mappings (anon-shm, mapped-file).
inline constexpr DetailKey mapped_bytes{"mapped_bytes", KeyType::bytes,
                                        "the longest shared mapping of it among its holders"};

// File locks.
inline constexpr DetailKey kind{"kind", KeyType::text, "lock kind: flock, posix, ofd, lease"};
inline constexpr DetailKey lock_mode{"lock_mode", KeyType::text, "read or write"};
inline constexpr DetailKey start{"start", KeyType::number, "first byte locked"};
inline constexpr DetailKey end{"end", KeyType::number, "last byte locked (empty: to end of file)"};
inline constexpr DetailKey path{"path", KeyType::text, "locked file"};
inline constexpr DetailKey mandatory{"mandatory", KeyType::flag, "mandatory lock (1/0)"};
inline constexpr DetailKey lease_state{"lease_state", KeyType::text, "state of a lease: ACTIVE, BREAKING, BREAKER"};
inline constexpr DetailKey blocked_on{"blocked_on", KeyType::text, "the lock a waiter waits for"};
inline constexpr DetailKey lock_blocked{"blocked", KeyType::flag, "blocked signals; for a lock, a waiter (1/0)"};
inline constexpr DetailKey wchan{"wchan", KeyType::text,
                                 "a lock waiter: the kernel function its thread sleeps in (/proc/PID/wchan)"};
inline constexpr DetailKey waiting_ms{"waiting_ms", KeyType::number,
                                      "a lock waiter: about how long it has slept, by the scheduler (/proc/PID/sched)"};

// Signal state.
inline constexpr DetailKey pending{"pending", KeyType::texts, "pending signals (thread and process)"};
inline constexpr DetailKey pending_thread{"pending_thread", KeyType::texts,
                                          "signals pending for the main thread (SigPnd)"};
inline constexpr DetailKey pending_shared{"pending_shared", KeyType::texts, "signals pending for the process (ShdPnd)"};
inline constexpr DetailKey blocked{"blocked", KeyType::texts, "blocked signals; for a lock, a waiter (1/0)"};
inline constexpr DetailKey ignored{"ignored", KeyType::texts, "ignored signals"};
inline constexpr DetailKey caught{"caught", KeyType::texts, "signals with a handler"};

// Windows.
inline constexpr DetailKey instances{"instances", KeyType::number, "a named pipe's open instances"};
inline constexpr DetailKey max_instances{"max_instances", KeyType::number,
                                         "a named pipe's instance limit (empty: unlimited)"};
inline constexpr DetailKey message_mode{"message_mode", KeyType::flag, "a named pipe in message mode (1/0)"};
inline constexpr DetailKey in_buffer_bytes{"in_buffer_bytes", KeyType::bytes, "a named pipe's inbound buffer"};
inline constexpr DetailKey out_buffer_bytes{"out_buffer_bytes", KeyType::bytes, "a named pipe's outbound buffer"};
inline constexpr DetailKey server_pids{"server_pids", KeyType::numbers, "pids of a named pipe's servers"};
inline constexpr DetailKey client_pids{"client_pids", KeyType::numbers, "pids of a named pipe's clients"};
inline constexpr DetailKey file_backed{"file_backed", KeyType::flag, "a section backed by a file (1/0)"};
inline constexpr DetailKey event_type{"event_type", KeyType::text, "manual-reset or auto-reset"};
inline constexpr DetailKey signaled{"signaled", KeyType::flag, "an event that is set (1/0)"};
inline constexpr DetailKey held{"held", KeyType::flag, "a mutex that a thread owns (1/0)"};
inline constexpr DetailKey abandoned{"abandoned", KeyType::flag, "a mutex whose owner exited holding it (1/0)"};
inline constexpr DetailKey maximum{"maximum", KeyType::number, "a Windows semaphore's maximum count"};
} // namespace key

} // namespace ipcctl::model

IPCCTL_API_END
