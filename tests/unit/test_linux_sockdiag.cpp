#include <ipcctl/linux/fd_scan.hpp>
#include <ipcctl/linux/sockdiag.hpp>
#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include "support.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>

using namespace ipcctl;
using namespace ipcctl::sys;

namespace {

std::string test_data(std::string_view rel) { return test::data_text(rel); }

// proc/sockets/sockets.txt: what capture.py created, "key value..." per line.
struct Manifest {
  std::map<std::string, std::string, std::less<>> lines;
  std::string rest(std::string_view key) const {
    const auto it = lines.find(key);
    REQUIRE_MESSAGE(it != lines.end(), key);
    return it->second;
  }
  std::uint64_t num(std::string_view key, std::size_t i) const {
    const std::string r = rest(key);
    const auto f = split_ws(r);
    REQUIRE(i < f.size());
    const auto v = to_u64(f[i]);
    REQUIRE(v);
    return *v;
  }
};

Manifest manifest() {
  Manifest m;
  for_each_line(test_data("proc/sockets/sockets.txt"), [&](std::string_view line) {
    const auto sp = line.find(' ');
    if (sp != std::string_view::npos) m.lines.emplace(line.substr(0, sp), line.substr(sp + 1));
  });
  return m;
}

template <class S>
const S* by_inode(const std::vector<S>& v, std::uint64_t inode) {
  for (const auto& s : v)
    if (s.inode == inode) return &s;
  return nullptr;
}

const model::Object* by_ref(const model::Snapshot& snap, std::string_view ref) {
  for (const auto& o : snap.objects)
    if (o.ref == ref) return &o;
  return nullptr;
}

std::string text_of(const model::Object& o, std::string_view key) {
  const model::Value* v = o.find_named(key);
  return v && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v) : "<none>";
}

std::optional<std::int64_t> num_of(const model::Object& o, std::string_view key) {
  const model::Value* v = o.find_named(key);
  if (v && std::holds_alternative<std::int64_t>(*v)) return std::get<std::int64_t>(*v);
  return std::nullopt;
}

std::uint64_t inode_of(int fd) {
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  return st.st_ino;
}

// Builds netlink messages by hand for the decoder tests.
struct NlBuffer {
  std::string bytes;
  template <class T>
  void put(const T& v) { bytes.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void pad() { bytes.resize((bytes.size() + 3) & ~std::size_t{3}); }
  void message(std::uint16_t type, const std::string& payload) {
    nlmsghdr h{};
    h.nlmsg_len = static_cast<std::uint32_t>(sizeof h + payload.size());
    h.nlmsg_type = type;
    put(h);
    bytes += payload;
    pad();
  }
};

std::string attr(std::uint16_t type, std::string_view data) {
  nlattr a{};
  a.nla_len = static_cast<std::uint16_t>(sizeof a + data.size());
  a.nla_type = type;
  std::string out(reinterpret_cast<const char*>(&a), sizeof a);
  out += data;
  out.resize((out.size() + 3) & ~std::size_t{3});
  return out;
}

template <class T>
std::string raw(const T& v) { return std::string(reinterpret_cast<const char*>(&v), sizeof v); }

std::string unix_msg(std::uint32_t inode, std::uint8_t type, std::uint8_t state, std::string attrs) {
  unix_diag_msg m{};
  m.udiag_family = AF_UNIX;
  m.udiag_type = type;
  m.udiag_state = state;
  m.udiag_ino = inode;
  return raw(m) + attrs;
}

std::string errno_msg(int err) {
  nlmsgerr e{};
  e.error = err;
  return raw(e);
}

// A scratch root holding proc/net/* copied from a captured scenario.
struct ScratchRoot {
  std::filesystem::path dir;
  explicit ScratchRoot(std::initializer_list<std::string_view> files) {
    char tmpl[] = "/tmp/ipcctl-sockdiag-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    std::filesystem::create_directories(dir / "proc/net");
    for (const auto f : files) {
      const std::string text = test_data("proc/sockets/net/" + std::string(f));
      std::FILE* out = std::fopen((dir / "proc/net" / f).c_str(), "w");
      REQUIRE(out != nullptr);
      std::fwrite(text.data(), 1, text.size(), out);
      std::fclose(out);
    }
  }
  ~ScratchRoot() { std::filesystem::remove_all(dir); }
  ScratchRoot(const ScratchRoot&) = delete;
  ScratchRoot& operator=(const ScratchRoot&) = delete;
};

void add_holder(model::Snapshot& snap, int pid, const char* comm, int fd, std::uint64_t inode) {
  model::Process p;
  p.pid = pid;
  p.comm = comm;
  p.uid = 1000;
  snap.walk->processes.emplace(pid, p);
  model::FdEntry e;
  e.pid = pid;
  e.fd = fd;
  e.type = model::FdType::socket;
  e.target = "socket:[" + std::to_string(inode) + "]";
  e.inode = inode;
  e.access = "rw";
  snap.walk->fds.push_back(e);
}

} // namespace

