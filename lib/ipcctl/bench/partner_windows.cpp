// Side b on Windows: there is no fork, so side a starts ipcbench.exe again
// with k_side_b_argument, the run's settings, its ends of the control and
// release pipes (anonymous pipes, inherited) and the transport's handoff().
// That process adopts the channel and runs the same run_side_b as Linux's
// fork. It watches side a's process and ends with it (Linux: PR_SET_PDEATHSIG).
// A side b that fails ends at once, which breaks the channel under side a
// and wakes its watchdog; one that succeeds waits to be released, as on Linux.
// There is no threads mode: Windows transports have no split().
#include <ipcctl/bench/partner.hpp>

#include <ipcctl/bench/lifecycle.hpp>
#include <ipcctl/bench/win.hpp>
#include <ipcctl/util/parse.hpp>
#include <ipcctl/windows/nt.hpp>

#include <fmt/format.h>

// clang-format off: winsock2 before windows.h
#include <winsock2.h>
#include <windows.h>
// clang-format on

#include <cstdlib>
#include <thread>

namespace ipcctl::bench {

bool write_control(ControlEnd ctl, const void* data, std::size_t size) {
  DWORD n = 0;
  return ::WriteFile(reinterpret_cast<HANDLE>(ctl), data, static_cast<DWORD>(size), &n, nullptr) && n == size;
}

namespace {

using win::Handle;

// An anonymous pipe whose one end side b inherits.
struct Pipe {
  Handle read, write;
};

Result<Pipe> make_pipe(bool child_reads, const char* what) {
  HANDLE r = nullptr, w = nullptr;
  if (!::CreatePipe(&r, &w, nullptr, 0)) return fail(last_error("CreatePipe", what));
  Pipe p{Handle(r), Handle(w)};
  if (!::SetHandleInformation(child_reads ? r : w, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT))
    return fail(last_error("SetHandleInformation", what));
  return p;
}

std::string describe_exit(DWORD code) { return fmt::format("exited with status {}", code); }

class WindowsPartner : public Partner {
public:
  WindowsPartner(Handle process, pid_t pid, Handle ctl_read, Handle release_write)
      : m_process(std::move(process)), m_pid(pid), m_ctl(std::move(ctl_read)), m_release(std::move(release_write)) {}

  pid_t peer() const override { return m_pid; }

  bool read(void* out, std::size_t size, int timeout_ms) override {
    auto* p = static_cast<char*>(out);
    const ULONGLONG deadline = ::GetTickCount64() + static_cast<ULONGLONG>(timeout_ms);
    while (size > 0) {
      DWORD avail = 0;
      if (!::PeekNamedPipe(m_ctl.get(), nullptr, 0, nullptr, &avail, nullptr)) return false;  // side b is gone
      if (avail == 0) {
        if (::GetTickCount64() >= deadline) return false;
        ::Sleep(1);
        continue;
      }
      DWORD n = 0;
      if (!::ReadFile(m_ctl.get(), p, static_cast<DWORD>(std::min<std::size_t>(size, avail)), &n, nullptr) || n == 0)
        return false;
      p += n;
      size -= n;
    }
    return true;
  }

  bool readable(int ms) override {
    const ULONGLONG deadline = ::GetTickCount64() + static_cast<ULONGLONG>(ms);
    for (;;) {
      DWORD avail = 0;
      if (!::PeekNamedPipe(m_ctl.get(), nullptr, 0, nullptr, &avail, nullptr)) return false;
      if (avail > 0) return true;
      if (::GetTickCount64() >= deadline) return false;
      ::Sleep(1);
    }
  }

  bool ended_within(int ms) override { return ::WaitForSingleObject(m_process.get(), static_cast<DWORD>(ms)) == WAIT_OBJECT_0; }

  std::string how_ended() override { return describe_exit(wait(100)); }

  std::string end(bool failed, std::unique_ptr<Transport>& a, std::unique_ptr<Transport>&) override {
    a.reset();
    m_release = Handle();  // side b may exit now
    const DWORD code = wait(failed ? 0 : 2000);
    set_child(0);
    return code == 0 ? std::string() : describe_exit(code);
  }

private:
  // Waits for side b for up to `ms`, then ends it; its exit status.
  DWORD wait(int ms) {
    if (::WaitForSingleObject(m_process.get(), static_cast<DWORD>(ms)) != WAIT_OBJECT_0) {
      ::TerminateProcess(m_process.get(), 9);
      ::WaitForSingleObject(m_process.get(), 5000);
    }
    DWORD code = 0;
    ::GetExitCodeProcess(m_process.get(), &code);
    return code;
  }

  Handle m_process;
  pid_t m_pid;
  Handle m_ctl, m_release;
};

// Starts `"SELF" ARGS`, inheriting only `inherit`.
Result<PROCESS_INFORMATION> start_process(const std::string& args, std::vector<HANDLE> inherit) {
  char self[MAX_PATH];
  const DWORD len = ::GetModuleFileNameA(nullptr, self, MAX_PATH);
  if (len == 0 || len >= MAX_PATH) return fail(last_error("GetModuleFileName", "ipcbench"));
  std::string cmd = fmt::format("\"{}\" {}", self, args);
  SIZE_T attr_size = 0;
  ::InitializeProcThreadAttributeList(nullptr, 1, 0, &attr_size);
  std::vector<std::byte> attr_buf(attr_size);
  auto* attrs = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(attr_buf.data());
  STARTUPINFOEXA si{};
  si.StartupInfo.cb = sizeof si;
  const bool list = ::InitializeProcThreadAttributeList(attrs, 1, 0, &attr_size) &&
                    ::UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherit.data(),
                                                inherit.size() * sizeof(HANDLE), nullptr, nullptr);
  if (list) si.lpAttributeList = attrs;
  PROCESS_INFORMATION pi{};
  const BOOL ok = ::CreateProcessA(self, cmd.data(), nullptr, nullptr, TRUE, list ? EXTENDED_STARTUPINFO_PRESENT : 0,
                                   nullptr, nullptr, &si.StartupInfo, &pi);
  const Error e = last_error("CreateProcess", "side b");
  if (list) ::DeleteProcThreadAttributeList(attrs);
  if (!ok) return fail(e);
  ::CloseHandle(pi.hThread);
  return pi;
}

// The words of side b's command line, after k_side_b_argument.
enum Arg { a_name, a_test, a_size, a_cpu, a_poll, a_warmup, a_clock, a_rate, a_ctl, a_release, a_parent, a_handoff, a_count };

} // namespace

