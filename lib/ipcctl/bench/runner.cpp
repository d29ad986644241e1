// Every mechanism is measured by the same code: the transports only move bytes.
// Latency is a ping-pong with the same payload both ways, timed per round trip
// on side a and reported as a round trip; throughput is a one-way stream
// counted at the receiver, whose every sequence number and a sample of whose
// payloads are checked, so a broken transport cannot post a good number.
// Side b talks to side a over a control pipe: one 'R' when attached and pinned
// (timing starts after it), then one report written in a single write().
// This file is the same on every system; how side b is started (a fork or a
// thread on Linux, ipcbench started again on Windows) is partner_*.cpp's.
#include <ipcctl/bench/runner.hpp>

#include <ipcctl/bench/lifecycle.hpp>
#include <ipcctl/bench/partner.hpp>
#include <ipcctl/bench/spin.hpp>
#include <ipcctl/bench/system.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <exception>

namespace ipcctl::bench {

void report_error(ControlEnd ctl, const Error& e) {
  ChildReport rep;
  rep.tag = 'E';
  const std::string msg = e.message();
  std::strncpy(rep.error, msg.c_str(), sizeof rep.error - 1);
  write_control(ctl, &rep, sizeof rep);
}

namespace {

// Side b: echo every message back until the stop message.
Result<void> echo(Transport& t, std::size_t size) {
  std::vector<std::byte> buf(size);
  for (;;) {
    if (auto r = t.recv(buf.data(), size); !r) return r;
    if (message_seq(buf.data()) == k_stop) return {};
    if (auto r = t.send(buf.data(), size); !r) return r;
  }
}

// Side b: receive and check a stream until the stop message (or silence, on a lossy transport).
Result<void> sink(Transport& t, const RunSpec& spec, std::size_t size, const Clock& clock, ChildReport& rep) {
  std::vector<std::byte> buf(size);
  std::uint64_t expected = 0;
  int silent = 0;
  for (;;) {
    auto r = t.recv(buf.data(), size);
    if (!r) {
      // Side a repeats the stop message of a lossy stream until we report, so
      // silence is only a slow start or a busy machine: give up after 5 s of it.
      if (spec.transport->lossy && r.error().code == ETIMEDOUT && ++silent <= 10 && !aborted()) continue;
      return r;
    }
    silent = 0;
    const std::uint64_t seq = message_seq(buf.data());
    if (seq == k_stop) return {};
    const std::uint64_t now = clock.now();
    if (rep.received == spec.warmup) rep.t_first = now;
    else if (rep.received > spec.warmup) ++rep.measured;
    rep.t_last = now;
    ++rep.received;
    if (seq < expected || (seq != expected && !spec.transport->lossy)) ++rep.out_of_order;
    expected = seq + 1;
    if (seq % k_check_every == 0) {
      ++rep.checked;
      if (!message_intact(buf.data(), size)) ++rep.corrupted;
    }
  }
}

// Side b, once attached and ready: echoes or receives until the stop message,
// then writes its report. An exception (no memory for the buffer) becomes its
// error report, as any other failure. False when it failed.
bool serve(Transport& t, const RunSpec& spec, std::size_t size, const Clock& clock, ControlEnd ctl) {
  ChildReport rep;
  Result<void> r;
  try {
    r = spec.test == Test::latency ? echo(t, size) : sink(t, spec, size, clock, rep);
  } catch (const std::exception& e) {
    r = fail(Error{0, "side b", "", e.what()});
  }
  if (!r) {
    report_error(ctl, r.error());
    return false;
  }
  write_control(ctl, &rep, sizeof rep);
  return true;
}

void sleep_until_ticks(const Clock& clock, std::uint64_t when) {
  for (;;) {
    const std::uint64_t now = clock.now();
    if (now >= when) return;
    const std::uint64_t ns = clock.to_ns(when - now);
    if (ns > 200'000) sleep_ns(std::min<std::uint64_t>(ns - 100'000, 999'999'999));  // sleep most of a long gap, spin the rest
  }
}

// Side a of a latency run.
Result<void> measure_latency(Transport& t, const RunSpec& spec, std::size_t size, const Clock& clock, RunResult& out) {
  std::vector<std::byte> msg(size), reply(size);
  fill_message(msg.data(), size, 0);
  const std::uint64_t start = clock.now();
  const auto duration_ticks = static_cast<std::uint64_t>(spec.duration_s * 1e9 * clock.ticks_per_ns());
  const double interval_ticks = spec.rate > 0 ? 1e9 * clock.ticks_per_ns() / spec.rate : 0;
  std::uint64_t measure_start = 0, last = start, pace_start = 0;
  for (std::uint64_t i = 0;; ++i) {
    // The end of the last round trip is the time now, near enough: a clock
    // read of its own would cost the fastest mechanisms a tenth of a round trip.
    if (spec.iterations ? i >= spec.warmup + spec.iterations
                        : i > spec.warmup && last - measure_start >= duration_ticks)
      break;
    put_seq(msg.data(), i);
    std::uint64_t t0;
    if (interval_ticks > 0 && i >= spec.warmup) {
      // Open loop: the latency counts from when this round trip should have started,
      // so a slow reply that delays the next one is charged to that one too. The
      // warm-up runs closed loop, as fast as it goes: paced, 200 round trips at
      // 5/s would take 40 s to warm nothing.
      if (i == spec.warmup) pace_start = clock.now();
      t0 = pace_start + static_cast<std::uint64_t>(static_cast<double>(i - spec.warmup) * interval_ticks);
      sleep_until_ticks(clock, t0);
    } else {
      t0 = clock.now();
    }
    if (auto r = t.send(msg.data(), size); !r) return r;
    if (auto r = t.recv(reply.data(), size); !r) return r;
    const std::uint64_t t1 = clock.now_after();
    if (message_seq(reply.data()) != i)
      return fail(Error{0, "verify", "reply", fmt::format("round trip {} came back as {}", i, message_seq(reply.data()))});
    if (i % k_check_every == 0 && !message_intact(reply.data(), size))
      return fail(Error{0, "verify", "reply", fmt::format("round trip {}: payload corrupted", i)});
    last = t1;
    if (i == spec.warmup) measure_start = t1;
    if (i >= spec.warmup) out.round_trip.record(clock.to_ns(t1 - t0));
  }
  return {};
}

// Side a of a throughput run: the sender.
Result<void> stream(Transport& t, const RunSpec& spec, std::size_t size, const Clock& clock, RunResult& out) {
  std::vector<std::byte> msg(size);
  fill_message(msg.data(), size, 0);
  const auto duration_ticks = static_cast<std::uint64_t>(spec.duration_s * 1e9 * clock.ticks_per_ns());
  const std::uint64_t start = clock.now();
  std::uint64_t i = 0;
  for (;; ++i) {
    if (spec.iterations ? i >= spec.warmup + spec.iterations
                        : i % 16 == 0 && i > spec.warmup && clock.now() - start >= duration_ticks)
      break;
    put_seq(msg.data(), i);
    if (auto r = t.send(msg.data(), size); !r) return r;
  }
  out.sent = i;
  return {};
}

// Ends the run on side b. A lossy transport may drop the stop message: it is
// repeated until side b's report arrives on the control pipe (up to 5 s).
Result<void> send_stop(Transport& t, const RunSpec& spec, std::size_t size, Partner& partner) {
  std::vector<std::byte> msg(size);
  fill_message(msg.data(), size, k_stop);
  for (int i = 0; i < 500; ++i) {
    if (auto r = t.send(msg.data(), size); !r) return r;
    if (!spec.transport->lossy) return {};
    if (partner.readable(10)) return {};
  }
  return {};
}

} // namespace

