#pragma once
// Removing IPC objects (ipcctl rm): which objects may go, which are orphaned,
// and the removal itself, which removes only the object that was listed.
//
// Only objects with a name in the kernel can be removed: SysV objects
// (IPC_RMID), POSIX objects, FIFOs and unix socket files (unlinkat of
// their file in a directory held open). Pipes, sockets, eventfds and the
// rest go when their holders close them.
//
// On Windows (windows/remove.cpp) a named object goes with its last handle:
// in_use() names the handles, and remove() with `force` closes each in the
// process that holds it (checking that it still refers to the object),
// then looks again whether the object went.
#include <ipcctl/api.hpp>
#include <ipcctl/model/object.hpp>
#include <ipcctl/model/snapshot.hpp>
#include <ipcctl/util/result.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

IPCCTL_API_BEGIN

namespace ipcctl::ops {

bool removable(model::Kind k);
// Why an object of a kind rm cannot remove goes, and how: "a pipe cannot be
// removed: it goes when its holders close it".
std::string not_removable(model::Kind k);
model::KindSet removable_kinds();

// "90", "90s", "15m", "2h", "7d", "1w" -> seconds. Errors have code 0 and
// name what is accepted.
Result<std::int64_t> parse_duration(std::string_view text);

// Why removing `o` now would hurt a process that uses it: "attached by 2
// processes (812 postgres, 813 postgres)", "holds 3 messages", "semaphore 0
// has 1 waiter", "held open by 812 (cat)". nullopt when nothing is seen to
// use it. Judged from the listing; remove() asks the kernel again.
std::optional<std::string> in_use(const model::Object& o);

// Whether `o` is orphaned, and why (or why not), for rm --orphaned:
// - sysv-shm: nobody attached and its creator is gone;
// - sysv-msg, sysv-sem: every process the kernel recorded as its last user
//   (last sender and receiver; each semaphore's last operator) is gone, and
//   nobody waits on a semaphore. The kernel records no creator for these,
//   so one that was never used is not called orphaned;
// - posix-*: no process holds it (nor waits for a queue's notification);
// - fifo: nobody holds it; unix: a socket file no socket is bound to.
// "Nobody holds it" needs a complete walk: while processes could not be
// read (walk.fds_denied, walk.maps_denied), holder-based kinds are not
// orphaned, unless `ignore_unreadable`. `alive(pid)` says whether a
// process exists. On Windows nothing is orphaned: a named object goes with
// its last handle, so a listed one is held.
struct Verdict {
  bool yes = false;
  std::string why;
  bool unreadable = false;  // not orphaned only because processes could not be read
};
using Alive = std::function<bool(std::int64_t pid)>;
Verdict orphaned(const model::Object& o, const model::Walk& walk, const Alive& alive,
                 bool ignore_unreadable = false);
// kill(pid, 0): the process exists (EPERM counts: it exists, it is not ours).
bool process_alive(std::int64_t pid);

// The object's last change ("ctime" of its detail), if known.
std::optional<std::int64_t> changed_at(const model::Object& o);

// What the kernel says of a SysV id now (IPC_STAT, or its /proc/sysvipc
// line where IPC_STAT is denied), for the identity guard.
struct SysvState {
  std::uint32_t key = 0, mode = 0, uid = 0, gid = 0, cuid = 0, cgid = 0;
  std::int64_t ctime = 0;
  std::int64_t cpid = 0, size = 0, atime = 0, dtime = 0, nattch = 0;  // shm
  std::optional<std::int64_t> qbytes;                                  // msg: only from IPC_STAT
  std::int64_t stime = 0, rtime = 0, messages = 0;                     // msg
  std::int64_t nsems = 0, otime = 0;                                   // sem
  std::optional<std::string> waiters;  // sem: the first semaphore with waiters
  bool waiters_known = true;
};

// Why the SysV id of `listed` no longer names the object that was listed,
// on one line, or nullopt when it does. The kernel keeps no creation time
// finer than ctime's second, so the guard compares all it keeps: the key;
// the creator (cuid, cgid; a segment's cpid), set once at creation; what
// creation fixes (a segment's size, a set's nsems); the times of use,
// which only move forward and are 0 for a new object (atime, dtime, stime,
// rtime, otime); ctime; and owner, mode and a queue's byte limit, which
// only IPC_SET changes. An object made again with the same id and key, in
// the same second, by another user or process, or with another size, is
// told apart; one made by the same process alike in every field is not.
std::optional<std::string> sysv_changed(const model::Object& listed, const SysvState& now);

enum class Status { removed, refused, failed };
struct Removal {
  Status status = Status::failed;
  std::string reason;  // for refused and failed: why, on one line
  std::vector<std::string> steps;  // what was done on the way, in order (Windows: each handle closed)
};

// Removes `o` if the kernel still has the object that was listed:
// - SysV: sysv_changed() finds nothing (IPC_STAT, or /proc/sysvipc where
//   IPC_STAT is denied); an id that was reused or an object that changed
//   is refused, even with `force`;
// - files (FIFOs, socket files, and POSIX objects in /dev/shm and
//   /dev/mqueue): the directory is opened without following any symlink
//   (a path through one is refused), the entry is checked there (statx:
//   type, device, inode, and birth time, or ctime to the nanosecond where
//   the file system keeps no birth time) and unlinked there (unlinkat on
//   the same descriptor). Never unlink(path), shm_unlink or sem_unlink.
// - posix-mq: besides, /dev/mqueue must be this IPC namespace's mqueue
//   (the queue mq_open finds by its name is the file listed), else the
//   removal is refused.
// Unless `force`, asks the kernel again whether the object is in use
// (attachments, messages, semaphore waiters) and refuses if it is. The
// check and the removal are separate system calls on the same directory
// descriptor: in between, only a user who may write that directory can
// swap the entry, and only for one they could remove themselves.
Removal remove(const model::Object& o, bool force);

} // namespace ipcctl::ops

IPCCTL_API_END
