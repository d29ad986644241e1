// A result without its placement, its message size and its kind (round trip or
// one way) is folklore: every row carries them. Latency and throughput are two
// tables because they answer two questions; skipped and failed measurements are
// listed with their reason rather than dropped.
#include <ipcctl/bench/report.hpp>

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

// Left-aligned first column(s), right-aligned figures.
std::string table(const std::vector<std::vector<std::string>>& cells, std::size_t left_cols) {
  std::vector<std::size_t> width;
  for (const auto& row : cells)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) line += "  ";
      const bool last = i + 1 == row.size();
      if (i < left_cols || last)
        line += last ? row[i] : fmt::format("{:<{}}", row[i], width[i]);
      else
        line += fmt::format("{:>{}}", row[i], width[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  return out;
}

std::string placement_cell(const RunResult& r) {
  return fmt::format("{} {}", r.spec.placement.label(), r.spec.placement.kind());
}

nlohmann::json common_json(const Row& row, const RunResult& r) {
  nlohmann::json j;
  j["mechanism"] = r.spec.transport->name;
  j["family"] = r.spec.transport->family;
  j["test"] = test_name(r.spec.test);
  j["size_bytes"] = r.size;
  j["requested_size_bytes"] = r.spec.size;
  j["placement"] = r.spec.placement.label();
  j["placement_kind"] = r.spec.placement.kind();
  j["cpu_a"] = r.spec.placement.cpu_a < 0 ? nlohmann::json(nullptr) : nlohmann::json(r.spec.placement.cpu_a);
  j["cpu_b"] = r.spec.placement.cpu_b < 0 ? nlohmann::json(nullptr) : nlohmann::json(r.spec.placement.cpu_b);
  j["poll"] = poll_name(r.spec.poll);
  j["sides"] = sides_name(r.spec.threads);
  const Status s = row.status();
  j["status"] = s == Status::ok ? "ok" : s == Status::skipped ? "skipped" : "failed";
  std::string reason;
  for (const auto& run : row.runs)
    if (run.status != Status::ok && reason.empty()) reason = run.reason;
  j["reason"] = reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(reason);
  j["note"] = r.note.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.note);
  j["runs"] = row.runs.size();
  return j;
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

std::string render_text(const Report& rep) {
  std::string out;
  const auto& m = rep.machine;
  out += fmt::format("machine: {}, {} CPUs{}, kernel {}, clocksource {}, cpuidle {}{}; timing: {}\n", m.cpu_model, m.cpus,
                     m.hypervisor ? " (virtual machine)" : "", m.kernel, m.clocksource,
                     m.cpuidle_governor.empty() ? "none" : m.cpuidle_governor,
                     m.cpuidle_driver.empty() ? "" : fmt::format(" ({})", m.cpuidle_driver), rep.clock);
  out += fmt::format("load average before {:.2f} {:.2f} {:.2f}; during the run: {:.1f}% steal, CPUs {:.0f}% busy\n",
                     m.load1, m.load5, m.load15, m.steal_pct, m.busy_pct);
  if (!m.noise.empty()) {
    out += "NOISY RUN:";
    for (std::size_t i = 0; i < m.noise.size(); ++i) out += (i ? "; " : " ") + m.noise[i];
    out += ": compare figures from a quiet machine only\n";
  }
  if (!m.note.empty()) out += fmt::format("note: {}\n", m.note);

  std::vector<const Row*> lat, thr, other;
  for (const auto& row : rep.rows) {
    if (row.status() != Status::ok) other.push_back(&row);
    else if (row.runs.front().spec.test == Test::latency) lat.push_back(&row);
    else thr.push_back(&row);
  }
  const bool many = rep.repeat > 1;
  if (!lat.empty()) {
    std::stable_sort(lat.begin(), lat.end(), [](auto* a, auto* b) { return key_of(a->median()) < key_of(b->median()); });
    out += fmt::format("\nround-trip latency (a -> b -> a, the same payload both ways; {}, {}, {}), sorted by p50{}\n",
                       rep.rate > 0 ? fmt::format("open loop at {:.0f}/s, from the intended send time", rep.rate) : "closed loop",
                       rep.poll == Poll::spin ? "busy-poll receive" : "blocking receive", sides_text(rep.threads),
                       many ? fmt::format("; median of {} runs, p50 range in brackets", rep.repeat) : "");
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
                       format_count(static_cast<double>(h.count())), r.note});
    }
    out += table(cells, 3);
  }
  if (!thr.empty()) {
    std::stable_sort(thr.begin(), thr.end(), [](auto* a, auto* b) { return key_of(a->median()) > key_of(b->median()); });
    out += fmt::format("\nthroughput (one way a -> b, delivered rate at the receiver, payloads verified; {}), sorted by MB/s{}\n",
                       sides_text(rep.threads), many ? fmt::format("; median of {} runs", rep.repeat) : "");
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
                       format_count(r.msgs_per_s), lost, fmt::format("{}", r.checked), r.note});
    }
    out += table(cells, 3);
  }
  if (!other.empty()) {
    out += "\nnot measured\n";
    for (const Row* row : other) {
      const RunResult* bad = &row->runs.front();
      for (const auto& run : row->runs)
        if (run.status == Status::failed) bad = &run;
      out += fmt::format("  {} {} {} {}: {}: {}\n", bad->spec.transport->name, test_name(bad->spec.test),
                         format_size(bad->spec.size), bad->spec.placement.label(),
                         bad->status == Status::failed ? "FAILED" : "skipped", bad->reason);
    }
  }
  out += fmt::format("\n{} measurements in {:.1f} s\n", rep.rows.size(), rep.wall_s);
  return out;
}

