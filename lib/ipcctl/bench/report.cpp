// A result without its placement, its message size and its kind (round trip or
// one way) is folklore: every row carries them. Latency and throughput are two
// tables because they answer two questions; skipped and failed measurements are
// listed with their reason rather than dropped.
#include <ipcctl/bench/report.hpp>

#include <ipcctl/render/json_writer.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ipcctl::bench {

namespace {

std::string_view poll_name(Poll p) { return p == Poll::spin ? "spin" : "block"; }
std::string_view sides_name(bool threads) { return threads ? "threads" : "processes"; }
std::string_view sides_text(bool threads) { return threads ? "a and b threads of one process" : "a and b processes"; }
std::string_view test_name(Test t) { return t == Test::latency ? "latency" : "throughput"; }

double key_of(const RunResult& r) {
  return r.spec.test == Test::latency ? static_cast<double>(r.round_trip.percentile(50)) : r.mb_per_s;
}

// The columns `text` takes: its code points (the table's cells are ASCII
// but for names the system gave).
std::size_t columns(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

// `text` broken at spaces into lines of at most `width` columns (0: one
// line), the lines after the first indented by `indent` spaces; a word
// longer than a line stays whole. Each line ends in a newline.
std::string wrap(std::string_view text, std::size_t width, std::size_t indent = 2) {
  if (width == 0 || columns(text) <= width) return std::string(text) + '\n';
  std::string out;
  std::size_t pos = text.find_first_not_of(' ');  // the first line keeps its indent
  if (pos == std::string_view::npos) pos = text.size();
  std::string line(pos, ' ');
  indent += pos;
  while (pos < text.size()) {
    const std::size_t space = text.find(' ', pos);
    const std::string_view word = text.substr(pos, space == std::string_view::npos ? std::string_view::npos : space - pos);
    pos = space == std::string_view::npos ? text.size() : space + 1;
    if (word.empty()) continue;
    bool words = line.find_first_not_of(' ') != std::string::npos;
    if (words && columns(line) + 1 + columns(word) > width) {
      out += line + '\n';
      line.assign(indent, ' ');
      words = false;
    }
    if (words) line += ' ';
    line += word;
  }
  if (!line.empty()) out += line + '\n';
  return out;
}

// A table: the first `left_cols` columns left-aligned, the figures right-
// aligned, the last column (the note's mark) left-aligned. Within `width`
// columns (0: no limit), the columns listed in `drop` go first, in that
// order, until the table fits; the line after the table names them.
std::string table(std::vector<std::vector<std::string>> cells, std::size_t left_cols, std::size_t width,
                  const std::vector<std::string_view>& drop = {}) {
  auto widths = [&] {
    std::vector<std::size_t> w;
    for (const auto& row : cells)
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (w.size() <= i) w.push_back(0);
        w[i] = std::max(w[i], columns(row[i]));
      }
    return w;
  };
  auto line_width = [](const std::vector<std::size_t>& w) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < w.size(); ++i) n += w[i] + (i ? 2 : 0);
    return n;
  };
  std::vector<std::string_view> dropped;
  for (std::string_view name : drop) {
    if (width == 0 || line_width(widths()) <= width) break;
    const auto col = std::find(cells.front().begin(), cells.front().end(), name) - cells.front().begin();
    if (static_cast<std::size_t>(col) >= cells.front().size()) continue;
    for (auto& row : cells) row.erase(row.begin() + col);
    dropped.push_back(name);
  }
  const std::vector<std::size_t> width_of = widths();
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) line += "  ";
      const bool last = i + 1 == row.size();
      const std::size_t fill = width_of[i] - columns(row[i]);
      if (i < left_cols || last) line += row[i] + (last ? "" : std::string(fill, ' '));
      else line += std::string(fill, ' ') + row[i];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  if (!dropped.empty()) {
    std::string names;
    for (auto d : dropped) names += fmt::format("{}{}", names.empty() ? "" : ", ", d);
    out += wrap(fmt::format("({} left out to fit {} columns; --json and --csv have every figure)", names, width), width);
  }
  return out;
}

