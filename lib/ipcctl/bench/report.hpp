#pragma once
// Turns measurements into text: the tables a person reads (sorted by p50
// latency, and by delivered MB/s), JSON with every figure (each key carries
// its unit) and the histograms, CSV, and an SVG chart. Never measures.
#include <ipcctl/bench/machine.hpp>
#include <ipcctl/bench/runner.hpp>

#include <string>
#include <vector>

namespace ipcctl::bench {

// The repeats of one measurement; the figures shown are the median run's
// (by p50 latency, or by MB/s), with the spread of that figure over the runs.
struct Row {
  std::vector<RunResult> runs;
  const RunResult& median() const;
  Status status() const;  // failed if any run failed, skipped if all were skipped
};

struct Report {
  MachineFacts machine;
  std::string clock;   // Clock::describe()
  double duration_s = 0, wall_s = 0;
  std::uint64_t iterations = 0, warmup = 0;
  int repeat = 1;
  Poll poll = Poll::block;
  bool threads = false;  // side b a thread of side a's process (--threads)
  double rate = 0;
  std::vector<Row> rows;
};

// "812ns", "12.3us", "4.56ms", "1.20s".
std::string format_ns(double ns);
// "1.23M", "456K", "789".
std::string format_count(double n);

// The tables within `width` columns (0: no limit): long lines wrap, and the
// latency and throughput tables leave out their least read columns (and say
// which) until they fit; notes are numbered below each table.
std::string render_text(const Report& r, std::size_t width = 0);
// The ipcbench/1 document, pretty, ending in a newline; written by render's
// one JsonWriter (keys sorted, as the document has always had them).
std::string render_json(const Report& r);
std::string render_csv(const Report& r);
// A self-contained SVG chart: latency percentiles per mechanism on a log axis,
// and throughput against message size (svg.cpp).
std::string render_svg(const Report& r);
// Baselines for labels that want to sit at `want`, at least `gap` apart,
// within [top, bottom] (as far as they fit), each moved as little as the
// others allow; in the order of `want`. For the chart, and its tests.
std::vector<double> spread_labels(const std::vector<double>& want, double gap, double top, double bottom);

} // namespace ipcctl::bench
