// ipctrace: who sends how much to whom, over which channel, as it happens.
// The front end only parses options, installs the signal handlers a tracer
// needs (Ctrl-C detaches in attach mode; in launch mode the command gets
// the terminal's signals and ipctrace waits for it), and wires the tracer
// to the output stage. The traced command's exit status becomes ours; if a
// signal killed it, ipctrace dies of the same signal.
#include "common/cli.hpp"
#include "common/run.hpp"
#include "ipcctl_version.h"

#include <ipcctl/trace/bpf_config.h>
#include <ipcctl/trace/output.hpp>
#include <ipcctl/trace/resolve.hpp>
#include <ipcctl/trace/syscalls.hpp>
#include <ipcctl/trace/system.hpp>
#include <ipcctl/trace/tracer.hpp>
#include <ipcctl/util/error.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <utility>
#include <sys/resource.h>
#include <unistd.h>

namespace {

using namespace ipcctl;

volatile std::sig_atomic_t g_root = 0;

void on_stop_signal(int) {
  trace::Tracer::request_stop();
  trace::SystemTracer::request_stop();
}
void on_forward(int sig) {
  if (g_root > 0) ::kill(g_root, sig);
}

void handle(int sig, void (*fn)(int)) {
  struct sigaction sa {};
  sa.sa_handler = fn;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: waitpid must return EINTR
  ::sigaction(sig, &sa, nullptr);
}

// The words of a comma-separated list given to `option`. An empty one
// ("a,", "a,,b", often an unset shell variable) is refused, not skipped.
std::vector<std::string> split_list(const std::string& text, const char* option) {
  std::vector<std::string> out;
  std::string_view rest = text;
  for (;;) {
    const auto comma = rest.find(',');
    const auto word = trim(rest.substr(0, comma));
    if (word.empty()) throw UsageError(fmt::format("{} '{}': an empty element in the list", option, text));
    out.emplace_back(word);
    if (comma == std::string_view::npos) return out;
    rest = rest.substr(comma + 1);
  }
}

// The longest --duration and --interval: a year, and a day.
constexpr double k_max_duration_s = 365 * 86400.0;
constexpr double k_max_interval_s = 86400;

// --comm: names as the kernel keeps them, at most 15 bytes.
std::vector<std::string> parse_comms(const std::string& text) {
  auto comms = split_list(text, "--comm");
  for (const auto& c : comms)
    if (c.size() > 15) throw UsageError(fmt::format("--comm: '{}' is longer than a command name (15 bytes)", c));
  return comms;
}

// --channel: refs as ipctrace prints them; any other text would match nothing.
std::vector<std::string> parse_channels(const std::string& text) {
  auto refs = split_list(text, "--channel");
  for (const auto& r : refs)
    if (const std::string why = trace::channel_ref_problem(r); !why.empty())
      throw UsageError(fmt::format("--channel: '{}': {}", r, why));
  return refs;
}

model::KindSet parse_mechanisms(const std::string& text) {
  const model::KindSet traceable = trace::traceable_kinds();
  if (text.empty()) return traceable;
  split_list(text, "-e");
  const auto parsed = model::parse_kinds(text);
  if (!parsed.unknown.empty())
    throw UsageError(fmt::format("-e: unknown mechanism '{}' (see 'ipctrace --help')", parsed.unknown));
  model::KindSet out;
  for (model::Kind k : model::all_kinds()) {
    if (!parsed.kinds.has(k)) continue;
    if (traceable.has(k)) out.add(k);
  }
  if (out.empty()) throw UsageError(fmt::format("-e: '{}' names nothing ipctrace traces", text));
  return out;
}

struct Options {
  std::string attach;
  std::string output;
  bool json = false;
  bool summary = false;
  double interval = 0;
  std::size_t payload = 0;
  bool hex = false;
  std::string mechanisms;
  std::string pids, comms, channels;
  bool fast = false;
  int spin = -1;  // -1: not given (the tracer's default)
  bool utc = false;
  bool system = false;
  std::string cgroup;
  double duration = 0;
  bool duration_given = false, interval_given = false;
};

// The options that take a number of seconds, and that only some modes have.
void check_times(const Options& o) {
  if (o.duration_given) {
    if (!o.system) throw UsageError("--duration applies to --system");
    if (!(o.duration > 0 && o.duration <= k_max_duration_s))
      throw UsageError(fmt::format("--duration: expected more than 0 and at most {:.0f} seconds (a year)", k_max_duration_s));
  }
  if (o.interval_given) {
    if (!o.summary) throw UsageError("--interval applies to -c (--summary)");
    if (!(o.interval > 0 && o.interval <= k_max_interval_s))
      throw UsageError(fmt::format("--interval: expected more than 0 and at most {:.0f} seconds (a day)", k_max_interval_s));
  }
}

constexpr const char* k_footer = R"(Mechanisms (-e): pipe fifo unix tcp udp sysv-msg sysv-shm sysv-sem posix-mq
posix-shm eventfd memfd signal, or the families sysv, posix, socket, fd.

Limits: a launched command runs with no_new_privs (setuid and setgid programs
inside the trace do not gain privileges); a process cloned with CLONE_UNTRACED
escapes the trace; attaching (-p) needs ptrace permission over the process
(same user and ptrace_scope, or CAP_SYS_PTRACE) and, without a seccomp filter,
stops at every system call, which is slower than a launched trace. With --fast,
sends and signals are reported at their entry: bytes are the requested count
(an upper bound), and result and duration are unknown. While stops come close
together, the tracer polls for the next one for up to --spin microseconds
(default 50) before it sleeps, and so uses more CPU; --spin 0 never polls.

System-wide (--system, -a): every process's IPC from an eBPF program, or only
that of --pid (and the children they fork), --comm, --cgroup, or of CMD's
process tree; until Ctrl-C, --duration or CMD's exit. Needs CAP_BPF and
CAP_PERFMON (or root) and a kernel with BTF. No payloads (-s), no descriptor
passing, no lifecycle events but FIFO and message queue opens; splice, tee,
vmsplice and sendfile are not seen.

Exit status: the traced command's; 1 when tracing failed, 2 for bad usage.)";

// Where the trace goes: stdout, or -o FILE opened by the rules of
// util/output_file.hpp (no planted symlink is followed, /dev/null stays a
// device, a regular file is truncated only once checked), close-on-exec: the
// command must not inherit it.
struct Closer {
  std::FILE* f = stdout;
  std::string path;
  explicit Closer(const std::string& output) : path(output) {
    if (output.empty()) return;
    OutputFile file = tools::open_output("-o", output);
    const int fd = ::fcntl(file.fd.get(), F_DUPFD_CLOEXEC, 3);
    f = fd < 0 ? nullptr : ::fdopen(fd, "w");
    if (f == nullptr) {
      const int err = errno;
      if (fd >= 0) ::close(fd);
      throw Fatal(fmt::format("-o {}: {}", output, std::strerror(err)));
    }
  }
  Closer(const Closer&) = delete;
  Closer& operator=(const Closer&) = delete;
  ~Closer() {
    if (f != stdout) std::fclose(f);
  }
  // After the trace: a failed write (or close) of the file is an error; one
  // of stdout is reported by run() at the end, as every write error of stdout.
  void close(const trace::Output& output) {
    int err = output.write_error();
    if (f == stdout) {
      tools::note_stdout_error(err);
      return;
    }
    errno = 0;
    if (std::fclose(std::exchange(f, stdout)) != 0 && err == 0) err = errno != 0 ? errno : EIO;
    if (err != 0) throw Fatal(fmt::format("-o {}: write error: {}", path, std::strerror(err)));
  }
};

constexpr std::size_t k_max_payload = 65536;  // -s: bytes kept per event

// --system: the eBPF backend, with the filters in the kernel.
int body_system(const Options& o, const std::vector<std::string>& command, int& kill_signal) {
  if (!o.attach.empty()) throw UsageError("-p and --system exclude each other (--pid narrows --system)");
  if (o.payload > 0 || o.hex) throw UsageError("--system shows no payloads (-s, -x): use the ptrace mode");
  if (o.fast) throw UsageError("--fast applies to the ptrace mode only");
  if (o.spin >= 0) throw UsageError("--spin applies to the ptrace mode only");
  if (!IPCCTL_HAVE_BPF)
    throw Fatal("--system: this ipctrace was built without eBPF support; trace one command with ptrace: ipctrace -- CMD");

  trace::SystemOptions sopts;
  sopts.kinds = parse_mechanisms(o.mechanisms);
  if (!o.pids.empty()) sopts.pids = tools::parse_pid_list(o.pids);
  if (!o.comms.empty()) sopts.comms = parse_comms(o.comms);
  if (!o.cgroup.empty()) {
    auto id = trace::cgroup_id(o.cgroup);
    if (!id) throw UsageError(fmt::format("--cgroup: {}", id.error().message()));
    sopts.cgroup = *id;
  }
  sopts.summary = o.summary;
  sopts.interval_s = o.summary ? o.interval : 0;
  sopts.duration_s = o.duration;

  trace::OutputOptions oopts;  // --pid and --comm are the kernel's filters here
  oopts.json = o.json;
  oopts.summary = o.summary;
  oopts.format.utc = o.utc;
  if (!o.channels.empty()) oopts.channels = parse_channels(o.channels);

  Closer closer(o.output);
  trace::Resolver resolver;
  trace::Output output(oopts, closer.f, resolver);
  output.on_write_error = [] { trace::SystemTracer::request_stop(); };  // the trace would be lost
  trace::SystemTracer tracer(sopts, output);
  if (auto r = tracer.start(command); !r) throw Fatal(r.error().message());
  if (command.empty()) {
    handle(SIGINT, on_stop_signal);
    handle(SIGTERM, on_stop_signal);
    handle(SIGHUP, on_stop_signal);
  } else {
    // The command gets the terminal's Ctrl-C; we stop when it exits.
    g_root = tracer.command_pid();
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGQUIT, SIG_IGN);
    handle(SIGTERM, on_forward);
    handle(SIGHUP, on_forward);
  }
  tools::eprint("ipctrace: eBPF hooks: {}\n", tracer.capabilities());
  auto status = tracer.run();
  if (!status) throw Fatal(status.error().message());
  output.finish();
  closer.close(output);
  const auto stats = tracer.stats();
  tools::eprint("ipctrace: {} events, {} lost{}\n", stats.events, stats.lost_events + stats.lost_rows,
             stats.lost_events + stats.lost_rows > 0 ? " (the kernel's buffers were full: try -c, or narrow with -e/--pid)" : "");
  kill_signal = status->signal;
  return status->code;
}

