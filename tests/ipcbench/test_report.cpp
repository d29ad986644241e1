// The report's JSON for fixed figures, byte for byte: the ipcbench/1 document
// (keys in order, numbers and strings as nlohmann::json prints them) that
// consumers of ipcbench's output read.
#include "support.hpp"

#include <ipcctl/bench/report.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace ipcctl::bench {

namespace {

const TransportInfo k_pipe{"pipe", "pipe", "two anonymous pipes", "", false, true, nullptr};
const TransportInfo k_udp{"udp4", "socket", "UDP", "", true, true, nullptr};
const TransportInfo k_event{"eventfd", "event", "a counter", "a counter, not a message stream", false, true, nullptr};

RunResult result(const TransportInfo& t, Test test, std::size_t size, Placement p) {
  RunResult r;
  r.spec.transport = &t;
  r.spec.test = test;
  r.spec.size = size;
  r.spec.placement = p;
  r.size = size;
  r.status = Status::ok;
  r.wall_s = 0.3125;
  return r;
}

// Every kind of row: measured latency (two runs) and throughput, a lossy
// stream, a skipped and a failed measurement, an unpinned placement, notes
// with characters JSON escapes.
Report fixed_report() {
  Report rep;
  rep.machine.cpu_model = "AMD EPYC \"Genoa\"";
  rep.machine.cpus = 2;
  rep.machine.kernel = "6.1.0-13-amd64";
  rep.machine.clocksource = "tsc";
  rep.machine.cpuidle_governor = "menu";
  rep.machine.hypervisor = true;
  rep.machine.load1 = 0.25;
  rep.machine.load5 = 1.5;
  rep.machine.load15 = 2;
  rep.machine.steal_pct = 0.123456789;
  rep.machine.busy_pct = 99.99;
  rep.machine.noise = {"load average 0.62 before the run", "tab\there"};
  rep.clock = "tsc 2596.1 MHz";
  rep.duration_s = 0.3;
  rep.warmup = 200;
  rep.repeat = 2;
  rep.wall_s = 12.5;

  Row lat;
  for (int run = 0; run < 2; ++run) {
    RunResult r = result(k_pipe, Test::latency, 64, {0, 1});
    for (std::uint64_t v : {812u, 900u, 1500u, 20'000u, 1'000'000u}) r.round_trip.record(v + static_cast<std::uint64_t>(run) * 7);
    lat.runs.push_back(r);
  }
  rep.rows.push_back(lat);

  Row skipped;
  RunResult s = result(k_event, Test::throughput, 65536, {0, 0});
  s.status = Status::skipped;
  s.reason = "no throughput test: a counter, not a message stream";
  s.size = 8;
  s.note = "carries 8 bytes only (eventfd's counter)";
  skipped.runs.push_back(s);
  rep.rows.push_back(skipped);

  Row failed;
  RunResult f = result(k_pipe, Test::latency, 4096, {-1, -1});
  f.status = Status::failed;
  f.reason = "side b: read \"channel\": broken\npipe \x01 \xc3\xa9";
  failed.runs.push_back(f);
  rep.rows.push_back(failed);

  Row thr;
  RunResult t = result(k_udp, Test::throughput, 65536, {0, 1});
  t.size = 65507;
  t.note = "capped at 65507B (the UDP datagram limit over IPv4 is 65507 bytes)";
  t.sent = 3020;
  t.received = 3000;
  t.lost = 20;
  t.measured_msgs = 2799;
  t.measured_s = 0.25;
  t.msgs_per_s = 11196;
  t.mb_per_s = 733.4265720000001;
  t.checked = 47;
  thr.runs.push_back(t);
  rep.rows.push_back(thr);
  return rep;
}

} // namespace

// The other settings: -n, --rate, --threads, --poll spin; a quiet machine
// without cpuidle, and a note (Windows under Wine).
Report other_report() {
  Report rep = fixed_report();
  rep.machine.noise.clear();
  rep.machine.cpuidle_governor.clear();
  rep.machine.cpuidle_driver.clear();
  rep.machine.note = "measured under Wine 8.0: these are Wine's figures, not Windows'";
  rep.iterations = 1000;
  rep.rate = 5000;
  rep.threads = true;
  rep.poll = Poll::spin;
  rep.rows.resize(1);
  return rep;
}

TEST_CASE("bench::render_json writes the ipcbench/1 document byte for byte") {
  // The files hold what the report printed when it built an nlohmann::json
  // document and dumped it with an indent of 2 (and a newline after).
  SUBCASE("every kind of row") { CHECK(render_json(fixed_report()) == test::bench_data("report.json")); }
  SUBCASE("-n, --rate, --threads, --poll spin, a note") {
    CHECK(render_json(other_report()) == test::bench_data("report-settings.json"));
  }
  SUBCASE("an empty run") {
    Report rep;
    const auto doc = nlohmann::json::parse(render_json(rep));
    CHECK(doc["latency"] == nlohmann::json::array());
    CHECK(doc["throughput"] == nlohmann::json::array());
    CHECK(doc["settings"]["duration_s"] == 0.0);
    CHECK_FALSE(doc["machine"].contains("note"));
    CHECK(render_json(rep) == doc.dump(2) + "\n");
  }
}

namespace {

// The columns a line takes (its code points).
std::size_t widest_line(const std::string& text) {
  std::size_t widest = 0, n = 0;
  for (char c : text) {
    if (c == '\n') {
      widest = std::max(widest, n);
      n = 0;
    } else if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) {
      ++n;
    }
  }
  return std::max(widest, n);
}

} // namespace

TEST_CASE("bench::render_text within a width") {
  const Report rep = fixed_report();
  const std::string wide = render_text(rep), narrow = render_text(rep, 80);
  CHECK(widest_line(wide) > 80);
  CHECK(widest_line(narrow) <= 80);
  SUBCASE("the least read columns go first, and the text says which") {
    CHECK(wide.find("STDDEV") != std::string::npos);
    CHECK(narrow.find("STDDEV  ") == std::string::npos);
    CHECK(narrow.find("P50") != std::string::npos);
    CHECK(narrow.find("P99") != std::string::npos);
    CHECK(narrow.find("left out to fit 80 columns") != std::string::npos);
    CHECK(wide.find("left out") == std::string::npos);
  }
  SUBCASE("notes numbered below their table") {
    CHECK(narrow.find("[1]\n") != std::string::npos);
    CHECK(narrow.find("\n[1] capped at 65507B (the UDP datagram limit over IPv4 is 65507 bytes)\n") != std::string::npos);
  }
  SUBCASE("long lines wrap, continued with an indent") {
    CHECK(narrow.find("\n  ") != std::string::npos);
    CHECK(narrow.find("round-trip latency (a -> b -> a,") != std::string::npos);
  }
  SUBCASE("counts agree with their noun") {
    CHECK(wide.find("\n4 measurements in 12.5 s\n") != std::string::npos);
    Report one = rep;
    one.rows.resize(1);
    CHECK(render_text(one).find("\n1 measurement in 12.5 s\n") != std::string::npos);
  }
  SUBCASE("an unpinned placement is named once") {
    Report unpinned = rep;
    for (auto& run : unpinned.rows.front().runs) run.spec.placement = {-1, -1};
    const std::string text = render_text(unpinned);
    CHECK(text.find("unpinned unpinned") == std::string::npos);
    CHECK(text.find("  unpinned  ") != std::string::npos);
  }
}

TEST_CASE("bench::spread_labels") {
  // Three names wanting one place: stacked downwards from it, 11 apart.
  CHECK(spread_labels({100, 100, 100}, 11, 0, 500) == std::vector<double>{100, 111, 122});
  // Apart already: left where they are, in the order given.
  CHECK(spread_labels({300, 100}, 11, 0, 500) == std::vector<double>{300, 100});
  // At the bottom: pushed back up.
  CHECK(spread_labels({500, 500}, 11, 0, 500) == std::vector<double>{489, 500});
}

TEST_CASE("bench::render_svg") {
  const TransportInfo names[] = {
      {"pipe", "pipe", "", "", false, true, nullptr},        {"fifo", "pipe", "", "", false, true, nullptr},
      {"unix-stream", "socket", "", "", false, true, nullptr}, {"tcp4", "socket", "", "", false, true, nullptr},
      {"posix-mq", "mq", "", "", false, true, nullptr},       {"sysv-msg", "mq", "", "", false, true, nullptr}};
  Report rep;
  rep.machine.cpu_model = "cpu";
  for (const auto& t : names)
    for (std::size_t size : {64u, 4096u, 65536u}) {
      // Every line ends at the same rate: their names would sit on each other.
      RunResult r = result(t, Test::throughput, size, {0, 1});
      r.mb_per_s = size == 65536 ? 1000 : 100.0 * static_cast<double>(size) / 64;
      Row row;
      row.runs.push_back(r);
      rep.rows.push_back(row);
    }
  const std::string svg = render_svg(rep);
  SUBCASE("axes in their units") {
    CHECK(svg.find(">1 GB/s</text>") != std::string::npos);
    CHECK(svg.find(">100 MB/s</text>") != std::string::npos);
    CHECK(svg.find(">64K</text>") != std::string::npos);
    CHECK(svg.find(".0K</text>") == std::string::npos);
  }
  SUBCASE("the line names apart") {
    std::vector<double> ys;
    for (std::size_t at = svg.find("font-size=\"9\""); at != std::string::npos; at = svg.find("font-size=\"9\"", at + 1)) {
      const std::size_t y = svg.rfind(" y=\"", at);
      ys.push_back(std::stod(svg.substr(y + 4)));
    }
    REQUIRE(ys.size() == 6);
    std::sort(ys.begin(), ys.end());
    for (std::size_t i = 1; i < ys.size(); ++i) CHECK(ys[i] - ys[i - 1] >= 9);
  }
  SUBCASE("as tall as what is drawn") {
    const std::size_t h = svg.find("height=\"");
    const int height = std::stoi(svg.substr(h + 8));
    double lowest = 0;
    for (std::size_t at = svg.find(" y=\""); at != std::string::npos; at = svg.find(" y=\"", at + 1))
      lowest = std::max(lowest, std::stod(svg.substr(at + 4)));
    CHECK(height >= lowest);
    CHECK(height - lowest <= 30);
  }
}

} // namespace ipcctl::bench