// Notes, numbered once each and listed below a table: a note is long, and
// in a column it would widen every row.
struct Notes {
  std::vector<std::string> texts;
  // "[1]" for the note (the same number for the same text), "" for none.
  std::string mark(const std::string& note) {
    if (note.empty()) return {};
    auto it = std::find(texts.begin(), texts.end(), note);
    if (it == texts.end()) it = texts.insert(texts.end(), note);
    return fmt::format("[{}]", it - texts.begin() + 1);
  }
  std::string text(std::size_t width) const {
    std::string out;
    for (std::size_t i = 0; i < texts.size(); ++i) out += wrap(fmt::format("[{}] {}", i + 1, texts[i]), width, 4);
    return out;
  }
};

// "0<->1 cross-core"; "unpinned" once, where label and kind are both that.
std::string placement_cell(const RunResult& r) {
  const std::string label = r.spec.placement.label(), kind = r.spec.placement.kind();
  return label == kind ? label : fmt::format("{} {}", label, kind);
}

// A key and a value that is null when absent.
template <class T>
void field_or_null(render::JsonWriter& w, std::string_view key, bool present, const T& v) {
  w.key(key);
  if (present) w.value(v);
  else w.null();
}

std::string_view status_name(Status s) { return s == Status::ok ? "ok" : s == Status::skipped ? "skipped" : "failed"; }

// The first reason a run of the row was not measured.
std::string row_reason(const Row& row) {
  for (const auto& run : row.runs)
    if (run.status != Status::ok) return run.reason;
  return {};
}

// One latency row. Keys in sorted order, as the document has always had
// them (nlohmann::json's objects sort theirs).
void latency_json(render::JsonWriter& w, const Row& row, const RunResult& r) {
  const Histogram& h = r.round_trip;
  const bool ok = row.status() == Status::ok;
  auto ns = [&](std::string_view key, double v) { field_or_null(w, key, ok, v); };
  const std::string reason = row_reason(row);
  w.begin_object();
  field_or_null(w, "cpu_a", r.spec.placement.cpu_a >= 0, r.spec.placement.cpu_a);
  field_or_null(w, "cpu_b", r.spec.placement.cpu_b >= 0, r.spec.placement.cpu_b);
  w.field("family", r.spec.transport->family);
  w.key("histogram_ns").begin_array();  // [low, high, count]: values low..high inclusive
  for (const auto& b : h.buckets()) w.begin_array().value(b.low).value(b.high).value(b.count).end_array();
  w.end_array();
  ns("max_ns", static_cast<double>(h.max()));
  ns("mean_ns", h.mean());
  w.field("mechanism", r.spec.transport->name);
  ns("min_ns", static_cast<double>(h.min()));
  field_or_null(w, "note", !r.note.empty(), r.note);
  ns("p50_ns", static_cast<double>(h.percentile(50)));
  w.key("p50_ns_per_run").begin_array();
  for (const auto& run : row.runs)
    if (run.status == Status::ok) w.value(static_cast<double>(run.round_trip.percentile(50)));
  w.end_array();
  ns("p90_ns", static_cast<double>(h.percentile(90)));
  ns("p999_ns", static_cast<double>(h.percentile(99.9)));
  ns("p99_ns", static_cast<double>(h.percentile(99)));
  w.field("placement", r.spec.placement.label());
  w.field("placement_kind", r.spec.placement.kind());
  w.field("poll", poll_name(r.spec.poll));
  field_or_null(w, "reason", !reason.empty(), reason);
  w.field("requested_size_bytes", r.spec.size);
  w.field("round_trip", true);
  w.field("runs", row.runs.size());
  w.field("samples", h.count());
  w.field("sides", sides_name(r.spec.threads));
  w.field("size_bytes", r.size);
  w.field("status", status_name(row.status()));
  ns("stddev_ns", h.stddev());
  w.field("test", test_name(r.spec.test));
  w.end_object();
}

