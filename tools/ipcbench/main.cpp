// ipcbench: the latency and throughput of every IPC mechanism on this machine,
// side by side, measured the same way, on Linux and on Windows. Argument
// parsing and the order of runs live here; measuring and reporting live in
// lib/ipcctl/bench, whose table of mechanisms is the system's own.
#include "chart_file.hpp"
#include "common/run.hpp"
#include "ipcctl_version.h"

#include <CLI/CLI.hpp>

#include <ipcctl/bench/lifecycle.hpp>
#include <ipcctl/bench/message.hpp>
#include <ipcctl/bench/report.hpp>
#include <ipcctl/bench/runner.hpp>
#include <ipcctl/util/cpus.hpp>
#include <ipcctl/util/error.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

namespace {

using namespace ipcctl;
using namespace ipcctl::bench;

// The most iterations, warmup rounds or round trips per second ipcbench takes.
constexpr std::uint64_t k_max_count = 1'000'000'000;

struct Options {
  std::string mechanisms = "all";
  std::string tests = "latency,throughput";
  std::string sizes;  // empty: 64 for latency, 64K for throughput
  std::string cpus;
  double duration = 0.3;
  std::uint64_t iterations = 0;
  std::uint64_t warmup = 200;
  int repeat = 1;
  std::string poll = "block";
  std::string timer = "auto";
  double rate = 0;
  bool iterations_given = false, rate_given = false;
  std::string svg;
  bool json = false, csv = false, list = false, quiet = false, threads = false;
};

// The words of a comma-separated list; an empty one ("pipe,", "a,,b") is
// refused, as a list cut short by an unset shell variable.
std::vector<std::string_view> list_words(const std::string& text, const char* option) {
  const auto words = split_commas(text);
  if (static_cast<std::size_t>(std::count(text.begin(), text.end(), ',')) + 1 != words.size())
    throw UsageError(fmt::format("{} '{}': an empty element in the list", option, text));
  return words;
}

// Names, family names ("shm", "socket") or "all", in table order.
std::vector<const TransportInfo*> select_mechanisms(const std::string& text) {
  std::vector<const TransportInfo*> out;
  for (auto word : list_words(text, "--mechanism")) {
    // A mechanism's own name wins over a family of the same name ("pipe").
    const bool is_name = find_transport(word) != nullptr;
    bool matched = false;
    for (const auto& t : all_transports()) {
      if (word == "all" || word == t.name || (!is_name && word == t.family)) {
        matched = true;
        if (std::find(out.begin(), out.end(), &t) == out.end()) out.push_back(&t);
      }
    }
    if (!matched) throw UsageError(fmt::format("unknown mechanism '{}' (see 'ipcbench --list')", word));
  }
  if (out.empty()) throw UsageError("--mechanism: no mechanism named");
  std::sort(out.begin(), out.end());  // the table's order: entries are contiguous
  return out;
}

std::vector<Placement> select_placements(const std::string& text) {
  const std::vector<int> allowed = usable_cpus();
  if (allowed.empty()) throw Fatal("sched_getaffinity: cannot read the CPUs this process may use");
  if (text.empty()) {
    if (allowed.size() >= 2) return {{allowed[0], allowed[1]}, {allowed[0], allowed[0]}};
    return {{allowed[0], allowed[0]}};
  }
  if (text == "none") return {{-1, -1}};
  const auto cpus = parse_cpu_list(text);
  if (!cpus || cpus->size() != 2)
    throw UsageError(fmt::format("--cpus '{}': expected two CPUs, A,B (or none)", text));
  for (const int cpu : *cpus)
    if (std::find(allowed.begin(), allowed.end(), cpu) == allowed.end())
      throw UsageError(fmt::format("--cpus: '{}' is not a CPU this process may run on", cpu));
  return {{(*cpus)[0], (*cpus)[1]}};
}

// An option given an empty value ("-s ''", often an unset shell variable) is
// refused, not read as "not given"; one with control characters too, before
// a message quotes it and a newline splits the one line of error in two.
void refuse_junk_values(const CLI::App& app) {
  for (const CLI::Option* opt : app.get_options()) {
    for (const std::string& value : opt->results()) {
      if (trim(value).empty()) throw UsageError(fmt::format("{}: empty value", opt->get_name()));
      const bool control = std::any_of(value.begin(), value.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
      });
      if (control) throw UsageError(fmt::format("{}: the value has control characters", opt->get_name()));
    }
  }
}

// The width the text is written for: the terminal's, or COLUMNS when the
// output is not a terminal (as ps does); no limit when neither says.
std::size_t text_width() {
  if (const std::size_t w = tools::terminal_width()) return w;
  if (const char* cols = std::getenv("COLUMNS")) {
    if (const auto n = to_u64(cols); n && *n > 0 && *n < 100000) return static_cast<std::size_t>(*n);
  }
  return 0;
}

