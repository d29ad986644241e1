#pragma once
// Turning resolved Events into text: one aligned line per event for people,
// one JSON object per line for programs (the "ipctrace/1" schema documented
// in ipctrace(1)), and the per-channel summary table. Never collects.
#include <ipcctl/render/json_writer.hpp>
#include <ipcctl/trace/event.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace ipcctl::trace {

inline constexpr std::string_view k_schema = "ipctrace/1";

struct FormatOptions {
  bool hex = false;            // payload as a hex+ASCII dump (-x), else escaped text
  bool utc = false;            // text times in UTC rather than local time
};

// "SIGUSR1", or "SIG42" for a number without a name.
std::string signal_name(int sig);
// "EAGAIN", or "E42".
std::string errno_name(int err);
// 512 -> "512B", 4096 -> "4.0K", 1536000 -> "1.5M".
std::string human_bytes(std::uint64_t n);
// RFC 3339 UTC with microseconds: "2026-11-26T12:00:00.123456Z".
std::string rfc3339_us(std::int64_t wall_ns);
// "comm[pid]", the command made terminal_safe.
std::string who(const std::string& comm, int pid);
// A duration in one family of units, to two or three figures: "850ns",
// "1.5µs", "31µs", "2.1ms", "13ms", "1.2s".
std::string duration_text(std::int64_t ns);
// A duration known only to lie in [low, high): "4.1-8.2µs", "512ns-1.0µs".
std::string duration_range_text(std::int64_t low, std::int64_t high);

// The header line above format_text's lines, its columns aligned with theirs.
std::string text_header();

// One line, without the '\n':
// "12:00:00.123456 writer[812] -> reader[813]  pipe:4567  write 5B  (12us)"
std::string format_text(const Event& e, const FormatOptions& opts);
// A hex+ASCII dump of bytes, 16 per line, each line indented and ending in '\n'.
std::string hex_dump(std::string_view bytes, std::string_view indent);
// The JSON object of one event (see ipctrace(1), JSON EVENTS), written to `w`.
// Strings are escaped as ipctrace has always written them (JsonWriter's
// Strings::nlohmann): writers of its JSON Lines make `w` so.
void write_event_json(render::JsonWriter& w, const Event& e);
// The same object as one compact line, without the '\n'.
std::string event_json(const Event& e);

// The low end of the eBPF backend's last duration bucket (2^31 ns, about 2 s).
inline constexpr std::int64_t k_last_bucket_low = std::int64_t{1} << 31;

// -c: totals per channel, process and direction.
class Summary {
public:
  // Counts data, semaphore and signal events; lifecycle events are not rows.
  void add(const Event& e);
  // Adds to each row's peers those `peers_of(row)` gives (resolved at the
  // end, when every user of a queue or semaphore set is known).
  template <class F>
  void add_peers(F&& peers_of) {
    for (auto& [key, row] : m_rows) merge(row.peers, peers_of(row));
  }
  // Adds counts totalled elsewhere (the eBPF backend's in-kernel
  // aggregation) to the row of `e`, with durations as power-of-two buckets:
  // (low, count) pairs, each of `count` durations in [low, 2 * low), but
  // for the last bucket, from k_last_bucket_low on, which has no end.
  void add_totals(const Event& e, std::uint64_t messages, std::uint64_t bytes, std::uint64_t errors,
                  const std::vector<std::pair<std::int64_t, std::uint64_t>>& durations);
  // Events the backend could not deliver: reported as "lost_events" (null
  // when the backend cannot lose any).
  void set_lost_events(std::uint64_t n) { m_lost = n; }
  bool empty() const { return m_rows.empty(); }
  // The name shown for a process of the table, given its pid and the name
  // its events carried ("sh→cat" for one that ran sh, then cat).
  using Namer = std::function<std::string(int pid, const std::string& comm)>;
  // Two tables. First who talked to whom: FROM -> TO CHANNELS MSGS BYTES,
  // one row per pair of processes, each message counted once (at its
  // sender when it was traced, else at its receiver), and a total. Then the
  // detail, sorted by bytes (most first): CHANNEL SIDE (send, recv) FROM ->
  // TO MSGS BYTES ERRORS P50 P99, one row per channel, process and direction.
  std::string text(const Namer& name = {}) const;
  // { "schema", "summary": [ rows ], "lost_events" } on one line, without the '\n'.
  std::string json() const;

  struct Row {
    std::string ref, mechanism;
    int pid = 0;
    std::string comm;
    Dir dir = Dir::none;
    std::vector<Peer> peers;
    std::uint64_t messages = 0, bytes = 0, errors = 0;
    std::vector<std::int64_t> durations_ns;
    std::vector<std::pair<std::int64_t, std::uint64_t>> duration_counts;  // from add_totals: buckets
    Record sample;      // one record of the row, to resolve peers again
    std::string name;   // its string
  };
  std::vector<const Row*> sorted() const;

private:
  static void merge(std::vector<Peer>& into, const std::vector<Peer>& more);
  // The row of a counted event (created on first use); nullptr for others.
  Row* row_for(const Event& e);
  // A percentile of a row's durations: the value, and whether it is a
  // bucket's low end (its high end twice that) rather than a measured value.
  struct Quantile {
    std::int64_t ns = -1;
    bool bucket = false;
  };
  static Quantile row_percentile(const Row& row, double p);
  std::optional<std::uint64_t> m_lost;
  std::map<std::tuple<std::string, int, int>, Row> m_rows;  // (ref, pid, dir)
};

// The p-th percentile (0..100) of unsorted values, nearest rank; -1 when empty.
std::int64_t percentile(std::vector<std::int64_t> values, double p);

} // namespace ipcctl::trace
