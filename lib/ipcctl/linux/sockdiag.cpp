// Sockets come from sock_diag netlink when we look at the running kernel:
// it is what `ss` uses, it is the only source of a unix socket's peer and
// queue lengths, and it is one dump per family instead of a text file to
// parse. /proc/net/{unix,tcp,tcp6,udp,udp6} is the fallback: it is all a
// captured tree has, and it still works where the diag modules are missing
// or netlink is filtered. Only the unix fallback loses information (peers,
// queues, uids), so only it warns.
//
// A netlink socket's peer is where it sends: the socket bound to its
// destination port id in the same protocol, which is the kernel's own socket
// (port 0) unless it was connected to a process's port. Multicast (udev's
// monitor sockets, which send to a group) has no one peer.
//
// A tcp or udp socket's peer is found by matching endpoints: another listed
// socket whose local end is our remote end and whose remote end is our
// local end. IPv4 is compared in its IPv6-mapped form, so a v4 client and
// the dual-stack v6 socket that accepted it still meet.
//
// Netlink buffers are decoded with memcpy only: they come from the kernel,
// a capture, or a fuzzer, and none of them promises alignment.
#include <ipcctl/linux/sockdiag.hpp>

#include <ipcctl/util/dirfd.hpp>
#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/netlink_diag.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>

namespace ipcctl::sys {

using model::Kind;
using model::Object;

// ---------------------------------------------------------------- names

std::string endpoint_text(InetFamily family, const InetEndpoint& e) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == InetFamily::inet) {
    ::inet_ntop(AF_INET, e.addr.data(), buf, sizeof buf);
    return fmt::format("{}:{}", buf, e.port);
  }
  ::inet_ntop(AF_INET6, e.addr.data(), buf, sizeof buf);
  return fmt::format("[{}]:{}", buf, e.port);
}

std::string_view socket_state_name(int state) {
  switch (state) {
  case TCP_ESTABLISHED: return "ESTAB";
  case TCP_SYN_SENT: return "SYN-SENT";
  case TCP_SYN_RECV: return "SYN-RECV";
  case TCP_FIN_WAIT1: return "FIN-WAIT-1";
  case TCP_FIN_WAIT2: return "FIN-WAIT-2";
  case TCP_TIME_WAIT: return "TIME-WAIT";
  case TCP_CLOSE: return "UNCONN";
  case TCP_CLOSE_WAIT: return "CLOSE-WAIT";
  case TCP_LAST_ACK: return "LAST-ACK";
  case TCP_LISTEN: return "LISTEN";
  case TCP_CLOSING: return "CLOSING";
  case 12: return "NEW-SYN-RECV";     // TCP_NEW_SYN_RECV, not in glibc's header
  case 13: return "BOUND-INACTIVE";   // TCP_BOUND_INACTIVE (Linux 6.7)
  default: return "UNKNOWN";
  }
}

std::string_view socket_type_name(int type) {
  switch (type) {
  case SOCK_STREAM: return "stream";
  case SOCK_DGRAM: return "dgram";
  case SOCK_SEQPACKET: return "seqpacket";
  default: return "unknown";
  }
}

std::string netlink_protocol_name(int protocol) {
  // The NETLINK_* constants of linux/netlink.h, lower case.
  static constexpr std::string_view k_names[] = {
      "route",   "unused",     "usersock",  "firewall", "sock_diag",      "nflog",   "xfrm",
      "selinux", "iscsi",      "audit",     "fib_lookup", "connector",    "netfilter", "ip6_fw",
      "dnrtmsg", "kobject_uevent", "generic", "",       "scsitransport", "ecryptfs", "rdma",
      "crypto",  "smc"};
  if (protocol >= 0 && static_cast<std::size_t>(protocol) < std::size(k_names) && !k_names[protocol].empty())
    return std::string(k_names[protocol]);
  return std::to_string(protocol);
}

// ---------------------------------------------------------------- /proc/net

