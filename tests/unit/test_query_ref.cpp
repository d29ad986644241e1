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
  SUBCASE("a bare key names the objects of all three SysV types with that key") {
    for (const char* text : {"0x5eed", "0X5EED", "key=0x5eed", "key=24301"}) {
      CAPTURE(text);
      const auto q = query::parse_ref(text);
      REQUIRE(q.has_value());
      CHECK(q->key == 0x5eedu);
      CHECK_FALSE(q->kind.has_value());
      CHECK(q->kinds().has(Kind::sysv_shm));
      CHECK(q->kinds().has(Kind::sysv_msg));
      CHECK(q->kinds().has(Kind::sysv_sem));
      CHECK_FALSE(q->kinds().has(Kind::posix_shm));
    }
    CHECK(query::parse_ref("0xffffffff")->key == 0xffffffffu);
  }
  SUBCASE("paths under /dev/shm and /dev/mqueue name POSIX objects") {
    CHECK(query::parse_ref("/dev/shm/x")->ref == "posix-shm:/x");
    CHECK(query::parse_ref("/dev/shm/sem.lock")->ref == "posix-sem:/lock");
    CHECK(query::parse_ref("/dev/mqueue/orders")->ref == "posix-mq:/orders");
    const auto fifo = query::parse_ref("/run/app/ctl");
    CHECK(fifo->path == "/run/app/ctl");
    CHECK_FALSE(fifo->kind.has_value());
  }
  SUBCASE("pid:N") {
    CHECK(query::parse_ref("pid:812")->pid == 812);
#ifndef _WIN32
    CHECK(query::parse_ref("pid:4194304")->pid == 4194304);  // PID_MAX_LIMIT
#endif
  }
  SUBCASE("numbers at the ends of their ranges") {
    CHECK(query::parse_ref("sysv-shm:0")->ref == "sysv-shm:0");
    CHECK(query::parse_ref("sysv-shm:2147483647")->ref == "sysv-shm:2147483647");
    CHECK(query::parse_ref("signalfd:1:2147483647").has_value());
    CHECK(query::parse_ref("eventfd:2147483647").has_value());
    CHECK(query::parse_ref("eventfd:12:0").has_value());
    CHECK(query::parse_ref("pipe:9999999999999999999").has_value());  // inodes are 64-bit
  }
  SUBCASE("a number out of its range is a bad ref, not a missing object") {
    for (const char* bad : {"sysv-shm:2147483648", "sysv-msg:99999999999", "sysv-sem:9999999999999999999",
                            "pid:2147483648", "pid:99999999999999999999", "signal:0", "signal:2147483648",
                            "signalfd:0:1", "signalfd:1:2147483648", "eventfd:2147483648", "eventfd:0:1"}) {
      CAPTURE(bad);
      const auto q = query::parse_ref(bad);
      REQUIRE_FALSE(q.has_value());
      CHECK(q.error().detail.find("bad ref") == 0);
    }
#ifndef _WIN32
    CHECK_FALSE(query::parse_ref("pid:4194305").has_value());
#endif
    CHECK(query::parse_ref("sysv-shm:2147483648").error().detail ==
          "bad ref 'sysv-shm:2147483648': a SysV id is a number from 0 to 2147483647 (or key=0x1234)");
  }
  SUBCASE("a namespace where none applies names the path to use") {
    CHECK(query::parse_ref("posix-shm:/x@ipc:1").error().detail ==
          "bad ref 'posix-shm:/x@ipc:1': posix-shm objects are not per IPC namespace, so '@ipc:' does not apply; "
          "an object whose name holds it is named by its path, /dev/shm/x@ipc:1");
    CHECK(query::parse_ref("posix-sem:/x@ipc:1").error().detail.find("/dev/shm/sem.x@ipc:1") != std::string::npos);
    CHECK(query::parse_ref("/dev/shm/x@ipc:1")->ref == "posix-shm:/x@ipc:1");
    CHECK(query::parse_ref("/dev/mqueue/q@ipc:1")->ref == "posix-mq:/q@ipc:1");
    CHECK_FALSE(query::parse_ref("/dev/mqueue/q@ipc:1")->ns.has_value());
    CHECK(query::parse_ref("sysv-shm:1@ipc:1").error().detail ==
          "bad ref 'sysv-shm:1@ipc:1': @ipc:INODE takes the namespace's inode number, as ls -A prints it "
          "(1 is not one: -N 1 names the namespaces of process 1)");
  }
  SUBCASE("bad refs name what is accepted") {
    for (const char* bad : {"", "sysv-shm:", "sysv-shm:abc", "sysv-shm:key=0x100000000", "frob:1",
                            "posix-mq:orders", "posix-mq:/a/b", "pipe:x", "signalfd:12", "lock:1.x",
                            "pid:0", "pid:", "relative/path", "fifo:relative", "0x", "0xZZ", "0x100000000",
                            "key=", "key=0x", "key=-1", "key=4294967296", "1234", "sysv-shm:key=0x"}) {
      CAPTURE(bad);
      const auto q = query::parse_ref(bad);
      REQUIRE_FALSE(q.has_value());
      CHECK(q.error().detail.find("bad ref") == 0);
    }
  }
  SUBCASE("a ref of no form lists every form") {
    const std::string forms = "expected TYPE:ID, TYPE:key=KEY, 0xKEY or key=KEY (a SysV key, of any SysV type), "
                              "pid:N or an absolute path (see ipcctl(1), show)";
    CHECK(query::parse_ref("relative").error().detail == "bad ref 'relative': " + forms);
    for (const char* bad : {"0xZZ", "key=x", "1234", "0x1ffffffff"}) {
      CAPTURE(bad);
      CHECK(query::parse_ref(bad).error().detail.find(forms) != std::string::npos);
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
  CHECK(query::parse_ref("0x1234")->matches(shm));
  CHECK_FALSE(query::parse_ref("0x1235")->matches(shm));
  model::Object msg = shm;
  msg.kind = Kind::sysv_msg;
  msg.ref = "sysv-msg:7";
  CHECK(query::parse_ref("0x1234")->matches(msg));
  model::Object keyed_pipe = shm;  // only SysV objects have keys
  keyed_pipe.kind = Kind::pipe;
  keyed_pipe.ref = "pipe:7";
  CHECK_FALSE(query::parse_ref("0x1234")->matches(keyed_pipe));
  CHECK(query::parse_ref("pid:812")->matches(shm));
  CHECK(query::parse_ref("pid:812")->matches(sig));
  CHECK_FALSE(query::parse_ref("pid:813")->matches(shm));
}

TEST_CASE("query::parse_ref: objects of other namespaces") {
  SUBCASE("@ipc:INODE names the namespace of a SysV object or POSIX queue") {
    auto q = query::parse_ref("sysv-shm:0@ipc:4026532281");
    REQUIRE(q.has_value());
    CHECK(q->ref == "sysv-shm:0");
    CHECK(q->ns == 4026532281u);
    CHECK(query::parse_ref("sysv-msg:key=0x10@ipc:4026531839")->key == 0x10u);
    CHECK(query::parse_ref("sysv-msg:key=0x10@ipc:4026531839")->ns == 4026531839u);
    // The last '@ipc:' is the namespace: a queue name may hold an '@'.
    auto mq = query::parse_ref("posix-mq:/a@b@ipc:4294967295");
    CHECK(mq->ref == "posix-mq:/a@b");
    CHECK(mq->ns == 4294967295u);
    CHECK_FALSE(query::parse_ref("posix-mq:/orders")->ns.has_value());
  }
  SUBCASE("only types that live in a namespace take one, of their own kind") {
    // A FIFO is a file: '@ipc:' is part of its path.
    CHECK(query::parse_ref("fifo:/run/x@ipc:1")->ref == "fifo:/run/x@ipc:1");
    CHECK_FALSE(query::parse_ref("fifo:/run/x@ipc:1")->ns.has_value());
    CHECK(query::parse_ref("unix:123@net:4026531840")->ns == 4026531840u);
    CHECK_FALSE(query::parse_ref("sysv-shm:1@net:4026531840").has_value());
  }
  SUBCASE("malformed namespaces are bad refs") {
    for (const char* bad : {"sysv-shm:1@ipc:", "sysv-shm:1@ipc:x", "sysv-shm:1@ipc:0", "sysv-shm:@ipc:4026532281",
                            "posix-mq:@ipc:4026532281",
                            // no namespace has such an inode: numbers up to 4194304 are pids to -N,
                            // and the kernel's inode numbers are unsigned ints
                            "sysv-shm:1@ipc:1", "sysv-shm:1@ipc:4194304", "posix-mq:/x@ipc:1",
                            "sysv-shm:1@ipc:4294967296", "unix:1@net:5",
                            // segments and semaphores are files: no IPC namespace holds them
                            "posix-shm:/x@ipc:1", "posix-shm:/x@ipc:4026532281", "posix-sem:/x@ipc:4026532281",
                            "posix-mq:/x@net:4026532281"}) {
      CAPTURE(bad);
      const auto q = query::parse_ref(bad);
      REQUIRE_FALSE(q.has_value());
      CHECK(q.error().detail.find("bad ref") == 0);
    }
  }
  SUBCASE("matching: a ref without a namespace is ipcctl's own") {
    model::Object own, other;
    own.kind = other.kind = Kind::sysv_shm;
    own.ref = "sysv-shm:0";
    own.ns = model::Namespace{model::NsType::ipc, 4026531839, true, std::nullopt, {}};
    other.ref = "sysv-shm:0@ipc:4026532200";
    other.ns = model::Namespace{model::NsType::ipc, 4026532200, false, std::nullopt, {}};
    const auto plain = *query::parse_ref("sysv-shm:0");
    CHECK(plain.matches(own));
    CHECK_FALSE(plain.matches(other));
    const auto there = *query::parse_ref("sysv-shm:0@ipc:4026532200");
    CHECK(there.matches(other));
    CHECK_FALSE(there.matches(own));
    // The own namespace may be named too.
    CHECK(query::parse_ref("sysv-shm:0@ipc:4026531839")->matches(own));
  }
}
