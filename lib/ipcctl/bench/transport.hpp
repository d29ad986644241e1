#pragma once
// One IPC mechanism behind one interface, so that the runner measures all of
// them the same way, on Linux and on Windows. A Transport is created and set
// up in the measuring process, which then starts side b: on Linux a fork,
// which inherits the channel; on Windows ipcbench itself started again, which
// opens the channel from handoff() with adopt(). Each process then attaches
// its side. With --threads the two sides are threads of one process instead:
// split() gives side b a transport of its own on the same channel. Side a
// measures (it sends first); side b echoes (latency) or receives
// (throughput). Adding a mechanism is one file with a make_* function plus
// its line in its system's table (table_linux.cpp, table_windows.cpp).
#include <ipcctl/util/result.hpp>

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ipcctl::bench {

enum class Side { a, b };
// How a receiver waits: sleep in the kernel, or busy-poll without blocking (which
// separates the mechanism's own cost from the cost of waking a sleeping task).
enum class Poll { block, spin };
enum class Test { latency, throughput };

struct ChannelOptions {
  std::size_t size = 64;  // bytes of every message, within max_size()
  Poll poll = Poll::block;
  Test test = Test::latency;
};

class Transport {
public:
  virtual ~Transport() = default;
  // The largest message it carries, in bytes (0: no limit), and where that limit
  // comes from ("kernel.msgmax"); fixed_size() != 0 for mechanisms whose
  // message is one machine word (eventfd, signal).
  virtual std::size_t max_size() const { return 0; }
  virtual std::string max_size_source() const { return {}; }
  virtual std::size_t fixed_size() const { return 0; }
  // Before the fork: creates the channel. Errors whose code is ENOENT, ENOSYS,
  // EAFNOSUPPORT, EADDRNOTAVAIL or EPROTONOSUPPORT mean "absent here" (skipped).
  // Everything it creates is anonymous, private to the two processes, or
  // registered with lifecycle.hpp until its name is gone; the destructor (run in
  // side a only) releases the rest.
  virtual Result<void> setup(const ChannelOptions& opts) = 0;
  // After the fork, in each process: keeps its own ends. `peer` is the other
  // process's pid.
  virtual Result<void> attach(Side side, pid_t peer) = 0;
  // Instead of a fork, for two threads of one process: a second transport on
  // the same channel, with descriptors of its own, for side b; this one
  // stays side a's and alone removes what setup() made. Each then attaches its
  // side, as after a fork. A null pointer: the mechanism has no threads mode.
  virtual Result<std::unique_ptr<Transport>> split() { return std::unique_ptr<Transport>{}; }
  // Where side b is a process started afresh (Windows), after setup(): what
  // that process needs to open the channel, as one argument of its command
  // line, and the handles it must inherit for it. The handles stay open in
  // side a until its attach(Side::a), which closes them (side b holds its
  // own copies then: its death breaks the channel under side a).
  virtual std::string handoff() const { return {}; }
  virtual std::vector<std::uintptr_t> inherited() const { return {}; }
  // In that process, in place of setup(): opens the channel from handoff()'s text.
  virtual Result<void> adopt(std::string_view handoff, const ChannelOptions& opts);
  // Sends one message of opts.size bytes to the other side.
  virtual Result<void> send(const std::byte* data, std::size_t size) = 0;
  // Receives one whole message of `size` bytes. Lossy transports return an
  // Error with code ETIMEDOUT after half a second without a message; all
  // return EINTR-coded errors once the run is aborted (lifecycle.hpp).
  virtual Result<void> recv(std::byte* data, std::size_t size) = 0;
};

struct TransportInfo {
  std::string_view name;         // "unix-stream": what --mechanism takes
  std::string_view family;       // "socket", "shm", ...
  std::string_view description;  // one line for --list
  std::string_view no_throughput;  // why it has no throughput test ("" if it has one)
  bool lossy = false;              // may drop messages (udp): losses are counted
  bool blocking = true;            // has a blocking receive that --poll spin can replace (false: always spins)
  std::unique_ptr<Transport> (*make)() = nullptr;
  std::string_view no_latency;     // why it has no latency test, being one way ("" if it has one)
};

// The one table of this system's mechanisms, in a stable order.
std::span<const TransportInfo> all_transports();
const TransportInfo* find_transport(std::string_view name);
// Whether a setup error means "this mechanism is absent here".
bool is_absent(const Error& e);

} // namespace ipcctl::bench