std::vector<UnixSocket> parse_proc_net_unix(std::string_view text) {
  // "Num: RefCount Protocol Flags Type St Inode Path": seven fields, then
  // one space and the path exactly as bound.
  constexpr std::uint64_t k_acceptcon = 0x10000;  // __SO_ACCEPTCON: listening
  std::vector<UnixSocket> out;
  for_each_line(text, [&](std::string_view line) {
    std::array<std::string_view, 7> f;
    std::size_t pos = 0;
    for (auto& field : f) {
      while (pos < line.size() && line[pos] == ' ') ++pos;
      const std::size_t start = pos;
      while (pos < line.size() && line[pos] != ' ') ++pos;
      field = line.substr(start, pos - start);
      if (field.empty()) return;
    }
    const auto flags = to_u64(f[3], 16);
    const auto type = to_u64(f[4], 16);
    const auto st = to_u64(f[5], 16);
    const auto inode = to_u64(f[6]);
    if (f[0].back() != ':' || !flags || !type || !st || !inode || *type > 255) return;
    UnixSocket s;
    s.inode = *inode;
    s.type = static_cast<int>(*type);
    if (*flags & k_acceptcon) {
      s.state = TCP_LISTEN;
    } else {
      switch (*st) {  // socket_state: SS_UNCONNECTED, SS_CONNECTING, SS_CONNECTED, SS_DISCONNECTING
      case 1: s.state = TCP_CLOSE; break;
      case 2: s.state = TCP_SYN_SENT; break;
      case 3: s.state = TCP_ESTABLISHED; break;
      case 4: s.state = TCP_CLOSING; break;
      default: s.state = 0; break;
      }
    }
    if (pos + 1 < line.size()) {
      s.name = std::string(line.substr(pos + 1));
      s.abstract = s.name->front() == '@';
    }
    out.push_back(std::move(s));
  });
  return out;
}

namespace {

// "0100007F:0050": hex words in host byte order, then the port.
bool parse_proc_endpoint(std::string_view text, InetFamily family, InetEndpoint& e) {
  const std::size_t words = family == InetFamily::inet ? 1 : 4;
  const auto colon = text.find(':');
  if (colon != words * 8) return false;
  for (std::size_t i = 0; i < words; ++i) {
    const auto w = to_u64(text.substr(i * 8, 8), 16);
    if (!w) return false;
    const auto word = static_cast<std::uint32_t>(*w);
    std::memcpy(e.addr.data() + i * 4, &word, sizeof word);
  }
  const auto port = to_u64(text.substr(colon + 1), 16);
  if (!port || *port > 0xffff) return false;
  e.port = static_cast<std::uint16_t>(*port);
  return true;
}

// "00000010:00000020" -> {0x10, 0x20}
bool parse_hex_pair(std::string_view text, std::int64_t& a, std::int64_t& b) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  const auto x = to_u64(text.substr(0, colon), 16);
  const auto y = to_u64(text.substr(colon + 1), 16);
  if (!x || !y || *x > 0xffffffff || *y > 0xffffffff) return false;
  a = static_cast<std::int64_t>(*x);
  b = static_cast<std::int64_t>(*y);
  return true;
}

} // namespace

std::vector<InetSocket> parse_proc_net_inet(std::string_view text, InetFamily family) {
  // sl local rem st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
  std::vector<InetSocket> out;
  for_each_line(text, [&](std::string_view line) {
    const auto f = split_ws(line);
    if (f.size() < 10 || f[0].back() != ':') return;
    InetSocket s;
    s.family = family;
    const auto st = to_u64(f[3], 16);
    const auto uid = to_u64(f[7]);
    const auto inode = to_u64(f[9]);
    if (!parse_proc_endpoint(f[1], family, s.local) || !parse_proc_endpoint(f[2], family, s.remote) ||
        !parse_hex_pair(f[4], s.wqueue, s.rqueue) || !st || *st > 255 || !uid || *uid > 0xffffffff || !inode)
      return;
    s.state = static_cast<int>(*st);
    s.uid = static_cast<std::uint32_t>(*uid);
    s.inode = *inode;
    out.push_back(s);
  });
  return out;
}

std::vector<NetlinkSocket> parse_proc_net_netlink(std::string_view text) {
  // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
  std::vector<NetlinkSocket> out;
  for_each_line(text, [&](std::string_view line) {
    const auto f = split_ws(line);
    if (f.size() < 10) return;
    const auto protocol = to_u64(f[1]);
    const auto portid = to_u64(f[2]);
    const auto groups = to_u64(f[3], 16);
    const auto rmem = to_i64(f[4]);
    const auto wmem = to_i64(f[5]);
    const auto inode = to_u64(f[9]);
    if (!protocol || *protocol > 255 || !portid || *portid > 0xffffffff || !groups || *groups > 0xffffffff ||
        !rmem || !wmem || !inode)
      return;
    NetlinkSocket s;
    s.inode = *inode;
    s.protocol = static_cast<int>(*protocol);
    s.portid = static_cast<std::uint32_t>(*portid);
    for (int bit = 0; bit < 32; ++bit)
      if (*groups >> bit & 1) s.groups.push_back(bit + 1);
    s.rqueue = *rmem;
    s.wqueue = *wmem;
    out.push_back(std::move(s));
  });
  return out;
}