// One throughput row, keys sorted likewise.
void throughput_json(render::JsonWriter& w, const Row& row, const RunResult& r) {
  const bool ok = row.status() == Status::ok;
  const std::string reason = row_reason(row);
  w.begin_object();
  w.field("corrupted", r.corrupted);
  field_or_null(w, "cpu_a", r.spec.placement.cpu_a >= 0, r.spec.placement.cpu_a);
  field_or_null(w, "cpu_b", r.spec.placement.cpu_b >= 0, r.spec.placement.cpu_b);
  w.field("family", r.spec.transport->family);
  w.field("lost", r.lost);
  field_or_null(w, "mb_per_s", ok, r.mb_per_s);
  w.key("mb_per_s_per_run").begin_array();
  for (const auto& run : row.runs)
    if (run.status == Status::ok) w.value(run.mb_per_s);
  w.end_array();
  w.field("measured_msgs", r.measured_msgs);
  w.field("measured_s", r.measured_s);
  w.field("mechanism", r.spec.transport->name);
  field_or_null(w, "msgs_per_s", ok, r.msgs_per_s);
  field_or_null(w, "note", !r.note.empty(), r.note);
  w.field("out_of_order", r.out_of_order);
  w.field("payloads_checked", r.checked);
  w.field("placement", r.spec.placement.label());
  w.field("placement_kind", r.spec.placement.kind());
  w.field("poll", poll_name(r.spec.poll));
  field_or_null(w, "reason", !reason.empty(), reason);
  w.field("received", r.received);
  w.field("requested_size_bytes", r.spec.size);
  w.field("runs", row.runs.size());
  w.field("sent", r.sent);
  w.field("sides", sides_name(r.spec.threads));
  w.field("size_bytes", r.size);
  w.field("status", status_name(row.status()));
  w.field("test", test_name(r.spec.test));
  w.end_object();
}

} // namespace

const RunResult& Row::median() const {
  std::vector<const RunResult*> ok;
  for (const auto& r : runs)
    if (r.status == Status::ok) ok.push_back(&r);
  if (ok.empty()) return runs.front();
  std::sort(ok.begin(), ok.end(), [](auto* a, auto* b) { return key_of(*a) < key_of(*b); });
  return *ok[ok.size() / 2];
}

Status Row::status() const {
  bool all_skipped = true;
  for (const auto& r : runs) {
    if (r.status == Status::failed) return Status::failed;
    if (r.status != Status::skipped) all_skipped = false;
  }
  return all_skipped ? Status::skipped : Status::ok;
}

std::string format_ns(double ns) {
  if (ns < 1e3) return fmt::format("{:.0f}ns", ns);
  if (ns < 1e4) return fmt::format("{:.2f}us", ns / 1e3);
  if (ns < 1e6) return fmt::format("{:.1f}us", ns / 1e3);
  if (ns < 1e9) return fmt::format("{:.2f}ms", ns / 1e6);
  return fmt::format("{:.2f}s", ns / 1e9);
}

std::string format_count(double n) {
  if (n >= 1e9) return fmt::format("{:.2f}G", n / 1e9);
  if (n >= 1e6) return fmt::format("{:.2f}M", n / 1e6);
  if (n >= 1e3) return fmt::format("{:.1f}K", n / 1e3);
  return fmt::format("{:.0f}", n);
}

