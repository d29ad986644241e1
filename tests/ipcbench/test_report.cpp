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

} // namespace ipcctl::bench
