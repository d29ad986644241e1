#pragma once
// The output stage behind any backend: resolve each record, apply the
// --pid/--comm/--channel filters, then write a line per event (text or JSON
// Lines) in the order the calls entered, or add it to the -c summary,
// printed at the end and every tick.
#include <ipcctl/trace/format.hpp>
#include <ipcctl/trace/resolve.hpp>
#include <ipcctl/trace/tracer.hpp>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

namespace ipcctl::trace {

struct OutputOptions {
  bool json = false;     // JSON Lines instead of text
  bool summary = false;  // -c: no events, a table at the end
  FormatOptions format;
  std::vector<int> pids;              // only events of these processes (empty: all)
  std::vector<std::string> comms;     // only events of processes with these names
  std::vector<std::string> channels;  // only events on these refs
  // How long a line may wait for the records of calls that entered before
  // it and are still in flight (a read blocked until a write); a call that
  // takes longer is written when it ends, after lines that entered later.
  std::int64_t reorder_window_ns = 1'000'000'000;
};

class Output : public Sink {
public:
  // Writes to `out`, which stays owned by the caller.
  Output(OutputOptions opts, std::FILE* out, Resolver& resolver);

  void process(int pid, const std::string& comm) override;
  void batch(Batch& b) override;
  void process_exit(int pid) override;
  void namespaces_changed(int pid) override;
  void invalidate() override;
  void tick() override;
  void user(model::Kind kind, std::uint64_t channel, int pid, Dir dir, std::string_view addr) override;

  // Writes the summary (with -c); flushes.
  void finish();
  // The errno of the first write to `out` that failed (0: none); after it,
  // nothing more is written, and on_write_error (when set) is called once.
  int write_error() const { return m_write_error; }
  std::function<void()> on_write_error;
  // Whether the filters keep this event.
  bool selects(const Event& e) const;
  std::uint64_t events() const { return m_events; }
  // The -c table, for a backend that totals events itself (--system).
  Summary& summary() { return m_summary; }
  Resolver& resolver() { return m_resolver; }

private:
  OutputOptions m_opts;
  std::FILE* m_out;
  Resolver& m_resolver;
  Summary m_summary;
  std::string m_buf;
  std::uint64_t m_events = 0;
  int m_write_error = 0;
  // Lines resolved but not yet written, waiting for those that entered
  // before them, by (entry time, arrival).
  std::map<std::pair<std::int64_t, std::uint64_t>, std::string> m_held;
  std::uint64_t m_seq = 0;
  bool m_header_written = false;

  // Names in the -c table: every name a process had, "sh→cat".
  Summary::Namer namer();
  // Writes, in entry order, the held lines that entered before `until_ns`.
  void release(std::int64_t until_ns);
  void write(std::string_view text);
  void flush();
  void failed(int err);
};

} // namespace ipcctl::trace