int body(const Options& o, const std::vector<std::string>& command, int& kill_signal) {
  check_times(o);
  if (!o.attach.empty()) split_list(o.attach, "-p");
  if (!o.pids.empty()) split_list(o.pids, "--pid");
  if (o.system) return body_system(o, command, kill_signal);
  if (!o.cgroup.empty()) throw UsageError("--cgroup applies to --system");
  if (command.empty() == o.attach.empty())
    throw UsageError(o.attach.empty() ? "give a command to run (ipctrace [options] -- CMD ARGS...) or -p PID"
                                      : "-p and a command exclude each other");
  if (o.hex && o.payload == 0) throw UsageError("-x needs -s N (how many payload bytes to show)");
  if (o.payload > k_max_payload) throw UsageError(fmt::format("-s: at most {} bytes", k_max_payload));

  trace::TraceOptions topts;
  topts.kinds = parse_mechanisms(o.mechanisms);
  topts.fast = o.fast;
  if (o.spin >= 0) topts.spin_us = o.spin;
  topts.payload = o.payload;
  topts.interval_s = o.summary ? o.interval : 0;

  trace::OutputOptions oopts;
  oopts.json = o.json;
  oopts.summary = o.summary;
  oopts.format.hex = o.hex;
  oopts.format.utc = o.utc;
  if (!o.pids.empty()) oopts.pids = tools::parse_pid_list(o.pids);
  if (!o.comms.empty()) oopts.comms = parse_comms(o.comms);
  if (!o.channels.empty()) oopts.channels = parse_channels(o.channels);

  Closer closer(o.output);

  trace::Resolver resolver;
  trace::Output output(oopts, closer.f, resolver);
  // Attached, a trace that cannot be written ends (the processes go on);
  // a launched command runs to its end, and the error is reported then.
  if (!o.attach.empty()) output.on_write_error = [] { trace::Tracer::request_stop(); };
  trace::Tracer tracer(topts, output);
  if (!command.empty()) {
    if (auto r = tracer.launch(command); !r) throw Fatal(fmt::format("{}", r.error()));
    // The command gets the terminal's Ctrl-C and Ctrl-\; we wait for it.
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGQUIT, SIG_IGN);
    handle(SIGTERM, on_forward);
    handle(SIGHUP, on_forward);
  } else {
    const auto pids = tools::parse_pid_list(o.attach);
    handle(SIGINT, on_stop_signal);
    handle(SIGTERM, on_stop_signal);
    handle(SIGHUP, on_stop_signal);
    if (auto r = tracer.attach(pids); !r) {
      const Error& e = r.error();
      throw Fatal(fmt::format("{}{}", e.message(),
                              e.denied() ? " (attaching needs ptrace permission: run as the process's user, or root)" : ""));
    }
    tools::eprint("ipctrace: attached to {}: no seccomp filter in attach mode, every system call stops (slower); Ctrl-C detaches\n",
               o.attach);
  }
  auto status = tracer.run();
  if (status) {
    output.finish();
    closer.close(output);
  }
  if (!status) {
    const Error& e = status.error();
    if (e.op == "exec") throw Fatal(fmt::format("cannot run '{}': {}", command[0], std::strerror(e.code)));
    throw Fatal(fmt::format("{}", e));
  }
  if (!o.attach.empty()) tools::eprint("ipctrace: detached\n");
  kill_signal = status->signal;
  return status->code;
}

} // namespace