TEST_CASE("sys::endpoint_text and state names") {
  InetEndpoint e;
  e.addr = {127, 0, 0, 1};
  e.port = 80;
  CHECK(endpoint_text(InetFamily::inet, e) == "127.0.0.1:80");
  e.addr = {};
  e.addr[15] = 1;
  CHECK(endpoint_text(InetFamily::inet6, e) == "[::1]:80");
  CHECK(endpoint_text(InetFamily::inet, InetEndpoint{}) == "0.0.0.0:0");
  CHECK(socket_state_name(TCP_ESTABLISHED) == "ESTAB");
  CHECK(socket_state_name(TCP_CLOSE) == "UNCONN");
  CHECK(socket_state_name(TCP_TIME_WAIT) == "TIME-WAIT");
  CHECK(socket_state_name(TCP_LISTEN) == "LISTEN");
  CHECK(socket_state_name(99) == "UNKNOWN");
  CHECK(socket_type_name(SOCK_SEQPACKET) == "seqpacket");
  CHECK(socket_type_name(SOCK_RAW) == "unknown");
}

TEST_CASE("sys::parse_proc_net_unix") {
  SUBCASE("captured") {
    const Manifest m = manifest();
    const auto socks = parse_proc_net_unix(test_data("proc/sockets/net/unix"));
    CHECK(socks.size() == 8);

    const auto* path = by_inode(socks, m.num("unix_path", 0));
    REQUIRE(path != nullptr);
    CHECK(path->name == std::optional<std::string>("/tmp/ipcctl test sock"));
    CHECK_FALSE(path->abstract);
    CHECK(path->type == SOCK_STREAM);
    CHECK(path->state == TCP_LISTEN);

    const auto* abs = by_inode(socks, m.num("unix_abstract", 0));
    REQUIRE(abs != nullptr);
    CHECK(abs->name == std::optional<std::string>("@ipcctl-test@abstract"));
    CHECK(abs->abstract);
    CHECK(abs->type == SOCK_DGRAM);
    CHECK(abs->state == TCP_CLOSE);

    for (std::size_t i = 0; i < 2; ++i) {
      const auto* end = by_inode(socks, m.num("unix_pair", i));
      REQUIRE(end != nullptr);
      CHECK_FALSE(end->name);
      CHECK(end->state == TCP_ESTABLISHED);
      CHECK(end->peer == 0);  // /proc/net/unix does not say
      CHECK_FALSE(end->rqueue);
      CHECK_FALSE(end->uid);
      const auto* seq = by_inode(socks, m.num("unix_seqpacket_pair", i));
      REQUIRE(seq != nullptr);
      CHECK(seq->type == SOCK_SEQPACKET);
    }
  }

  SUBCASE("edge cases") {
    const auto socks = parse_proc_net_unix(test_data("proc/edge/net/unix"));
    REQUIRE(socks.size() == 7);  // the junk line and the short line are skipped
    CHECK(socks[0].name == std::optional<std::string>("/run/my app/ctl sock"));
    CHECK(socks[0].state == TCP_LISTEN);
    CHECK(socks[1].name == std::optional<std::string>("@abs@with@nul"));
    CHECK(socks[1].abstract);
    CHECK(socks[2].type == SOCK_SEQPACKET);
    CHECK_FALSE(socks[2].name);
    CHECK(socks[3].name == std::optional<std::string>("/tmp/trailing space "));
    CHECK(socks[3].state == TCP_SYN_SENT);
    CHECK(socks[4].name == std::optional<std::string>("@"));
    CHECK(socks[4].abstract);
    CHECK(socks[5].inode == 7);
    CHECK(socks[5].name == std::optional<std::string>(" /lead"));
    CHECK(socks[6].state == TCP_CLOSING);
  }

  SUBCASE("header only and empty") {
    CHECK(parse_proc_net_unix("Num       RefCount Protocol Flags    Type St Inode Path\n").empty());
    CHECK(parse_proc_net_unix("").empty());
  }
}

