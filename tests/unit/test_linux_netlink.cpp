// Netlink sockets: /proc/net/netlink and the NETLINK_SOCK_DIAG dump, both
// captured with known sockets (tests/data/proc/netlink/capture.py), then
// the running kernel's dump and a collection of a captured tree.
#include <ipcctl/collect.hpp>
#include <ipcctl/linux/sockdiag.hpp>
#include <ipcctl/util/parse.hpp>

#include "support.hpp"

#include <doctest/doctest.h>

#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>

using namespace ipcctl;
using namespace ipcctl::sys;

namespace {

// netlink.txt: "route INODE PORTID GROUPS", "uevent ...", "connected INODE PORTID DST_PORTID".
std::map<std::string, std::vector<std::string>, std::less<>> manifest() {
  std::map<std::string, std::vector<std::string>, std::less<>> out;
  for_each_line(test::data_text("proc/netlink/netlink.txt"), [&](std::string_view line) {
    auto f = split_ws(line);
    if (f.empty()) return;
    out[std::string(f[0])] = std::vector<std::string>(f.begin() + 1, f.end());
  });
  return out;
}

std::uint64_t num(const std::vector<std::string>& f, std::size_t i) {
  REQUIRE(f.size() > i);
  const auto v = to_u64(f[i]);
  REQUIRE(v.has_value());
  return *v;
}

const NetlinkSocket* by_inode(const std::vector<NetlinkSocket>& socks, std::uint64_t inode) {
  const auto it = std::find_if(socks.begin(), socks.end(), [&](const NetlinkSocket& s) { return s.inode == inode; });
  return it == socks.end() ? nullptr : &*it;
}

} // namespace

TEST_CASE("sys::netlink_protocol_name") {
  CHECK(netlink_protocol_name(NETLINK_ROUTE) == "route");
  CHECK(netlink_protocol_name(NETLINK_KOBJECT_UEVENT) == "kobject_uevent");
  CHECK(netlink_protocol_name(NETLINK_GENERIC) == "generic");
  CHECK(netlink_protocol_name(NETLINK_SOCK_DIAG) == "sock_diag");
  CHECK(netlink_protocol_name(17) == "17");  // a hole in the numbering
  CHECK(netlink_protocol_name(200) == "200");
}

TEST_CASE("sys::parse_proc_net_netlink") {
  const auto m = manifest();
  const auto socks = parse_proc_net_netlink(test::data_text("proc/netlink/captured/proc/net/netlink"));
  REQUIRE(socks.size() >= 3);

  const auto* route = by_inode(socks, num(m.at("route"), 0));
  REQUIRE(route != nullptr);
  CHECK(route->protocol == NETLINK_ROUTE);
  CHECK(route->portid == num(m.at("route"), 1));
  CHECK(route->groups == std::vector<std::int64_t>{1, 5});  // RTMGRP_LINK | RTMGRP_IPV4_IFADDR
  CHECK_FALSE(route->connected.has_value());  // /proc does not say
  CHECK_FALSE(route->dst_portid.has_value());

  const auto* uevent = by_inode(socks, num(m.at("uevent"), 0));
  REQUIRE(uevent != nullptr);
  CHECK(uevent->protocol == NETLINK_KOBJECT_UEVENT);
  CHECK(uevent->groups == std::vector<std::int64_t>{1});

  // The second route socket of the process got a port the kernel chose
  // (negative as an int, printed unsigned).
  const auto* connected = by_inode(socks, num(m.at("connected"), 0));
  REQUIRE(connected != nullptr);
  CHECK(connected->portid == num(m.at("connected"), 1));
  CHECK(connected->groups.empty());

  // The kernel's own socket of NETLINK_ROUTE: port 0.
  CHECK(std::any_of(socks.begin(), socks.end(),
                    [](const NetlinkSocket& s) { return s.protocol == NETLINK_ROUTE && s.portid == 0; }));

  SUBCASE("lines that do not parse are skipped") {
    const auto few = parse_proc_net_netlink(
        "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n"
        "00000000f4389385 0   1234       00000011 10       20       0     2        0        99\n"
        "00000000f4389385 0   1234       zz       0        0        0     2        0        100\n"
        "00000000f4389385 0   1234\n"
        "00000000f4389385 300 1234       00000000 0        0        0     2        0        101\n");
    REQUIRE(few.size() == 1);
    CHECK(few[0].inode == 99);
    CHECK(few[0].portid == 1234);
    CHECK(few[0].groups == std::vector<std::int64_t>{1, 5});
    CHECK(few[0].rqueue == 10);
    CHECK(few[0].wqueue == 20);
  }
}