Result<std::unique_ptr<Partner>> start_partner(Transport& t, Transport* b, const RunSpec& run, std::size_t size,
                                               const Clock& clock) {
  if (b != nullptr || run.threads) return fail(Error{ENOSYS, "start", "side b", "no threads mode on Windows"});
  auto ctl = make_pipe(false, "control");
  if (!ctl) return fail(ctl.error());
  auto release = make_pipe(true, "release");
  if (!release) return fail(release.error());
  const auto handles = std::vector<std::uintptr_t>{reinterpret_cast<std::uintptr_t>(ctl->write.get()),
                                                   reinterpret_cast<std::uintptr_t>(release->read.get())};
  // The handoff is the last word, quoted; none holds a quote, and none ends
  // in a backslash, which would escape the closing quote.
  const std::string handoff = t.handoff();
  if (handoff.find('"') != std::string::npos || (!handoff.empty() && handoff.back() == '\\'))
    return fail(Error{EINVAL, "start", "side b", fmt::format("handoff '{}' cannot be quoted", handoff)});
  const std::string args =
      fmt::format("{} {} {} {} {} {} {} {} {} {} {} {} \"{}\"", k_side_b_argument, run.transport->name,
                  run.test == Test::latency ? "latency" : "throughput", size, run.placement.cpu_b,
                  run.poll == Poll::spin ? "spin" : "block", run.warmup, clock.source() == ClockSource::tsc ? "tsc" : "monotonic",
                  fmt::format("{:.17g}", clock.ticks_per_ns()), handles[0], handles[1], ::GetCurrentProcessId(), handoff);
  std::vector<HANDLE> inherit{ctl->write.get(), release->read.get()};
  for (const auto h : t.inherited()) inherit.push_back(reinterpret_cast<HANDLE>(h));
  auto pi = start_process(args, inherit);
  if (!pi) return fail(pi.error());
  const auto pid = static_cast<pid_t>(pi->dwProcessId);
  set_child(pid);
  // Side b holds its own copies of its ends now: with ours closed, its
  // death is the control pipe's end.
  ctl->write = Handle();
  release->read = Handle();
  return std::unique_ptr<Partner>(
      std::make_unique<WindowsPartner>(Handle(pi->hProcess), pid, std::move(ctl->read), std::move(release->write)));
}

std::optional<int> run_side_b_process(int argc, char** argv) {
  if (argc < 2 || argv[1] != k_side_b_argument) return std::nullopt;
  if (argc != 2 + a_count) return 2;
  const std::vector<std::string_view> arg(argv + 2, argv + argc);
  const TransportInfo* info = find_transport(arg[a_name]);
  const auto size = to_u64(arg[a_size]);
  const auto warmup = to_u64(arg[a_warmup]);
  const auto handles = parse_handle_list(fmt::format("{},{},{}", arg[a_ctl], arg[a_release], arg[a_parent]), 3);
  if (info == nullptr || !size || !warmup || handles.empty()) return 2;
  const auto ctl = static_cast<ControlEnd>(handles[0]);
  const Handle release(reinterpret_cast<HANDLE>(handles[1]));
  const auto parent = static_cast<DWORD>(handles[2]);

  // Side a's end is side b's: a thread ends this process when side a's does.
  if (HANDLE a = ::OpenProcess(SYNCHRONIZE, FALSE, parent)) {
    std::thread([a] {
      ::WaitForSingleObject(a, INFINITE);
      ::TerminateProcess(::GetCurrentProcess(), 1);
    }).detach();
  }
  start_winsock();

  RunSpec spec;
  spec.transport = info;
  spec.test = arg[a_test] == "latency" ? Test::latency : Test::throughput;
  spec.size = static_cast<std::size_t>(*size);
  spec.placement.cpu_b = std::atoi(std::string(arg[a_cpu]).c_str());
  spec.poll = arg[a_poll] == "spin" ? Poll::spin : Poll::block;
  spec.warmup = *warmup;
  const Clock clock = arg[a_clock] == "tsc" ? Clock::tsc_at(std::strtod(std::string(arg[a_rate]).c_str(), nullptr))
                                            : Clock::monotonic();
  auto transport = info->make();
  if (auto r = transport->adopt(arg[a_handoff], ChannelOptions{spec.size, spec.poll, spec.test}); !r) {
    report_error(ctl, r.error());
    return 1;
  }
  // A failure ends this process at once: its ends of the channel close, which
  // ends side a's wait.
  if (!run_side_b(*transport, spec, spec.size, clock, ctl, static_cast<pid_t>(parent))) return 1;
  char c;
  DWORD n = 0;
  while (::ReadFile(release.get(), &c, 1, &n, nullptr) && n > 0) {
  }
  return 0;
}

} // namespace ipcctl::bench