TEST_CASE("sys::parse_proc_net_inet") {
  SUBCASE("captured") {
    const Manifest m = manifest();
    const auto tcp = parse_proc_net_inet(test_data("proc/sockets/net/tcp"), InetFamily::inet);
    CHECK(tcp.size() == 4);
    const auto port = m.num("tcp_listen", 1);
    const auto* listen = by_inode(tcp, m.num("tcp_listen", 0));
    REQUIRE(listen != nullptr);
    CHECK(endpoint_text(listen->family, listen->local) == fmt::format("127.0.0.1:{}", port));
    CHECK(endpoint_text(listen->family, listen->remote) == "0.0.0.0:0");
    CHECK(listen->state == TCP_LISTEN);
    CHECK(listen->uid == std::optional<std::uint32_t>(0));
    const auto* client = by_inode(tcp, m.num("tcp_conn", 0));
    REQUIRE(client != nullptr);
    CHECK(client->state == TCP_ESTABLISHED);
    CHECK(client->local.port == m.num("tcp_conn", 2));
    CHECK(client->remote.port == port);

    const auto tcp6 = parse_proc_net_inet(test_data("proc/sockets/net/tcp6"), InetFamily::inet6);
    REQUIRE(tcp6.size() == 1);
    CHECK(tcp6[0].inode == m.num("tcp6_listen", 0));
    CHECK(endpoint_text(InetFamily::inet6, tcp6[0].local) == fmt::format("[::1]:{}", m.num("tcp6_listen", 1)));
    CHECK(endpoint_text(InetFamily::inet6, tcp6[0].remote) == "[::]:0");

    const auto udp = parse_proc_net_inet(test_data("proc/sockets/net/udp"), InetFamily::inet);
    REQUIRE(udp.size() == 2);
    const auto* u = by_inode(udp, m.num("udp_conn", 0));
    REQUIRE(u != nullptr);
    CHECK(u->state == TCP_ESTABLISHED);
    CHECK(u->local.port == m.num("udp_conn", 2));
    CHECK(u->remote.port == m.num("udp_conn", 3));

    const auto udp6 = parse_proc_net_inet(test_data("proc/sockets/net/udp6"), InetFamily::inet6);
    REQUIRE(udp6.size() == 1);
    CHECK(udp6[0].state == TCP_CLOSE);
    CHECK(udp6[0].local.port == m.num("udp6_bound", 1));
  }

  SUBCASE("edge cases") {
    const auto tcp = parse_proc_net_inet(test_data("proc/edge/net/tcp"), InetFamily::inet);
    REQUIRE(tcp.size() == 3);  // junk, short and bad-port lines skipped
    CHECK(tcp[0].rqueue == 3);
    CHECK(tcp[0].wqueue == 0);
    CHECK(endpoint_text(InetFamily::inet, tcp[1].local) == "10.0.2.15:22");
    CHECK(endpoint_text(InetFamily::inet, tcp[1].remote) == "192.168.0.100:54321");
    CHECK(tcp[1].wqueue == 16);
    CHECK(tcp[1].rqueue == 32);
    CHECK(tcp[1].uid == std::optional<std::uint32_t>(1000));
    CHECK(tcp[2].state == TCP_TIME_WAIT);
    CHECK(tcp[2].inode == 0);

    const auto tcp6 = parse_proc_net_inet(test_data("proc/edge/net/tcp6"), InetFamily::inet6);
    REQUIRE(tcp6.size() == 3);  // the short address is skipped
    CHECK(endpoint_text(InetFamily::inet6, tcp6[0].local) == "[::]:22");
    CHECK(endpoint_text(InetFamily::inet6, tcp6[1].local) == "[::ffff:127.0.0.1]:80");
    CHECK(tcp6[1].uid == std::optional<std::uint32_t>(33));
    CHECK(endpoint_text(InetFamily::inet6, tcp6[2].local) == "[2001:db8::1]:443");
    CHECK(endpoint_text(InetFamily::inet6, tcp6[2].remote) == "[fe80::2]:50000");
    CHECK(socket_state_name(tcp6[2].state) == "CLOSE-WAIT");
    CHECK(tcp6[2].wqueue == 5);
  }

  SUBCASE("header only, wrong family") {
    CHECK(parse_proc_net_inet(test_data("proc/edge/net/udp"), InetFamily::inet).empty());
    CHECK(parse_proc_net_inet(test_data("proc/edge/net/udp6"), InetFamily::inet6).empty());
    CHECK(parse_proc_net_inet(test_data("proc/edge/net/tcp6"), InetFamily::inet).empty());
    CHECK(parse_proc_net_inet("", InetFamily::inet).empty());
  }
}