// ---------------------------------------------------------------- netlink decoding

namespace {

constexpr std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

// The errno of a netlink status, which the kernel sends negated. A value
// that is no errno (INT_MIN cannot even be negated) is a protocol error.
constexpr int errno_of_status(int status) {
  if (status > 0) return status;
  if (status < 0 && status > -4096) return -status;
  return EPROTO;
}

template <class T>
T load(std::string_view bytes) {  // caller checks bytes.size() >= sizeof(T)
  T v;
  std::memcpy(&v, bytes.data(), sizeof v);
  return v;
}

Error parse_error(std::string detail) { return Error{0, "parse", "sock_diag reply", std::move(detail)}; }

// Walks the netlink messages of one reply, handing each SOCK_DIAG_BY_FAMILY
// payload to on_socket.
template <class F>
Result<DumpStatus> for_each_diag_message(std::string_view buf, F&& on_socket) {
  while (buf.size() >= sizeof(nlmsghdr)) {
    const auto h = load<nlmsghdr>(buf);
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > buf.size())
      return fail(parse_error(fmt::format("netlink message of {} bytes in {} left", h.nlmsg_len, buf.size())));
    const std::string_view payload = buf.substr(sizeof(nlmsghdr), h.nlmsg_len - sizeof(nlmsghdr));
    switch (h.nlmsg_type) {
    case NLMSG_DONE:
      // Since Linux 4.x the payload is the dump's final status.
      if (payload.size() >= sizeof(int) && load<int>(payload) < 0)
        return fail(Error{errno_of_status(load<int>(payload)), "sock_diag dump", {}, {}});
      return DumpStatus::done;
    case NLMSG_ERROR: {
      if (payload.size() < sizeof(int)) return fail(parse_error("short NLMSG_ERROR"));
      const int err = load<int>(payload);
      if (err == 0) return DumpStatus::done;  // an acknowledgement
      return fail(Error{errno_of_status(err), "sock_diag dump", {}, {}});
    }
    case SOCK_DIAG_BY_FAMILY: on_socket(payload); break;
    default: break;  // NLMSG_NOOP and anything newer
    }
    const std::size_t step = align4(h.nlmsg_len);
    if (step >= buf.size()) break;
    buf.remove_prefix(step);
  }
  return DumpStatus::more;
}

// Calls f(type, data) for each attribute (struct nlattr) in `attrs`.
template <class F>
void for_each_attr(std::string_view attrs, F&& f) {
  while (attrs.size() >= sizeof(nlattr)) {
    const auto a = load<nlattr>(attrs);
    if (a.nla_len < sizeof(nlattr) || a.nla_len > attrs.size()) return;
    f(a.nla_type & NLA_TYPE_MASK, attrs.substr(sizeof(nlattr), a.nla_len - sizeof(nlattr)));
    const std::size_t step = align4(a.nla_len);
    if (step >= attrs.size()) return;
    attrs.remove_prefix(step);
  }
}

// UNIX_DIAG_NAME: sun_path as bound. Abstract names start with NUL and may
// hold more; ss shows each as '@'. Paths end at their NUL.
void set_unix_name(UnixSocket& s, std::string_view raw) {
  if (raw.empty()) return;
  if (raw.front() == '\0') {
    std::string name(raw);
    std::replace(name.begin(), name.end(), '\0', '@');
    s.name = std::move(name);
    s.abstract = true;
    return;
  }
  s.name = std::string(raw.substr(0, raw.find('\0')));
}

} // namespace

