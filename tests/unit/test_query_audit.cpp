// query::audit on made-up snapshots and limits: each check fires on its
// case and stays quiet on the clean one; findings come most severe first.
#include <ipcctl/ops/audit_inputs.hpp>
#include <ipcctl/query/audit.hpp>
#include <ipcctl/util/escape.hpp>

#include <algorithm>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

using namespace ipcctl;
using model::Kind;
using model::Object;

namespace {

// A detail field by its key's name, as JSON spells it.
struct Named {
  std::string_view key;
  model::Value value;
};

Object sysv(Kind kind, std::uint32_t mode, std::initializer_list<Named> detail) {
  Object o;
  o.kind = kind;
  o.ref = std::string(model::kind_name(kind)) + ":7";
  o.id = 7;
  o.key = 0x1234;
  o.mode = mode;
  o.owner.uid = 1000;
  o.owner.user = "ana";
  for (const auto& f : detail) {
    const model::DetailKey* key = model::find_key(f.key);
    REQUIRE_MESSAGE(key != nullptr, std::string(f.key));
    o.set(*key, f.value);
  }
  return o;
}

std::vector<std::string> checks_of(const std::vector<query::Finding>& found) {
  std::vector<std::string> out;
  for (const auto& f : found) out.push_back(f.check);
  return out;
}

// Every process alive, no file looked at (the objects are made up).
query::AuditOptions options(const model::Snapshot& snap) {
  query::AuditOptions o;
  o.now = 1'800'000'000;
  o.inputs = ops::audit_inputs(snap, [](std::int64_t) { return true; }, false, false);
  return o;
}

} // namespace

TEST_CASE("query::audit: permissions and owners") {
  model::Snapshot snap;
  snap.objects.push_back(sysv(Kind::sysv_shm, 0666, {{"nattch", std::int64_t{1}}, {"cpid", std::int64_t{5}}}));
  auto found = query::audit(snap, options(snap));
  // One finding per object and permission problem: world_readable is said
  // in world_writable's finding, not apart.
  CHECK(checks_of(found) == std::vector<std::string>{"world_writable"});
  CHECK(found[0].severity == query::Severity::high);
  CHECK(found[0].summary == "mode 0666: any user may write and read sysv-shm:7");
  CHECK(found[0].also == std::vector<std::string>{"world_readable"});
  CHECK(found[0].fix.find("ipcctl mk sysv-shm --mode 0600") != std::string::npos);
  // Asked for alone, world_readable is reported.
  auto only = options(snap);
  only.checks = {"world_readable"};
  CHECK(checks_of(query::audit(snap, only)) == std::vector<std::string>{"world_readable"});
  // 0664: group_writable, and readable by all said in it.
  snap.objects[0].mode = 0664;
  found = query::audit(snap, options(snap));
  CHECK(checks_of(found) == std::vector<std::string>{"group_writable"});
  CHECK(found[0].also == std::vector<std::string>{"world_readable"});
  CHECK(found[0].fix.find("ipcctl mk") != std::string::npos);

  snap.objects[0].mode = 0600;
  snap.objects[0].owner.user.clear();  // no account for uid 1000
  found = query::audit(snap, options(snap));
  CHECK(checks_of(found) == std::vector<std::string>{"unknown_owner"});
  CHECK(found[0].summary == "owned by uid 1000, which has no account");
}

