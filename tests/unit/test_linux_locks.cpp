#include <ipcctl/linux/fd_scan.hpp>
#include <ipcctl/linux/locks.hpp>
#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include "support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

using namespace ipcctl;
using ipcctl::sys::LockLine;

namespace {

std::string data_dir(std::string_view rel) { return test::data_path("proc/locks/" + std::string(rel)); }

std::string read_data(std::string_view rel) {
  auto text = read_file(data_dir(rel));
  REQUIRE(text.has_value());
  return *text;
}

LockLine parse_ok(std::string_view line) {
  const auto l = sys::parse_lock_line(line);
  REQUIRE(l.has_value());
  return *l;
}

const model::Object* find_ref(const model::Snapshot& snap, std::string_view ref) {
  for (const auto& o : snap.objects)
    if (o.ref == ref) return &o;
  return nullptr;
}

template <class T>
T detail(const model::Object& o, std::string_view key) {
  const model::Value* v = o.find_named(key);
  REQUIRE(v != nullptr);
  REQUIRE(std::holds_alternative<T>(*v));
  return std::get<T>(*v);
}

bool is_null(const model::Object& o, std::string_view key) {
  const model::Value* v = o.find_named(key);
  REQUIRE(v != nullptr);
  return std::holds_alternative<std::monostate>(*v);
}

// The walk's view of the captured tree, from fds.txt: "pid fd major:minor inode path".
model::Snapshot captured_snapshot() {
  model::Snapshot snap;
  for_each_line(read_data("live/fds.txt"), [&](std::string_view line) {
    const auto f = split_ws(line);
    if (f.size() != 5) return;
    model::FdEntry e;
    e.pid = static_cast<int>(*to_i64(f[0]));
    e.fd = static_cast<int>(*to_i64(f[1]));
    e.type = model::FdType::path;
    const auto colon = f[2].find(':');
    e.dev = makedev(*to_u64(f[2].substr(0, colon)), *to_u64(f[2].substr(colon + 1)));
    e.inode = *to_u64(f[3]);
    e.target = std::string(f[4]);
    snap.walk->fds.push_back(e);
    model::Process p;
    p.pid = e.pid;
    p.comm = "python3";
    p.uid = 1000;
    p.gid = 100;
    snap.walk->processes.emplace(p.pid, p);
  });
  snap.walk->index();
  return snap;
}

std::vector<std::pair<int, std::optional<int>>> holder_fds(const model::Object& o) {
  std::vector<std::pair<int, std::optional<int>>> out;
  for (const auto& h : o.holders) out.emplace_back(h.pid, h.fd);
  return out;
}

} // namespace

