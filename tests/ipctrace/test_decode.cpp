#include <ipcctl/trace/decode.hpp>
#include <ipcctl/trace/resolve.hpp>

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <map>

using namespace ipcctl;
using namespace ipcctl::trace;

namespace {

// A fake address space: byte ranges at addresses.
class FakeMemory : public Memory {
public:
  void put(std::uint64_t addr, std::string bytes) { m_ranges[addr] = std::move(bytes); }
  template <class T>
  void put_object(std::uint64_t addr, const T& v) {
    put(addr, std::string(reinterpret_cast<const char*>(&v), sizeof v));
  }
  bool read(std::uint64_t addr, void* out, std::size_t n) const override {
    for (const auto& [start, bytes] : m_ranges) {
      if (addr >= start && addr + n <= start + bytes.size()) {
        std::memcpy(out, bytes.data() + (addr - start), n);
        return true;
      }
    }
    return false;
  }

private:
  std::map<std::uint64_t, std::string> m_ranges;
};

iovec iov_at(std::uint64_t addr, std::size_t len) { return iovec{reinterpret_cast<void*>(addr), len}; }

std::string raw(const void* p, std::size_t n) { return std::string(static_cast<const char*>(p), n); }

} // namespace

TEST_CASE("trace::iov_total and iov_read") {
  FakeMemory mem;
  const iovec v[3] = {iov_at(0x1000, 5), iov_at(0x2000, 3), iov_at(0x3000, 100)};
  mem.put(0x500, raw(v, sizeof v));
  mem.put(0x1000, "hello");
  mem.put(0x2000, "abc");
  SUBCASE("total sums every iov_len") { CHECK(iov_total(mem, 0x500, 3) == 108); }
  SUBCASE("unreadable array") { CHECK_FALSE(iov_total(mem, 0x900, 3).has_value()); }
  SUBCASE("more than UIO_MAXIOV is refused") { CHECK_FALSE(iov_total(mem, 0x500, k_max_iov + 1).has_value()); }
  SUBCASE("read crosses iovecs and stops at the limit") {
    CHECK(iov_read(mem, 0x500, 3, 64, 7) == "helloab");
    CHECK(iov_read(mem, 0x500, 3, 4, 100) == "hell");
  }
  SUBCASE("read stops at unreadable data") { CHECK(iov_read(mem, 0x500, 3, 64, 108) == "helloabc"); }
}

TEST_CASE("trace::read_cstring") {
  FakeMemory mem;  // strings are read a page at a time: map a whole page
  std::string page("/orders\0junk", 12);
  page.resize(4096, 'z');
  mem.put(0x1000, page);
  CHECK(read_cstring(mem, 0x1000) == "/orders");
  CHECK_FALSE(read_cstring(mem, 0x9000).has_value());
  CHECK(read_cstring(mem, 0x1000, 3) == "/or");
}

TEST_CASE("trace::parse_scm_rights") {
  SUBCASE("one message with two descriptors") {
    alignas(cmsghdr) char buf[CMSG_SPACE(2 * sizeof(int))] = {};
    auto* c = reinterpret_cast<cmsghdr*>(buf);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(2 * sizeof(int));
    const int fds[2] = {7, 9};
    std::memcpy(CMSG_DATA(c), fds, sizeof fds);
    CHECK(parse_scm_rights(std::string_view(buf, sizeof buf)) == std::vector<int>{7, 9});
  }
  SUBCASE("credentials are not descriptors") {
    alignas(cmsghdr) char buf[CMSG_SPACE(sizeof(ucred))] = {};
    auto* c = reinterpret_cast<cmsghdr*>(buf);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof(ucred));
    CHECK(parse_scm_rights(std::string_view(buf, sizeof buf)).empty());
  }
  SUBCASE("a length past the buffer ends the walk") {
    alignas(cmsghdr) char buf[CMSG_SPACE(sizeof(int))] = {};
    auto* c = reinterpret_cast<cmsghdr*>(buf);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = 4096;
    CHECK(parse_scm_rights(std::string_view(buf, sizeof buf)).empty());
    CHECK(parse_scm_rights(std::string_view(buf, 3)).empty());
  }
}

TEST_CASE("trace::read_msghdr") {
  FakeMemory mem;
  const iovec v[2] = {iov_at(0x1000, 10), iov_at(0x2000, 20)};
  mem.put(0x500, raw(v, sizeof v));
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(5353);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  mem.put_object(0x600, sin);
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  auto* c = reinterpret_cast<cmsghdr*>(control);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  const int fd = 5;
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  mem.put(0x700, raw(control, sizeof control));
  msghdr h{};
  h.msg_name = reinterpret_cast<void*>(0x600);
  h.msg_namelen = sizeof sin;
  h.msg_iov = reinterpret_cast<iovec*>(0x500);
  h.msg_iovlen = 2;
  h.msg_control = reinterpret_cast<void*>(0x700);
  h.msg_controllen = sizeof control;
  mem.put_object(0x100, h);
  const auto m = read_msghdr(mem, 0x100);
  REQUIRE(m.has_value());
  CHECK(m->bytes == 30);
  CHECK(m->addr == "127.0.0.1:5353");
  CHECK(m->fds == std::vector<int>{5});
  CHECK_FALSE(read_msghdr(mem, 0x9999).has_value());
}

