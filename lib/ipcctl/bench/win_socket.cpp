// Windows sockets: TCP and UDP over IPv4 loopback and AF_UNIX streams. Side a
// listens (or, for UDP, binds) and names its port or path in handoff(); side
// b connects, and side a accepts in attach(). A socket is not handed over by
// inheritance: Winsock providers need WSADuplicateSocket for that, and a
// connect is what a real client does anyway. UDP: side b says hello first,
// whose source becomes side a's only peer; a receive gives up after half a
// second (a lost datagram must not block a run), as on Linux.
#include <ipcctl/bench/lifecycle.hpp>
#include <ipcctl/bench/spin.hpp>
#include <ipcctl/bench/transports.hpp>
#include <ipcctl/bench/win.hpp>

#include <ipcctl/util/parse.hpp>
#include <ipcctl/windows/nt.hpp>

#include <fmt/format.h>

// clang-format off: winsock2 before windows.h
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
// clang-format on

#include <atomic>
#include <cerrno>
#include <cstdio>

namespace ipcctl::bench {

namespace {

enum class Net { tcp, udp, unix_stream };

// AF_UNIX (Windows 10 1803 and later), declared here: not every MinGW has afunix.h.
constexpr int k_af_unix = 1;
struct SockaddrUn {
  ADDRESS_FAMILY sun_family;
  char sun_path[108];
};

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

SockaddrUn unix_address(const std::string& path) {
  SockaddrUn a{};
  a.sun_family = k_af_unix;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
  return a;
}

void set_timeout(SOCKET s, DWORD ms) {
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&ms), sizeof ms);
}

class SocketTransport : public Transport {
public:
  explicit SocketTransport(Net net) : m_net(net) {}
  ~SocketTransport() override {
    for (SOCKET s : {m_listen, m_s})
      if (s != INVALID_SOCKET) ::closesocket(s);
    remove_path();
  }

  std::size_t max_size() const override { return m_net == Net::udp ? 65507 : 0; }
  std::string max_size_source() const override { return m_net == Net::udp ? "the UDP datagram limit over IPv4" : ""; }