TEST_CASE("sys::parse_lock_line") {
  SUBCASE("posix lock to end of file") {
    const LockLine l = parse_ok("5: POSIX  ADVISORY  WRITE 5110 fe:00:10953021 0 EOF");
    CHECK(l.number == 5);
    CHECK(l.depth == 0);
    CHECK(l.kind == "posix");
    CHECK(l.mode == "write");
    CHECK_FALSE(l.mandatory);
    CHECK(l.pid == 5110);
    CHECK(l.dev == makedev(0xfe, 0));
    CHECK(l.inode == 10953021u);
    CHECK(l.start == 0);
    CHECK_FALSE(l.end.has_value());
    CHECK(l.lease_state.empty());
  }
  SUBCASE("byte range") {
    const LockLine l = parse_ok("1: POSIX  ADVISORY  READ 5110 fe:00:10953025 150 159");
    CHECK(l.mode == "read");
    CHECK(l.start == 150);
    CHECK(l.end == 159);
  }
  SUBCASE("ofd lock has pid -1") {
    const LockLine l = parse_ok("4: OFDLCK ADVISORY  READ -1 fe:00:10953022 10 100");
    CHECK(l.kind == "ofd");
    CHECK(l.pid == -1);
    CHECK(l.end == 100);
  }
  SUBCASE("flock and lease") {
    CHECK(parse_ok("3: FLOCK  ADVISORY  READ 5110 fe:00:10953023 0 EOF").kind == "flock");
    const LockLine l = parse_ok("6: LEASE  ACTIVE    READ 5114 fe:00:10953024 0 EOF");
    CHECK(l.kind == "lease");
    CHECK(l.lease_state == "active");
  }
  SUBCASE("waiters and their depth") {
    const LockLine w = parse_ok("3: -> FLOCK  ADVISORY  WRITE 5122 fe:00:10953023 0 EOF");
    CHECK(w.number == 3);
    CHECK(w.depth == 1);
    CHECK(w.kind == "flock");
    CHECK(w.pid == 5122);
    CHECK(parse_ok("1:   -> POSIX  ADVISORY  WRITE 5255 fe:00:10952804 0 2").depth == 3);
    CHECK(parse_ok("7:-> POSIX  ADVISORY  WRITE 903 08:01:1234 0 EOF").depth == 1);
  }
  SUBCASE("older kernels and rarer kinds") {
    CHECK(parse_ok("1: POSIX  MANDATORY WRITE 812 08:01:1234 0 EOF").mandatory);
    const LockLine a = parse_ok("2: ACCESS ADVISORY  READ  813 08:01:1234 0 EOF");
    CHECK(a.kind == "posix");
    CHECK(a.access_check);
    const LockLine d = parse_ok("3: DELEG  ACTIVE    READ 0 00:2b:77 0 EOF");
    CHECK(d.kind == "delegation");
    CHECK(d.pid == 0);
    CHECK(d.dev == makedev(0, 0x2b));
    const LockLine b = parse_ok("4: LEASE  BREAKING  UNLCK 900 08:01:55 0 EOF");
    CHECK(b.lease_state == "breaking");
    CHECK(b.mode == "none");
    CHECK(parse_ok("5: LEASE  BREAKER   READ 901 08:01:55 0 EOF").lease_state == "breaker");
    const LockLine n = parse_ok("6: POSIX *NOINODE* WRITE 902 <none>:0 0 EOF");
    CHECK_FALSE(n.inode.has_value());
    CHECK_FALSE(n.dev.has_value());
    CHECK(parse_ok("12: POSIX  ADVISORY  READ 907 103:02:9223372036854775807 9223372036854775806 "
                   "9223372036854775807")
              .end == 9223372036854775807);
  }
  SUBCASE("malformed lines") {
    CHECK_FALSE(sys::parse_lock_line("").has_value());
    CHECK_FALSE(sys::parse_lock_line("garbage line").has_value());
    CHECK_FALSE(sys::parse_lock_line("x: POSIX  ADVISORY  WRITE 1 08:01:2 0 EOF").has_value());
    CHECK_FALSE(sys::parse_lock_line("10: POSIX  ADVISORY  WRITE notapid 08:01:97 0 EOF").has_value());
    CHECK_FALSE(sys::parse_lock_line("11: POSIX  ADVISORY  WRITE 906 zz:01:97 0 EOF").has_value());
    CHECK_FALSE(sys::parse_lock_line("1: POSIX  ADVISORY  WRITE 906 08:01:97 0").has_value());
    CHECK_FALSE(sys::parse_lock_line("1: POSIX  ADVISORY  WRITE 906 0801:97 0 EOF").has_value());
    CHECK_FALSE(sys::parse_lock_line("1: POSIX  ADVISORY  WRITE 906 08:01:97 0 10x").has_value());
    CHECK_FALSE(sys::parse_lock_line("1: -> ").has_value());
  }
}

