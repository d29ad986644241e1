// The Windows mechanisms of ipcbench: anonymous and named pipes, a section
// signalled by an event pair or by spinning, loopback TCP and UDP, AF_UNIX,
// and a mailslot (one way).
#include <ipcctl/windows/bench.hpp>

#include <ipcctl/windows/nt.hpp>

#include <fmt/format.h>

// clang-format off: winsock2 before windows.h
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
// clang-format on

#include <atomic>
#include <cstring>

namespace ipcctl::win::bench {

namespace {

Error last(std::string op, std::string subject) { return win_error(::GetLastError(), std::move(op), std::move(subject)); }
// The last socket error, read before anything else can change it; the
// operation is OP, or OP(WHAT).
Error wsa(std::string_view op, std::string_view what = {}) {
  const auto code = static_cast<unsigned long>(::WSAGetLastError());
  return win_error(code, what.empty() ? std::string(op) : fmt::format("{}({})", op, what), "socket");
}

// ---- handles: anonymous and named pipes, mailslots -------------------------

class HandleChannel : public Channel {
public:
  HandleChannel(Handle read, Handle write, bool message) : m_read(std::move(read)), m_write(std::move(write)), m_message(message) {}
  explicit HandleChannel(Handle both, bool message) : m_read(std::move(both)), m_message(message) {}