TEST_CASE("trace::sockaddr_text") {
  SUBCASE("inet6") {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(80);
    a.sin6_addr = in6addr_loopback;
    CHECK(sockaddr_text(raw(&a, sizeof a)) == "[::1]:80");
  }
  SUBCASE("unix path and abstract name") {
    sockaddr_un u{};
    u.sun_family = AF_UNIX;
    std::strcpy(u.sun_path, "/run/x.sock");
    CHECK(sockaddr_text(raw(&u, sizeof(sa_family_t) + 12)) == "/run/x.sock");
    std::memcpy(u.sun_path, "\0ab\0c", 5);
    CHECK(sockaddr_text(raw(&u, sizeof(sa_family_t) + 5)) == "@ab@c");
  }
  SUBCASE("short or foreign") {
    CHECK(sockaddr_text("") == "");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    CHECK(sockaddr_text(raw(&a, 4)) == "");
  }
}

TEST_CASE("trace::classify_link") {
  std::uint64_t ino = 0;
  CHECK(classify_link("pipe:[4567]", ino) == LinkType::pipe);
  CHECK(ino == 4567);
  CHECK(classify_link("socket:[99]", ino) == LinkType::socket);
  CHECK(ino == 99);
  CHECK(classify_link("anon_inode:[eventfd]", ino) == LinkType::eventfd);
  CHECK(classify_link("anon_inode:[signalfd]", ino) == LinkType::other);
  CHECK(classify_link("/memfd:buf (deleted)", ino) == LinkType::memfd);
  CHECK(classify_link("/dev/pts/1", ino) == LinkType::path);
  CHECK(classify_link("", ino) == LinkType::other);
  CHECK(classify_link("pipe:[", ino) == LinkType::other);
}

TEST_CASE("trace::kind_from_protoname") {
  std::uint8_t type = 0;
  CHECK(kind_from_protoname("UNIX-STREAM", type) == model::Kind::unix_socket);
  CHECK(type == SOCK_STREAM);
  CHECK(kind_from_protoname("UNIX-SEQPACKET", type) == model::Kind::unix_socket);
  CHECK(type == SOCK_SEQPACKET);
  CHECK(kind_from_protoname("TCPv6", type) == model::Kind::tcp);
  CHECK(kind_from_protoname("UDP", type) == model::Kind::udp);
  CHECK_FALSE(kind_from_protoname("NETLINK", type).has_value());
}

TEST_CASE("trace::classify_fd on this process") {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  const FdClass c = classify_fd(::getpid(), p[0]);
  CHECK(c.ipc);
  CHECK(c.kind == model::Kind::pipe);
  CHECK(c.id != 0);
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
  const FdClass u = classify_fd(::getpid(), sv[0]);
  CHECK(u.ipc);
  CHECK(u.kind == model::Kind::unix_socket);
  CHECK(u.sock_type == SOCK_DGRAM);
  const FdClass none = classify_fd(::getpid(), 12345);
  CHECK_FALSE(none.ipc);
  for (int fd : {p[0], p[1], sv[0], sv[1]}) ::close(fd);
}

TEST_CASE("trace::channel_ref_problem: --channel takes refs as ipctrace prints them") {
  for (const char* good : {"pipe:4567", "unix:51234", "tcp:1", "udp:0", "eventfd:42", "memfd:77012", "sysv-msg:0",
                           "sysv-shm:32769", "sysv-sem:2147483647", "sysv-msg:0@ipc:4026532281", "posix-mq:/orders",
                           "posix-mq:/orders@ipc:4026531839", "posix-shm:/x", "fifo:/run/app/ctl", "signal:812",
                           "pipe:18446744073709551615"})
    CHECK_MESSAGE(channel_ref_problem(good).empty(), good);
  for (const char* bad : {"garbage", "", ":", "pipe:", "pipe:abc", "pipe:012", "pipe:-1", "pipe:+1", "pipe: 1",
                          "pipe:18446744073709551616", "nosuch:1", "lock:1", "signalfd:1:2", "sysv-shm:key=0x1234",
                          "sysv-shm:2147483648", "sysv-msg:0@ipc:", "sysv-msg:0@ipc:x", "unix:1@ipc:5",
                          "pipe:1@ipc:5", "posix-mq:orders", "posix-mq:/", "posix-mq:/a/b", "posix-shm:",
                          "fifo:relative", "fifo:", "signal:0", "signal:99999999", "PIPE:1"})
    CHECK_MESSAGE(!channel_ref_problem(bad).empty(), bad);
}

TEST_CASE("trace::Resolver: a record keeps the name its process had when it was made") {
  Resolver r(false);
  r.note_process(10, "before");
  CHECK(r.comm(10) == "before");
  r.note_process(10, "after", 1000);  // renamed at 1000 (--system: seen at its first event after)
  CHECK(r.comm(10) == "after");
  CHECK(r.comm(10, 999) == "before");
  CHECK(r.comm(10, 1000) == "after");
  r.note_process(10, "third", 2000);
  CHECK(r.comm(10, 500) == "before");
  CHECK(r.comm(10, 1500) == "after");
  CHECK(r.comm(10, 2500) == "third");
  r.note_process(10, "third", 3000);  // the same name: nothing changes
  CHECK(r.comm(10, 2500) == "third");
  r.note_process(10, "execed");  // no time (ptrace: the records before were written out): from now on
  CHECK(r.comm(10, 500) == "execed");
  CHECK(r.comm(11).empty());  // not traced, not live: unknown
}