TEST_CASE("sys::parse_locks") {
  SUBCASE("captured, with waiters") {
    const auto locks = sys::parse_locks(read_data("live/proc/locks"));
    REQUIRE(locks.size() == 9);
    CHECK(locks[0].number == 1);
    CHECK(locks[2].number == 2);
    CHECK(locks[2].depth == 1);
    CHECK(locks[2].kind == "ofd");
    CHECK(locks[8].kind == "lease");
  }
  SUBCASE("captured, nested waiters") {
    const auto locks = sys::parse_locks(read_data("nested/proc/locks"));
    REQUIRE(locks.size() == 5);
    std::vector<int> depths;
    for (const auto& l : locks) depths.push_back(l.depth);
    CHECK(depths == std::vector<int>{0, 1, 2, 3, 1});
  }
  SUBCASE("hand-made: malformed lines skipped") {
    const auto locks = sys::parse_locks(read_data("edge/proc/locks"));
    std::vector<std::int64_t> numbers;
    for (const auto& l : locks) numbers.push_back(l.number);
    CHECK(numbers == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13});
  }
}

TEST_CASE("sys::parse_fdinfo_locks") {
  const auto two = sys::parse_fdinfo_locks(read_data("live/proc/5110/fdinfo/7"));
  REQUIRE(two.size() == 2);
  CHECK(two[0].start == 0);
  CHECK(two[0].end == 99);
  CHECK(two[1].start == 150);
  CHECK(sys::parse_fdinfo_locks(read_data("live/proc/5110/fdinfo/4")).empty());
  CHECK(sys::parse_fdinfo_locks("pos:\t0\nflags:\t02\n").empty());

  SUBCASE("same_lock ignores the numbering") {
    const auto held = sys::parse_fdinfo_locks(read_data("live/proc/5110/fdinfo/3"));
    REQUIRE(held.size() == 1);
    const auto all = sys::parse_locks(read_data("live/proc/locks"));
    const auto matches = std::count_if(all.begin(), all.end(), [&](const LockLine& l) { return sys::same_lock(l, held[0]); });
    CHECK(matches == 1);
    CHECK(held[0].number == 1);
  }
}