  Result<void> send(std::span<const std::byte> msg) override {
    void* h = m_write ? m_write.get() : m_read.get();
    while (!msg.empty()) {
      DWORD n = 0;
      if (!::WriteFile(h, msg.data(), static_cast<DWORD>(msg.size()), &n, nullptr)) return fail(last("WriteFile", "channel"));
      msg = msg.subspan(n);
    }
    return {};
  }
  Result<void> recv(std::span<std::byte> msg) override {
    while (!msg.empty()) {
      DWORD n = 0;
      if (!::ReadFile(m_read.get(), msg.data(), static_cast<DWORD>(msg.size()), &n, nullptr))
        return fail(last("ReadFile", "channel"));
      if (n == 0 && !m_message) return fail(Error{EPIPE, "ReadFile", "channel", {}});
      if (m_message) return {};  // one message
      msg = msg.subspan(n);
    }
    return {};
  }
  void* handle() const { return m_read.get(); }

private:
  Handle m_read, m_write;
  bool m_message;
};

Result<Opened> make_anonymous(const std::string&, std::size_t) {
  SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, TRUE};
  HANDLE down_r, down_w, up_r, up_w;
  if (!::CreatePipe(&down_r, &down_w, &sa, 0)) return fail(last("CreatePipe", "anonymous pipe"));
  if (!::CreatePipe(&up_r, &up_w, &sa, 0)) return fail(last("CreatePipe", "anonymous pipe"));
  // Only the child's ends are inherited.
  ::SetHandleInformation(down_w, HANDLE_FLAG_INHERIT, 0);
  ::SetHandleInformation(up_r, HANDLE_FLAG_INHERIT, 0);
  Opened o;
  o.channel = std::make_unique<HandleChannel>(Handle(up_r), Handle(down_w), false);
  o.child_arg = fmt::format("{},{}", reinterpret_cast<std::uintptr_t>(down_r), reinterpret_cast<std::uintptr_t>(up_w));
  o.inherit = {down_r, up_w};
  return o;
}

Result<std::unique_ptr<Channel>> open_anonymous(const std::string& arg, std::size_t) {
  std::uintptr_t r = 0, w = 0;
  if (std::sscanf(arg.c_str(), "%llu,%llu", reinterpret_cast<unsigned long long*>(&r),
                  reinterpret_cast<unsigned long long*>(&w)) != 2)
    return fail(Error{EINVAL, "parse", arg, {}});
  return std::unique_ptr<Channel>(std::make_unique<HandleChannel>(Handle(reinterpret_cast<HANDLE>(r)),
                                                                   Handle(reinterpret_cast<HANDLE>(w)), false));
}

std::string pipe_path(const std::string& tag) { return "\\\\.\\pipe\\ipcbench-" + tag; }

Result<Opened> make_named(const std::string& tag, std::size_t size, bool message) {
  const DWORD mode = message ? PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE : PIPE_TYPE_BYTE;
  const auto buffer = static_cast<DWORD>(std::max<std::size_t>(size, 64 * 1024));
  HANDLE h = ::CreateNamedPipeW(wide(pipe_path(tag)).c_str(), PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE,
                                mode | PIPE_WAIT, 1, buffer, buffer, 0, nullptr);
  if (h == INVALID_HANDLE_VALUE) return fail(last("CreateNamedPipe", pipe_path(tag)));
  Opened o;
  o.channel = std::make_unique<HandleChannel>(Handle(h), message);
  o.child_arg = pipe_path(tag);
  return o;
}

Result<std::unique_ptr<Channel>> open_named(const std::string& path, bool message) {
  HANDLE h = INVALID_HANDLE_VALUE;
  for (int tries = 0; tries < 100 && h == INVALID_HANDLE_VALUE; ++tries) {
    h = ::CreateFileW(wide(path).c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0, nullptr);
    if (h == INVALID_HANDLE_VALUE) ::WaitNamedPipeW(wide(path).c_str(), 100);
  }
  if (h == INVALID_HANDLE_VALUE) return fail(last("CreateFile", path));
  if (message) {
    DWORD mode = PIPE_READMODE_MESSAGE;
    if (!::SetNamedPipeHandleState(h, &mode, nullptr, nullptr)) return fail(last("SetNamedPipeHandleState", path));
  }
  return std::unique_ptr<Channel>(std::make_unique<HandleChannel>(Handle(h), message));
}

Result<void> connect_named(Channel& c) {
  auto& hc = static_cast<HandleChannel&>(c);
  if (!::ConnectNamedPipe(hc.handle(), nullptr) && ::GetLastError() != ERROR_PIPE_CONNECTED)
    return fail(last("ConnectNamedPipe", "pipe"));
  return {};
}

std::string slot_path(const std::string& tag) { return "\\\\.\\mailslot\\ipcbench-" + tag; }

Result<Opened> make_mailslot(const std::string& tag, std::size_t) {
  // A read gives up after 10 s: a child that died sends nothing more, and a
  // mailslot has no writer's end to break.
  HANDLE h = ::CreateMailslotW(wide(slot_path(tag)).c_str(), 0, 10000, nullptr);
  if (h == INVALID_HANDLE_VALUE) return fail(last("CreateMailslot", slot_path(tag)));
  Opened o;
  o.channel = std::make_unique<HandleChannel>(Handle(h), true);
  o.child_arg = slot_path(tag);
  return o;
}

Result<std::unique_ptr<Channel>> open_mailslot(const std::string& path, std::size_t) {
  HANDLE h = ::CreateFileW(wide(path).c_str(), GENERIC_WRITE, FILE_SHARE_READ, nullptr, OPEN_EXISTING, 0, nullptr);
  if (h == INVALID_HANDLE_VALUE) return fail(last("CreateFile", path));
  return std::unique_ptr<Channel>(std::make_unique<HandleChannel>(Handle(h), true));
}

// ---- a section, signalled by events or by spinning --------------------------

// The section: a header of two sequence numbers, then one slot per direction.
struct alignas(64) Header {
  std::atomic<std::uint64_t> seq[2];  // [0] measuring end -> child, [1] back
  char pad[48];
};

class SectionChannel : public Channel {
public:
  SectionChannel(Handle mapping, std::byte* base, std::size_t size, int side, Handle ev_out, Handle ev_in, bool spin)
      : m_mapping(std::move(mapping)), m_base(base), m_size(size), m_side(side), m_out(std::move(ev_out)),
        m_in(std::move(ev_in)), m_spin(spin) {}
  ~SectionChannel() override { ::UnmapViewOfFile(m_base); }

  Result<void> send(std::span<const std::byte> msg) override {
    std::memcpy(slot(m_side), msg.data(), msg.size());
    header().seq[m_side].store(++m_sent, std::memory_order_release);
    if (!m_spin && !::SetEvent(m_out.get())) return fail(last("SetEvent", "section"));
    return {};
  }
  Result<void> recv(std::span<std::byte> msg) override {
    const int from = 1 - m_side;
    ++m_received;
    if (m_spin) {
      const ULONGLONG deadline = ::GetTickCount64() + 30000;
      for (unsigned spins = 0; header().seq[from].load(std::memory_order_acquire) != m_received; ++spins) {
        if (spins % 4096 != 4095) {
          YieldProcessor();
          continue;
        }
        ::SwitchToThread();  // one CPU, or a peer that was descheduled
        if (::GetTickCount64() > deadline) return fail(Error{ETIMEDOUT, "spin", "section", {}});
      }
    } else if (::WaitForSingleObject(m_in.get(), 30000) != WAIT_OBJECT_0) {
      return fail(Error{ETIMEDOUT, "WaitForSingleObject", "section event", {}});
    }
    std::memcpy(msg.data(), slot(from), msg.size());
    return {};
  }

private:
  Header& header() { return *reinterpret_cast<Header*>(m_base); }
  std::byte* slot(int side) { return m_base + sizeof(Header) + static_cast<std::size_t>(side) * m_size; }

