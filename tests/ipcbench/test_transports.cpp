// Every mechanism through the real runner, both tests, briefly, with the two
// sides as processes and as threads: a round trip must come back with its own
// sequence number and an intact payload, a stream must arrive complete, in
// order and uncorrupted. A transport that corrupts data must be caught, and a
// run that fails with side b a thread must end, not hang.
#include <ipcctl/bench/lifecycle.hpp>
#include <ipcctl/bench/runner.hpp>
#include <ipcctl/bench/transports.hpp>
#include <ipcctl/util/cpus.hpp>

#include <doctest/doctest.h>

#include <cstring>

using namespace ipcctl;
using namespace ipcctl::bench;

namespace {

Placement cross_placement() {
  const auto cpus = allowed_cpus();
  REQUIRE_FALSE(cpus.empty());
  return cpus.size() >= 2 ? Placement{cpus[0], cpus[1]} : Placement{cpus[0], cpus[0]};
}

RunSpec spec_for(const TransportInfo& t, Test test, std::size_t size, Placement p, bool threads = false) {
  RunSpec s;
  s.threads = threads;
  s.transport = &t;
  s.test = test;
  s.size = size;
  s.placement = p;
  s.iterations = test == Test::latency ? 300 : 3000;
  s.warmup = 20;
  return s;
}

// A pipe that knows its side, for the faulty transports below: DERIVED
// overrides send() or recv(); split() gives side b a DERIVED too.
template <class Derived>
class PipeWithSide : public Transport {
public:
  Result<void> setup(const ChannelOptions& o) override { return m_inner->setup(o); }
  Result<std::unique_ptr<Transport>> split() override {
    auto inner = m_inner->split();
    if (!inner) return fail(inner.error());
    auto b = std::make_unique<Derived>();
    b->m_inner = std::move(*inner);
    return b;
  }
  Result<void> attach(Side s, pid_t p) override {
    m_side = s;
    return m_inner->attach(s, p);
  }
  Result<void> send(const std::byte* d, std::size_t n) override { return m_inner->send(d, n); }
  Result<void> recv(std::byte* d, std::size_t n) override { return m_inner->recv(d, n); }

protected:
  std::unique_ptr<Transport> m_inner = make_pipe();
  Side m_side = Side::a;
};

// A pipe that flips one payload byte of every message side a sends (both sides
// flipping would undo it on the way back).
class Corrupting : public PipeWithSide<Corrupting> {
public:
  Result<void> send(const std::byte* d, std::size_t n) override {
    if (m_side == Side::b) return m_inner->send(d, n);
    std::vector<std::byte> copy(d, d + n);
    copy[n - 1] ^= std::byte{0x40};
    return m_inner->send(copy.data(), n);
  }
};

std::unique_ptr<Transport> make_corrupting() { return std::make_unique<Corrupting>(); }

// A pipe whose side b fails on its Nth receive, with an error of its own.
template <int N>
class FailingB : public PipeWithSide<FailingB<N>> {
public:
  Result<void> recv(std::byte* d, std::size_t n) override {
    if (this->m_side == Side::b && ++m_received == N) return fail(Error{0, "recv", "test", "side b gives up"});
    return this->m_inner->recv(d, n);
  }

private:
  int m_received = 0;
};

// The first receive: side b fails while side a may still be arming the watchdog.
std::unique_ptr<Transport> make_failing_b_first() { return std::make_unique<FailingB<1>>(); }
std::unique_ptr<Transport> make_failing_b() { return std::make_unique<FailingB<50>>(); }

} // namespace

