// Every mechanism is measured by the same code: the transports only move bytes.
// Latency is a ping-pong with the same payload both ways, timed per round trip
// on side a and reported as a round trip; throughput is a one-way stream
// counted at the receiver, whose every sequence number and a sample of whose
// payloads are checked, so a broken transport cannot post a good number.
// Side b talks to side a over a control pipe: one 'R' when attached and pinned
// (timing starts after it), then one report written in a single write().
// Side b is a forked process, or with --threads a thread of side a's process.
#include <ipcctl/bench/runner.hpp>

#include <ipcctl/bench/io.hpp>
#include <ipcctl/bench/lifecycle.hpp>
#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <exception>

namespace ipcctl::bench {

namespace {

struct ChildReport {
  char tag = 'D';  // 'D' done, 'E' error
  std::uint64_t received = 0, measured = 0, t_first = 0, t_last = 0;
  std::uint64_t out_of_order = 0, corrupted = 0, checked = 0;
  char error[256] = {};
};
static_assert(sizeof(ChildReport) < PIPE_BUF, "one atomic write");

bool pin(int cpu) {
  if (cpu < 0) return true;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return ::sched_setaffinity(0, sizeof set, &set) == 0;
}

// Side b ends only when side a lets it, by closing the release pipe (or by
// dying): side a removes the channel's SysV objects first, so there is no
// moment in which side b is gone while they remain for a SIGKILL of side a to
// strand.
int g_release = -1;

[[noreturn]] void child_exit(int code) {
  char c;
  while (::read(g_release, &c, 1) < 0 && errno == EINTR) {
  }
  ::_exit(code);
}

void report_error(int ctl, const Error& e) {
  ChildReport rep;
  rep.tag = 'E';
  const std::string msg = e.message();
  std::strncpy(rep.error, msg.c_str(), sizeof rep.error - 1);
  [[maybe_unused]] auto n = ::write(ctl, &rep, sizeof rep);
}

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
bool serve(Transport& t, const RunSpec& spec, std::size_t size, const Clock& clock, int ctl) {
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
  [[maybe_unused]] auto n = ::write(ctl, &rep, sizeof rep);
  return true;
}

// Side b, process or thread: pins itself, attaches, says it is ready and
// serves. A failure is reported on the control pipe and to side a's process
// (`a`), whose run then ends at once. False when it failed.
bool run_side_b(Transport& t, const RunSpec& spec, std::size_t size, const Clock& clock, int ctl, pid_t a) {
  bool ok = false;
  if (!pin(spec.placement.cpu_b)) {
    report_error(ctl, sys_error("sched_setaffinity", fmt::format("cpu {}", spec.placement.cpu_b)));
  } else if (auto r = t.attach(Side::b, a); !r) {
    report_error(ctl, r.error());
  } else {
    const char ready = 'R';
    ok = ::write(ctl, &ready, 1) == 1 && serve(t, spec, size, clock, ctl);
  }
  if (!ok) report_failure(a);
  return ok;
}

// Side b as a thread (--threads).
struct ThreadSide {
  Transport* transport;
  const RunSpec* spec;
  std::size_t size;
  const Clock* clock;
  int ctl;
  pid_t process;
};

void* thread_main(void* arg) {
  const auto& s = *static_cast<ThreadSide*>(arg);
  run_side_b(*s.transport, *s.spec, s.size, *s.clock, s.ctl, s.process);
  return nullptr;
}

// Waits for side b's thread to end. When the run failed, side b may be
// blocked on a channel that side a no longer serves: SIGALRM, whose handler
// raises the abort flag, is sent to it until it has returned.
void join_thread(pthread_t thread, bool failed) {
  for (;;) {
    timespec until{};
    ::clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += 10'000'000;
    if (until.tv_nsec >= 1'000'000'000) {
      until.tv_nsec -= 1'000'000'000;
      ++until.tv_sec;
    }
    if (::pthread_clockjoin_np(thread, nullptr, CLOCK_MONOTONIC, &until) == 0) return;
    if (failed || aborted()) ::pthread_kill(thread, SIGALRM);
  }
}

// Reads exactly `size` bytes from the control pipe within `timeout_ms`.
bool read_ctl(int fd, void* out, std::size_t size, int timeout_ms) {
  auto* p = static_cast<char*>(out);
  while (size > 0) {
    pollfd pfd{fd, POLLIN, 0};
    const int r = ::poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno == EINTR && !aborted()) continue;
    if (r <= 0) return false;
    const ssize_t n = ::read(fd, p, size);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Whether the child has ended, or does within `ms`; it is left to reap.
bool ended_within(pid_t pid, int ms) {
  for (int waited = 0;; waited += 5) {
    siginfo_t si{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid) return true;
    if (waited >= ms) return false;
    ::usleep(5000);
  }
}

// Waits for the child for up to `ms`, then kills it; returns its wait status.
int reap(pid_t pid, int ms) {
  int status = 0;
  for (int waited = 0;; waited += 5) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return status;
    if (waited >= ms) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return status;
    }
    const timespec ts{0, 5'000'000};
    ::nanosleep(&ts, nullptr);
  }
}

void sleep_until_ticks(const Clock& clock, std::uint64_t when) {
  for (;;) {
    const std::uint64_t now = clock.now();
    if (now >= when) return;
    const std::uint64_t ns = clock.to_ns(when - now);
    if (ns > 200'000) {  // sleep most of a long gap, spin the rest
      const timespec ts{0, static_cast<long>(std::min<std::uint64_t>(ns - 100'000, 999'999'999))};
      ::nanosleep(&ts, nullptr);
    }
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
Result<void> send_stop(Transport& t, const RunSpec& spec, std::size_t size, int ctl) {
  std::vector<std::byte> msg(size);
  fill_message(msg.data(), size, k_stop);
  for (int i = 0; i < 500; ++i) {
    if (auto r = t.send(msg.data(), size); !r) return r;
    if (!spec.transport->lossy) return {};
    pollfd pfd{ctl, POLLIN, 0};
    if (::poll(&pfd, 1, 10) > 0) return {};
  }
  return {};
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

} // namespace

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
  int ctl[2], release[2];
  if (::pipe2(ctl, O_CLOEXEC) != 0) return finish(Status::failed, sys_error("pipe2", "control").message());
  if (::pipe2(release, O_CLOEXEC) != 0) {
    ::close(ctl[0]);
    ::close(ctl[1]);
    return finish(Status::failed, sys_error("pipe2", "release").message());
  }
  cpu_set_t saved;
  ::sched_getaffinity(0, sizeof saved, &saved);
  const pid_t parent = ::getpid();
  pid_t pid = 0;  // side b's process, when it is one
  pthread_t thread{};
  ThreadSide thread_side{side_b.get(), &run, out.size, &clock, ctl[1], parent};
  if (spec.threads) {
    if (const int e = ::pthread_create(&thread, nullptr, thread_main, &thread_side); e != 0) {
      for (int fd : {ctl[0], ctl[1], release[0], release[1]}) ::close(fd);
      return finish(Status::failed, Error{e, "pthread_create", "side b"}.message());
    }
  } else {
    pid = ::fork();
    if (pid < 0) {
      for (int fd : {ctl[0], ctl[1], release[0], release[1]}) ::close(fd);
      return finish(Status::failed, sys_error("fork", "side b").message());
    }
  }
  if (!spec.threads && pid == 0) {
    ::close(ctl[0]);
    ::close(release[1]);
    g_release = release[0];
    if (!child_follow_parent(parent)) {
      remove_tracked();  // the parent died before PR_SET_PDEATHSIG (the keeper, if any, would too)
      ::_exit(1);
    }
    // Side b never returns into the caller's code.
    child_exit(run_side_b(*transport, run, out.size, clock, ctl[1], parent) ? 0 : 1);
  }
  set_child(pid);
  UniqueFd ctl_write{ctl[1]};  // side b's end: closed here now, or after its thread has ended
  if (!spec.threads) ctl_write = UniqueFd{};
  ::close(release[0]);
  UniqueFd ctl_read{ctl[0]};
  UniqueFd release_write{release[1]};
  std::string failure;
  // How side b ended, when it sent no report: a process is reaped for its exit status.
  auto how_ended = [&] { return spec.threads ? std::string("a thread: no exit status") : describe_exit(reap(pid, 100)); };
  // Side b's error report, whose tag byte was already read; else how it ended.
  auto child_error = [&](const char* when) {
    ChildReport rep;
    if (read_ctl(ctl_read.get(), reinterpret_cast<char*>(&rep) + 1, sizeof rep - 1, 100))
      return fmt::format("side b: {}", rep.error);
    return fmt::format("side b {} ({})", when, how_ended());
  };

  if (!pin(spec.placement.cpu_a)) {
    failure = sys_error("sched_setaffinity", fmt::format("cpu {}", spec.placement.cpu_a)).message();
  } else if (auto r = transport->attach(Side::a, spec.threads ? parent : pid); !r) {
    failure = r.error().message();
  } else {
    char ready = 0;
    if (!read_ctl(ctl_read.get(), &ready, 1, 10'000) || ready != 'R') {
      failure = ready == 'E' ? child_error("failed") : std::string("side b did not become ready within 10 s");
    } else {
      arm_watchdog(watchdog_seconds(run, out.size));
      // An exception (no memory for a buffer) is a failure like any other: side
      // b, a thread perhaps, must still be ended and joined below.
      Result<void> r;
      try {
        r = spec.test == Test::latency ? measure_latency(*transport, run, out.size, clock, out)
                                       : stream(*transport, run, out.size, clock, out);
        if (r) r = send_stop(*transport, run, out.size, ctl_read.get());
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
          if (read_ctl(ctl_read.get(), &rep, sizeof rep, 200) && rep.tag == 'E')
            failure = fmt::format("side b: {}", rep.error);
          else if (partner_ended() || (!spec.threads && ended_within(pid, 100)))
            failure = fmt::format("side b ended during the run ({})", how_ended());
        }
      } else {
        ChildReport rep;
        if (!read_ctl(ctl_read.get(), &rep, sizeof rep, 10'000)) {
          failure = aborted() && !partner_ended() ? std::string("timed out: the watchdog stopped it")
                                                  : fmt::format("side b sent no report ({})", how_ended());
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
  int status = 0;
  if (spec.threads) {
    // Side b's thread may still use the channel (a shared mapping, say), so it
    // ends before either transport goes.
    join_thread(thread, !failure.empty());
    disarm_watchdog();  // the beat a failing side b may have started after side a disarmed
    side_b.reset();
    transport.reset();
  } else {
    transport.reset();           // SysV objects go while side b still waits...
    release_write = UniqueFd{};  // ...and only then may it exit
    status = reap(pid, failure.empty() ? 2000 : 0);
    set_child(0);
  }
  clear_aborted();
  ::sched_setaffinity(0, sizeof saved, &saved);
  if (failure.empty() && !spec.threads && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
    failure = fmt::format("side b {}", describe_exit(status));
  if (!failure.empty()) return finish(Status::failed, failure);
  return finish(Status::ok, "");
}

} // namespace ipcctl::bench