  Handle m_mapping;
  std::byte* m_base;
  std::size_t m_size;
  int m_side;
  Handle m_out, m_in;
  bool m_spin;
  std::uint64_t m_sent = 0, m_received = 0;
};

std::string section_name(const std::string& tag) { return "Local\\ipcbench-" + tag; }

Result<std::unique_ptr<Channel>> section_end(const std::string& tag, std::size_t size, int side, bool spin) {
  const std::size_t total = sizeof(Header) + 2 * size;
  const std::wstring name = wide(section_name(tag));
  HANDLE m = side == 0 ? ::CreateFileMappingW(INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE, 0,
                                              static_cast<DWORD>(total), name.c_str())
                       : ::OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, name.c_str());
  if (m == nullptr) return fail(last("CreateFileMapping", section_name(tag)));
  Handle mapping(m);
  auto* base = static_cast<std::byte*>(::MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, total));
  if (base == nullptr) return fail(last("MapViewOfFile", section_name(tag)));
  Handle ev[2];
  if (!spin) {
    for (int i = 0; i < 2; ++i) {
      const std::wstring ev_name = wide(fmt::format("{}-{}", section_name(tag), i));
      HANDLE e = side == 0 ? ::CreateEventW(nullptr, FALSE, FALSE, ev_name.c_str())
                           : ::OpenEventW(EVENT_MODIFY_STATE | SYNCHRONIZE, FALSE, ev_name.c_str());
      if (e == nullptr) return fail(last("CreateEvent", "section event"));
      ev[i] = Handle(e);
    }
  }
  // Event i signals a message in direction i.
  Handle out = std::move(ev[side]), in = std::move(ev[1 - side]);
  return std::unique_ptr<Channel>(
      std::make_unique<SectionChannel>(std::move(mapping), base, size, side, std::move(out), std::move(in), spin));
}

// ---- sockets ---------------------------------------------------------------

class SocketChannel : public Channel {
public:
  explicit SocketChannel(SOCKET s, bool datagram) : m_s(s), m_datagram(datagram) {}
  ~SocketChannel() override {
    if (m_listen != INVALID_SOCKET) ::closesocket(m_listen);
    if (m_s != INVALID_SOCKET) ::closesocket(m_s);
  }
  Result<void> send(std::span<const std::byte> msg) override {
    while (!msg.empty()) {
      const int n = ::send(m_s, reinterpret_cast<const char*>(msg.data()), static_cast<int>(msg.size()), 0);
      if (n == SOCKET_ERROR) return fail(wsa("send"));
      msg = msg.subspan(static_cast<std::size_t>(n));
    }
    return {};
  }
  Result<void> recv(std::span<std::byte> msg) override {
    while (!msg.empty()) {
      const int n = ::recv(m_s, reinterpret_cast<char*>(msg.data()), static_cast<int>(msg.size()), 0);
      if (n == SOCKET_ERROR) return fail(wsa("recv"));
      if (n == 0) return fail(Error{EPIPE, "recv", "socket", {}});
      if (m_datagram) return {};
      msg = msg.subspan(static_cast<std::size_t>(n));
    }
    return {};
  }
  SOCKET m_s;
  SOCKET m_listen = INVALID_SOCKET;
  bool m_datagram;
};

// A lost datagram, or a peer gone, must not block a read for ever.
void read_timeout(SOCKET s) {
  DWORD ms = 10000;
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&ms), sizeof ms);
}

void no_delay(SOCKET s) {
  BOOL on = TRUE;
  ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&on), sizeof on);
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

