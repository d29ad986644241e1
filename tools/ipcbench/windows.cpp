// ipcbench on Windows: round-trip latency of every Windows mechanism
// between this process and a child (ipcbench.exe itself, started with
// --child), pinned to two CPUs where there are two; and one-way delivery
// rate for the mailslot. The same payload goes both ways, its sequence
// number checked on return. Under Wine the figures are Wine's, and are
// labelled so.
#include "common/run.hpp"
#include "ipcctl_version.h"

#include <ipcctl/bench/histogram.hpp>
#include <ipcctl/util/error.hpp>
#include <ipcctl/windows/bench.hpp>
#include <ipcctl/windows/nt.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

// clang-format off: winsock2 before windows.h
#include <winsock2.h>
#include <windows.h>
// clang-format on

#include <atomic>
#include <cstring>
#include <functional>
#include <thread>

namespace ipcctl::tools {

namespace {

namespace wb = win::bench;

struct Options {
  std::string mechanisms;
  std::size_t size = 64;
  int iterations = 10000;
  int warmup = 1000;
  bool json = false, list = false;
};

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
  bool round_trip = true;
  bench::Histogram rtt;
  double messages_per_s = 0;
};

// The child: opens its end, then echoes (or, one way, sends) every message.
int run_child(const std::string& name, std::size_t size, const std::string& arg, int count) {
  const auto* m = wb::find_mechanism(name);
  if (m == nullptr) return 2;
  auto end = m->open(arg, size);
  if (!end) {
    fmt::print(stderr, "ipcbench: child: {}\n", end.error().message());
    return 1;
  }
  std::vector<std::byte> buf(size);
  for (int i = 0; i < count; ++i) {
    if (m->round_trip) {
      if (auto r = (*end)->recv(buf); !r) return 1;
    } else {
      std::memcpy(buf.data(), &i, std::min(sizeof i, size));
    }
    if (auto r = (*end)->send(buf); !r) return 1;
  }
  return 0;
}

// Starts `ipcbench.exe --child NAME SIZE ARG COUNT`, inheriting only `inherit`.
Result<win::Handle> start_child(const wb::Mechanism& m, std::size_t size, const wb::Opened& o, int count) {
  wchar_t self[MAX_PATH];
  ::GetModuleFileNameW(nullptr, self, MAX_PATH);
  const std::string args = fmt::format("--child {} {} \"{}\" {}", m.name, size, o.child_arg, count);
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

// The measured exchange with the child: round trips, their payload's
// sequence number checked, or one-way delivery. An error's text, or empty.
std::string exchange(const wb::Mechanism& m, wb::Channel& channel, const Options& o, Outcome& out) {
  const int count = o.warmup + o.iterations;
  std::vector<std::byte> msg(o.size), back(o.size);
  if (!m.round_trip) {
    std::uint64_t t0 = 0;
    for (int i = 0; i < count; ++i) {
      if (i == o.warmup) t0 = now_ns();
      if (auto r = channel.recv(back); !r) return r.error().message();
      int got = 0;
      std::memcpy(&got, back.data(), std::min(sizeof got, o.size));
      if (o.size >= sizeof got && got != i) return fmt::format("message {} arrived as {}", i, got);
    }
    const double seconds = static_cast<double>(now_ns() - t0) / 1e9;
    out.messages_per_s = seconds > 0 ? o.iterations / seconds : 0;
    return {};
  }
  for (int i = 0; i < count; ++i) {
    const std::uint64_t seq = static_cast<std::uint64_t>(i) * 2654435761u + 1;
    std::memcpy(msg.data(), &seq, std::min(sizeof seq, o.size));
    const std::uint64_t t0 = now_ns();
    if (auto r = channel.send(msg); !r) return r.error().message();
    if (auto r = channel.recv(back); !r) return r.error().message();
    const std::uint64_t t1 = now_ns();
    if (std::memcmp(msg.data(), back.data(), std::min(sizeof seq, o.size)) != 0)
      return fmt::format("message {} came back changed", i);
    if (i >= o.warmup) out.rtt.record(t1 - t0);
  }
  return {};
}

Outcome measure(const wb::Mechanism& m, const Options& o, const std::string& tag) {
  Outcome out;
  out.mechanism = std::string(m.name);
  out.round_trip = m.round_trip;
  if (auto why = wb::unavailable(m); !why.empty()) {
    out.skipped = why;
    return out;
  }
  if (m.max_size != 0 && o.size > m.max_size) {
    out.skipped = fmt::format("messages of {} bytes exceed its largest, {}", o.size, m.max_size);
    return out;
  }
  auto made = m.make(tag, o.size);
  if (!made) {
    out.error = made.error().message();
    return out;
  }
  const int count = o.warmup + o.iterations;
  auto child = start_child(m, o.size, *made, count);
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
  else error = exchange(m, *made->channel, o, out);
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

int run_bench(const Options& o) {
  if (o.list) {
    for (const auto& m : wb::mechanisms()) fmt::print("{:>15}  {}\n", m.name, m.help);
    return 0;
  }
  std::vector<const wb::Mechanism*> chosen;
  if (o.mechanisms.empty()) {
    for (const auto& m : wb::mechanisms()) chosen.push_back(&m);
  } else {
    std::string_view rest = o.mechanisms;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto name = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      const auto* m = wb::find_mechanism(name);
      if (m == nullptr) throw UsageError(fmt::format("-m: unknown mechanism '{}' (see --list)", name));
      chosen.push_back(m);
    }
  }
  if (o.size == 0 || o.size > 64 * 1024 * 1024) throw UsageError("-s: a message is 1 byte to 64M");
  if (o.iterations < 1 || o.iterations > 100000000 || o.warmup < 0) throw UsageError("-n: 1 to 100000000 round trips");

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
  for (const auto* m : chosen)
    outcomes.push_back(measure(*m, o, fmt::format("{}-{}", ::GetCurrentProcessId(), n++)));

  int failed = 0;
  if (o.json) {
    nlohmann::json doc{{"schema", "ipcbench/1"},      {"platform", "windows"}, {"wine", wine ? *wine : ""},
                       {"note", note},                 {"placement", placement}, {"message_bytes", o.size},
                       {"iterations", o.iterations},   {"results", nlohmann::json::array()}};
    if (!wine) doc["wine"] = nullptr;
    for (const auto& r : outcomes) {
      nlohmann::json j{{"mechanism", r.mechanism}};
      if (!r.skipped.empty()) j["skipped"] = r.skipped;
      else if (!r.error.empty()) j["error"] = r.error, ++failed;
      else if (r.round_trip)
        j["round_trip_ns"] = {{"min", r.rtt.min()},           {"p50", r.rtt.percentile(50)}, {"p90", r.rtt.percentile(90)},
                              {"p99", r.rtt.percentile(99)},  {"p99.9", r.rtt.percentile(99.9)},
                              {"max", r.rtt.max()},           {"mean", r.rtt.mean()},        {"stddev", r.rtt.stddev()},
                              {"samples", r.rtt.count()}};
      else
        j["one_way"] = {{"messages_per_s", r.messages_per_s},
                        {"mb_per_s", r.messages_per_s * static_cast<double>(o.size) / 1e6}};
      doc["results"].push_back(std::move(j));
    }
    fmt::print("{}\n", doc.dump(2));
  } else {
    fmt::print("ipcbench {}: {}; {}-byte messages, {} round trips after {} warm-up; placement {}\n", IPCCTL_VERSION, note,
               o.size, o.iterations, o.warmup, placement);
    fmt::print("{:<15} {:>10} {:>10} {:>10} {:>10} {:>10}   (round trip, microseconds)\n", "MECHANISM", "MIN", "P50",
               "P99", "MAX", "MEAN");
    for (const auto& r : outcomes) {
      if (!r.skipped.empty()) fmt::print("{:<15} skipped: {}\n", r.mechanism, r.skipped);
      else if (!r.error.empty()) fmt::print("{:<15} FAILED: {}\n", r.mechanism, r.error), ++failed;
      else if (r.round_trip)
        fmt::print("{:<15} {:>10} {:>10} {:>10} {:>10} {:>10.2f}\n", r.mechanism, us(r.rtt.min()),
                   us(r.rtt.percentile(50)), us(r.rtt.percentile(99)), us(r.rtt.max()), r.rtt.mean() / 1000.0);
      else
        fmt::print("{:<15} one way: {:.0f} messages/s, {:.1f} MB/s delivered\n", r.mechanism, r.messages_per_s,
                   r.messages_per_s * static_cast<double>(o.size) / 1e6);
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

  if (args.size() == 6 && args[1] == "--child") {
    WSADATA wsa;
    ::WSAStartup(MAKEWORD(2, 2), &wsa);
    return run_child(args[2], std::stoul(args[3]), args[4], std::stoi(args[5]));
  }

  CLI::App app{"ipcbench: round-trip latency of every Windows IPC mechanism, side by side", "ipcbench"};
  app.set_version_flag("-V,--version", std::string("ipcbench ") + IPCCTL_VERSION);
  static Options o;
  app.add_option("-m,--mechanisms", o.mechanisms, "mechanisms, comma separated (default: all; see --list)")
      ->type_name("LIST");
  app.add_option("-s,--size", o.size, "message size in bytes (default 64)")->type_name("BYTES");
  app.add_option("-n,--iterations", o.iterations, "round trips measured (default 10000)")->type_name("N");
  app.add_option("--warmup", o.warmup, "round trips run first and not measured (default 1000)")->type_name("N");
  app.add_flag("-J,--json", o.json, "print JSON");
  app.add_flag("--list", o.list, "describe every mechanism and exit");
  app.footer("Exit status: 0 done, 1 a mechanism failed, 2 bad usage.");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return run(app, static_cast<int>(args.size()), argv.data(), [] { return run_bench(o); });
}