Result<DumpStatus> decode_unix_diag(std::string_view buf, std::vector<UnixSocket>& out) {
  return for_each_diag_message(buf, [&](std::string_view p) {
    if (p.size() < sizeof(unix_diag_msg)) return;
    const auto m = load<unix_diag_msg>(p);
    if (m.udiag_family != AF_UNIX) return;
    UnixSocket s;
    s.inode = m.udiag_ino;
    s.type = m.udiag_type;
    s.state = m.udiag_state;
    for_each_attr(p.substr(align4(sizeof(unix_diag_msg))), [&](unsigned type, std::string_view data) {
      switch (type) {
      case UNIX_DIAG_NAME: set_unix_name(s, data); break;
      case UNIX_DIAG_PEER:
        if (data.size() >= sizeof(std::uint32_t)) s.peer = load<std::uint32_t>(data);
        break;
      case UNIX_DIAG_RQLEN:
        if (data.size() >= sizeof(unix_diag_rqlen)) {
          const auto q = load<unix_diag_rqlen>(data);
          s.rqueue = q.udiag_rqueue;
          s.wqueue = q.udiag_wqueue;
        }
        break;
      case UNIX_DIAG_VFS:
        if (data.size() >= sizeof(unix_diag_vfs)) {
          const auto v = load<unix_diag_vfs>(data);
          s.file_inode = v.udiag_vfs_ino;
          s.file_dev = v.udiag_vfs_dev;
        }
        break;
      case UNIX_DIAG_UID:
        if (data.size() >= sizeof(std::uint32_t)) s.uid = load<std::uint32_t>(data);
        break;
      default: break;
      }
    });
    out.push_back(std::move(s));
  });
}

Result<DumpStatus> decode_inet_diag(std::string_view buf, std::vector<InetSocket>& out) {
  return for_each_diag_message(buf, [&](std::string_view p) {
    if (p.size() < sizeof(inet_diag_msg)) return;
    const auto m = load<inet_diag_msg>(p);
    if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6) return;
    InetSocket s;
    s.family = m.idiag_family == AF_INET ? InetFamily::inet : InetFamily::inet6;
    s.state = m.idiag_state;
    const std::size_t addr_len = s.family == InetFamily::inet ? 4 : 16;
    std::memcpy(s.local.addr.data(), m.id.idiag_src, addr_len);
    std::memcpy(s.remote.addr.data(), m.id.idiag_dst, addr_len);
    s.local.port = ntohs(m.id.idiag_sport);
    s.remote.port = ntohs(m.id.idiag_dport);
    s.inode = m.idiag_inode;
    s.rqueue = m.idiag_rqueue;
    s.wqueue = m.idiag_wqueue;
    s.uid = m.idiag_uid;
    out.push_back(s);
  });
}

Result<DumpStatus> decode_netlink_diag(std::string_view buf, std::vector<NetlinkSocket>& out) {
  return for_each_diag_message(buf, [&](std::string_view p) {
    if (p.size() < sizeof(netlink_diag_msg)) return;
    const auto m = load<netlink_diag_msg>(p);
    if (m.ndiag_family != AF_NETLINK) return;
    NetlinkSocket s;
    s.inode = m.ndiag_ino;
    s.protocol = m.ndiag_protocol;
    s.portid = m.ndiag_portid;
    s.connected = m.ndiag_state == 1;  // NETLINK_CONNECTED
    s.dst_portid = m.ndiag_dst_portid;
    s.dst_group = m.ndiag_dst_group;
    for_each_attr(p.substr(align4(sizeof(netlink_diag_msg))), [&](unsigned type, std::string_view data) {
      switch (type) {
      case NETLINK_DIAG_MEMINFO:  // u32 SK_MEMINFO_* values: RMEM_ALLOC is 0, WMEM_ALLOC 2
        if (data.size() >= 3 * sizeof(std::uint32_t)) {
          s.rqueue = load<std::uint32_t>(data);
          s.wqueue = load<std::uint32_t>(data.substr(2 * sizeof(std::uint32_t)));
        }
        break;
      case NETLINK_DIAG_GROUPS: {  // the group bitmap, in unsigned longs
        constexpr std::size_t word = sizeof(unsigned long);
        for (std::size_t i = 0; i + word <= data.size(); i += word) {
          const auto bits = load<unsigned long>(data.substr(i));
          for (std::size_t bit = 0; bit < word * CHAR_BIT; ++bit)
            if (bits >> bit & 1) s.groups.push_back(static_cast<std::int64_t>(i * CHAR_BIT + bit + 1));
        }
        break;
      }
      default: break;
      }
    });
    out.push_back(std::move(s));
  });
}

// ---------------------------------------------------------------- netlink I/O

namespace {

// Sends one dump request and feeds every reply datagram to `decode` until
// it reports done. The receive buffer is fixed: the kernel sizes dump
// datagrams to the reader's buffer, up to 32 KiB, so 64 KiB never truncates.
template <class Req, class Decode>
Result<void> sock_diag_dump(const Req& req, std::string_view what, Decode&& decode) {
  const std::string subject(what);
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!fd) return fail(sys_error("socket(NETLINK_SOCK_DIAG)", subject));
  const timeval timeout{5, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

  struct {
    nlmsghdr h;
    Req req;
  } msg{};
  msg.h.nlmsg_len = sizeof msg;
  msg.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.h.nlmsg_seq = 1;
  msg.req = req;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    const ssize_t n = ::sendto(fd.get(), &msg, sizeof msg, 0, reinterpret_cast<const sockaddr*>(&kernel),
                               sizeof kernel);
    if (n >= 0) break;
    if (errno != EINTR) return fail(sys_error("sendto(NETLINK_SOCK_DIAG)", subject));
  }