int list_mechanisms() {
  std::size_t width = 0;
  for (const auto& t : all_transports()) width = std::max(width, t.name.size());
  for (const auto& t : all_transports()) {
    tools::print_out("{:<{}}  {:<7} {}", t.name, width, t.family, t.description);
    if (!t.no_throughput.empty()) tools::print_out(" (latency only: {})", t.no_throughput);
    if (!t.no_latency.empty()) tools::print_out(" (throughput only: {})", t.no_latency);
    if (!t.blocking) tools::write_stdout(" (always busy-polls)");
    tools::write_stdout("\n");
  }
  return 0;
}

int run_bench(const Options& o) {
  if (o.list) return list_mechanisms();
  const auto mechanisms = select_mechanisms(o.mechanisms);
  bool do_latency = false, do_throughput = false;
  for (auto w : list_words(o.tests, "--test")) {
    if (w == "latency") do_latency = true;
    else if (w == "throughput") do_throughput = true;
    else throw UsageError(fmt::format("--test: unknown test '{}' (latency, throughput)", w));
  }
  if (!do_latency && !do_throughput) throw UsageError("--test: no test named (latency, throughput)");
  std::vector<std::size_t> sizes;
  if (!o.sizes.empty()) {
    std::string bad;
    auto parsed = parse_size_list(o.sizes, &bad);
    if (!parsed)
      throw UsageError(fmt::format("--size: '{}' is not a size from {} to {} (64, 4K, 64K, 1M)", bad, k_min_message,
                                   format_size(k_max_message)));
    sizes = *parsed;
  }
  const auto placements = select_placements(o.cpus);
  // Written so that NaN fails each test too.
  if (!(o.duration > 0 && o.duration <= 3600)) throw UsageError("--duration: expected 0 < SECONDS <= 3600");
  if (o.repeat < 1 || o.repeat > 1000) throw UsageError("--repeat: expected 1..1000");
  if (o.rate_given && !(o.rate > 0 && o.rate <= k_max_count))
    throw UsageError("--rate: expected a rate of more than 0 and at most 1e9 per second");
  // A negative count reaches here wrapped around: the bound catches it too.
  if (o.iterations_given && !(o.iterations >= 1 && o.iterations <= k_max_count))
    throw UsageError("--iterations: expected 1 to 1e9");
  if (o.warmup > k_max_count) throw UsageError("--warmup: expected 0 to 1e9");
  // A measurement that cannot end in time is refused before any runs (only
  // latency is paced).
  if (const std::string why = check_rate(o.rate, o.iterations, o.duration); do_latency && !why.empty())
    throw UsageError(why);
  if (o.poll != "block" && o.poll != "spin") throw UsageError("--poll: expected block or spin");
  if (o.timer != "auto" && o.timer != "tsc" && o.timer != "monotonic") throw UsageError("--timer: expected auto, tsc or monotonic");

  std::vector<RunSpec> specs;
  for (Test test : {Test::latency, Test::throughput}) {
    if ((test == Test::latency && !do_latency) || (test == Test::throughput && !do_throughput)) continue;
    const std::vector<std::size_t> test_sizes =
        !sizes.empty() ? sizes : std::vector<std::size_t>{test == Test::latency ? 64u : 65536u};
    for (const TransportInfo* t : mechanisms)
      for (std::size_t size : test_sizes)
        for (const Placement& p : placements) {
          RunSpec s;
          s.transport = t;
          s.test = test;
          s.size = size;
          s.placement = p;
          s.poll = o.poll == "spin" ? Poll::spin : Poll::block;
          s.threads = o.threads;
          s.duration_s = o.duration;
          s.iterations = o.iterations;
          s.warmup = o.warmup;
          s.rate = test == Test::latency ? o.rate : 0;
          specs.push_back(s);
        }
  }

  // Opened first: a run is not wasted on a path that cannot be written.
  // By the rules of util/output_file.hpp: no planted symlink is followed.
  tools::ChartFile svg;
  if (!o.svg.empty()) svg.open(o.svg);

  start_keeper();
  install_exit_handlers();
  const Clock clock = Clock::calibrate(o.timer == "monotonic");
  if (o.timer == "tsc" && clock.source() != ClockSource::tsc)
    throw Fatal("--timer tsc: this CPU has no invariant TSC (constant_tsc and nonstop_tsc)");

  Report rep;
  rep.machine = read_machine();
  rep.clock = clock.describe();
  rep.duration_s = o.duration;
  rep.iterations = o.iterations;
  rep.warmup = o.warmup;
  rep.repeat = o.repeat;
  rep.poll = o.poll == "spin" ? Poll::spin : Poll::block;
  rep.threads = o.threads;
  rep.rate = o.rate;
  const bool progress = !o.quiet && ::isatty(STDERR_FILENO) == 1;
  const std::uint64_t start = monotonic_ns();
  const CpuTimes cpu_before = read_cpu_times();
  const std::size_t total = specs.size() * static_cast<std::size_t>(o.repeat);
  std::size_t done = 0;
  for (const RunSpec& s : specs) {
    Row row;
    for (int i = 0; i < o.repeat; ++i) {
      if (progress) {
        const double elapsed = static_cast<double>(monotonic_ns() - start) / 1e9;
        const std::string eta = done ? fmt::format("ETA {:.0f}s", elapsed / static_cast<double>(done) *
                                                                       static_cast<double>(total - done))
                                     : "";
        tools::write_stderr(fmt::format("\r\033[K[{}/{}] {} {} {} {} {}", done + 1, total, s.transport->name,
                   s.test == Test::latency ? "latency" : "throughput", format_size(s.size), s.placement.label(), eta));
        std::fflush(stderr);
      }
      row.runs.push_back(run_one(s, clock));
      ++done;
      if (row.runs.back().status == Status::skipped) break;  // absent stays absent
    }
    rep.rows.push_back(std::move(row));
  }
  if (progress) tools::write_stderr("\r\033[K");
  judge_noise(rep.machine, cpu_before, read_cpu_times());
  rep.wall_s = static_cast<double>(monotonic_ns() - start) / 1e9;

  if (o.json)
    tools::write_stdout(render_json(rep));
  else if (o.csv)
    tools::write_stdout(render_csv(rep));
  else
    tools::write_stdout(render_text(rep, text_width()));
  tools::flush_stdout();
  if (svg.is_open()) svg.write(render_svg(rep));
  int failed = 0;
  for (const auto& row : rep.rows)
    if (row.status() == Status::failed) ++failed;
  if (failed) {
    tools::eprint("ipcbench: {} measurement{} failed (see the reasons above)\n", failed, failed == 1 ? "" : "s");
    return 1;
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // On Windows, where side b cannot be forked, ipcbench starts itself again as side b.
  if (const auto side_b = run_side_b_process(argc, argv)) return *side_b;
  CLI::App app{"ipcbench: latency and throughput of every IPC mechanism on this machine, side by side", "ipcbench"};
  app.set_version_flag("-V,--version", std::string("ipcbench ") + IPCCTL_VERSION);
  app.footer("Latency is a ping-pong round trip; throughput is one way, counted at the receiver.\n"
             "With no arguments: every mechanism, 64 B latency and 64 KiB throughput, cross-core and same-core.\n"
             "Exit status: 0 done, 1 a measurement failed, 2 bad usage.");
  Options o;
  app.add_flag("-l,--list", o.list, "describe every mechanism and exit");
  app.add_option("-m,--mechanism", o.mechanisms, "mechanisms or families, comma-separated (default: all)")->type_name("LIST");
  app.add_option("-t,--test", o.tests, "latency, throughput or both (default: both)")->type_name("LIST");
  app.add_option("-s,--size", o.sizes, "message sizes such as 64,4K,64K,1M (default: 64 latency, 64K throughput)")->type_name("LIST");
  app.add_option("-c,--cpus", o.cpus, "pin the two sides to CPUs A and B (default: cross-core and same-core); 'none' to not pin")->type_name("A,B");
  app.add_option("-d,--duration", o.duration, "seconds per measurement, more than 0 and at most 3600 (default: 0.3)")->type_name("SECONDS");
  auto* iterations = app.add_option("-n,--iterations", o.iterations, "round trips or messages per measurement (1 to 1e9), instead of --duration")->type_name("N");
  app.add_option("-w,--warmup", o.warmup, "round trips or messages discarded first, 0 to 1e9 (default: 200)")->type_name("N");
  app.add_option("-r,--repeat", o.repeat, "run each measurement N times (1 to 1000), report the median and the range")->type_name("N");
  app.add_option("--poll", o.poll, "receive by blocking (block) or by busy-polling (spin)")->type_name("block|spin");
  app.add_flag("--threads", o.threads, "run the two sides as threads of one process, not as two processes");
  auto* rate = app.add_option("--rate", o.rate, "latency open loop: start round trips at this rate per second (after the warm-up)")->type_name("N");
  app.add_option("--timer", o.timer, "per-sample clock: auto, tsc or monotonic")->type_name("auto|tsc|monotonic");
  auto* json = app.add_flag("-J,--json", o.json, "print JSON: every figure, the histograms, the machine");
  app.add_flag("--csv", o.csv, "print CSV, one line per measurement")->excludes(json);
  app.add_option("--svg", o.svg, "also write a chart (latency percentiles, throughput against size) to FILE")->type_name("FILE");
  app.add_flag("-q,--quiet", o.quiet, "no progress line");
  return ipcctl::tools::run(app, argc, argv, [&] {
    refuse_junk_values(app);
    o.iterations_given = iterations->count() > 0;
    o.rate_given = rate->count() > 0;
    return run_bench(o);
  });
}
