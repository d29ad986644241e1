#pragma once
// Signal state: one Object per process (ref "signal:PID"), from the masks
// the walk read out of /proc/PID/status, and the signal names other code
// (notify signals, signalfd masks, filters) shares.
#include <ipcctl/linux/source.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipcctl::sys {

// Names by the numbering of Linux on x86, arm, arm64, riscv, powerpc, s390
// (not alpha, mips, parisc, sparc, which number 7 and up differently):
//   1..31   SIGHUP ... SIGSYS
//   32, 33  SIG32, SIG33: glibc keeps them for itself (thread cancellation,
//           setxid), so no program can send them by a SIGRT name
//   34..64  SIGRTMIN, SIGRTMIN+1 ... SIGRTMIN+30, with glibc's SIGRTMIN = 34
// "" outside 1..64.
std::string signal_name(int number);
// The names of the signals set in a /proc/PID/status mask (bit n-1 is
// signal n), lowest number first.
std::vector<std::string> signal_names(std::uint64_t mask);
// The number of a signal named as signal_name() prints it, case-insensitive,
// with or without "SIG"; also SIGRTMAX and SIGRTMAX-n (SIGRTMAX = 64), the
// aliases SIGIOT, SIGPOLL, SIGCLD, and decimal numbers 1..64.
std::optional<int> signal_number(std::string_view name);

// The signal source. Kernel threads are skipped; by default only processes
// with a signal pending (SigPnd or ShdPnd non-zero), every process with
// opts.all_signals; with opts.pids only those. id = pid, name = comm, owner =
// the process's uid and gid, no holders. detail: pid, pending (thread and
// shared together), pending_thread (SigPnd, the main thread's own),
// pending_shared (ShdPnd, sent to the process), blocked, ignored, caught.
// Never fails.
const Source& signal_source();

} // namespace ipcctl::sys
