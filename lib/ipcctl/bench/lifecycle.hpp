#pragma once
// What ipcbench must undo however it ends, and the abort flag that the
// watchdog raises. Everything here is async-signal-safe where marked: a fixed
// table of SysV ids and paths that a signal handler can remove.
#include <sys/types.h>

namespace ipcctl::bench {

enum class SysvKind { msg, sem };

// Remembers a SysV object or a path until it is forgotten; at most 16 of each
// at a time (more is a bug: IPC_ASSERT-style abort).
void track_sysv(SysvKind kind, int id);
void forget_sysv(int id);
void track_path(const char* path, bool is_dir);
void forget_path(const char* path);
// Removes everything tracked (paths last to first). Async-signal-safe.
void remove_tracked();

// Forks the keeper: a process, in a session of its own, that removes what is
// still tracked once ipcbench (and side b) have ended, however they ended.
// Call once, before anything is tracked.
void start_keeper();
// Installs SIGINT/SIGTERM/SIGHUP/SIGQUIT handlers in the measuring process: they
// kill the current child, remove what is tracked, and re-raise. SIGPIPE is ignored.
// Also the handlers of the watchdog (SIGALRM), side b's death (SIGCHLD) and
// report_failure() (SIGUSR1).
void install_exit_handlers();
// The current child (0: none), killed by the exit handlers and the watchdog.
void set_child(pid_t pid);
// In the child, right after fork: dies with the parent (PR_SET_PDEATHSIG), and
// removes what is tracked on the way, so that SysV objects go even when the
// parent is killed with SIGKILL. Returns false if the parent is already gone.
bool child_follow_parent(pid_t parent);

// The watchdog: after `seconds`, aborts the run (kills the child, sets aborted()).
// Blocking calls in the measuring process then fail with EINTR. The child's
// death aborts the run the same way, at once (partner_ended()).
void arm_watchdog(double seconds);
void disarm_watchdog();
// Side b failed and wrote its report: it tells the measuring process (by
// SIGUSR1), whose run then ends as if side b had died (partner_ended()), at
// once rather than when the watchdog fires. Ignored outside a measurement.
void report_failure(pid_t measuring);
bool aborted();
bool partner_ended();
void clear_aborted();

} // namespace ipcctl::bench
