#pragma once
// Sockets: unix, tcp, udp and netlink. On the running kernel they come from
// sock_diag netlink (as `ss` reads them); on a captured tree, or when netlink
// fails, from /proc/net/{unix,tcp,tcp6,udp,udp6,netlink}. The parsers and the netlink reply
// decoders are pure and exposed for tests and fuzzing.
#include <ipcctl/linux/source.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipcctl::sys {

const Source& unix_socket_source();
const Source& tcp_source();
const Source& udp_source();
const Source& netlink_source();

// One unix socket as the kernel reports it.
struct UnixSocket {
  std::uint64_t inode = 0;
  std::uint64_t peer = 0;           // the other end's inode; 0 when none or unknown
  int type = 0;                     // SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET
  int state = 0;                    // TCP_* numbering, as sock_diag reports it
  std::optional<std::string> name;  // the path, "@name" when abstract; nullopt when unbound
  bool abstract = false;
  std::optional<std::int64_t> rqueue, wqueue;  // sock_diag only
  std::optional<std::uint32_t> uid;            // sock_diag only (Linux 5.3+)
  // The socket file a path-bound socket was bound to (sock_diag only); the
  // device in the kernel's encoding (major << 20 | minor).
  std::optional<std::uint64_t> file_inode, file_dev;
  bool operator==(const UnixSocket&) const = default;
};

enum class InetFamily { inet, inet6 };

// An address and port. addr is in network byte order; IPv4 uses addr[0..3].
struct InetEndpoint {
  std::array<std::uint8_t, 16> addr{};
  std::uint16_t port = 0;
  bool operator==(const InetEndpoint&) const = default;
};

// One TCP or UDP socket as the kernel reports it.
struct InetSocket {
  InetFamily family = InetFamily::inet;
  int state = 0;  // TCP_* numbering; UDP uses TCP_ESTABLISHED (connected) and TCP_CLOSE
  InetEndpoint local, remote;
  std::uint64_t inode = 0;  // 0 for TIME-WAIT and request sockets, which no one holds
  std::int64_t rqueue = 0, wqueue = 0;
  std::optional<std::uint32_t> uid;
  bool operator==(const InetSocket&) const = default;
};

// One netlink socket as the kernel reports it. Port ids are per protocol
// (and network namespace); the kernel's own socket of a protocol has port 0.
struct NetlinkSocket {
  std::uint64_t inode = 0;
  int protocol = 0;          // NETLINK_ROUTE, NETLINK_KOBJECT_UEVENT...
  std::uint32_t portid = 0;  // the port it is bound to (the first socket a process binds gets its pid)
  std::vector<std::int64_t> groups;  // multicast groups it receives, numbered from 1 (/proc: the first 32 only)
  std::optional<bool> connected;                         // sock_diag only
  std::optional<std::uint32_t> dst_portid, dst_group;    // sock_diag only: where it sends
  std::int64_t rqueue = 0, wqueue = 0;                   // bytes allocated to its queues
  bool operator==(const NetlinkSocket&) const = default;
};

// The lower-case name of a NETLINK_* protocol ("route", "kobject_uevent",
// "generic"), or its number for one this list does not know.
std::string netlink_protocol_name(int protocol);

// "127.0.0.1:80", "[::1]:80", "0.0.0.0:0": the address as the kernel has it.
std::string endpoint_text(InetFamily family, const InetEndpoint& e);
// ss's name for a TCP_* state: "ESTAB", "LISTEN", "UNCONN" (TCP_CLOSE), "TIME-WAIT"...
std::string_view socket_state_name(int state);
// "stream", "dgram", "seqpacket" ("unknown" for anything else).
std::string_view socket_type_name(int type);

// /proc/net/unix, header included. The path is the rest of the line after
// the inode (the kernel prints it raw, spaces and all); a leading '@' marks
// an abstract name, whose NUL bytes the kernel already shows as '@'. The
// state is mapped to sock_diag's numbering (__SO_ACCEPTCON: LISTEN). Lines
// that do not parse are skipped. Peers, queues and uids are unknown here.
std::vector<UnixSocket> parse_proc_net_unix(std::string_view text);

// /proc/net/{tcp,udp} (inet) or /proc/net/{tcp6,udp6} (inet6), header
// included. Addresses are hex words in host byte order, as the kernel
// printed them on the machine that wrote the text. Lines that do not parse
// are skipped.
std::vector<InetSocket> parse_proc_net_inet(std::string_view text, InetFamily family);

// /proc/net/netlink, header included: "sk Eth Pid Groups Rmem Wmem Dump
// Locks Drops Inode". Groups is the first 32 bits of the group mask; where
// the socket sends and whether it is connected are unknown here. Lines that
// do not parse are skipped.
std::vector<NetlinkSocket> parse_proc_net_netlink(std::string_view text);

// Decoders for the replies to a SOCK_DIAG_BY_FAMILY dump: `buf` holds one or
// more whole netlink messages (one datagram, or several concatenated). Each
// socket message is appended to `out`. Returns done at NLMSG_DONE (or an
// acknowledgement), more when the dump goes on in the next datagram. Errors:
// NLMSG_ERROR or a failed NLMSG_DONE (code = the kernel's errno), and a
// message that runs past the buffer (code 0, op "parse").
enum class DumpStatus { more, done };
Result<DumpStatus> decode_unix_diag(std::string_view buf, std::vector<UnixSocket>& out);
Result<DumpStatus> decode_inet_diag(std::string_view buf, std::vector<InetSocket>& out);
Result<DumpStatus> decode_netlink_diag(std::string_view buf, std::vector<NetlinkSocket>& out);

// Dumps from the running kernel over NETLINK_SOCK_DIAG: every unix socket
// (name, peer, queues, uid), or every socket of one family and protocol
// (IPPROTO_TCP, IPPROTO_UDP) in any state. Errors: socket() failing
// (EPROTONOSUPPORT), the kernel refusing the dump (ENOENT when the diag
// module is missing, EPERM in some sandboxes), ETIMEDOUT after 5 s without
// a reply, EMSGSIZE for a truncated datagram.
Result<std::vector<UnixSocket>> dump_unix_sockets();
Result<std::vector<InetSocket>> dump_inet_sockets(InetFamily family, int protocol);
// Every netlink socket of every protocol, with its groups and queues.
Result<std::vector<NetlinkSocket>> dump_netlink_sockets();

} // namespace ipcctl::sys