TEST_CASE("query::audit: files are looked at only through its inputs") {
  model::Snapshot snap;
  Object sock;
  sock.kind = Kind::unix_socket;
  sock.ref = "unix:42";
  sock.name = "/srv/pub/app.sock";
  sock.set(model::key::state, std::string("LISTEN"));
  snap.objects.push_back(sock);
  auto opts = options(snap);
  CHECK(query::audit(snap, opts).empty());  // no stat_file: nothing is known of the file
  std::vector<std::pair<std::string, bool>> asked;
  opts.inputs.stat_file = [&](const std::string& path, bool follow) -> std::optional<query::FileFacts> {
    asked.emplace_back(path, follow);
    if (path == "/srv/pub/app.sock") return query::FileFacts{0777, true};
    if (path == "/srv/pub") return query::FileFacts{0777, false};  // o+w, no sticky bit
    return std::nullopt;
  };
  const auto found = query::audit(snap, opts);
  CHECK(checks_of(found) == std::vector<std::string>{"world_writable", "dir_writable"});
  CHECK(found[0].summary == "mode 0777: any user may write /srv/pub/app.sock");
  CHECK(found[1].summary == "/srv/pub/app.sock is in /srv/pub, which any user may write (mode 0777)");
  // The socket file by lstat (its own mode), its directory by stat.
  CHECK(std::count(asked.begin(), asked.end(), std::pair<std::string, bool>{"/srv/pub/app.sock", false}) > 0);
  CHECK(std::count(asked.begin(), asked.end(), std::pair<std::string, bool>{"/srv/pub", true}) > 0);

  // The sticky bit protects the directory; a file that is not a socket has no mode here.
  opts.inputs.stat_file = [](const std::string& path, bool) -> std::optional<query::FileFacts> {
    if (path == "/srv/pub") return query::FileFacts{01777, false};
    return query::FileFacts{0777, false};
  };
  CHECK(query::audit(snap, opts).empty());
}