TEST_CASE("bench transports: round trip and stream integrity") {
  install_exit_handlers();
  const Clock clock = Clock::calibrate();
  for (const bool threads : {false, true})
  for (const Placement& p : {cross_placement(), Placement{cross_placement().cpu_a, cross_placement().cpu_a}}) {
    for (const auto& t : all_transports()) {
      SUBCASE((std::string(t.name) + " " + p.label() + (threads ? " threads" : "")).c_str()) {
        const RunResult lat = run_one(spec_for(t, Test::latency, 256, p, threads), clock);
        INFO(t.name, " latency: ", lat.reason);
        // Only signals need two processes: every other mechanism runs as two threads.
        const bool signal = t.family == "signal";
        if (threads && signal) {
          CHECK(lat.status == Status::skipped);
          CHECK(lat.reason.find("no threads mode") != std::string::npos);
        } else {
          CHECK(lat.reason.find("no threads mode") == std::string::npos);
        }
        if (lat.status == Status::skipped) {
          MESSAGE(t.name, " skipped: ", lat.reason);
        } else {
          CHECK(lat.status == Status::ok);
          CHECK(lat.round_trip.count() == 300);
          CHECK(lat.round_trip.min() > 0);
          CHECK(lat.size == (t.name == "eventfd" || t.name.starts_with("signal") ? 8u : 256u));
        }
        const RunResult thr = run_one(spec_for(t, Test::throughput, 4096, p, threads), clock);
        INFO(t.name, " throughput: ", thr.reason);
        if (thr.status == Status::skipped) {
          CHECK((!t.no_throughput.empty() || lat.status == Status::skipped));
        } else {
          CHECK(thr.status == Status::ok);
          CHECK(thr.sent == 3020);  // warm-up included
          CHECK(thr.out_of_order == 0);
          CHECK(thr.corrupted == 0);
          CHECK(thr.checked > 0);
          if (!t.lossy) CHECK(thr.received == thr.sent);
          CHECK(thr.msgs_per_s > 0);
        }
      }
    }
  }
}

TEST_CASE("bench transports: corruption and size limits are caught") {
  install_exit_handlers();
  const Clock clock = Clock::calibrate();
  const TransportInfo bad{"corrupting", "test", "flips a byte", "", false, true, make_corrupting};
  SUBCASE("latency") {
    const RunResult r = run_one(spec_for(bad, Test::latency, 128, Placement{}), clock);
    CHECK(r.status == Status::failed);
    CHECK(r.reason.find("corrupted") != std::string::npos);
  }
  SUBCASE("throughput") {
    const RunResult r = run_one(spec_for(bad, Test::throughput, 128, Placement{}), clock);
    CHECK(r.status == Status::failed);
    CHECK(r.corrupted > 0);
  }
  // Side a stops at the first bad reply while side b's thread waits for the
  // next message: the run must still end, and the process go on.
  SUBCASE("latency, threads") {
    const RunResult r = run_one(spec_for(bad, Test::latency, 128, Placement{}, true), clock);
    CHECK(r.status == Status::failed);
    CHECK(r.reason.find("corrupted") != std::string::npos);
  }
  SUBCASE("throughput, threads") {
    const RunResult r = run_one(spec_for(bad, Test::throughput, 128, Placement{}, true), clock);
    CHECK(r.status == Status::failed);
    CHECK(r.corrupted > 0);
  }
  // Side b fails, as a process or a thread, mid-run or at its first receive
  // (while side a may still be arming the watchdog): its report reaches side
  // a, whose run ends with side b's reason, not the watchdog's "timed out".
  for (const bool threads : {false, true}) {
    SUBCASE(threads ? "side b fails, threads" : "side b fails, processes") {
      for (auto make : {make_failing_b_first, make_failing_b}) {
        const TransportInfo failing{"failing-b", "test", "side b fails", "", false, true, make};
        const RunResult r = run_one(spec_for(failing, Test::latency, 64, Placement{}, threads), clock);
        INFO(r.reason);
        CHECK(r.status == Status::failed);
        CHECK(r.reason.find("side b gives up") != std::string::npos);
      }
    }
  }
  SUBCASE("a message above the kernel limit is capped and says so") {
    const RunResult r = run_one(spec_for(*find_transport("sysv-msg"), Test::latency, 1 << 20, Placement{}), clock);
    CHECK(r.status == Status::ok);
    CHECK(r.size < (1u << 20));
    CHECK(r.note.find("kernel.msgmax") != std::string::npos);
  }
}