bool run_side_b(Transport& t, const RunSpec& spec, std::size_t size, const Clock& clock, ControlEnd ctl, pid_t a) {
  bool ok = false;
  if (auto pinned = pin_thread(spec.placement.cpu_b); !pinned) {
    report_error(ctl, pinned.error());
  } else if (auto r = t.attach(Side::b, a); !r) {
    report_error(ctl, r.error());
  } else {
    const char ready = 'R';
    ok = write_control(ctl, &ready, 1) && serve(t, spec, size, clock, ctl);
  }
  if (!ok) report_failure(a);
  return ok;
}

double planned_seconds(const RunSpec& spec) {
  const bool paced = spec.test == Test::latency && spec.rate > 0;
  if (spec.iterations) return paced ? static_cast<double>(spec.iterations - 1) / spec.rate : 0;
  return spec.duration_s + (paced ? 1 / spec.rate : 0);
}

double watchdog_seconds(const RunSpec& spec, std::size_t size) {
  // A round trip moves the message both ways.
  const double bytes = static_cast<double>(size) * (spec.test == Test::latency ? 2 : 1);
  // The duration mode ends after the message that crosses --duration: one more.
  const double messages = static_cast<double>(spec.warmup) + static_cast<double>(spec.iterations ? spec.iterations : 1);
  return planned_seconds(spec) + k_watchdog_margin_s + messages * (100e-6 + bytes * 10e-9);
}