TEST_CASE("sys::decode_unix_diag") {
  SUBCASE("captured dump agrees with /proc/net/unix") {
    const Manifest m = manifest();
    std::vector<UnixSocket> socks;
    const auto status = decode_unix_diag(test_data("proc/sockets/netlink/unix.bin"), socks);
    REQUIRE(status);
    CHECK(*status == DumpStatus::done);
    CHECK(socks.size() == 8);

    const auto a = m.num("unix_pair", 0), b = m.num("unix_pair", 1);
    const auto* end_a = by_inode(socks, a);
    const auto* end_b = by_inode(socks, b);
    REQUIRE(end_a != nullptr);
    REQUIRE(end_b != nullptr);
    CHECK(end_a->peer == b);
    CHECK(end_b->peer == a);
    CHECK(end_b->rqueue == std::optional<std::int64_t>(5));  // five bytes sent by a, unread
    CHECK(end_a->uid == std::optional<std::uint32_t>(0));

    const auto* abs = by_inode(socks, m.num("unix_abstract", 0));
    REQUIRE(abs != nullptr);
    CHECK(abs->name == std::optional<std::string>("@ipcctl-test@abstract"));
    CHECK(abs->abstract);

    // Same sockets, same names, types and states from both sources.
    for (const auto& p : parse_proc_net_unix(test_data("proc/sockets/net/unix"))) {
      CAPTURE(p.inode);
      const auto* n = by_inode(socks, p.inode);
      REQUIRE(n != nullptr);
      CHECK(n->name == p.name);
      CHECK(n->abstract == p.abstract);
      CHECK(n->type == p.type);
      CHECK(n->state == p.state);
    }
  }

  SUBCASE("hand-built messages") {
    NlBuffer buf;
    unix_diag_rqlen q{7, 9};
    const std::uint32_t peer = 4321, uid = 1000;
    buf.message(SOCK_DIAG_BY_FAMILY,
                unix_msg(1234, SOCK_DGRAM, TCP_ESTABLISHED,
                         attr(UNIX_DIAG_NAME, std::string("\0a\0b", 4)) + attr(UNIX_DIAG_PEER, raw(peer)) +
                             attr(UNIX_DIAG_RQLEN, raw(q)) + attr(UNIX_DIAG_UID, raw(uid))));
    buf.message(SOCK_DIAG_BY_FAMILY,
                unix_msg(1235, SOCK_STREAM, TCP_LISTEN, attr(UNIX_DIAG_NAME, std::string("/run/x s\0", 9))));
    buf.message(SOCK_DIAG_BY_FAMILY, std::string(4, '\0'));  // too short: skipped
    buf.message(SOCK_DIAG_BY_FAMILY, unix_msg(1236, SOCK_STREAM, TCP_CLOSE, {}));
    buf.message(NLMSG_DONE, raw(0));
    std::vector<UnixSocket> socks;
    const auto status = decode_unix_diag(buf.bytes, socks);
    REQUIRE(status);
    CHECK(*status == DumpStatus::done);
    REQUIRE(socks.size() == 3);
    CHECK(socks[0].name == std::optional<std::string>("@a@b"));
    CHECK(socks[0].abstract);
    CHECK(socks[0].peer == 4321);
    CHECK(socks[0].rqueue == std::optional<std::int64_t>(7));
    CHECK(socks[0].wqueue == std::optional<std::int64_t>(9));
    CHECK(socks[0].uid == std::optional<std::uint32_t>(1000));
    CHECK(socks[1].name == std::optional<std::string>("/run/x s"));
    CHECK_FALSE(socks[1].abstract);
    CHECK(socks[1].state == TCP_LISTEN);
    CHECK_FALSE(socks[2].name);
    CHECK(socks[2].peer == 0);
  }

  SUBCASE("multi-part, errors, truncation") {
    std::vector<UnixSocket> socks;
    NlBuffer part;
    part.message(SOCK_DIAG_BY_FAMILY, unix_msg(1, SOCK_STREAM, TCP_CLOSE, {}));
    auto status = decode_unix_diag(part.bytes, socks);
    REQUIRE(status);
    CHECK(*status == DumpStatus::more);
    CHECK(socks.size() == 1);
    CHECK(decode_unix_diag({}, socks) == DumpStatus::more);

    NlBuffer err;
    err.message(NLMSG_ERROR, errno_msg(-ENOENT));
    status = decode_unix_diag(err.bytes, socks);
    REQUIRE_FALSE(status);
    CHECK(status.error().code == ENOENT);

    NlBuffer failed_done;
    failed_done.message(NLMSG_DONE, raw(-EINTR));
    status = decode_unix_diag(failed_done.bytes, socks);
    REQUIRE_FALSE(status);
    CHECK(status.error().code == EINTR);

    // a status no errno could be (INT_MIN cannot be negated) is a protocol error
    NlBuffer garbled;
    garbled.message(NLMSG_ERROR, errno_msg(std::numeric_limits<int>::min()));
    status = decode_unix_diag(garbled.bytes, socks);
    REQUIRE_FALSE(status);
    CHECK(status.error().code == EPROTO);

    const std::string whole = part.bytes;
    status = decode_unix_diag(std::string_view(whole).substr(0, whole.size() - 4), socks);
    REQUIRE_FALSE(status);
    CHECK(status.error().code == 0);
    CHECK(status.error().op == "parse");
    CHECK(socks.size() == 1);
  }
}

