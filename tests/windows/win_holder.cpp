// Test helper for the Windows cli test: `win_holder server TAG SECONDS`
// makes one object of every kind ipcctl mk makes, named ipcctl-test-TAG-*,
// and a loopback TCP listener with one connection to itself, and holds them; `win_holder client TAG SECONDS` opens the server's pipe
// as a client. Each prints "pid N" and then "ready", and exits after
// SECONDS (or when killed).
#include <ipcctl/windows/create.hpp>

#include <fmt/format.h>

#include <winsock2.h>
#include <windows.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace ipcctl;

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "win_holder: %s\n", what.c_str());
  std::exit(1);
}

win::Handle make(model::Kind kind, const std::string& name, auto&& set) {
  win::CreateRequest r;
  r.kind = kind;
  r.name = name;
  set(r);
  auto made = win::create(r);
  if (!made) die(fmt::format("create {}: {}", name, made.error().message()));
  std::printf("ref %s\n", made->ref.c_str());
  return std::move(made->handle);
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 4) die("usage: win_holder server|client TAG SECONDS");
  const std::string mode = argv[1], tag = argv[2];
  const int seconds = std::atoi(argv[3]);
  const std::string prefix = "ipcctl-test-" + tag + "-";
  std::vector<win::Handle> held;
  std::printf("pid %lu\n", ::GetCurrentProcessId());
  if (mode == "server") {
    using model::Kind;
    held.push_back(make(Kind::win_event, prefix + "event", [](auto& r) { r.manual_reset = r.signaled = true; }));
    held.push_back(make(Kind::win_mutant, prefix + "mutex", [](auto&) {}));
    held.push_back(make(Kind::win_semaphore, prefix + "sem", [](auto& r) { r.value = 2, r.maximum = 5; }));
    held.push_back(make(Kind::win_section, prefix + "section", [](auto& r) { r.size = 65536; }));
    held.push_back(make(Kind::win_pipe, prefix + "pipe", [](auto& r) { r.message_mode = true; }));
    held.push_back(make(Kind::win_mailslot, prefix + "slot", [](auto&) {}));
    // Own the mutex, so that it shows as held.
    if (::WaitForSingleObject(held[1].get(), 0) != WAIT_OBJECT_0) die("could not take the mutex");
    WSADATA wsa;
    ::WSAStartup(MAKEWORD(2, 2), &wsa);
    SOCKET l = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), c = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int len = sizeof a;
    if (::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(l, 1) != 0 ||
        ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len) != 0 ||
        ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::accept(l, nullptr, nullptr) == INVALID_SOCKET)
      die(fmt::format("loopback TCP: error {}", ::WSAGetLastError()));
    std::printf("tcp 127.0.0.1:%u\n", ntohs(a.sin_port));
  } else if (mode == "client") {
    const std::wstring path = L"\\\\.\\pipe\\" + std::wstring(prefix.begin(), prefix.end()) + L"pipe";
    HANDLE h = ::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0, nullptr);
    if (h == INVALID_HANDLE_VALUE) die(fmt::format("open the pipe: error {}", ::GetLastError()));
    held.emplace_back(h);
  } else {
    die("mode is server or client");
  }
  std::printf("ready\n");
  std::fflush(stdout);
  ::Sleep(static_cast<DWORD>(seconds) * 1000);
  return 0;
}