TEST_CASE("sys::decode_netlink_diag") {
  const auto m = manifest();
  std::vector<NetlinkSocket> socks;
  const auto status = decode_netlink_diag(test::data_text("proc/netlink/netlink.bin"), socks);
  REQUIRE(status.has_value());
  CHECK(*status == DumpStatus::done);

  const auto* route = by_inode(socks, num(m.at("route"), 0));
  REQUIRE(route != nullptr);
  CHECK(route->protocol == NETLINK_ROUTE);
  CHECK(route->portid == num(m.at("route"), 1));
  CHECK(route->groups == std::vector<std::int64_t>{1, 5});
  CHECK(route->connected == std::optional<bool>(false));
  CHECK(route->dst_portid == std::optional<std::uint32_t>(0));

  const auto* uevent = by_inode(socks, num(m.at("uevent"), 0));
  REQUIRE(uevent != nullptr);
  CHECK(uevent->protocol == NETLINK_KOBJECT_UEVENT);
  CHECK(uevent->groups == std::vector<std::int64_t>{1});

  const auto* connected = by_inode(socks, num(m.at("connected"), 0));
  REQUIRE(connected != nullptr);
  CHECK(connected->connected == std::optional<bool>(true));
  CHECK(connected->dst_portid == std::optional<std::uint32_t>(static_cast<std::uint32_t>(num(m.at("connected"), 2))));

  SUBCASE("a truncated dump is an error, not a crash") {
    const std::string whole = test::data_text("proc/netlink/netlink.bin");
    std::vector<NetlinkSocket> part;
    const auto cut = decode_netlink_diag(std::string_view(whole).substr(0, 40), part);
    CHECK_FALSE(cut.has_value());
  }
}

TEST_CASE("sys::dump_netlink_sockets sees a socket bound now") {
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  REQUIRE(fd >= 0);
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = 1;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  socklen_t len = sizeof sa;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  auto socks = dump_netlink_sockets();
  ::close(fd);
  if (!socks) {
    MESSAGE("NETLINK_SOCK_DIAG unavailable here: ", socks.error().message());
    return;
  }
  CHECK(std::count_if(socks->begin(), socks->end(), [&](const NetlinkSocket& n) { return n.inode == st.st_ino; }) == 1);
  const auto* s = by_inode(*socks, st.st_ino);
  REQUIRE(s != nullptr);
  CHECK(s->portid == sa.nl_pid);
  CHECK(s->groups == std::vector<std::int64_t>{1});
  CHECK(s->connected == std::optional<bool>(false));
}

TEST_CASE("a captured tree's netlink sockets are listed with -t netlink only") {
  const auto m = manifest();
  CollectOptions opts;
  opts.root = test::data_path("proc/netlink/captured");
  opts.kinds = model::KindSet::none();
  opts.kinds.add(model::Kind::netlink);
  auto snap = collect(opts);
  REQUIRE(snap.has_value());
  const std::string ref = "netlink:" + m.at("route")[0];
  const auto it = std::find_if(snap->objects.begin(), snap->objects.end(), [&](const auto& o) { return o.ref == ref; });
  REQUIRE(it != snap->objects.end());
  const auto* protocol = it->find(model::key::protocol);
  REQUIRE(protocol != nullptr);
  CHECK(*protocol == model::Value{std::string("route")});
  const auto* groups = it->numbers(model::key::groups);
  REQUIRE(groups != nullptr);
  CHECK(*groups == std::vector<std::int64_t>{1, 5});
  CHECK(it->number(model::key::portid) == std::optional<std::int64_t>(static_cast<std::int64_t>(num(m.at("route"), 1))));

  CHECK_FALSE(model::KindSet::defaults().has(model::Kind::netlink));
  CHECK(model::KindSet::all().has(model::Kind::netlink));
  CHECK(model::parse_kinds("netlink").kinds.has(model::Kind::netlink));
  CHECK_FALSE(model::parse_kinds("socket").kinds.has(model::Kind::netlink));
}