  constexpr std::size_t k_buf_size = std::size_t{64} * 1024;
  constexpr const char* k_recv = "recvmsg(NETLINK_SOCK_DIAG)";
  std::vector<std::uint64_t> storage(k_buf_size / sizeof(std::uint64_t));
  const auto* bytes = reinterpret_cast<const char*>(storage.data());
  for (;;) {
    iovec iov{storage.data(), k_buf_size};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    const ssize_t n = ::recvmsg(fd.get(), &mh, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return fail(Error{ETIMEDOUT, k_recv, subject, {}});
      return fail(sys_error(k_recv, subject));
    }
    if (mh.msg_flags & MSG_TRUNC) return fail(Error{EMSGSIZE, k_recv, subject, {}});
    if (n == 0) return fail(Error{EPROTO, k_recv, subject, {}});
    auto status = decode(std::string_view(bytes, static_cast<std::size_t>(n)));
    if (!status) {
      Error e = status.error();
      if (e.subject.empty()) e.subject = subject;
      return fail(std::move(e));
    }
    if (*status == DumpStatus::done) return {};
  }
}

} // namespace

Result<std::vector<UnixSocket>> dump_unix_sockets() {
  unix_diag_req req{};
  req.sdiag_family = AF_UNIX;
  req.udiag_states = ~0u;
  req.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID;
  std::vector<UnixSocket> out;
  auto r = sock_diag_dump(req, "unix sockets", [&](std::string_view buf) { return decode_unix_diag(buf, out); });
  if (!r) return fail(r.error());
  return out;
}

Result<std::vector<InetSocket>> dump_inet_sockets(InetFamily family, int protocol) {
  inet_diag_req_v2 req{};
  req.sdiag_family = family == InetFamily::inet ? AF_INET : AF_INET6;
  req.sdiag_protocol = static_cast<std::uint8_t>(protocol);
  req.idiag_states = ~0u;
  const std::string what = fmt::format("{} {} sockets", protocol == IPPROTO_UDP ? "udp" : "tcp",
                                       family == InetFamily::inet ? "inet" : "inet6");
  std::vector<InetSocket> out;
  auto r = sock_diag_dump(req, what, [&](std::string_view buf) { return decode_inet_diag(buf, out); });
  if (!r) return fail(r.error());
  return out;
}

Result<std::vector<NetlinkSocket>> dump_netlink_sockets() {
  netlink_diag_req req{};
  req.sdiag_family = AF_NETLINK;
  req.sdiag_protocol = NDIAG_PROTO_ALL;
  req.ndiag_show = NDIAG_SHOW_GROUPS | NDIAG_SHOW_MEMINFO;
  std::vector<NetlinkSocket> out;
  auto r = sock_diag_dump(req, "netlink sockets", [&](std::string_view buf) { return decode_netlink_diag(buf, out); });
  if (!r) return fail(r.error());
  // A socket bound to multicast groups can come twice (from the table of
  // bound ports and from its protocol's multicast list): keep the first.
  std::set<std::uint64_t> seen;
  std::erase_if(out, [&](const NetlinkSocket& s) { return !seen.insert(s.inode).second; });
  return out;
}

// ---------------------------------------------------------------- sources