int main(int argc, char** argv) {
  using namespace ipcctl::tools;
  CLI::App app{"ipctrace: who sends how much to whom, over which IPC channel, as it happens\n"
               "usage: ipctrace [OPTIONS] [--] CMD ARGS...\n"
               "       ipctrace [OPTIONS] -p PID[,PID...]\n"
               "       ipctrace --system [--pid PID,...] [--comm NAME,...] [--cgroup PATH] [--duration SEC] [-- CMD ARGS...]",
               "ipctrace"};
  app.set_version_flag("-V,--version", std::string("ipctrace ") + IPCCTL_VERSION);
  app.footer(k_footer);
  app.prefix_command();

  Options o;
  app.add_option("-p,--attach", o.attach, "trace these running processes (and their future children)")
      ->type_name("PID,...");
  app.add_option("-o,--output", o.output, "write the trace to FILE instead of stdout")->type_name("FILE");
  app.add_flag("--json", o.json, "JSON Lines: one object per event (see ipctrace(1), JSON EVENTS)");
  app.add_flag("-c,--summary", o.summary, "no events: a table per channel and direction at exit");
  auto* interval = app.add_option("--interval", o.interval, "with -c, also print the table every SEC seconds")->type_name("SEC");
  app.add_option("-s,--payload", o.payload, "show the first N bytes of each message")->type_name("N");
  app.add_flag("-x,--hex", o.hex, "show the payload as hex and ASCII");
  app.add_option("-e,--mechanisms", o.mechanisms, "trace only these mechanisms (default: all)")->type_name("LIST");
  app.add_option("--pid", o.pids, "show only events of these processes")->type_name("PID,...");
  app.add_option("--comm", o.comms, "show only events of processes with these names")->type_name("NAME,...");
  app.add_option("--channel", o.channels, "show only events on these channels (pipe:4567,...)")->type_name("REF,...");
  app.add_flag("--fast", o.fast, "report sends and signals at their entry: fewer stops, bytes are upper bounds");
  app.add_option("--spin", o.spin, "poll for the next stop this long before sleeping (default 50; 0: never)")
      ->type_name("USEC")
      ->check(CLI::Range(0, 100000));
  app.add_flag("--utc", o.utc, "print times in UTC");
  app.add_flag("-a,--system", o.system, "trace every process with eBPF (root); --pid, --comm, --cgroup narrow it");
  app.add_option("--cgroup", o.cgroup, "with --system: only processes in this cgroup (v2)")->type_name("PATH");
  auto* duration = app.add_option("--duration", o.duration, "with --system: stop after SEC seconds (more than 0)")->type_name("SEC");

  int kill_signal = 0;
  const int rc = run(app, argc, argv, [&] {
    std::vector<std::string> command = app.remaining();
    // Words CLI11 did not know come before "--" only when they are unknown options.
    if (!command.empty() && command.front() != "--" && command.front().starts_with('-'))
      throw UsageError(fmt::format("unknown option '{}' (the command to trace follows --)", command.front()));
    if (!command.empty() && command.front() == "--") command.erase(command.begin());
    o.duration_given = duration->count() > 0;
    o.interval_given = interval->count() > 0;
    return body(o, command, kill_signal);
  });
  if (kill_signal != 0 && !stdout_failed()) {
    // Die as the command died, without a core of our own (stdout is
    // flushed and closed by run()).
    rlimit none{0, 0};
    ::setrlimit(RLIMIT_CORE, &none);
    std::signal(kill_signal, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, kill_signal);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    ::raise(kill_signal);
    return 128 + kill_signal;
  }
  return rc;
}