TEST_CASE("sys::decode_inet_diag") {
  const Manifest m = manifest();
  auto decode = [](std::string_view file) {
    std::vector<InetSocket> socks;
    const auto status = decode_inet_diag(test_data(file), socks);
    REQUIRE(status);
    CHECK(*status == DumpStatus::done);
    return socks;
  };
  struct Pair {
    const char* netlink;
    const char* proc;
    InetFamily family;
  };
  for (const Pair& p : {Pair{"proc/sockets/netlink/tcp4.bin", "proc/sockets/net/tcp", InetFamily::inet},
                        Pair{"proc/sockets/netlink/tcp6.bin", "proc/sockets/net/tcp6", InetFamily::inet6},
                        Pair{"proc/sockets/netlink/udp4.bin", "proc/sockets/net/udp", InetFamily::inet},
                        Pair{"proc/sockets/netlink/udp6.bin", "proc/sockets/net/udp6", InetFamily::inet6}}) {
    CAPTURE(p.netlink);
    const auto nl = decode(p.netlink);
    const auto proc = parse_proc_net_inet(test_data(p.proc), p.family);
    CHECK(nl.size() == proc.size());
    for (const auto& s : proc) {
      CAPTURE(s.inode);
      const auto* n = by_inode(nl, s.inode);
      REQUIRE(n != nullptr);
      CHECK(n->family == p.family);
      CHECK(n->local == s.local);
      CHECK(n->remote == s.remote);
      CHECK(n->state == s.state);
      CHECK(n->uid == s.uid);
    }
  }
  const auto tcp6 = decode("proc/sockets/netlink/tcp6.bin");
  const auto* l6 = by_inode(tcp6, m.num("tcp6_listen", 0));
  REQUIRE(l6 != nullptr);
  CHECK(endpoint_text(l6->family, l6->local) == fmt::format("[::1]:{}", m.num("tcp6_listen", 1)));
}