namespace {

std::vector<model::Holder> socket_holders(const model::Snapshot& snap, std::uint64_t inode) {
  std::vector<model::Holder> out;
  const auto [first, last] = snap.walk->fds_by_inode.equal_range(inode);
  for (auto it = first; it != last; ++it) {
    const model::FdEntry& e = snap.walk->fds[it->second];
    if (e.type == model::FdType::socket) out.push_back(snap.holder(e));
  }
  std::sort(out.begin(), out.end(), [](const model::Holder& a, const model::Holder& b) {
    return a.pid != b.pid ? a.pid < b.pid : a.fd.value_or(-1) < b.fd.value_or(-1);
  });
  return out;
}

// The common part of every socket object, or nullopt when the pid
// selection excludes it (no selected process holds it).
std::optional<Object> socket_object(Kind kind, std::uint64_t inode, const CollectOptions& opts,
                                    const model::Snapshot& snap) {
  Object o;
  o.holders = socket_holders(snap, inode);
  if (!opts.pids.empty() && o.holders.empty()) return std::nullopt;
  o.kind = kind;
  o.ref = fmt::format("{}:{}", model::kind_name(kind), inode);
  o.inode = inode;
  return o;
}

namespace {

// A /proc/net file as the calling thread sees it: /proc/net follows the main
// thread's network namespace, and a namespace is read by a thread that
// entered it (linux/namespaces.hpp).
std::string proc_net(const ProcRoot& root, std::string_view name) {
  return root.live() ? fmt::format("/proc/thread-self/net/{}", name) : root.path(fmt::format("/proc/net/{}", name));
}

// A running machine's sockets from their sock_diag dump; where it fails
// (or in a captured tree), from /proc/net/NAME, which lacks `lost` (said
// in a warning).
template <class Socket>
Result<std::vector<Socket>> dump_or_read(const ProcRoot& root, model::Snapshot& snap,
                                         Result<std::vector<Socket>> (*dump)(), std::string_view name,
                                         std::vector<Socket> (*parse)(std::string_view), std::string_view lost) {
  std::optional<Error> netlink_error;
  if (root.live()) {
    auto r = dump();
    if (r) return r;
    netlink_error = r.error();
  }
  auto text = read_file(proc_net(root, name));
  if (!text) return fail(netlink_error ? *netlink_error : text.error());
  if (netlink_error) snap.warn(fmt::format("{} are not shown: {}", lost, netlink_error->message()));
  return parse(*text);
}

} // namespace

Result<std::vector<UnixSocket>> read_unix_sockets(const ProcRoot& root, model::Snapshot& snap) {
  return dump_or_read(root, snap, dump_unix_sockets, "unix", parse_proc_net_unix, "unix socket peers and queues");
}

// Whether nothing is bound to the socket file at `path`. sock_diag sees the
// sockets of this network namespace only, so a file it does not know is
// confirmed the way the kernel would answer a client: a connect() that is
// refused. Accepted, would-block (a full backlog) and wrong-type answers all
// mean a socket is there; so does any doubt (no permission, a path too long),
// and `denied` is set for the first, which the caller reports. The probe is
// a SOCK_SEQPACKET socket: a socket of another type bound there (one of
// another network namespace, which sock_diag does not show) answers
// EPROTOTYPE before anything happens, where a connect of its own type would
// be accepted by its server and set the file's atime.
bool connect_refused(const std::string& path, bool& denied) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return false;
  denied = errno == EACCES || errno == EPERM;
  return errno == ECONNREFUSED;
}