std::string render_text(const Report& rep, std::size_t width) {
  std::string out;
  const auto& m = rep.machine;
  out += wrap(fmt::format("machine: {}, {} CPUs{}, kernel {}, clocksource {}, cpuidle {}{}; timing: {}", m.cpu_model, m.cpus,
                     m.hypervisor ? " (virtual machine)" : "", m.kernel, m.clocksource,
                     m.cpuidle_governor.empty() ? "none" : m.cpuidle_governor,
                     m.cpuidle_driver.empty() ? "" : fmt::format(" ({})", m.cpuidle_driver), rep.clock), width);
  out += wrap(fmt::format("load average before {:.2f} {:.2f} {:.2f}; during the run: {:.1f}% steal, CPUs {:.0f}% busy",
                          m.load1, m.load5, m.load15, m.steal_pct, m.busy_pct), width);
  if (!m.noise.empty()) {
    std::string noisy = "NOISY RUN:";
    for (std::size_t i = 0; i < m.noise.size(); ++i) noisy += (i ? "; " : " ") + m.noise[i];
    out += wrap(noisy + ": compare figures from a quiet machine only", width);
  }
  if (!m.note.empty()) out += wrap(fmt::format("note: {}", m.note), width);

  std::vector<const Row*> lat, thr, other;
  for (const auto& row : rep.rows) {
    if (row.status() != Status::ok) other.push_back(&row);
    else if (row.runs.front().spec.test == Test::latency) lat.push_back(&row);
    else thr.push_back(&row);
  }
  const bool many = rep.repeat > 1;
  if (!lat.empty()) {
    std::stable_sort(lat.begin(), lat.end(), [](auto* a, auto* b) { return key_of(a->median()) < key_of(b->median()); });
    out += "\n" + wrap(fmt::format("round-trip latency (a -> b -> a, the same payload both ways; {}, {}, {}), sorted by p50{}",
                       rep.rate > 0 ? fmt::format("open loop at {:.0f}/s, from the intended send time", rep.rate) : "closed loop",
                       rep.poll == Poll::spin ? "busy-poll receive" : "blocking receive", sides_text(rep.threads),
                       many ? fmt::format("; median of {} runs, p50 range in brackets", rep.repeat) : ""), width);
    Notes notes;
    std::vector<std::vector<std::string>> cells{
        {"MECHANISM", "SIZE", "PLACEMENT", "P50", "MIN", "P90", "P99", "P99.9", "MAX", "MEAN", "STDDEV", "SAMPLES", "NOTE"}};
    for (const Row* row : lat) {
      const RunResult& r = row->median();
      const Histogram& h = r.round_trip;
      std::string p50 = format_ns(static_cast<double>(h.percentile(50)));
      if (many) {
        double lo = 1e300, hi = 0;
        for (const auto& run : row->runs) {
          lo = std::min(lo, key_of(run));
          hi = std::max(hi, key_of(run));
        }
        p50 += fmt::format(" [{}-{}]", format_ns(lo), format_ns(hi));
      }
      cells.push_back({std::string(r.spec.transport->name), format_size(r.size), placement_cell(r), p50,
                       format_ns(static_cast<double>(h.min())), format_ns(static_cast<double>(h.percentile(90))),
                       format_ns(static_cast<double>(h.percentile(99))), format_ns(static_cast<double>(h.percentile(99.9))),
                       format_ns(static_cast<double>(h.max())), format_ns(h.mean()), format_ns(h.stddev()),
                       format_count(static_cast<double>(h.count())), notes.mark(r.note)});
    }
    out += table(std::move(cells), 3, width, {"STDDEV", "MEAN", "P90", "MIN", "SAMPLES", "P99.9", "MAX"});
    out += notes.text(width);
  }
  if (!thr.empty()) {
    std::stable_sort(thr.begin(), thr.end(), [](auto* a, auto* b) { return key_of(a->median()) > key_of(b->median()); });
    out += "\n" + wrap(fmt::format("throughput (one way a -> b, delivered rate at the receiver, payloads verified; {}), sorted by MB/s{}",
                                   sides_text(rep.threads), many ? fmt::format("; median of {} runs", rep.repeat) : ""), width);
    Notes notes;
    std::vector<std::vector<std::string>> cells{{"MECHANISM", "SIZE", "PLACEMENT", "MB/S", "MSGS/S", "LOST", "CHECKED", "NOTE"}};
    for (const Row* row : thr) {
      const RunResult& r = row->median();
      std::string mb = fmt::format("{:.1f}", r.mb_per_s);
      if (many) {
        double lo = 1e300, hi = 0;
        for (const auto& run : row->runs) {
          lo = std::min(lo, key_of(run));
          hi = std::max(hi, key_of(run));
        }
        mb += fmt::format(" [{:.0f}-{:.0f}]", lo, hi);
      }
      const std::string lost = r.spec.transport->lossy
                                   ? fmt::format("{} ({:.2f}%)", r.lost, r.sent ? 100.0 * static_cast<double>(r.lost) / static_cast<double>(r.sent) : 0.0)
                                   : "0";
      cells.push_back({std::string(r.spec.transport->name), format_size(r.size), placement_cell(r), mb,
                       format_count(r.msgs_per_s), lost, fmt::format("{}", r.checked), notes.mark(r.note)});
    }
    out += table(std::move(cells), 3, width, {"CHECKED", "MSGS/S"});
    out += notes.text(width);
  }
  if (!other.empty()) {
    out += "\nnot measured\n";
    for (const Row* row : other) {
      const RunResult* bad = &row->runs.front();
      for (const auto& run : row->runs)
        if (run.status == Status::failed) bad = &run;
      out += wrap(fmt::format("  {} {} {} {}: {}: {}", bad->spec.transport->name, test_name(bad->spec.test),
                              format_size(bad->spec.size), bad->spec.placement.label(),
                              bad->status == Status::failed ? "FAILED" : "skipped", bad->reason), width, 4);
    }
  }
  out += fmt::format("\n{} measurement{} in {:.1f} s\n", rep.rows.size(), rep.rows.size() == 1 ? "" : "s", rep.wall_s);
  return out;
}