TEST_CASE("sys::lock_source on a captured tree") {
  model::Snapshot snap = captured_snapshot();
  CollectOptions opts;
  const sys::ProcRoot root(data_dir("live"));
  REQUIRE(sys::lock_source().kind() == model::Kind::lock);

  SUBCASE("all locks") {
    REQUIRE(sys::lock_source().collect(root, opts, snap).has_value());
    REQUIRE(snap.objects.size() == 9);

    const model::Object* posix = find_ref(snap, "lock:5");
    REQUIRE(posix != nullptr);
    CHECK(posix->kind == model::Kind::lock);
    CHECK(posix->id == 5);
    CHECK(posix->inode == 10953021u);
    CHECK(detail<std::string>(*posix, "kind") == "posix");
    CHECK(detail<std::string>(*posix, "lock_mode") == "write");
    CHECK(detail<std::int64_t>(*posix, "start") == 0);
    CHECK(is_null(*posix, "end"));
    CHECK(detail<std::string>(*posix, "path") == "/tmp/lockexp/posix");
    CHECK_FALSE(detail<bool>(*posix, "blocked"));
    CHECK(is_null(*posix, "blocked_on"));
    CHECK(detail<std::int64_t>(*posix, "pid") == 5110);
    // fd 4 of 5110 and fd 3 of its child are open on the file, but only fd 3 lists the lock
    CHECK(holder_fds(*posix) == std::vector<std::pair<int, std::optional<int>>>{{5110, 3}});
    CHECK(posix->holders[0].access == "w");
    CHECK(posix->holders[0].comm == "python3");
    CHECK(posix->owner.uid == 1000u);

    const model::Object* waiter = find_ref(snap, "lock:5.1");
    REQUIRE(waiter != nullptr);
    CHECK(detail<bool>(*waiter, "blocked"));
    CHECK(detail<std::string>(*waiter, "blocked_on") == "lock:5");
    CHECK(detail<std::int64_t>(*waiter, "start") == 5);
    CHECK(detail<std::int64_t>(*waiter, "end") == 14);
    CHECK(holder_fds(*waiter) == std::vector<std::pair<int, std::optional<int>>>{{5118, 3}});
    CHECK(waiter->holders[0].access == "r");

    // flock and OFD locks belong to the open file, which fork shared with 5111
    const model::Object* flock = find_ref(snap, "lock:3");
    REQUIRE(flock != nullptr);
    CHECK(detail<std::string>(*flock, "kind") == "flock");
    CHECK(holder_fds(*flock) == std::vector<std::pair<int, std::optional<int>>>{{5110, 6}, {5111, 6}});
    const model::Object* ofd = find_ref(snap, "lock:4");
    REQUIRE(ofd != nullptr);
    CHECK(detail<std::string>(*ofd, "kind") == "ofd");
    CHECK(detail<std::string>(*ofd, "lock_mode") == "read");
    CHECK(detail<std::int64_t>(*ofd, "start") == 10);
    CHECK(detail<std::int64_t>(*ofd, "end") == 100);
    CHECK(is_null(*ofd, "pid"));
    CHECK(detail<std::string>(*ofd, "path") == "/tmp/lockexp/ofd");
    CHECK(holder_fds(*ofd) == std::vector<std::pair<int, std::optional<int>>>{{5110, 5}, {5111, 5}});

    // an OFD waiter has no pid: nobody to name
    const model::Object* ofd_waiter = find_ref(snap, "lock:2.1");
    REQUIRE(ofd_waiter != nullptr);
    CHECK(ofd_waiter->holders.empty());
    CHECK(detail<std::string>(*ofd_waiter, "path") == "/tmp/lockexp/chain");

    const model::Object* lease = find_ref(snap, "lock:6");
    REQUIRE(lease != nullptr);
    CHECK(detail<std::string>(*lease, "kind") == "lease");
    CHECK(detail<std::string>(*lease, "lease_state") == "active");
    CHECK(holder_fds(*lease) == std::vector<std::pair<int, std::optional<int>>>{{5114, 3}});
  }
  SUBCASE("pid selection") {
    opts.pids = {5122};
    REQUIRE(sys::lock_source().collect(root, opts, snap).has_value());
    REQUIRE(snap.objects.size() == 1);
    CHECK(snap.objects[0].ref == "lock:3.1");
    opts.pids = {5111};
    snap.objects.clear();
    REQUIRE(sys::lock_source().collect(root, opts, snap).has_value());
    std::vector<std::string> refs;
    for (const auto& o : snap.objects) refs.push_back(o.ref);
    CHECK(refs == std::vector<std::string>{"lock:3", "lock:4"});
  }
  SUBCASE("without descriptors: the pid, no path") {
    snap.walk->fds.clear();
    snap.walk->index();
    REQUIRE(sys::lock_source().collect(root, opts, snap).has_value());
    const model::Object* posix = find_ref(snap, "lock:5");
    REQUIRE(posix != nullptr);
    CHECK(holder_fds(*posix) == std::vector<std::pair<int, std::optional<int>>>{{5110, std::nullopt}});
    CHECK(is_null(*posix, "path"));
    CHECK(find_ref(snap, "lock:4")->holders.empty());
  }
  SUBCASE("nested waiters wait behind each other") {
    model::Snapshot nested;
    REQUIRE(sys::lock_source().collect(sys::ProcRoot(data_dir("nested")), opts, nested).has_value());
    REQUIRE(nested.objects.size() == 5);
    std::vector<std::string> behind;
    for (const auto& o : nested.objects)
      behind.push_back(is_null(o, "blocked_on") ? "-" : detail<std::string>(o, "blocked_on"));
    CHECK(behind == std::vector<std::string>{"-", "lock:1", "lock:1.1", "lock:1.2", "lock:1"});
    CHECK(nested.objects[4].ref == "lock:1.4");
  }
  SUBCASE("no /proc/locks") {
    model::Snapshot empty;
    const auto r = sys::lock_source().collect(sys::ProcRoot(data_dir("absent")), opts, empty);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ENOENT);
  }
}

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/ipcctl-locks-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    for (const char* f : {"/posix", "/ofd", "/flock"}) ::unlink((path + f).c_str());
    ::rmdir(path.c_str());
  }
};

