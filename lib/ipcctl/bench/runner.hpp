#pragma once
// One measurement: a mechanism, a test, a message size, a placement. The
// measuring process (side a) starts the echoing or receiving one (side b): a
// fork on Linux, ipcbench started again on Windows, or with RunSpec::threads
// a thread; both are pinned, side b dies with side a (PR_SET_PDEATHSIG; on
// Windows it watches side a's process), timing starts only after side b says
// it is ready, and a watchdog aborts a run that hangs. The same code measures
// on both systems.
#include <ipcctl/bench/clock.hpp>
#include <ipcctl/bench/histogram.hpp>
#include <ipcctl/bench/message.hpp>
#include <ipcctl/bench/transport.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipcctl::bench {

// Side a on cpu_a, side b on cpu_b; -1: not pinned.
struct Placement {
  int cpu_a = -1, cpu_b = -1;
  std::string label() const;  // "0<->1", "0<->0", "unpinned"
  std::string kind() const;   // "cross-core", "same-core", "unpinned"
};

struct RunSpec {
  const TransportInfo* transport = nullptr;
  Test test = Test::latency;
  std::size_t size = 64;  // requested message size in bytes
  Placement placement;
  Poll poll = Poll::block;
  bool threads = false;         // the two sides are threads of one process, not two processes
  double duration_s = 0.3;      // used when iterations == 0
  std::uint64_t iterations = 0; // measured round trips or messages, after warm-up
  std::uint64_t warmup = 200;   // round trips or messages discarded first (never paced)
  double rate = 0;              // latency only: open loop at this many round trips/s (0: closed loop)
};

enum class Status { ok, skipped, failed };

struct RunResult {
  RunSpec spec;
  std::size_t size = 0;  // the message size used
  std::string note;      // why it differs from the requested size, or other caveats
  Status status = Status::failed;
  std::string reason;    // for skipped and failed
  double wall_s = 0;     // the whole run, set-up to tear-down

  // Latency: round-trip times in ns, warm-up excluded; from the intended send time under --rate.
  Histogram round_trip;

  // Throughput, at the receiver: messages after its warm-up, over the time from
  // the first of them to the last.
  std::uint64_t sent = 0, received = 0, lost = 0;
  std::uint64_t measured_msgs = 0;
  double measured_s = 0;
  double msgs_per_s = 0, mb_per_s = 0;  // MB = 10^6 bytes
  std::uint64_t out_of_order = 0, corrupted = 0, checked = 0;
};

// The longest a measurement may be planned to take, in seconds: the most
// --duration allows, and the most that -n round trips paced by --rate may span.
inline constexpr double k_max_measurement_s = 3600;
// The margin of the watchdog over a measurement's planned time.
inline constexpr double k_watchdog_margin_s = 20;

// The time a measurement is planned to take, in seconds, warm-up aside: its
// --duration (plus one interval of --rate, the last round trip's); under
// --rate with -n, the span of the paced round trips, (N - 1) / rate; 0 for a
// closed loop of -n.
double planned_seconds(const RunSpec& spec);
// The watchdog's limit for a measurement: planned_seconds(), plus
// k_watchdog_margin_s, plus for every round trip or message (the warm-up's
// too) 100 us and 10 ns per byte it moves.
double watchdog_seconds(const RunSpec& spec, std::size_t size);
// Why --rate cannot go with -n or --duration (an empty string when it can): N
// round trips at `rate` must fit in k_max_measurement_s, and in the duration
// mode at least one interval must fit in --duration. `iterations` 0: the
// duration mode.
std::string check_rate(double rate, std::uint64_t iterations, double duration_s);

// Runs one measurement. Never throws; problems end up in status and reason.
// Call install_exit_handlers() (lifecycle.hpp) once before the first run.
RunResult run_one(const RunSpec& spec, const Clock& clock);

// The message size a transport actually carries for a requested size, and the note that says so.
std::size_t effective_size(const Transport& t, std::size_t requested, std::string& note);

// The CPUs this process may run on, in order (placements pick from them);
// empty when they cannot be read.
std::vector<int> usable_cpus();

// The first argument of a side b that the runner starts as a process of its
// own (Windows), rather than forks.
inline constexpr std::string_view k_side_b_argument = "--ipcbench-side-b";
// ipcbench's main calls this first: when argv[1] is k_side_b_argument, the
// process is side b of a run; it serves it and returns its exit status.
// Otherwise, and always on Linux, it returns nullopt.
std::optional<int> run_side_b_process(int argc, char** argv);

} // namespace ipcctl::bench