  Result<void> setup(const ChannelOptions& opts) override {
    m_poll = opts.poll;
    start_winsock();
    if (m_net == Net::udp) {
      m_s = ::socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
      if (m_s == INVALID_SOCKET) return fail(socket_error("socket", "UDP"));
      big_buffers(m_s);
      const auto a = loopback(0);
      if (::bind(m_s, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) return fail(socket_error("bind", "UDP"));
      set_timeout(m_s, 10'000);  // for side b's hello
      m_handoff = std::to_string(port_of(m_s));
      return {};
    }
    if (m_net == Net::unix_stream) {
      m_listen = ::socket(k_af_unix, SOCK_STREAM, 0);
      if (m_listen == INVALID_SOCKET) {
        // Absent here (Wine 8, Windows before 1803): a skip that says where.
        const auto wine = win::wine_version();
        return fail(Error{ENOSYS, "socket(AF_UNIX)", wine ? fmt::format("under Wine {}", *wine) : "on this Windows"});
      }
      char dir[MAX_PATH];
      const DWORD n = ::GetTempPathA(MAX_PATH, dir);
      static std::atomic<unsigned> counter{0};
      m_path = fmt::format("{}ipcbench-{}-{}.sock", std::string_view(dir, n), ::GetCurrentProcessId(), counter++);
      ::DeleteFileA(m_path.c_str());
      track_path(m_path.c_str(), false);
      const auto a = unix_address(m_path);
      if (::bind(m_listen, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 || ::listen(m_listen, 1) != 0)
        return fail(socket_error("bind", "AF_UNIX"));
      m_handoff = m_path;
      return {};
    }
    m_listen = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (m_listen == INVALID_SOCKET) return fail(socket_error("socket", "TCP"));
    const auto a = loopback(0);
    if (::bind(m_listen, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 || ::listen(m_listen, 1) != 0)
      return fail(socket_error("bind", "TCP"));
    m_handoff = std::to_string(port_of(m_listen));
    return {};
  }

  std::string handoff() const override { return m_handoff; }

  Result<void> adopt(std::string_view text, const ChannelOptions& opts) override {
    m_poll = opts.poll;
    start_winsock();
    if (m_net == Net::unix_stream) {
      m_s = ::socket(k_af_unix, SOCK_STREAM, 0);
      if (m_s == INVALID_SOCKET) return fail(socket_error("socket", "AF_UNIX"));
      const auto a = unix_address(std::string(text));
      if (::connect(m_s, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) return fail(socket_error("connect", "AF_UNIX"));
      return {};
    }
    const auto port = to_u64(text);
    if (!port || *port == 0 || *port > 65535) return fail(Error{EINVAL, "adopt", std::string(text), "expected a port"});
    const auto a = loopback(static_cast<std::uint16_t>(*port));
    const bool udp = m_net == Net::udp;
    m_s = ::socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, udp ? IPPROTO_UDP : IPPROTO_TCP);
    if (m_s == INVALID_SOCKET) return fail(socket_error("socket", udp ? "UDP" : "TCP"));
    if (udp) big_buffers(m_s);
    if (::connect(m_s, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0)
      return fail(socket_error("connect", udp ? "UDP" : "TCP"));
    if (udp) {
      if (::send(m_s, "hello", 5, 0) == SOCKET_ERROR) return fail(socket_error("send", "UDP"));
      set_timeout(m_s, 500);
    } else {
      no_delay(m_s);
    }
    return {};
  }

  Result<void> attach(Side side, pid_t) override {
    if (side == Side::a) {
      if (m_net == Net::udp) {
        char hello[8];
        sockaddr_in from{};
        int len = sizeof from;
        if (::recvfrom(m_s, hello, sizeof hello, 0, reinterpret_cast<sockaddr*>(&from), &len) == SOCKET_ERROR)
          return fail(socket_error("recvfrom", "UDP"));
        if (::connect(m_s, reinterpret_cast<sockaddr*>(&from), len) != 0) return fail(socket_error("connect", "UDP"));
        set_timeout(m_s, 500);
      } else {
        // Side b may never connect (it failed before): wait 10 s, not for ever.
        fd_set ready;
        FD_ZERO(&ready);
        FD_SET(m_listen, &ready);
        timeval wait{10, 0};
        if (::select(0, &ready, nullptr, nullptr, &wait) != 1)
          return fail(Error{ETIMEDOUT, "accept", "socket", "side b did not connect within 10 s"});
        m_s = ::accept(m_listen, nullptr, nullptr);
        if (m_s == INVALID_SOCKET) return fail(socket_error("accept"));
        ::closesocket(m_listen);
        m_listen = INVALID_SOCKET;
        if (m_net == Net::tcp) no_delay(m_s);
        remove_path();  // both ends are connected: the name has done its work
      }
    }
    if (m_poll == Poll::spin) {
      u_long on = 1;
      if (::ioctlsocket(m_s, FIONBIO, &on) != 0) return fail(socket_error("ioctlsocket", "FIONBIO"));
    }
    return {};
  }

  Result<void> send(const std::byte* data, std::size_t size) override {
    Backoff backoff;
    while (size > 0) {
      const int n = ::send(m_s, reinterpret_cast<const char*>(data), static_cast<int>(size), 0);
      if (n == SOCKET_ERROR) {
        const int err = ::WSAGetLastError();
        if (err == WSAEWOULDBLOCK || err == WSAENOBUFS) {  // a full buffer: wait and retry
          if (!backoff.wait()) return fail(aborted_error("send"));
          continue;
        }
        return fail(socket_error("send"));
      }
      if (m_net == Net::udp && static_cast<std::size_t>(n) != size)
        return fail(Error{EMSGSIZE, "send", "socket", "message sent in part"});
      data += n;
      size -= static_cast<std::size_t>(n);
    }
    return {};
  }

  Result<void> recv(std::byte* data, std::size_t size) override {
    Backoff backoff;
    while (size > 0) {
      const int n = ::recv(m_s, reinterpret_cast<char*>(data), static_cast<int>(size), 0);
      if (n == SOCKET_ERROR) {
        const int err = ::WSAGetLastError();
        if (err == WSAEWOULDBLOCK) {
          if (!backoff.wait()) return fail(aborted_error("recv"));
          continue;
        }
        if (err == WSAETIMEDOUT) return fail(Error{ETIMEDOUT, "recv", "socket", "no message for 0.5 s"});
        return fail(socket_error("recv"));
      }
      if (n == 0 && m_net != Net::udp) return fail(Error{EPIPE, "recv", "socket", "end of file: the other side is gone"});
      if (m_net == Net::udp) {
        if (static_cast<std::size_t>(n) != size)
          return fail(Error{EMSGSIZE, "recv", "socket", fmt::format("message of {} bytes, expected {}", n, size)});
        return {};
      }
      data += n;
      size -= static_cast<std::size_t>(n);
    }
    return {};
  }

private:
  static std::uint16_t port_of(SOCKET s) {
    sockaddr_in a{};
    int len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
  }
  static void no_delay(SOCKET s) {
    BOOL on = TRUE;
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&on), sizeof on);
  }
  // A 64K datagram fits, and a stream's burst is dropped less.
  static void big_buffers(SOCKET s) {
    int bytes = 1 << 20;
    ::setsockopt(s, SOL_SOCKET, SO_SNDBUF, reinterpret_cast<const char*>(&bytes), sizeof bytes);
    ::setsockopt(s, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<const char*>(&bytes), sizeof bytes);
  }
  void remove_path() {
    if (m_path.empty()) return;
    ::DeleteFileA(m_path.c_str());
    forget_path(m_path.c_str());
    m_path.clear();
  }

  Net m_net;
  Poll m_poll = Poll::block;
  SOCKET m_listen = INVALID_SOCKET, m_s = INVALID_SOCKET;
  std::string m_handoff, m_path;  // m_path: side a's AF_UNIX file, until side b has connected
};

} // namespace

std::unique_ptr<Transport> make_win_tcp() { return std::make_unique<SocketTransport>(Net::tcp); }
std::unique_ptr<Transport> make_win_udp() { return std::make_unique<SocketTransport>(Net::udp); }
std::unique_ptr<Transport> make_win_unix() { return std::make_unique<SocketTransport>(Net::unix_stream); }

} // namespace ipcctl::bench