TEST_CASE("sys::socket sources on a captured tree") {
  const Manifest m = manifest();
  ScratchRoot root({"unix", "tcp", "tcp6", "udp", "udp6"});
  const ProcRoot proc(root.dir.string());
  REQUIRE_FALSE(proc.live());

  model::Snapshot snap;
  add_holder(snap, 4242, "server", 3, m.num("unix_path", 0));
  add_holder(snap, 4242, "server", 4, m.num("tcp_listen", 0));
  add_holder(snap, 4243, "client", 5, m.num("tcp_conn", 0));
  snap.walk->index();

  SUBCASE("everything") {
    const CollectOptions opts;
    REQUIRE(unix_socket_source().collect(proc, opts, snap));
    REQUIRE(tcp_source().collect(proc, opts, snap));
    REQUIRE(udp_source().collect(proc, opts, snap));
    CHECK(snap.objects.size() == 8 + 5 + 3);

    const auto* path = by_ref(snap, fmt::format("unix:{}", m.num("unix_path", 0)));
    REQUIRE(path != nullptr);
    CHECK(path->kind == model::Kind::unix_socket);
    CHECK(path->name == std::optional<std::string>("/tmp/ipcctl test sock"));
    CHECK_FALSE(path->peer);
    CHECK(text_of(*path, "sock_type") == "stream");
    CHECK(text_of(*path, "state") == "LISTEN");
    CHECK(path->find(model::key::abstract) != nullptr);
    CHECK(std::get<bool>(*path->find(model::key::abstract)) == false);
    CHECK(path->find(model::key::rqueue) == nullptr);  // unknown from /proc/net/unix
    REQUIRE(path->holders.size() == 1);
    CHECK(path->holders[0].pid == 4242);
    CHECK(path->holders[0].comm == "server");
    CHECK(path->holders[0].fd == std::optional<int>(3));

    const auto* abs = by_ref(snap, fmt::format("unix:{}", m.num("unix_abstract", 0)));
    REQUIRE(abs != nullptr);
    CHECK(std::get<bool>(*abs->find(model::key::abstract)));
    CHECK(text_of(*abs, "state") == "UNCONN");
    CHECK(abs->holders.empty());

    const auto client = m.num("tcp_conn", 0), server = m.num("tcp_conn", 1);
    const auto* c = by_ref(snap, fmt::format("tcp:{}", client));
    const auto* s = by_ref(snap, fmt::format("tcp:{}", server));
    REQUIRE(c != nullptr);
    REQUIRE(s != nullptr);
    CHECK(c->peer == std::optional<std::string>(fmt::format("tcp:{}", server)));
    CHECK(s->peer == std::optional<std::string>(fmt::format("tcp:{}", client)));
    CHECK(text_of(*c, "state") == "ESTAB");
    CHECK(text_of(*c, "family") == "inet");
    CHECK(text_of(*c, "remote") == fmt::format("127.0.0.1:{}", m.num("tcp_listen", 1)));
    CHECK(num_of(*c, "rqueue") == std::optional<std::int64_t>(0));
    CHECK(c->owner.uid == std::optional<std::uint32_t>(0));
    CHECK_FALSE(c->name);
    REQUIRE(c->holders.size() == 1);
    CHECK(c->holders[0].comm == "client");

    const auto* l = by_ref(snap, fmt::format("tcp:{}", m.num("tcp_listen", 0)));
    REQUIRE(l != nullptr);
    CHECK(text_of(*l, "state") == "LISTEN");
    CHECK_FALSE(l->peer);
    const auto* l6 = by_ref(snap, fmt::format("tcp:{}", m.num("tcp6_listen", 0)));
    REQUIRE(l6 != nullptr);
    CHECK(text_of(*l6, "family") == "inet6");
    CHECK(text_of(*l6, "local") == fmt::format("[::1]:{}", m.num("tcp6_listen", 1)));

    const auto u = m.num("udp_conn", 0), v = m.num("udp_conn", 1);
    const auto* uo = by_ref(snap, fmt::format("udp:{}", u));
    REQUIRE(uo != nullptr);
    CHECK(uo->kind == model::Kind::udp);
    CHECK(uo->peer == std::optional<std::string>(fmt::format("udp:{}", v)));
    const auto* u6 = by_ref(snap, fmt::format("udp:{}", m.num("udp6_bound", 0)));
    REQUIRE(u6 != nullptr);
    CHECK_FALSE(u6->peer);
    CHECK(text_of(*u6, "state") == "UNCONN");
    CHECK(text_of(*u6, "remote") == "[::]:0");
    CHECK(snap.warnings.empty());
  }

  SUBCASE("only sockets the selected processes hold") {
    CollectOptions opts;
    opts.pids = {4242};  // the walk only saw these, so only held sockets remain
    REQUIRE(unix_socket_source().collect(proc, opts, snap));
    REQUIRE(tcp_source().collect(proc, opts, snap));
    REQUIRE(udp_source().collect(proc, opts, snap));
    REQUIRE(snap.objects.size() == 3);
    for (const auto& o : snap.objects) CHECK_FALSE(o.holders.empty());
  }

  SUBCASE("missing files") {
    ScratchRoot partial({"tcp"});
    const ProcRoot part(partial.dir.string());
    const CollectOptions opts;
    CHECK(tcp_source().collect(part, opts, snap));  // no tcp6 (IPv6 off) is fine
    CHECK(snap.objects.size() == 4);
    const auto unix_result = unix_socket_source().collect(part, opts, snap);
    REQUIRE_FALSE(unix_result);
    CHECK(unix_result.error().code == ENOENT);
    CHECK_FALSE(udp_source().collect(part, opts, snap));
  }
}