std::string check_rate(double rate, std::uint64_t iterations, double duration_s) {
  if (!(rate > 0)) return {};
  if (iterations) {
    const double span = static_cast<double>(iterations - 1) / rate;
    if (span > k_max_measurement_s)
      return fmt::format("--rate {}: {} round trips at this rate take {:.0f} s, more than the {:.0f} s a measurement may "
                         "take: raise --rate or lower -n",
                         rate, iterations, span, k_max_measurement_s);
    return {};
  }
  if (rate * duration_s < 1)
    return fmt::format("--rate {}: one round trip every {:g} s does not fit in --duration {:g}: raise --rate, "
                       "lengthen --duration or give -n",
                       rate, 1 / rate, duration_s);
  return {};
}

std::string Placement::label() const {
  if (cpu_a < 0 || cpu_b < 0) return "unpinned";
  return fmt::format("{}<->{}", cpu_a, cpu_b);
}

std::string Placement::kind() const {
  if (cpu_a < 0 || cpu_b < 0) return "unpinned";
  return cpu_a == cpu_b ? "same-core" : "cross-core";
}

std::size_t effective_size(const Transport& t, std::size_t requested, std::string& note) {
  if (const std::size_t fixed = t.fixed_size()) {
    if (requested != fixed) note = fmt::format("carries {} bytes only ({})", fixed, t.max_size_source());
    return fixed;
  }
  if (requested < 8) {
    note = "8 bytes at least: the sequence number";
    return 8;
  }
  const std::size_t max = t.max_size();
  if (max != 0 && requested > max) {
    note = fmt::format("capped at {} ({} is {} bytes)", format_size(max), t.max_size_source(), max);
    return max;
  }
  return requested;
}