std::uint16_t port_of(SOCKET s) {
  sockaddr_in a{};
  int len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// A stream socket bound to `addr` and listening: the measuring end, which
// accepts once the child has connected.
Result<Opened> listening(int family, int protocol, const void* addr, int len, const char* what) {
  SOCKET l = ::socket(family, SOCK_STREAM, protocol);
  if (l == INVALID_SOCKET) return fail(wsa("socket", what));
  if (::bind(l, static_cast<const sockaddr*>(addr), len) != 0 || ::listen(l, 1) != 0) {
    const Error e = wsa("bind", what);  // before closesocket changes it
    ::closesocket(l);
    return fail(e);
  }
  auto c = std::make_unique<SocketChannel>(INVALID_SOCKET, false);
  c->m_listen = l;
  Opened o;
  o.channel = std::move(c);
  return o;
}

// A socket connected to `addr`: the child's end.
Result<SOCKET> connected(int family, int type, int protocol, const void* addr, int len, const char* what) {
  SOCKET s = ::socket(family, type, protocol);
  if (s == INVALID_SOCKET) return fail(wsa("socket", what));
  if (::connect(s, static_cast<const sockaddr*>(addr), len) != 0) {
    const Error e = wsa("connect", what);  // before closesocket changes it
    ::closesocket(s);
    return fail(e);
  }
  return s;
}

Result<void> accept_stream(Channel& ch) {
  auto& c = static_cast<SocketChannel&>(ch);
  c.m_s = ::accept(c.m_listen, nullptr, nullptr);
  if (c.m_s == INVALID_SOCKET) return fail(wsa("accept"));
  return {};
}

Result<Opened> make_tcp(const std::string&, std::size_t) {
  const auto a = loopback(0);
  auto o = listening(AF_INET, IPPROTO_TCP, &a, sizeof a, "TCP");
  if (o) o->child_arg = std::to_string(port_of(static_cast<SocketChannel&>(*o->channel).m_listen));
  return o;
}

Result<void> accept_tcp(Channel& ch) {
  if (auto r = accept_stream(ch); !r) return r;
  no_delay(static_cast<SocketChannel&>(ch).m_s);
  return {};
}

Result<std::unique_ptr<Channel>> open_tcp(const std::string& port, std::size_t) {
  const auto a = loopback(static_cast<std::uint16_t>(std::stoi(port)));
  auto s = connected(AF_INET, SOCK_STREAM, IPPROTO_TCP, &a, sizeof a, "TCP");
  if (!s) return fail(s.error());
  no_delay(*s);
  return std::unique_ptr<Channel>(std::make_unique<SocketChannel>(*s, false));
}

Result<Opened> make_udp(const std::string&, std::size_t) {
  SOCKET s = ::socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  if (s == INVALID_SOCKET) return fail(wsa("socket(UDP)"));
  const auto a = loopback(0);
  if (::bind(s, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    const Error e = wsa("bind(UDP)");  // before closesocket changes it
    ::closesocket(s);
    return fail(e);
  }
  read_timeout(s);
  Opened o;
  o.child_arg = std::to_string(port_of(s));
  o.channel = std::make_unique<SocketChannel>(s, true);
  return o;
}

// The child says hello; its address is then the only peer.
Result<void> accept_udp(Channel& ch) {
  auto& c = static_cast<SocketChannel&>(ch);
  char hello[8];
  sockaddr_in from{};
  int len = sizeof from;
  if (::recvfrom(c.m_s, hello, sizeof hello, 0, reinterpret_cast<sockaddr*>(&from), &len) == SOCKET_ERROR)
    return fail(wsa("recvfrom"));
  if (::connect(c.m_s, reinterpret_cast<sockaddr*>(&from), len) != 0) return fail(wsa("connect"));
  return {};
}

Result<std::unique_ptr<Channel>> open_udp(const std::string& port, std::size_t) {
  const auto a = loopback(static_cast<std::uint16_t>(std::stoi(port)));
  auto s = connected(AF_INET, SOCK_DGRAM, IPPROTO_UDP, &a, sizeof a, "UDP");
  if (!s) return fail(s.error());
  if (::send(*s, "hello", 5, 0) == SOCKET_ERROR) {
    const Error e = wsa("send(UDP)");  // before closesocket changes it
    ::closesocket(*s);
    return fail(e);
  }
  read_timeout(*s);
  return std::unique_ptr<Channel>(std::make_unique<SocketChannel>(*s, true));
}

// AF_UNIX (Windows 10 1803 and later), declared here: not every MinGW has afunix.h.
constexpr int k_af_unix = 1;
struct SockaddrUn {
  ADDRESS_FAMILY sun_family;
  char sun_path[108];
};

SockaddrUn unix_address(const std::string& path) {
  SockaddrUn a{};
  a.sun_family = k_af_unix;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
  return a;
}

std::string unix_path(const std::string& tag) {
  char dir[MAX_PATH];
  const DWORD n = ::GetTempPathA(MAX_PATH, dir);
  return std::string(dir, n) + "ipcbench-" + tag + ".sock";
}

Result<Opened> make_unix(const std::string& tag, std::size_t) {
  const std::string path = unix_path(tag);
  ::DeleteFileA(path.c_str());
  const auto a = unix_address(path);
  auto o = listening(k_af_unix, 0, &a, sizeof a, "AF_UNIX");
  if (o) o->child_arg = path;
  return o;
}

Result<std::unique_ptr<Channel>> open_unix(const std::string& path, std::size_t) {
  const auto a = unix_address(path);
  auto s = connected(k_af_unix, SOCK_STREAM, 0, &a, sizeof a, "AF_UNIX");
  if (!s) return fail(s.error());
  return std::unique_ptr<Channel>(std::make_unique<SocketChannel>(*s, false));
}

Result<Opened> make_section(const std::string& tag, std::size_t size, bool spin) {
  auto end = section_end(tag, size, 0, spin);
  if (!end) return fail(end.error());
  Opened o;
  o.channel = std::move(*end);
  o.child_arg = tag;
  return o;
}

Result<void> nothing(Channel&) { return {}; }

// A section has one slot each way: a sender must wait for the slot to be
// read before it writes again, so its one-way rate is its round trip.
constexpr std::string_view k_one_slot = "one slot each way: its one-way rate is its round trip (see latency)";

const std::vector<Mechanism>& table() {
  static const std::vector<Mechanism> k{
      {"anon-pipe", "anonymous pipe pair (CreatePipe), handles inherited by the child", true, 0, {}, false,
       make_anonymous, open_anonymous, nothing},
      {"named-pipe", "named pipe, byte mode (CreateNamedPipe, one instance)", true, 0, {}, false,
       [](const std::string& t, std::size_t n) { return make_named(t, n, false); },
       [](const std::string& a, std::size_t) { return open_named(a, false); }, connect_named},
      {"named-pipe-msg", "named pipe, message mode", true, 0, {}, false,
       [](const std::string& t, std::size_t n) { return make_named(t, n, true); },
       [](const std::string& a, std::size_t) { return open_named(a, true); }, connect_named},
      {"section-event", "shared section, each message signalled by an auto-reset event", true, 0, k_one_slot, false,
       [](const std::string& t, std::size_t n) { return make_section(t, n, false); },
       [](const std::string& a, std::size_t n) { return section_end(a, n, 1, false); }, nothing},
      {"section-spin", "shared section, polled: the floor, one core busy at each end", true, 0, k_one_slot, false,
       [](const std::string& t, std::size_t n) { return make_section(t, n, true); },
       [](const std::string& a, std::size_t n) { return section_end(a, n, 1, true); }, nothing},
      {"tcp", "TCP over IPv4 loopback, TCP_NODELAY", true, 0, {}, false, make_tcp, open_tcp, accept_tcp},
      {"udp", "UDP over IPv4 loopback", true, 65507, {}, true, make_udp, open_udp, accept_udp},
      {"unix", "AF_UNIX stream socket (Windows 10 1803 and later)", true, 0, {}, false, make_unix, open_unix,
       accept_stream},
      {"mailslot", "mailslot, one way: delivered messages per second", false, 0, {}, false, make_mailslot,
       open_mailslot, nothing},
  };
  return k;
}

} // namespace

std::span<const Mechanism> mechanisms() { return table(); }

const Mechanism* find_mechanism(std::string_view name) {
  for (const auto& m : table())
    if (m.name == name) return &m;
  return nullptr;
}

std::string unavailable(const Mechanism& m) {
  if (m.name != "unix") return {};
  SOCKET s = ::socket(k_af_unix, SOCK_STREAM, 0);
  if (s == INVALID_SOCKET) {
    const auto why = wsa("socket(AF_UNIX)").message();
    if (auto wine = wine_version()) return fmt::format("AF_UNIX is not implemented by Wine {} ({})", *wine, why);
    return fmt::format("AF_UNIX is not available here ({})", why);
  }
  ::closesocket(s);
  return {};
}

} // namespace ipcctl::win::bench