TEST_CASE("sys::socket sources live") {
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
  const UniqueFd a(pair[0]), b(pair[1]);
  REQUIRE(::write(a.get(), "abc", 3) == 3);

  const UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(listener);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener.get(), 4) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const UniqueFd server(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  REQUIRE(server);
  const int port = ntohs(addr.sin_port);

  const ProcRoot root("/");
  model::Snapshot snap;
  REQUIRE(walk_processes(root, {}, snap));
  const CollectOptions opts;
  REQUIRE(unix_socket_source().collect(root, opts, snap));
  REQUIRE(tcp_source().collect(root, opts, snap));
  REQUIRE(udp_source().collect(root, opts, snap));

  const auto ia = inode_of(a.get()), ib = inode_of(b.get());
  const auto* oa = by_ref(snap, fmt::format("unix:{}", ia));
  const auto* ob = by_ref(snap, fmt::format("unix:{}", ib));
  REQUIRE(oa != nullptr);
  REQUIRE(ob != nullptr);
  CHECK(text_of(*oa, "state") == "ESTAB");
  CHECK(text_of(*oa, "sock_type") == "stream");
  CHECK_FALSE(oa->name);
  if (dump_unix_sockets()) {
    CHECK(oa->peer == std::optional<std::string>(fmt::format("unix:{}", ib)));
    CHECK(ob->peer == std::optional<std::string>(fmt::format("unix:{}", ia)));
    CHECK(num_of(*ob, "rqueue") == std::optional<std::int64_t>(3));
    CHECK(oa->owner.uid == std::optional<std::uint32_t>(::getuid()));
  } else {
    MESSAGE("sock_diag for unix sockets is unavailable: peers not checked");
    CHECK_FALSE(snap.warnings.empty());
  }

  const auto il = inode_of(listener.get()), ic = inode_of(client.get()), is = inode_of(server.get());
  const auto* ol = by_ref(snap, fmt::format("tcp:{}", il));
  const auto* oc = by_ref(snap, fmt::format("tcp:{}", ic));
  const auto* os = by_ref(snap, fmt::format("tcp:{}", is));
  REQUIRE(ol != nullptr);
  REQUIRE(oc != nullptr);
  REQUIRE(os != nullptr);
  CHECK(text_of(*ol, "state") == "LISTEN");
  CHECK(text_of(*ol, "local") == fmt::format("127.0.0.1:{}", port));
  CHECK(text_of(*ol, "remote") == "0.0.0.0:0");
  CHECK_FALSE(ol->peer);
  CHECK(text_of(*oc, "state") == "ESTAB");
  CHECK(text_of(*oc, "remote") == fmt::format("127.0.0.1:{}", port));
  CHECK(oc->peer == std::optional<std::string>(fmt::format("tcp:{}", is)));
  CHECK(os->peer == std::optional<std::string>(fmt::format("tcp:{}", ic)));
  CHECK(text_of(*os, "family") == "inet");

  SUBCASE("netlink and /proc/net agree") {
    const auto nl = dump_inet_sockets(InetFamily::inet, IPPROTO_TCP);
    if (!nl) {
      MESSAGE("sock_diag for tcp is unavailable: " << nl.error().message());
      return;
    }
    const auto text = read_file("/proc/net/tcp");
    REQUIRE(text);
    const auto proc = parse_proc_net_inet(*text, InetFamily::inet);
    for (const auto inode : {il, ic, is}) {
      const auto* n = by_inode(*nl, inode);
      const auto* p = by_inode(proc, inode);
      REQUIRE(n != nullptr);
      REQUIRE(p != nullptr);
      CHECK(n->local == p->local);
      CHECK(n->remote == p->remote);
      CHECK(n->state == p->state);
    }
  }
}
