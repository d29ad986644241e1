#pragma once
// The eBPF backend (ipctrace --system): every process's IPC at once, or
// those of a process tree, a cgroup or some command names, from a CO-RE BPF
// program on stable tracepoints. It feeds the same Records to the same
// Output as the ptrace backend; with --summary the kernel totals the data
// events itself and the Output's table is rebuilt from those totals.
// Built only with -Dbpf (see trace/bpf_config.h); without it every call
// fails with "built without eBPF support".
#include <ipcctl/model/kind.hpp>
#include <ipcctl/trace/output.hpp>
#include <ipcctl/trace/tracer.hpp>
#include <ipcctl/util/result.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ipcctl::trace {

struct SystemOptions {
  model::KindSet kinds;              // -e
  std::vector<int> pids;             // these processes and the children they fork from now on
  std::vector<std::string> comms;    // processes with these names (at the time of the call)
  std::optional<std::uint64_t> cgroup;  // the cgroup v2 id (the inode of its directory)
  bool summary = false;              // totals in the kernel, no per-event traffic
  double interval_s = 0;             // summary: print the table this often (0: only at the end)
  double duration_s = 0;             // stop after this long (0: at request_stop() or the command's exit)
};

// What the run saw and lost.
struct SystemStats {
  std::uint64_t events = 0;        // events read from the kernel
  std::uint64_t lost_events = 0;   // dropped because the ring buffer was full
  std::uint64_t lost_rows = 0;     // summary rows dropped because the map was full
};

// The cgroup v2 id of a directory of the cgroup v2 hierarchy: a path under
// its mount point (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid
// system), or relative to it. Errors: ENOENT, ENOTDIR.
Result<std::uint64_t> cgroup_id(const std::string& path);

class SystemTracer {
public:
  SystemTracer(SystemOptions opts, Output& out);
  ~SystemTracer();
  SystemTracer(const SystemTracer&) = delete;
  SystemTracer& operator=(const SystemTracer&) = delete;

  // Checks privileges and BTF, loads the program (each hook that fails to
  // load is left out, if the rest can work), fills the filter maps, attaches.
  // With a command, starts it first, held until the program is attached,
  // and traces its process tree. Errors carry a message that says what is
  // missing (op "ipctrace --system", code 0 or errno).
  Result<void> start(const std::vector<std::string>& command = {});
  // "sys_enter sys_exit sock_send_length ...": the hooks in use.
  std::string capabilities() const;
  // Reads events until request_stop(), the duration, or the command's exit;
  // then the last of them. The result is the command's status (zero without one).
  Result<ExitStatus> run();
  SystemStats stats() const;

  // Async-signal-safe: ends run() within its poll interval.
  static void request_stop();
  // The pid of the started command (0 before start() or without one).
  int command_pid() const;

private:
  struct State;
  std::unique_ptr<State> m;
};

} // namespace ipcctl::trace
