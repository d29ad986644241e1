#include <ipcctl/linux/fd_scan.hpp>
#include <ipcctl/linux/signals.hpp>
#include <ipcctl/util/fd.hpp>

#include "support.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

using namespace ipcctl;
using Names = std::vector<std::string>;

namespace {

std::string data_dir(std::string_view rel) { return test::data_path("proc/signals/" + std::string(rel)); }

Names names(const model::Object& o, std::string_view key) {
  const model::Value* v = o.find_named(key);
  REQUIRE(v != nullptr);
  REQUIRE(std::holds_alternative<Names>(*v));
  return std::get<Names>(*v);
}

std::uint64_t bit(int signal) { return std::uint64_t{1} << (signal - 1); }

} // namespace

TEST_CASE("sys::signal_name") {
  CHECK(sys::signal_name(1) == "SIGHUP");
  CHECK(sys::signal_name(10) == "SIGUSR1");
  CHECK(sys::signal_name(16) == "SIGSTKFLT");
  CHECK(sys::signal_name(29) == "SIGIO");
  CHECK(sys::signal_name(31) == "SIGSYS");
  CHECK(sys::signal_name(32) == "SIG32");
  CHECK(sys::signal_name(33) == "SIG33");
  CHECK(sys::signal_name(34) == "SIGRTMIN");
  CHECK(sys::signal_name(37) == "SIGRTMIN+3");
  CHECK(sys::signal_name(64) == "SIGRTMIN+30");
  CHECK(sys::signal_name(0).empty());
  CHECK(sys::signal_name(65).empty());
  CHECK(sys::signal_name(-1).empty());
  // the table agrees with this machine's C library
  CHECK(sys::signal_name(SIGUSR2) == "SIGUSR2");
  CHECK(sys::signal_name(SIGCHLD) == "SIGCHLD");
  CHECK(sys::signal_name(SIGWINCH) == "SIGWINCH");
  CHECK(sys::signal_name(SIGRTMIN + 5) == "SIGRTMIN+5");
}

TEST_CASE("sys::signal_number") {
  SUBCASE("every name round-trips") {
    for (int n = 1; n <= 64; ++n) {
      CAPTURE(n);
      CHECK(sys::signal_number(sys::signal_name(n)) == n);
    }
  }
  SUBCASE("spellings") {
    CHECK(sys::signal_number("usr1") == 10);
    CHECK(sys::signal_number("SigTerm") == 15);
    CHECK(sys::signal_number("KILL") == 9);
    CHECK(sys::signal_number("SIGIOT") == 6);
    CHECK(sys::signal_number("SIGPOLL") == 29);
    CHECK(sys::signal_number("cld") == 17);
    CHECK(sys::signal_number("SIGRTMIN+0") == 34);
    CHECK(sys::signal_number("rtmin+3") == 37);
    CHECK(sys::signal_number("SIGRTMAX") == 64);
    CHECK(sys::signal_number("SIGRTMAX-2") == 62);
    CHECK(sys::signal_number("SIGRTMAX-30") == 34);
    CHECK(sys::signal_number("10") == 10);
    CHECK(sys::signal_number("64") == 64);
    CHECK(sys::signal_number("32") == 32);
  }
  SUBCASE("not signals") {
    for (const char* bad : {"", "SIG", "SIGFOO", "0", "65", "-1", "SIGRTMIN+31", "SIGRTMIN-1", "SIGRTMAX+1",
                            "SIGRTMIN+-1", "SIGRTMIN+", "SIGRTMINX", "RTM", "SIG34", "10x"}) {
      CAPTURE(bad);
      CHECK_FALSE(sys::signal_number(bad).has_value());
    }
  }
}

TEST_CASE("sys::signal_names") {
  CHECK(sys::signal_names(0).empty());
  CHECK(sys::signal_names(bit(10) | bit(1)) == Names{"SIGHUP", "SIGUSR1"});
  CHECK(sys::signal_names(bit(32) | bit(33) | bit(34) | bit(64)) ==
        Names{"SIG32", "SIG33", "SIGRTMIN", "SIGRTMIN+30"});
  CHECK(sys::signal_names(~std::uint64_t{0}).size() == 64);
  // as /proc/PID/status prints them
  CHECK(sys::signal_names(0x0000000001001001) == Names{"SIGHUP", "SIGPIPE", "SIGXFSZ"});
}