RunResult run_one(const RunSpec& spec, const Clock& clock) {
  RunResult out;
  out.spec = spec;
  const std::uint64_t wall_start = monotonic_ns();
  auto finish = [&](Status s, std::string reason) {
    out.status = s;
    out.reason = std::move(reason);
    out.wall_s = static_cast<double>(monotonic_ns() - wall_start) / 1e9;
    return std::move(out);
  };
  const TransportInfo& info = *spec.transport;
  if (spec.test == Test::throughput && !info.no_throughput.empty())
    return finish(Status::skipped, fmt::format("no throughput test: {}", info.no_throughput));
  if (spec.test == Test::latency && !info.no_latency.empty())
    return finish(Status::skipped, fmt::format("no latency test: {}", info.no_latency));
  auto transport = info.make();
  out.size = effective_size(*transport, spec.size, out.note);
  RunSpec run = spec;
  if (run.iterations > 0 && run.test == Test::throughput) run.warmup = std::min(run.warmup, run.iterations / 10);
  if (auto r = transport->setup(ChannelOptions{out.size, spec.poll, spec.test}); !r)
    return finish(is_absent(r.error()) ? Status::skipped : Status::failed, r.error().message());

  std::unique_ptr<Transport> side_b;  // --threads: side b's own transport on the channel
  if (spec.threads) {
    auto split = transport->split();
    if (!split) return finish(Status::failed, split.error().message());
    if (!*split) return finish(Status::skipped, "no threads mode: its two sides must be processes");
    side_b = std::move(*split);
  }

  const bool shared_cpu = spec.placement.cpu_a >= 0 && spec.placement.cpu_a == spec.placement.cpu_b;
  set_spin_rounds(shared_cpu ? 0 : 4000);
  const AffinityScope saved_affinity;  // side a pins itself below; its CPUs come back at the end
  auto started = start_partner(*transport, side_b.get(), run, out.size, clock);
  if (!started) return finish(Status::failed, started.error().message());
  Partner& partner = **started;
  std::string failure;
  // Side b's error report, whose tag byte was already read; else how it ended.
  auto child_error = [&](const char* when) {
    ChildReport rep;
    if (partner.read(reinterpret_cast<char*>(&rep) + 1, sizeof rep - 1, 100))
      return fmt::format("side b: {}", rep.error);
    return fmt::format("side b {} ({})", when, partner.how_ended());
  };

  if (auto pinned = pin_thread(spec.placement.cpu_a); !pinned) {
    failure = pinned.error().message();
  } else if (auto r = transport->attach(Side::a, partner.peer()); !r) {
    failure = r.error().message();
  } else {
    char ready = 0;
    if (!partner.read(&ready, 1, 10'000) || ready != 'R') {
      failure = ready == 'E' ? child_error("failed") : std::string("side b did not become ready within 10 s");
    } else {
      arm_watchdog(watchdog_seconds(run, out.size));
      // An exception (no memory for a buffer) is a failure like any other: side
      // b, a thread perhaps, must still be ended and joined below.
      Result<void> r;
      try {
        r = spec.test == Test::latency ? measure_latency(*transport, run, out.size, clock, out)
                                       : stream(*transport, run, out.size, clock, out);
        if (r) r = send_stop(*transport, run, out.size, partner);
      } catch (const std::exception& e) {
        r = fail(Error{0, "side a", "", e.what()});
      }
      if (!r) {
        const bool timed_out = aborted() && !partner_ended();
        failure = timed_out ? "timed out: the watchdog stopped it" : r.error().message();
        // A failure of side b shows here as a broken channel: its own report
        // says why; a side b killed from outside wrote none.
        if (!timed_out) {
          ChildReport rep;
          if (partner.read(&rep, sizeof rep, 200) && rep.tag == 'E')
            failure = fmt::format("side b: {}", rep.error);
          else if (partner_ended() || partner.ended_within(100))
            failure = fmt::format("side b ended during the run ({})", partner.how_ended());
        }
      } else {
        ChildReport rep;
        if (!partner.read(&rep, sizeof rep, 10'000)) {
          failure = aborted() && !partner_ended() ? std::string("timed out: the watchdog stopped it")
                                                  : fmt::format("side b sent no report ({})", partner.how_ended());
        } else if (rep.tag == 'E') {
          failure = fmt::format("side b: {}", rep.error);
        } else if (spec.test == Test::throughput) {
          out.received = rep.received;
          out.lost = out.sent > rep.received ? out.sent - rep.received : 0;
          out.out_of_order = rep.out_of_order;
          out.corrupted = rep.corrupted;
          out.checked = rep.checked;
          out.measured_msgs = rep.measured;
          out.measured_s = static_cast<double>(clock.to_ns(rep.t_last - rep.t_first)) / 1e9;
          if (out.measured_s > 0) {
            out.msgs_per_s = static_cast<double>(rep.measured) / out.measured_s;
            out.mb_per_s = out.msgs_per_s * static_cast<double>(out.size) / 1e6;
          }
          if (out.out_of_order || out.corrupted)
            failure = fmt::format("verification failed: {} out of order, {} of {} sampled payloads corrupted",
                                  out.out_of_order, out.corrupted, out.checked);
          else if (out.lost && !info.lossy)
            failure = fmt::format("{} messages lost on a reliable transport", out.lost);
          else if (rep.measured == 0)
            failure = "too few messages arrived to measure a rate";
        }
      }
      disarm_watchdog();
    }
  }
  const std::string exit = partner.end(!failure.empty(), transport, side_b);
  clear_aborted();
  if (failure.empty() && !exit.empty()) failure = fmt::format("side b {}", exit);
  if (!failure.empty()) return finish(Status::failed, failure);
  return finish(Status::ok, "");
}

} // namespace ipcctl::bench