TEST_CASE("query::audit: orphaned takes the verdict it is given") {
  model::Snapshot snap;
  snap.objects.push_back(sysv(Kind::sysv_shm, 0600, {{"nattch", std::int64_t{2}}}));
  auto opts = options(snap);
  opts.inputs.orphaned = [](const Object&) -> std::optional<query::Orphan> {
    return query::Orphan{"given", std::int64_t{1'800'000'000 - 7200}};
  };
  auto found = query::audit(snap, opts);
  REQUIRE(found.size() == 1);
  CHECK(found[0].summary == "given, unchanged for 2h0m");
  opts.inputs.orphaned = nullptr;  // no verdict: the check does not run
  CHECK(query::audit(snap, opts).empty());
}

TEST_CASE("query::audit: every name in a fix is one shell word") {
  const auto fifo = [](std::string path) {
    Object o;
    o.kind = Kind::fifo;
    o.name = path;
    o.ref = "fifo:" + path;
    o.inode = 9;
    o.mode = 0666;
    o.owner.uid = 4242;  // no account: unknown_owner names the ref too
    o.set(model::key::unread_bytes, std::int64_t{4096});
    o.set(model::key::capacity_bytes, std::int64_t{4096});
    o.holders.push_back(model::Holder{77, "x;touch PWNED", 3, "r", model::Via::fd, 0u});
    return o;
  };
  model::Snapshot snap;
  snap.objects.push_back(fifo("/tmp/d/a;touch PWNED;b"));
  snap.objects.push_back(fifo("/tmp/d/it's $(id)"));
  snap.objects.push_back(fifo("/tmp/d/n\nl\x1b[2J\xe2\x80\xae\xff"));
  const auto found = query::audit(snap, options(snap));
  const auto fix_of = [&](std::string_view check, std::string_view ref) {
    for (const auto& f : found)
      if (f.check == check && f.ref == ref) return f.fix;
    FAIL("no ", check, " finding for ", ref);
    return std::string();
  };
  CHECK(fix_of("world_writable", "fifo:/tmp/d/a;touch PWNED;b") == "chmod o-w '/tmp/d/a;touch PWNED;b'");
  CHECK(fix_of("world_writable", "fifo:/tmp/d/it's $(id)") == "chmod o-w '/tmp/d/it'\\''s $(id)'");
  CHECK(fix_of("world_writable", "fifo:/tmp/d/n\nl\x1b[2J\xe2\x80\xae\xff") ==
        "chmod o-w $'/tmp/d/n\\x0al\\x1b[2J\\xe2\\x80\\xae\\xff'");
  CHECK(fix_of("unknown_owner", "fifo:/tmp/d/a;touch PWNED;b") ==
        "ipcctl rm 'fifo:/tmp/d/a;touch PWNED;b' if unused; else chown it to a real user");
  CHECK(fix_of("pipe_full", "fifo:/tmp/d/a;touch PWNED;b") == "see why 'x;touch PWNED'[77] stopped reading");
  for (const auto& f : found) {
    CAPTURE(f.fix);
    CHECK(f.fix.find('\n') == std::string::npos);
    CHECK(is_terminal_safe(f.fix));
  }
}

TEST_CASE("query::audit: queues") {
  model::Snapshot snap;
  snap.objects.push_back(sysv(Kind::sysv_msg, 0600,
                              {{"messages", std::int64_t{16}}, {"bytes", std::int64_t{16384}},
                               {"max_bytes", std::int64_t{16384}}, {"lspid", std::int64_t{5}},
                               {"lrpid", std::int64_t{0}}, {"rtime", model::Time{1'800'000'000 - 7200}}}));
  auto found = query::audit(snap, options(snap));
  CHECK(checks_of(found) == std::vector<std::string>{"queue_full", "queue_stale"});
  CHECK(found[1].summary == "16 messages, none read for 2h0m");
  auto opts = options(snap);
  opts.stale_after = 3 * 3600;
  CHECK(checks_of(query::audit(snap, opts)) == std::vector<std::string>{"queue_full"});
  opts.checks = {"queue_stale"};
  CHECK(query::audit(snap, opts).empty());
}

TEST_CASE("query::audit: near_limit from the limits") {
  model::Snapshot snap;
  std::vector<model::Limit> limits(3);
  limits[0] = {"semmni", "sysv-sem", "kernel.sem", 100, 81, "sets", "semaphore sets"};
  limits[1] = {"msgmni", "sysv-msg", "kernel.msgmni", 100, 97, "queues", "message queues"};
  limits[2] = {"shmmni", "sysv-shm", "kernel.shmmni", 100, 10, "segments", "segments"};
  auto opts = options(snap);
  opts.limits = &limits;
  const auto found = query::audit(snap, opts);
  REQUIRE(found.size() == 2);
  CHECK(found[0].ref == "limit:msgmni");
  CHECK(found[0].severity == query::Severity::high);
  CHECK(found[1].ref == "limit:semmni");
  CHECK(found[1].severity == query::Severity::medium);
  CHECK(found[1].summary == "semmni 81% used (81 of 100 sets)");
  CHECK(found[1].fix.find("sysctl -w kernel.sem=") != std::string::npos);
}

TEST_CASE("query::audit: orphaned follows rm --orphaned") {
  model::Snapshot snap;
  snap.objects.push_back(sysv(Kind::sysv_shm, 0600, {{"nattch", std::int64_t{0}}, {"cpid", std::int64_t{5}},
                                                     {"ctime", model::Time{1'800'000'000 - 90}}}));
  auto opts = options(snap);
  CHECK(query::audit(snap, opts).empty());  // its creator is alive
  opts.inputs = ops::audit_inputs(snap, [](std::int64_t) { return false; }, false, false);
  const auto found = query::audit(snap, opts);
  REQUIRE(found.size() == 1);
  CHECK(found[0].check == "orphaned");
  CHECK(found[0].summary == "nobody is attached and its creator 5 is gone, unchanged for 1m30s");
  CHECK(found[0].fix == "ipcctl rm sysv-shm:7");
}

TEST_CASE("query::severity_from_name") {
  CHECK(query::severity_from_name("high") == query::Severity::high);
  CHECK_FALSE(query::severity_from_name("severe"));
  for (const auto& c : query::all_checks()) CHECK(query::find_check(c.name) == &c);
}