class UnixSocketSource final : public Source {
public:
  Kind kind() const override { return Kind::unix_socket; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const override {
    const ProcRoot& root = ctx.root();
    auto socks = read_unix_sockets(root, snap);
    if (!socks) return fail(socks.error());
    std::set<FileKey> bound;
    for (UnixSocket& s : *socks) {
      if (s.inode == 0) continue;
      if (s.file_inode) bound.emplace(::makedev(*s.file_dev >> 20, *s.file_dev & 0xfffff), *s.file_inode);
      auto o = socket_object(Kind::unix_socket, s.inode, opts, snap);
      if (!o) continue;
      o->name = std::move(s.name);
      o->owner.uid = s.uid;
      if (s.peer != 0) o->peer = fmt::format("unix:{}", s.peer);
      o->set(model::key::sock_type, std::string(socket_type_name(s.type)));
      o->set(model::key::state, std::string(socket_state_name(s.state)));
      o->set(model::key::abstract, s.abstract);
      if (s.rqueue) o->set(model::key::rqueue, *s.rqueue);
      if (s.wqueue) o->set(model::key::wqueue, *s.wqueue);
      o->set(model::key::file_inode, s.file_inode ? model::Value{static_cast<std::int64_t>(*s.file_inode)} : model::Value{});
      // The file's device with its inode: rm removes the file only while both
      // are still these (the kernel's own encoding, major << 20 | minor).
      o->set(model::key::dev, s.file_dev ? model::Value{dev_text(::makedev(*s.file_dev >> 20, *s.file_dev & 0xfffff))}
                               : model::Value{});
      o->set(model::key::stale, false);
      snap.objects.push_back(std::move(*o));
    }
    // Socket files that no socket is bound to any more are only found by
    // looking: sock_diag knows sockets, not files.
    if (root.live() && opts.pids.empty())
      for (const auto& dir : opts.scan_dirs) scan_stale(root, dir, bound, snap);
    return {};
  }

private:
  using FileKey = std::pair<dev_t, std::uint64_t>;
  static void scan_stale(const ProcRoot& root, const std::string& dir, const std::set<FileKey>& bound,
                         model::Snapshot& snap) {
    std::size_t denied = 0;
    auto scanned = for_each_file_under(root, dir, S_IFSOCK, [&](std::string path, const struct stat& st) {
      bool no_permission = false;
      if (bound.contains(FileKey{st.st_dev, st.st_ino})) return;
      if (!connect_refused(path, no_permission)) {
        denied += no_permission ? 1 : 0;
        return;
      }
      Object o;
      o.kind = Kind::unix_socket;
      o.ref = fmt::format("unix:{}", path);
      o.name = std::move(path);
      o.inode = st.st_ino;
      o.mode = st.st_mode & 07777;
      o.owner.uid = st.st_uid;
      o.owner.gid = st.st_gid;
      o.set(model::key::sock_type, model::Value{});
      o.set(model::key::state, model::Value{});
      o.set(model::key::abstract, false);
      o.set(model::key::file_inode, static_cast<std::int64_t>(st.st_ino));
      o.set(model::key::dev, dev_text(st.st_dev));
      o.set(model::key::stale, true);
      o.set(model::key::ctime, model::Time{st.st_ctim.tv_sec});
      snap.objects.push_back(std::move(o));
    });
    if (!scanned) snap.warn(fmt::format("--scan {}: {}", dir, scanned.error().message()));
    if (denied > 0)
      snap.warn(fmt::format("--scan {}: {} socket file{} could not be tried (permission denied): whether anything is "
                            "bound there is unknown, so {} not listed; run as root to see",
                            dir, denied, denied == 1 ? "" : "s", denied == 1 ? "it is" : "they are"));
  }
};

// Both families of one protocol: netlink per family, else its /proc file.
// Fails only when neither family could be read.
Result<std::vector<InetSocket>> read_inet_sockets(const ProcRoot& root, int protocol) {
  const bool udp = protocol == IPPROTO_UDP;
  std::vector<InetSocket> all;
  std::optional<Error> error;
  int read = 0;
  for (const InetFamily family : {InetFamily::inet, InetFamily::inet6}) {
    if (root.live()) {
      if (auto r = dump_inet_sockets(family, protocol)) {
        all.insert(all.end(), r->begin(), r->end());
        ++read;
        continue;
      }
    }
    const char* file = family == InetFamily::inet ? (udp ? "udp" : "tcp") : (udp ? "udp6" : "tcp6");
    auto text = read_file(proc_net(root, file));
    if (!text) {
      if (!error) error = text.error();
      continue;
    }
    const auto socks = parse_proc_net_inet(*text, family);
    all.insert(all.end(), socks.begin(), socks.end());
    ++read;
  }
  if (read == 0) return fail(*error);
  return all;
}

// (local, remote) as 36 bytes, IPv4 in its IPv6-mapped form.
std::string endpoint_pair_key(const InetSocket& s, const InetEndpoint& a, const InetEndpoint& b) {
  std::string key;
  key.reserve(36);
  for (const InetEndpoint* e : {&a, &b}) {
    std::array<std::uint8_t, 16> addr{};
    if (s.family == InetFamily::inet) {
      addr[10] = addr[11] = 0xff;
      std::copy_n(e->addr.begin(), 4, addr.begin() + 12);
    } else {
      addr = e->addr;
    }
    key.append(reinterpret_cast<const char*>(addr.data()), addr.size());
    key += static_cast<char>(e->port >> 8);
    key += static_cast<char>(e->port & 0xff);
  }
  return key;
}

// For each socket, the index of the socket at the other end, if it is one
// of `socks` and unambiguous.
std::vector<std::optional<std::size_t>> match_inet_peers(const std::vector<InetSocket>& socks) {
  constexpr std::size_t k_ambiguous = static_cast<std::size_t>(-1);
  auto connected = [](const InetSocket& s) { return s.inode != 0 && s.remote.port != 0 && s.state != TCP_LISTEN; };
  std::unordered_map<std::string, std::size_t> by_pair;
  for (std::size_t i = 0; i < socks.size(); ++i) {
    if (!connected(socks[i])) continue;
    auto [it, added] = by_pair.emplace(endpoint_pair_key(socks[i], socks[i].local, socks[i].remote), i);
    if (!added) it->second = k_ambiguous;
  }
  std::vector<std::optional<std::size_t>> peers(socks.size());
  for (std::size_t i = 0; i < socks.size(); ++i) {
    if (!connected(socks[i])) continue;
    const auto it = by_pair.find(endpoint_pair_key(socks[i], socks[i].remote, socks[i].local));
    if (it != by_pair.end() && it->second != k_ambiguous && it->second != i) peers[i] = it->second;
  }
  return peers;
}

class InetSource final : public Source {
public:
  InetSource(Kind kind, int protocol) : m_kind(kind), m_protocol(protocol) {}
  Kind kind() const override { return m_kind; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const override {
    const ProcRoot& root = ctx.root();
    auto socks = read_inet_sockets(root, m_protocol);
    if (!socks) return fail(socks.error());
    const auto peers = match_inet_peers(*socks);
    for (std::size_t i = 0; i < socks->size(); ++i) {
      const InetSocket& s = (*socks)[i];
      if (s.inode == 0) continue;
      auto o = socket_object(m_kind, s.inode, opts, snap);
      if (!o) continue;
      o->owner.uid = s.uid;
      if (peers[i]) o->peer = fmt::format("{}:{}", model::kind_name(m_kind), (*socks)[*peers[i]].inode);
      o->set(model::key::local, endpoint_text(s.family, s.local));
      o->set(model::key::remote, endpoint_text(s.family, s.remote));
      o->set(model::key::state, std::string(socket_state_name(s.state)));
      o->set(model::key::rqueue, s.rqueue);
      o->set(model::key::wqueue, s.wqueue);
      o->set(model::key::family, std::string(s.family == InetFamily::inet ? "inet" : "inet6"));
      snap.objects.push_back(std::move(*o));
    }
    return {};
  }

private:
  Kind m_kind;
  int m_protocol;
};

Result<std::vector<NetlinkSocket>> read_netlink_sockets(const ProcRoot& root, model::Snapshot& snap) {
  return dump_or_read(root, snap, dump_netlink_sockets, "netlink", parse_proc_net_netlink,
                      "netlink sockets' peers and states");
}

class NetlinkSource final : public Source {
public:
  Kind kind() const override { return Kind::netlink; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const override {
    auto socks = read_netlink_sockets(ctx.root(), snap);
    if (!socks) return fail(socks.error());
    // (protocol, port id) names one socket of a namespace: the kernel's at 0.
    std::map<std::pair<int, std::uint32_t>, std::uint64_t> by_port;
    for (const NetlinkSocket& s : *socks)
      if (s.inode != 0) by_port.emplace(std::pair{s.protocol, s.portid}, s.inode);
    for (const NetlinkSocket& s : *socks) {
      if (s.inode == 0) continue;
      auto o = socket_object(Kind::netlink, s.inode, opts, snap);
      if (!o) continue;
      // A socket sends to its destination port unless it sends to a group;
      // the kernel's own socket sends to no one in particular.
      if (s.dst_portid && s.dst_group == 0u && s.portid != 0) {
        const auto it = by_port.find({s.protocol, *s.dst_portid});
        if (it != by_port.end() && it->second != s.inode) o->peer = fmt::format("netlink:{}", it->second);
      }
      o->set(model::key::protocol, netlink_protocol_name(s.protocol));
      o->set(model::key::portid, static_cast<std::int64_t>(s.portid));
      o->set(model::key::dst_portid, s.dst_portid ? model::Value{static_cast<std::int64_t>(*s.dst_portid)} : model::Value{});
      o->set(model::key::dst_group, s.dst_group ? model::Value{static_cast<std::int64_t>(*s.dst_group)} : model::Value{});
      o->set(model::key::groups, s.groups);
      o->set(model::key::state, s.connected ? model::Value{std::string(socket_state_name(*s.connected ? TCP_ESTABLISHED : TCP_CLOSE))}
                                            : model::Value{});
      o->set(model::key::rqueue, s.rqueue);
      o->set(model::key::wqueue, s.wqueue);
      snap.objects.push_back(std::move(*o));
    }
    return {};
  }
};

} // namespace

const Source& unix_socket_source() {
  static const UnixSocketSource s;
  return s;
}

const Source& tcp_source() {
  static const InetSource s(Kind::tcp, IPPROTO_TCP);
  return s;
}

const Source& udp_source() {
  static const InetSource s(Kind::udp, IPPROTO_UDP);
  return s;
}

const Source& netlink_source() {
  static const NetlinkSource s;
  return s;
}

} // namespace ipcctl::sys
