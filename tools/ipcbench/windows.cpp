// ipcbench on Windows: round-trip latency of every Windows mechanism
// between this process and a child (ipcbench.exe itself, started with
// --child), pinned to two CPUs where there are two, and the one-way rate at
// which the child's stream is delivered here. A round trip carries the same
// payload both ways, its sequence number checked on return; a stream's
// messages carry sequence numbers (gaps are lost datagrams, counted) and a
// pattern checked every 64th message. Under Wine the figures are Wine's,
// and are labelled so.
#include "common/run.hpp"
#include "ipcctl_version.h"

#include <ipcctl/bench/histogram.hpp>
#include <ipcctl/bench/message.hpp>
#include <ipcctl/util/error.hpp>
#include <ipcctl/util/parse.hpp>
#include <ipcctl/windows/bench.hpp>
#include <ipcctl/windows/nt.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

// clang-format off: winsock2 before windows.h
#include <winsock2.h>
#include <windows.h>
// clang-format on

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <optional>
#include <thread>

namespace ipcctl::tools {

namespace {

namespace wb = win::bench;

struct Options {
  std::string mechanisms;
  std::string tests = "latency,throughput";
  std::string size_arg;             // -s as given: 64, 4K, 1M
  std::optional<std::size_t> size;  // else 64 bytes for latency, 64 KiB for throughput
  int iterations = 10000;
  int warmup = 1000;
  std::optional<int> messages;  // a stream's length; else 64 MiB of messages, 1000 to 100000
  bool json = false, list = false;
};

enum class Test { latency, throughput };

std::uint64_t now_ns() {
  static const LONGLONG freq = [] {
    LARGE_INTEGER f;
    ::QueryPerformanceFrequency(&f);
    return f.QuadPart;
  }();
  LARGE_INTEGER t;
  ::QueryPerformanceCounter(&t);
  return static_cast<std::uint64_t>(static_cast<long double>(t.QuadPart) * 1e9L / static_cast<long double>(freq));
}

struct Outcome {
  std::string mechanism, skipped, error;
  Test test = Test::latency;
  std::size_t size = 0;
  bench::Histogram rtt;
  // throughput: delivered after the warm-up, over the time they took
  double messages_per_s = 0;
  std::uint64_t received = 0, lost = 0, checked = 0;
};

// The child: opens its end, then echoes every message, or sends a stream
// (ended, on a lossy mechanism, by repeated stop messages).
int run_child(const std::string& name, std::size_t size, const std::string& arg, int count, bool echo) {
  const auto* m = wb::find_mechanism(name);
  if (m == nullptr) return 2;
  auto end = m->open(arg, size);
  if (!end) {
    fmt::print(stderr, "ipcbench: child: {}\n", end.error().message());
    return 1;
  }
  std::vector<std::byte> buf(size);
  for (int i = 0; i < count; ++i) {
    if (echo) {
      if (auto r = (*end)->recv(buf); !r) return 1;
    } else {
      bench::fill_message(buf.data(), size, static_cast<std::uint64_t>(i));
    }
    if (auto r = (*end)->send(buf); !r) return 1;
  }
  if (!echo && m->lossy) {
    bench::fill_message(buf.data(), size, bench::k_stop);
    for (int i = 0; i < 20; ++i, ::Sleep(5)) (void)(*end)->send(buf);  // the reader may be gone: not an error
  }
  return 0;
}

// Starts `ipcbench.exe --child NAME SIZE ARG COUNT MODE`, inheriting only `inherit`.
Result<win::Handle> start_child(const wb::Mechanism& m, std::size_t size, const wb::Opened& o, int count, Test test) {
  wchar_t self[MAX_PATH];
  ::GetModuleFileNameW(nullptr, self, MAX_PATH);
  const std::string args = fmt::format("--child {} {} \"{}\" {} {}", m.name, size, o.child_arg, count,
                                       test == Test::latency ? "echo" : "send");
  std::wstring cmd = L"\"" + std::wstring(self) + L"\" " + win::wide(args);

  SIZE_T attr_size = 0;
  ::InitializeProcThreadAttributeList(nullptr, 1, 0, &attr_size);
  std::vector<std::byte> attr_buf(attr_size);
  auto* attrs = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(attr_buf.data());
  STARTUPINFOEXW si{};
  si.StartupInfo.cb = sizeof si;
  std::vector<HANDLE> inherit(o.inherit.begin(), o.inherit.end());
  const bool list = !inherit.empty() && ::InitializeProcThreadAttributeList(attrs, 1, 0, &attr_size) &&
                    ::UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherit.data(),
                                                inherit.size() * sizeof(HANDLE), nullptr, nullptr);
  if (list) si.lpAttributeList = attrs;
  PROCESS_INFORMATION pi{};
  const BOOL ok = ::CreateProcessW(self, cmd.data(), nullptr, nullptr, !inherit.empty(),
                                   list ? EXTENDED_STARTUPINFO_PRESENT : 0, nullptr, nullptr, &si.StartupInfo, &pi);
  if (list) ::DeleteProcThreadAttributeList(attrs);
  if (!ok) return fail(win::win_error(::GetLastError(), "CreateProcess", "ipcbench child"));
  ::CloseHandle(pi.hThread);
  // One CPU each where there are two: the measuring end on 0, the child on 1.
  SYSTEM_INFO sys;
  ::GetSystemInfo(&sys);
  if (sys.dwNumberOfProcessors >= 2) ::SetProcessAffinityMask(pi.hProcess, 2);
  return win::Handle(pi.hProcess);
}

// Round trips with the child, their payload's sequence number checked. An
// error's text, or empty.
std::string round_trips(wb::Channel& channel, const Options& o, Outcome& out) {
  const int count = o.warmup + o.iterations;
  std::vector<std::byte> msg(out.size), back(out.size);
  for (int i = 0; i < count; ++i) {
    const std::uint64_t seq = static_cast<std::uint64_t>(i) * 2654435761u + 1;
    std::memcpy(msg.data(), &seq, std::min(sizeof seq, out.size));
    const std::uint64_t t0 = now_ns();
    if (auto r = channel.send(msg); !r) return r.error().message();
    if (auto r = channel.recv(back); !r) return r.error().message();
    const std::uint64_t t1 = now_ns();
    if (std::memcmp(msg.data(), back.data(), std::min(sizeof seq, out.size)) != 0)
      return fmt::format("message {} came back changed", i);
    if (i >= o.warmup) out.rtt.record(t1 - t0);
  }
  return {};
}

// Receives the child's stream of `count` messages: in order, every 64th
// checked whole. On a lossy mechanism a gap is lost messages, and the stream
// ends with a stop message. An error's text, or empty.
std::string receive_stream(const wb::Mechanism& m, wb::Channel& channel, int count, int warmup, Outcome& out) {
  std::vector<std::byte> msg(out.size);
  const auto first = static_cast<std::uint64_t>(warmup);
  std::uint64_t expected = 0, t_first = 0, t_last = 0, measured = 0;
  for (;;) {
    if (!m.lossy && expected == static_cast<std::uint64_t>(count)) break;
    if (auto r = channel.recv(msg); !r) return fmt::format("after {} messages: {}", expected, r.error().message());
    const std::uint64_t seq = bench::message_seq(msg.data()), now = now_ns();
    if (seq == bench::k_stop) break;
    if (seq < expected || seq >= static_cast<std::uint64_t>(count) || (seq != expected && !m.lossy))
      return fmt::format("message {} arrived as {}", expected, seq);
    out.lost += seq - expected;
    expected = seq + 1;
    ++out.received;
    if (seq % bench::k_check_every == 0) {
      ++out.checked;
      if (!bench::message_intact(msg.data(), msg.size())) return fmt::format("message {}: payload corrupted", seq);
    }
    if (seq < first) continue;
    if (measured++ == 0) t_first = now;
    t_last = now;
  }
  out.lost += static_cast<std::uint64_t>(count) - expected;
  // The rate of the messages after the first measured one, over their time.
  const double seconds = static_cast<double>(t_last - t_first) / 1e9;
  out.messages_per_s = measured > 1 && seconds > 0 ? static_cast<double>(measured - 1) / seconds : 0;
  return {};
}

std::size_t size_for(const Options& o, Test test) {
  if (o.size) return *o.size;
  return test == Test::latency ? 64 : 64 * 1024;
}

int stream_length(const Options& o, std::size_t size) {
  if (o.messages) return *o.messages;
  return static_cast<int>(std::clamp<std::size_t>((64u << 20) / size, 1000, 100000));
}

Outcome measure(const wb::Mechanism& m, Test test, const Options& o, const std::string& tag) {
  Outcome out;
  out.mechanism = std::string(m.name);
  out.test = test;
  out.size = size_for(o, test);
  if (auto why = wb::unavailable(m); !why.empty()) {
    out.skipped = why;
    return out;
  }
  if (test == Test::latency && !m.round_trip) {
    out.skipped = "one way only: see its throughput";
    return out;
  }
  if (test == Test::throughput && !m.no_stream.empty()) {
    out.skipped = std::string(m.no_stream);
    return out;
  }
  if (test == Test::throughput && out.size < bench::k_seq_bytes) {
    out.skipped = fmt::format("a stream's messages carry an {}-byte sequence number: -s {} is too small", bench::k_seq_bytes,
                              out.size);
    return out;
  }
  if (m.max_size != 0 && out.size > m.max_size) {
    out.skipped = fmt::format("messages of {} bytes exceed its largest, {}", out.size, m.max_size);
    return out;
  }
  auto made = m.make(tag, out.size);
  if (!made) {
    out.error = made.error().message();
    return out;
  }
  const int count = test == Test::latency ? o.warmup + o.iterations : stream_length(o, out.size);
  const int warmup = test == Test::latency ? o.warmup : count / 10;
  auto child = start_child(m, out.size, *made, count, test);
  // The child has its own copies of its ends now: with ours closed, its death
  // breaks the channel under a blocked read.
  for (void* h : made->inherit) ::CloseHandle(h);
  made->inherit.clear();
  if (!child) {
    out.error = child.error().message();
    return out;
  }
  // A child that dies or hangs must not hang the run: the watchdog ends it,
  // which breaks the channel under a blocked read.
  std::atomic<bool> done{false};
  std::thread watchdog([&] {
    for (int i = 0; i < 600 && !done; ++i) ::Sleep(100);
    if (!done) ::TerminateProcess(child->get(), 9);
  });
  std::string error;
  if (auto r = m.accept(*made->channel); !r) error = r.error().message();
  else if (test == Test::latency) error = round_trips(*made->channel, o, out);
  else error = receive_stream(m, *made->channel, count, warmup, out);
  if (error.empty()) {
    ::WaitForSingleObject(child->get(), 10000);
    DWORD code = 0;
    ::GetExitCodeProcess(child->get(), &code);
    if (code != 0) error = fmt::format("the child exited with status {}", code);
  } else {
    ::TerminateProcess(child->get(), 9);
  }
  done = true;
  watchdog.join();
  out.error = std::move(error);
  return out;
}

std::string us(std::uint64_t ns) { return fmt::format("{:.2f}", static_cast<double>(ns) / 1000.0); }

int run_bench(Options& o) {
  if (o.list) {
    for (const auto& m : wb::mechanisms()) fmt::print("{:>15}  {}\n", m.name, m.help);
    return 0;
  }
  std::vector<const wb::Mechanism*> chosen;
  if (o.mechanisms.empty()) {
    for (const auto& m : wb::mechanisms()) chosen.push_back(&m);
  } else {
    for (const auto name : split_commas(o.mechanisms)) {
      const auto* m = wb::find_mechanism(name);
      if (m == nullptr) throw UsageError(fmt::format("-m: unknown mechanism '{}' (see --list)", name));
      chosen.push_back(m);
    }
  }
  std::vector<Test> tests;
  for (const auto name : split_commas(o.tests)) {
    if (name == "latency") tests.push_back(Test::latency);
    else if (name == "throughput") tests.push_back(Test::throughput);
    else throw UsageError(fmt::format("-t: unknown test '{}' (latency, throughput)", name));
  }
  if (tests.empty()) throw UsageError("-t: latency, throughput, or both");
  if (!o.size_arg.empty()) {
    const auto n = parse_size(o.size_arg);
    if (!n || *n < 1 || static_cast<std::uint64_t>(*n) > bench::k_max_message)
      throw UsageError(fmt::format("-s: '{}' is not a message size from 1 byte to 64M (64, 4K, 1M)", o.size_arg));
    o.size = static_cast<std::size_t>(*n);
  }
  if (o.iterations < 1 || o.iterations > 100000000 || o.warmup < 0) throw UsageError("-n: 1 to 100000000 round trips");
  if (o.messages && (*o.messages < 10 || *o.messages > 100000000))
    throw UsageError("--messages: a stream is 10 to 100000000 messages");

  WSADATA wsa;
  ::WSAStartup(MAKEWORD(2, 2), &wsa);
  SYSTEM_INFO sys;
  ::GetSystemInfo(&sys);
  if (sys.dwNumberOfProcessors >= 2) ::SetThreadAffinityMask(::GetCurrentThread(), 1);
  const auto wine = win::wine_version();
  const std::string placement = sys.dwNumberOfProcessors >= 2 ? "0<->1" : "unpinned (one CPU)";
  const std::string note = wine ? fmt::format("measured under Wine {}: these are Wine's figures, not Windows'", *wine)
                                : std::string("measured on Windows");

  std::vector<Outcome> outcomes;
  int n = 0;
  for (const Test test : tests)
    for (const auto* m : chosen)
      outcomes.push_back(measure(*m, test, o, fmt::format("{}-{}", ::GetCurrentProcessId(), n++)));

  const auto mb_per_s = [](const Outcome& r) { return r.messages_per_s * static_cast<double>(r.size) / 1e6; };
  int failed = 0;
  if (o.json) {
    nlohmann::json doc{{"schema", "ipcbench/1"},    {"platform", "windows"},  {"wine", wine ? *wine : ""},
                       {"note", note},               {"placement", placement}, {"iterations", o.iterations},
                       {"results", nlohmann::json::array()}};
    if (!wine) doc["wine"] = nullptr;
    for (const auto& r : outcomes) {
      nlohmann::json j{{"mechanism", r.mechanism},
                       {"test", r.test == Test::latency ? "latency" : "throughput"},
                       {"message_bytes", r.size}};
      if (!r.skipped.empty()) j["skipped"] = r.skipped;
      else if (!r.error.empty()) j["error"] = r.error, ++failed;
      else if (r.test == Test::latency)
        j["round_trip_ns"] = {{"min", r.rtt.min()},           {"p50", r.rtt.percentile(50)}, {"p90", r.rtt.percentile(90)},
                              {"p99", r.rtt.percentile(99)},  {"p99.9", r.rtt.percentile(99.9)},
                              {"max", r.rtt.max()},           {"mean", r.rtt.mean()},        {"stddev", r.rtt.stddev()},
                              {"samples", r.rtt.count()}};
      else
        j["throughput"] = {{"messages_per_s", r.messages_per_s}, {"mb_per_s", mb_per_s(r)}, {"received", r.received},
                           {"lost", r.lost},                     {"checked", r.checked}};
      doc["results"].push_back(std::move(j));
    }
    fmt::print("{}\n", doc.dump(2));
  } else {
    fmt::print("ipcbench {}: {}; placement {}\n", IPCCTL_VERSION, note, placement);
    bool header[2] = {false, false};
    for (const auto& r : outcomes) {
      const bool latency = r.test == Test::latency;
      if (!header[latency ? 0 : 1]) {
        header[latency ? 0 : 1] = true;
        if (latency)
          fmt::print("\nround trip, microseconds ({} after {} warm-up)\n{:<15} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
                     o.iterations, o.warmup, "MECHANISM", "SIZE", "MIN", "P50", "P99", "MAX", "MEAN");
        else
          fmt::print("\nthroughput (one way, child -> this process, delivered rate, payloads verified)\n"
                     "{:<15} {:>7} {:>10} {:>12} {:>8} {:>8}\n",
                     "MECHANISM", "SIZE", "MB/S", "MSGS/S", "LOST", "CHECKED");
      }
      const std::string size = bench::format_size(r.size);
      if (!r.skipped.empty()) fmt::print("{:<15} {:>7} skipped: {}\n", r.mechanism, size, r.skipped);
      else if (!r.error.empty()) fmt::print("{:<15} {:>7} FAILED: {}\n", r.mechanism, size, r.error), ++failed;
      else if (latency)
        fmt::print("{:<15} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9.2f}\n", r.mechanism, size, us(r.rtt.min()),
                   us(r.rtt.percentile(50)), us(r.rtt.percentile(99)), us(r.rtt.max()), r.rtt.mean() / 1000.0);
      else
        fmt::print("{:<15} {:>7} {:>10.1f} {:>12.0f} {:>8} {:>8}\n", r.mechanism, size, mb_per_s(r), r.messages_per_s,
                   r.lost, r.checked);
    }
  }
  ::WSACleanup();
  return failed == 0 ? 0 : 1;
}

} // namespace

} // namespace ipcctl::tools