bool set_lock(int fd, int cmd, short type, off_t start, off_t len) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = len;
  return ::fcntl(fd, cmd, &fl) == 0;
}

} // namespace

TEST_CASE("sys::lock_source on live locks") {
  TempDir dir;
  const std::string posix = dir.path + "/posix", ofd = dir.path + "/ofd", flk = dir.path + "/flock";
  int ready[2], done[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(done) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Holds the locks until the parent closes `done`; reports its fds on `ready`.
    ::close(ready[0]);
    ::close(done[1]);
    const int a = ::open(posix.c_str(), O_RDWR | O_CREAT, 0600);
    const int b = ::open(ofd.c_str(), O_RDWR | O_CREAT, 0600);
    const int c = ::open(flk.c_str(), O_RDONLY | O_CREAT, 0600);
    const bool ok = a >= 0 && b >= 0 && c >= 0 && set_lock(a, F_SETLK, F_WRLCK, 100, 50) &&
                    set_lock(b, F_OFD_SETLK, F_RDLCK, 0, 0) && ::flock(c, LOCK_EX) == 0;
    const int fds[3] = {ok ? a : -1, b, c};
    if (::write(ready[1], fds, sizeof fds) != sizeof fds) ::_exit(1);
    char x;
    while (::read(done[0], &x, 1) > 0) {}
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(done[0]);
  int fds[3] = {-1, -1, -1};
  const bool got = ::read(ready[0], fds, sizeof fds) == sizeof fds;
  ::close(ready[0]);

  model::Snapshot snap;
  CollectOptions opts;
  opts.pids = {child};
  const bool walked = sys::walk_processes(sys::ProcRoot("/"), sys::WalkOptions{{child}}, snap).has_value();
  const bool collected = walked && sys::lock_source().collect(sys::ProcRoot("/"), opts, snap).has_value();
  ::close(done[1]);
  int status = 0;
  ::waitpid(child, &status, 0);

  REQUIRE(got);
  REQUIRE(fds[0] >= 0);
  REQUIRE(collected);
  CHECK(WIFEXITED(status));

  auto by_path = [&](const std::string& path) -> const model::Object* {
    for (const auto& o : snap.objects)
      if (o.name == path) return &o;
    return nullptr;
  };
  struct Want {
    std::string path, kind, mode;
    std::int64_t start;
    std::optional<std::int64_t> end;
    int fd;
  };
  const Want wants[] = {
      {posix, "posix", "write", 100, 149, fds[0]},
      {ofd, "ofd", "read", 0, std::nullopt, fds[1]},
      {flk, "flock", "write", 0, std::nullopt, fds[2]},
  };
  CHECK(snap.objects.size() == 3);
  for (const Want& w : wants) {
    CAPTURE(w.kind);
    const model::Object* o = by_path(w.path);
    REQUIRE(o != nullptr);
    CHECK(starts_with(o->ref, "lock:"));
    CHECK(detail<std::string>(*o, "kind") == w.kind);
    CHECK(detail<std::string>(*o, "lock_mode") == w.mode);
    CHECK(detail<std::string>(*o, "path") == w.path);
    CHECK(detail<std::int64_t>(*o, "start") == w.start);
    if (w.end) CHECK(detail<std::int64_t>(*o, "end") == *w.end);
    else CHECK(is_null(*o, "end"));
    struct stat st {};
    REQUIRE(::stat(w.path.c_str(), &st) == 0);
    CHECK(o->inode == st.st_ino);
    REQUIRE(o->holders.size() == 1);
    CHECK(o->holders[0].pid == child);
    CHECK(o->holders[0].fd == w.fd);
    CHECK(o->holders[0].access == (w.mode == "read" ? "r" : "w"));
  }
}
