// Unix sockets (a socketpair: no file name to leak) and TCP/UDP over the
// loopback, IPv4 and IPv6, one socket per side carrying both directions. TCP
// gets TCP_NODELAY, or Nagle's algorithm would hold back small replies; UDP
// sockets are bound and connected to each other, and a receiver that hears
// nothing for half a second reports a timeout so that lost datagrams end a
// throughput run instead of hanging it. Message sockets carry at most 64 KiB
// here (UDP 65,507 bytes): the limit is stated, never silently applied.
#include <ipcctl/bench/io.hpp>
#include <ipcctl/bench/transports.hpp>

#include <ipcctl/util/fd.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace ipcctl::bench {

namespace {

enum class Net { unix_pair, tcp, udp };

class SocketTransport : public Transport {
public:
  SocketTransport(Net net, int type, int family) : m_net(net), m_type(type), m_family(family) {}

  std::size_t max_size() const override {
    if (m_net == Net::udp) return 65507;
    return m_type == SOCK_STREAM ? 0 : 65536;
  }
  std::string max_size_source() const override {
    if (m_net == Net::udp) return "the UDP datagram limit over IPv4";
    return m_type == SOCK_STREAM ? "" : "ipcbench's unix message limit (default socket buffers)";
  }

  Result<void> setup(const ChannelOptions& opts) override {
    m_poll = opts.poll;
    m_lossy = m_net == Net::udp;
    Result<void> r = m_net == Net::unix_pair ? pair() : m_net == Net::tcp ? tcp() : udp();
    if (!r) return r;
    for (auto* fd : {&m_ends[0], &m_ends[1]}) {
      const int buf = 4 << 20;  // room for a few of the largest messages (capped by net.core.*mem_max)
      ::setsockopt(fd->get(), SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
      ::setsockopt(fd->get(), SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
      if (m_lossy) {
        timeval tv{0, 500'000};
        ::setsockopt(fd->get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      }
    }
    return {};
  }

  Result<void> attach(Side side, pid_t) override {
    m_fd = std::move(m_ends[side == Side::a ? 0 : 1]);
    m_ends[0] = UniqueFd{};
    m_ends[1] = UniqueFd{};
    return {};
  }

  Result<std::unique_ptr<Transport>> split() override {
    auto b = std::make_unique<SocketTransport>(m_net, m_type, m_family);
    b->m_poll = m_poll;
    b->m_lossy = m_lossy;
    b->m_ends[1] = std::move(m_ends[1]);
    return b;
  }

  Result<void> send(const std::byte* data, std::size_t size) override {
    return send_all(m_fd.get(), data, size, m_type == SOCK_STREAM);
  }
  Result<void> recv(std::byte* data, std::size_t size) override {
    return recv_all(m_fd.get(), data, size, m_type == SOCK_STREAM, m_poll);
  }

private:
  Result<void> pair() {
    int sv[2];
    if (::socketpair(AF_UNIX, m_type | SOCK_CLOEXEC, 0, sv) != 0) return fail(sys_error("socketpair", "unix"));
    m_ends[0] = UniqueFd{sv[0]};
    m_ends[1] = UniqueFd{sv[1]};
    return {};
  }

  // The loopback address of our family, port 0 (any).
  sockaddr_storage loopback(socklen_t& len) const {
    sockaddr_storage ss{};
    if (m_family == AF_INET) {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
      sin->sin_family = AF_INET;
      sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof(sockaddr_in);
    } else {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_addr = in6addr_loopback;
      len = sizeof(sockaddr_in6);
    }
    return ss;
  }

  const char* what() const { return m_family == AF_INET ? "127.0.0.1" : "[::1]"; }

  // A socket bound to the loopback; `addr` gets its address.
  Result<UniqueFd> bound(int type, sockaddr_storage& addr, socklen_t& len) {
    UniqueFd fd{::socket(m_family, type | SOCK_CLOEXEC, 0)};
    if (!fd) return fail(sys_error("socket", what()));
    addr = loopback(len);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      return fail(sys_error("bind", what()));
    return fd;
  }

  Result<void> tcp() {
    sockaddr_storage addr{};
    socklen_t len = 0;
    auto listener = bound(SOCK_STREAM, addr, len);
    if (!listener) return fail(listener.error());
    if (::listen(listener->get(), 1) != 0) return fail(sys_error("listen", what()));
    UniqueFd client{::socket(m_family, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (!client || ::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0)
      return fail(sys_error("connect", what()));
    UniqueFd server{::accept4(listener->get(), nullptr, nullptr, SOCK_CLOEXEC)};
    if (!server) return fail(sys_error("accept", what()));
    const int one = 1;
    for (int fd : {client.get(), server.get()}) ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    m_ends[0] = std::move(client);
    m_ends[1] = std::move(server);
    return {};
  }

  Result<void> udp() {
    sockaddr_storage addr[2]{};
    socklen_t len[2]{};
    for (int i = 0; i < 2; ++i) {
      auto fd = bound(SOCK_DGRAM, addr[i], len[i]);
      if (!fd) return fail(fd.error());
      m_ends[i] = std::move(*fd);
    }
    for (int i = 0; i < 2; ++i)
      if (::connect(m_ends[i].get(), reinterpret_cast<sockaddr*>(&addr[1 - i]), len[1 - i]) != 0)
        return fail(sys_error("connect", what()));
    return {};
  }

  Net m_net;
  int m_type, m_family;
  bool m_lossy = false;
  Poll m_poll = Poll::block;
  UniqueFd m_ends[2], m_fd;
};

} // namespace

std::unique_ptr<Transport> make_unix_stream() { return std::make_unique<SocketTransport>(Net::unix_pair, SOCK_STREAM, AF_UNIX); }
std::unique_ptr<Transport> make_unix_dgram() { return std::make_unique<SocketTransport>(Net::unix_pair, SOCK_DGRAM, AF_UNIX); }
std::unique_ptr<Transport> make_unix_seqpacket() { return std::make_unique<SocketTransport>(Net::unix_pair, SOCK_SEQPACKET, AF_UNIX); }
std::unique_ptr<Transport> make_tcp4() { return std::make_unique<SocketTransport>(Net::tcp, SOCK_STREAM, AF_INET); }
std::unique_ptr<Transport> make_tcp6() { return std::make_unique<SocketTransport>(Net::tcp, SOCK_STREAM, AF_INET6); }
std::unique_ptr<Transport> make_udp4() { return std::make_unique<SocketTransport>(Net::udp, SOCK_DGRAM, AF_INET); }
std::unique_ptr<Transport> make_udp6() { return std::make_unique<SocketTransport>(Net::udp, SOCK_DGRAM, AF_INET6); }

} // namespace ipcctl::bench