std::string render_json(const Report& rep) {
  const auto& m = rep.machine;
  std::string out;
  render::JsonWriter w(out, true, render::JsonWriter::Strings::nlohmann);
  w.begin_object();
  w.key("latency").begin_array();
  for (const auto& row : rep.rows)
    if (row.median().spec.test == Test::latency) latency_json(w, row, row.median());
  w.end_array();
  w.key("machine").begin_object();
  w.field("busy_pct", m.busy_pct);
  w.field("clocksource", m.clocksource);
  w.field("cpu_model", m.cpu_model);
  field_or_null(w, "cpuidle_driver", !m.cpuidle_driver.empty(), m.cpuidle_driver);
  field_or_null(w, "cpuidle_governor", !m.cpuidle_governor.empty(), m.cpuidle_governor);
  w.field("cpus", m.cpus);
  w.field("hypervisor", m.hypervisor);
  w.field("kernel", m.kernel);
  w.key("load_average").begin_array().value(m.load1).value(m.load5).value(m.load15).end_array();
  w.key("noise").begin_array();
  for (const auto& n : m.noise) w.value(n);
  w.end_array();
  w.field("noisy", !m.noise.empty());
  if (!m.note.empty()) w.field("note", m.note);  // Windows under Wine
  w.field("steal_pct", m.steal_pct);
  w.end_object();
  w.field("schema", "ipcbench/1");
  w.key("settings").begin_object();
  field_or_null(w, "duration_s", rep.iterations == 0, rep.duration_s);
  field_or_null(w, "iterations", rep.iterations != 0, rep.iterations);
  field_or_null(w, "open_loop_rate_per_s", rep.rate > 0, rep.rate);
  w.field("poll", poll_name(rep.poll));
  w.field("repeat", rep.repeat);
  w.field("sides", sides_name(rep.threads));
  w.field("timer", rep.clock);
  w.field("warmup", rep.warmup);
  w.end_object();
  w.key("throughput").begin_array();
  for (const auto& row : rep.rows)
    if (row.median().spec.test == Test::throughput) throughput_json(w, row, row.median());
  w.end_array();
  w.field("wall_s", rep.wall_s);
  w.end_object().end_line();
  return out;
}

std::string render_csv(const Report& rep) {
  std::string out = "test,mechanism,size_bytes,placement,placement_kind,poll,sides,status,samples,min_ns,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,mean_ns,stddev_ns,msgs_per_s,mb_per_s,lost,note\n";
  auto quote = [](const std::string& s) {
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  for (const auto& row : rep.rows) {
    const RunResult& r = row.median();
    const Status s = row.status();
    const char* status = s == Status::ok ? "ok" : s == Status::skipped ? "skipped" : "failed";
    std::string figures;
    if (s != Status::ok) {
      figures = ",,,,,,,,,,,";
    } else if (r.spec.test == Test::latency) {
      const Histogram& h = r.round_trip;
      figures = fmt::format("{},{},{},{},{},{},{},{:.1f},{:.1f},,,", h.count(), h.min(), h.percentile(50), h.percentile(90),
                            h.percentile(99), h.percentile(99.9), h.max(), h.mean(), h.stddev());
    } else {
      figures = fmt::format(",,,,,,,,,{:.1f},{:.3f},{}", r.msgs_per_s, r.mb_per_s, r.lost);
    }
    out += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", test_name(r.spec.test), r.spec.transport->name, r.size,
                       r.spec.placement.label(), r.spec.placement.kind(), poll_name(r.spec.poll),
                       sides_name(r.spec.threads), status, figures,
                       quote(s == Status::ok ? r.note : r.reason));
  }
  return out;
}

} // namespace ipcctl::bench
