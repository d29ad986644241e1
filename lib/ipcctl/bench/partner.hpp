#pragma once
// Side b as the operating system runs it, seen from the runner: started (a
// fork or a thread on Linux, ipcbench started again on Windows), its control
// pipe read, released and ended. One file per system: partner_linux.cpp and
// partner_windows.cpp; what side b does once running is the same everywhere
// (run_side_b, in runner.cpp). Internal to lib/ipcctl/bench.
#include <ipcctl/bench/runner.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace ipcctl::bench {

// What side b writes on the control pipe once done, in one write.
struct ChildReport {
  char tag = 'D';  // 'D' done, 'E' error
  std::uint64_t received = 0, measured = 0, t_first = 0, t_last = 0;
  std::uint64_t out_of_order = 0, corrupted = 0, checked = 0;
  char error[256] = {};
};

// Side b's end of the control pipe: a descriptor, or a Windows handle.
using ControlEnd = std::intptr_t;
// One write of `size` bytes; false when it fails.
bool write_control(ControlEnd ctl, const void* data, std::size_t size);
// Side b's error report.
void report_error(ControlEnd ctl, const Error& e);

// Side b, process or thread, once its transport is set up or adopted: pins
// itself, attaches, says it is ready ('R') and echoes or receives until the
// stop message, then writes its report. A failure is reported on the control
// pipe and to side a's process (`a`), whose run then ends at once. False when
// it failed.
bool run_side_b(Transport& t, const RunSpec& spec, std::size_t size, const Clock& clock, ControlEnd ctl, pid_t a);

class Partner {
public:
  virtual ~Partner() = default;
  // What attach(Side::a) takes: side b's process, or side a's own for a thread.
  virtual pid_t peer() const = 0;
  // Reads exactly `size` bytes of the control pipe within `timeout_ms`; false
  // on a timeout, its end, or an aborted run.
  virtual bool read(void* out, std::size_t size, int timeout_ms) = 0;
  // Whether the control pipe has something to read within `ms`.
  virtual bool readable(int ms) = 0;
  // Whether side b's process has ended, or does within `ms` (a thread: false).
  virtual bool ended_within(int ms) = 0;
  // How side b ended, when it sent no report ("exited with status 1"): a
  // process is waited for 100 ms, then killed.
  virtual std::string how_ended() = 0;
  // Ends the run's side b and the transports, in the order the system needs
  // (the channel's objects go before side b may exit), waiting for side b up
  // to 2 s, or not at all after a failure. An empty string, or how side b's
  // process ended when that was not with status 0.
  virtual std::string end(bool failed, std::unique_ptr<Transport>& a, std::unique_ptr<Transport>& b) = 0;
};

// Starts side b on transport `t` (set up), or on `b` as a thread of this
// process when run.threads.
Result<std::unique_ptr<Partner>> start_partner(Transport& t, Transport* b, const RunSpec& run, std::size_t size,
                                               const Clock& clock);

} // namespace ipcctl::bench