TEST_CASE("sys::signal_source on a captured tree") {
  // pending/: python3 (6992) with SIGUSR2 pending on its thread and SIGUSR1 and
  // SIGRTMIN+3 on the process, all blocked; sleep (7687) with nothing pending;
  // kthreadd (2), a kernel thread.
  const sys::ProcRoot root(data_dir("pending"));
  model::Snapshot snap;
  REQUIRE(sys::walk_processes(root, sys::WalkOptions{}, snap).has_value());
  REQUIRE(snap.walk->processes.size() == 3);
  CollectOptions opts;
  REQUIRE(sys::signal_source().kind() == model::Kind::signal);

  SUBCASE("the status masks decode") {
    const model::Process* p = snap.process(6992);
    REQUIRE(p != nullptr);
    CHECK(sys::signal_names(p->signals.pending) == Names{"SIGUSR2"});
    CHECK(sys::signal_names(p->signals.shared_pending) == Names{"SIGUSR1", "SIGRTMIN+3"});
  }
  SUBCASE("only processes with a signal pending") {
    REQUIRE(sys::signal_source().collect(root, opts, snap).has_value());
    REQUIRE(snap.objects.size() == 1);
    const model::Object& o = snap.objects[0];
    CHECK(o.ref == "signal:6992");
    CHECK(o.kind == model::Kind::signal);
    CHECK(o.id == 6992);
    CHECK(o.name == "python3");
    CHECK(o.owner.uid == 0u);
    CHECK(o.owner.gid == 0u);
    CHECK(o.holders.empty());
    const model::Value* pid = o.find(model::key::pid);
    REQUIRE(pid != nullptr);
    CHECK(std::get<std::int64_t>(*pid) == 6992);
    CHECK(names(o, "pending") == Names{"SIGUSR1", "SIGUSR2", "SIGRTMIN+3"});
    CHECK(names(o, "pending_thread") == Names{"SIGUSR2"});
    CHECK(names(o, "pending_shared") == Names{"SIGUSR1", "SIGRTMIN+3"});
    CHECK(names(o, "blocked") == Names{"SIGUSR1", "SIGUSR2", "SIGRTMIN+3"});
    CHECK(names(o, "ignored") == Names{"SIGHUP", "SIGPIPE", "SIGXFSZ"});
    CHECK(names(o, "caught") == Names{"SIGINT"});
  }
  SUBCASE("every process but kernel threads, in pid order") {
    opts.all_signals = true;
    REQUIRE(sys::signal_source().collect(root, opts, snap).has_value());
    REQUIRE(snap.objects.size() == 2);
    CHECK(snap.objects[0].ref == "signal:6992");
    CHECK(snap.objects[1].ref == "signal:7687");
    CHECK(snap.objects[1].name == "sleep");
    CHECK(names(snap.objects[1], "pending").empty());
    CHECK(names(snap.objects[1], "ignored") == Names{"SIGINT", "SIGQUIT"});
  }
  SUBCASE("pid selection") {
    opts.all_signals = true;
    opts.pids = {7687, 2};
    REQUIRE(sys::signal_source().collect(root, opts, snap).has_value());
    REQUIRE(snap.objects.size() == 1);
    CHECK(snap.objects[0].ref == "signal:7687");
  }
}

TEST_CASE("sys::signal_source on a live process") {
  int ready[2], done[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(done) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Blocks SIGUSR1, says so, and waits for the parent to close `done`.
    ::close(ready[0]);
    ::close(done[1]);
    sigset_t set;
    ::sigemptyset(&set);
    ::sigaddset(&set, SIGUSR1);
    const char ok = ::sigprocmask(SIG_BLOCK, &set, nullptr) == 0 ? 'y' : 'n';
    if (::write(ready[1], &ok, 1) != 1) ::_exit(1);
    char x;
    while (::read(done[0], &x, 1) > 0) {}
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(done[0]);
  char ok = 'n';
  const bool got = ::read(ready[0], &ok, 1) == 1;
  ::close(ready[0]);
  const bool sent = ::kill(child, SIGUSR1) == 0;

  model::Snapshot snap;
  CollectOptions opts;
  opts.pids = {child};
  const bool walked = sys::walk_processes(sys::ProcRoot("/"), sys::WalkOptions{{child}}, snap).has_value();
  const bool collected = walked && sys::signal_source().collect(sys::ProcRoot("/"), opts, snap).has_value();
  ::close(done[1]);  // the child exits at once: SIGUSR1 is still blocked
  int status = 0;
  ::waitpid(child, &status, 0);

  REQUIRE(got);
  CHECK(ok == 'y');
  REQUIRE(sent);
  REQUIRE(collected);
  CHECK(WIFEXITED(status));
  REQUIRE(snap.objects.size() == 1);
  const model::Object& o = snap.objects[0];
  CHECK(o.ref == "signal:" + std::to_string(child));
  CHECK(o.id == child);
  CHECK(names(o, "pending") == Names{"SIGUSR1"});
  CHECK(names(o, "pending_shared") == Names{"SIGUSR1"});
  CHECK(names(o, "pending_thread").empty());
  CHECK(names(o, "blocked") == Names{"SIGUSR1"});
}