nlohmann::json render_json(const Report& rep) {
  using nlohmann::json;
  const auto& m = rep.machine;
  json doc;
  doc["schema"] = "ipcbench/1";
  doc["machine"] = {{"cpu_model", m.cpu_model},
                    {"cpus", m.cpus},
                    {"kernel", m.kernel},
                    {"clocksource", m.clocksource},
                    {"cpuidle_governor", m.cpuidle_governor.empty() ? json(nullptr) : json(m.cpuidle_governor)},
                    {"cpuidle_driver", m.cpuidle_driver.empty() ? json(nullptr) : json(m.cpuidle_driver)},
                    {"hypervisor", m.hypervisor},
                    {"load_average", {m.load1, m.load5, m.load15}},
                    {"steal_pct", m.steal_pct},
                    {"busy_pct", m.busy_pct},
                    {"noisy", !m.noise.empty()},
                    {"noise", m.noise}};
  if (!m.note.empty()) doc["machine"]["note"] = m.note;  // Windows under Wine
  doc["settings"] = {{"timer", rep.clock},
                     {"duration_s", rep.iterations ? json(nullptr) : json(rep.duration_s)},
                     {"iterations", rep.iterations ? json(rep.iterations) : json(nullptr)},
                     {"warmup", rep.warmup},
                     {"repeat", rep.repeat},
                     {"poll", poll_name(rep.poll)},
                     {"sides", sides_name(rep.threads)},
                     {"open_loop_rate_per_s", rep.rate > 0 ? json(rep.rate) : json(nullptr)}};
  json lat = json::array(), thr = json::array();
  for (const auto& row : rep.rows) {
    const RunResult& r = row.median();
    json j = common_json(row, r);
    if (r.spec.test == Test::latency) {
      const Histogram& h = r.round_trip;
      const bool ok = row.status() == Status::ok;
      auto ns = [&](double v) { return ok ? json(v) : json(nullptr); };
      j["round_trip"] = true;
      j["samples"] = h.count();
      j["min_ns"] = ns(static_cast<double>(h.min()));
      j["p50_ns"] = ns(static_cast<double>(h.percentile(50)));
      j["p90_ns"] = ns(static_cast<double>(h.percentile(90)));
      j["p99_ns"] = ns(static_cast<double>(h.percentile(99)));
      j["p999_ns"] = ns(static_cast<double>(h.percentile(99.9)));
      j["max_ns"] = ns(static_cast<double>(h.max()));
      j["mean_ns"] = ns(h.mean());
      j["stddev_ns"] = ns(h.stddev());
      json runs = json::array();
      for (const auto& run : row.runs)
        if (run.status == Status::ok) runs.push_back(static_cast<double>(run.round_trip.percentile(50)));
      j["p50_ns_per_run"] = runs;
      json buckets = json::array();
      for (const auto& b : h.buckets()) buckets.push_back({b.low, b.high, b.count});
      j["histogram_ns"] = buckets;  // [low, high, count]: values low..high inclusive
      lat.push_back(std::move(j));
    } else {
      const bool ok = row.status() == Status::ok;
      j["msgs_per_s"] = ok ? json(r.msgs_per_s) : json(nullptr);
      j["mb_per_s"] = ok ? json(r.mb_per_s) : json(nullptr);
      j["sent"] = r.sent;
      j["received"] = r.received;
      j["lost"] = r.lost;
      j["measured_msgs"] = r.measured_msgs;
      j["measured_s"] = r.measured_s;
      j["out_of_order"] = r.out_of_order;
      j["corrupted"] = r.corrupted;
      j["payloads_checked"] = r.checked;
      json runs = json::array();
      for (const auto& run : row.runs)
        if (run.status == Status::ok) runs.push_back(run.mb_per_s);
      j["mb_per_s_per_run"] = runs;
      thr.push_back(std::move(j));
    }
  }
  doc["latency"] = lat;
  doc["throughput"] = thr;
  doc["wall_s"] = rep.wall_s;
  return doc;
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
