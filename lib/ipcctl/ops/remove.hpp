#pragma once
// Removing IPC objects (ipcctl rm): which objects may go, which are orphaned,
// and the removal itself, which removes only the object that was listed.
//
// Only objects with a name in the kernel can be removed: SysV objects
// (IPC_RMID), POSIX objects (unlink), FIFOs and unix socket files (unlink of
// the path). Pipes, sockets, eventfds and the rest go when their holders
// close them.
#include <ipcctl/model/object.hpp>
#include <ipcctl/model/snapshot.hpp>
#include <ipcctl/util/result.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

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
// process exists.
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

enum class Status { removed, refused, failed };
struct Removal {
  Status status = Status::failed;
  std::string reason;  // for refused and failed: why, on one line
};

// Removes `o` if the kernel still has the object that was listed:
// - SysV: the id still carries o's key and ctime, and a segment its
//   creator pid (IPC_STAT, or /proc/sysvipc where IPC_STAT is denied); an
//   id that was reused or an object that changed is refused;
// - files: the path still names a file of the type with o's inode.
// Unless `force`, asks the kernel again whether the object is in use
// (attachments, messages, semaphore waiters) and refuses if it is. The
// check and the removal are separate system calls: the guard narrows the
// window to microseconds, it cannot close it.
Removal remove(const model::Object& o, bool force);

} // namespace ipcctl::ops
