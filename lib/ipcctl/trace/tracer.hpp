#pragma once
// The ptrace backend: runs a command (seccomp filter, only IPC calls stop)
// or attaches to processes (PTRACE_SYSCALL: every call stops), follows all
// their threads and children, and turns IPC system calls into Records.
// One loop over waitpid(-1, __WALL) drives a small state machine per
// thread; no thread is ever waited for on its own, so a reader blocked in
// read() while its writer sits in a stop cannot deadlock the tracer.
#include <ipcctl/model/kind.hpp>
#include <ipcctl/trace/event.hpp>
#include <ipcctl/util/result.hpp>

#include <memory>
#include <string>
#include <vector>

namespace ipcctl::trace {

struct TraceOptions {
  model::KindSet kinds;       // mechanisms to trace (-e); syscalls_for() picks the calls
  bool fast = false;          // entry stop only for sends and signals: no result, no duration,
                              // bytes = the requested count (an upper bound)
  int spin_us = 50;           // after a stop, poll this long for the next one before
                              // sleeping in waitpid (0: never; see Tracer::State::wait_any)
  std::size_t payload = 0;    // bytes of payload to keep per data event (-s)
  double interval_s = 0;      // call Sink::tick() this often (0: never)
};

// The output stage, as the tracer sees it.
class Sink {
public:
  virtual ~Sink() = default;
  // A traced process, or a new name for it (exec). Called before any of
  // its records reach batch().
  virtual void process(int pid, const std::string& comm) = 0;
  // Resolve and write the batch's records. Called while the processes the
  // records name are still stopped at their last syscall where it matters
  // (before a close, an exec or an exit), so their descriptors can be seen.
  virtual void batch(Batch& b) = 0;
  // A traced process is gone (its records, already handed over, may still
  // name it).
  virtual void process_exit(int pid) = 0;
  // Something changed the descriptors of traced processes (fork, exit,
  // close, dup2): cached holder information is stale.
  virtual void invalidate() = 0;
  // `pid` entered other IPC or network namespaces (unshare, setns); records
  // before it were handed over first.
  virtual void namespaces_changed(int pid) = 0;
  // Every TraceOptions::interval_s seconds.
  virtual void tick() = 0;
  // `pid` entered a call on a channel that has no holders to see (a SysV
  // queue or semaphore set, an eventfd, a datagram sent to `addr`): it is a
  // user of it even before its record comes, which may be after the record
  // of the process at the other end.
  virtual void user(model::Kind kind, std::uint64_t channel, int pid, Dir dir, std::string_view addr = {}) = 0;
};

// How the root command ended.
struct ExitStatus {
  int code = 0;    // its exit status
  int signal = 0;  // the signal that killed it, or 0
};

class Tracer {
public:
  Tracer(const TraceOptions& opts, Sink& sink);
  ~Tracer();
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  // Starts argv[0] (searched in PATH) with a seccomp filter for the chosen
  // mechanisms and no_new_privs. Errors: fork, ptrace, seccomp failing;
  // ENOENT/EACCES when the command cannot be executed (after which run()
  // reports exit code 127 or 126).
  Result<void> launch(const std::vector<std::string>& argv);
  // Seizes every thread of each pid. Errors: EPERM (no ptrace permission),
  // ESRCH (no such process). Attached processes are traced without a
  // filter: every system call stops, which is slower.
  Result<void> attach(const std::vector<int>& pids);
  // Traces until every tracee is gone, or until request_stop(), after which
  // attached processes are detached and left running. The result is the
  // launched command's status (zero in attach mode). Records reach the Sink
  // at least every 100 ms: run() owns SIGALRM and ITIMER_REAL meanwhile.
  Result<ExitStatus> run();

  // Async-signal-safe: ends run() at the next stop (Ctrl-C in attach mode).
  static void request_stop();

private:
  struct State;
  std::unique_ptr<State> m;
};

} // namespace ipcctl::trace