int main() {
  using namespace ipcctl::tools;
  std::vector<std::string> args = ipcctl::win::command_line();

  if (args.size() == 7 && args[1] == "--child") {
    WSADATA wsa;
    ::WSAStartup(MAKEWORD(2, 2), &wsa);
    return run_child(args[2], std::stoul(args[3]), args[4], std::stoi(args[5]), args[6] == "echo");
  }

  CLI::App app{"ipcbench: the latency and throughput of every Windows IPC mechanism, side by side", "ipcbench"};
  app.set_version_flag("-V,--version", std::string("ipcbench ") + IPCCTL_VERSION);
  static Options o;
  app.add_option("-m,--mechanisms", o.mechanisms, "mechanisms, comma separated (default: all; see --list)")
      ->type_name("LIST");
  app.add_option("-t,--test", o.tests, "latency, throughput, or both (the default)")->type_name("LIST");
  app.add_option("-s,--size", o.size_arg, "message size in bytes (default 64 for latency, 65536 for throughput)")
      ->type_name("BYTES");
  app.add_option("-n,--iterations", o.iterations, "round trips measured (default 10000)")->type_name("N");
  app.add_option("--messages", o.messages, "messages in a throughput stream (default 64 MiB of them, 1000 to 100000)")
      ->type_name("N");
  app.add_option("--warmup", o.warmup, "round trips run first and not measured (default 1000)")->type_name("N");
  app.add_flag("-J,--json", o.json, "print JSON");
  app.add_flag("--list", o.list, "describe every mechanism and exit");
  app.footer("Exit status: 0 done, 1 a mechanism failed, 2 bad usage.");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return run(app, static_cast<int>(args.size()), argv.data(), [] { return run_bench(o); });
}
