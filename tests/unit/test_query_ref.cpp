#include <ipcctl/query/ref.hpp>

#include <doctest/doctest.h>

using namespace ipcctl;
using model::Kind;

TEST_CASE("query::parse_ref") {
  SUBCASE("exact refs") {
    auto q = query::parse_ref("sysv-shm:32769");
    REQUIRE(q.has_value());
    CHECK(q->kind == Kind::sysv_shm);
    CHECK(q->ref == "sysv-shm:32769");
    CHECK(q->kinds().has(Kind::sysv_shm));
    CHECK_FALSE(q->kinds().has(Kind::pipe));
  }
  SUBCASE("keys, hex or decimal") {
    CHECK(query::parse_ref("sysv-msg:key=0x1234")->key == 0x1234u);
    CHECK(query::parse_ref("sysv-sem:key=4660")->key == 0x1234u);
  }
  SUBCASE("paths under /dev/shm and /dev/mqueue name POSIX objects") {
    CHECK(query::parse_ref("/dev/shm/x")->ref == "posix-shm:/x");
    CHECK(query::parse_ref("/dev/shm/sem.lock")->ref == "posix-sem:/lock");
    CHECK(query::parse_ref("/dev/mqueue/orders")->ref == "posix-mq:/orders");
    const auto fifo = query::parse_ref("/run/app/ctl");
    CHECK(fifo->path == "/run/app/ctl");
    CHECK_FALSE(fifo->kind.has_value());
  }
  SUBCASE("pid:N") { CHECK(query::parse_ref("pid:812")->pid == 812); }
  SUBCASE("bad refs name what is accepted") {
    for (const char* bad : {"", "sysv-shm:", "sysv-shm:abc", "sysv-shm:key=0x100000000", "frob:1",
                            "posix-mq:orders", "posix-mq:/a/b", "pipe:x", "signalfd:12", "lock:1.x",
                            "pid:0", "pid:", "relative/path", "fifo:relative"}) {
      CAPTURE(bad);
      const auto q = query::parse_ref(bad);
      REQUIRE_FALSE(q.has_value());
      CHECK(q.error().detail.find("bad ref") == 0);
    }
  }
}

TEST_CASE("query::RefQuery::matches") {
  model::Object shm;
  shm.kind = Kind::sysv_shm;
  shm.ref = "sysv-shm:7";
  shm.key = 0x1234;
  shm.holders.push_back(model::Holder{812, "pg", std::nullopt, "rw", model::Via::map, 0u});
  model::Object sig;
  sig.kind = Kind::signal;
  sig.ref = "signal:812";
  sig.id = 812;
  CHECK(query::parse_ref("sysv-shm:7")->matches(shm));
  CHECK_FALSE(query::parse_ref("sysv-shm:8")->matches(shm));
  CHECK(query::parse_ref("sysv-shm:key=0x1234")->matches(shm));
  CHECK_FALSE(query::parse_ref("sysv-msg:key=0x1234")->matches(shm));
  CHECK(query::parse_ref("pid:812")->matches(shm));
  CHECK(query::parse_ref("pid:812")->matches(sig));
  CHECK_FALSE(query::parse_ref("pid:813")->matches(shm));
}
