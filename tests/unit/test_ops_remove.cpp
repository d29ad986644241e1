// ops/remove: the verdicts on listed objects (pure), and the identity guard
// on real kernel objects: an id or name that now means another object is
// never removed.
#include <ipcctl/collect.hpp>
#include <ipcctl/ops/remove.hpp>
#include <ipcctl/util/dirfd.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>

using namespace ipcctl;
using model::Kind;
using model::Object;

namespace {

// A detail field by its key's name, as JSON spells it.
struct Named {
  std::string_view key;
  model::Value value;
};

Object object(Kind kind, std::initializer_list<Named> detail) {
  Object o;
  o.kind = kind;
  o.ref = std::string(model::kind_name(kind)) + ":1";
  for (const auto& f : detail) {
    const model::DetailKey* key = model::find_key(f.key);
    REQUIRE_MESSAGE(key != nullptr, std::string(f.key));
    o.set(*key, f.value);
  }
  return o;
}

model::Holder holder(int pid, std::string comm) { return model::Holder{pid, std::move(comm), 3, "rw"}; }

// Processes 100 and 200 are alive; every other pid is gone.
bool alive(std::int64_t pid) { return pid == 100 || pid == 200; }

// The snapshot of one kind, as rm takes it (with the FIFOs under `scan`).
std::vector<Object> listed(Kind kind, const std::string& scan = {}) {
  CollectOptions opts;
  if (!scan.empty()) opts.scan_dirs.push_back(scan);
  opts.kinds = model::KindSet::none();
  opts.kinds.add(kind);
  auto snap = collect(opts);
  REQUIRE(snap);
  return std::move(snap->objects);
}

} // namespace

TEST_CASE("ops::parse_duration") {
  CHECK(ops::parse_duration("90") == 90);
  CHECK(ops::parse_duration("90s") == 90);
  CHECK(ops::parse_duration("15m") == 900);
  CHECK(ops::parse_duration("2h") == 7200);
  CHECK(ops::parse_duration("7d") == 7 * 86400);
  CHECK(ops::parse_duration("1w") == 7 * 86400);
  for (const char* bad : {"", "s", "-1d", "1.5h", "5x", "1d2h", "99999999999999999999w", "153722867280912931w"}) {
    CAPTURE(bad);
    const auto r = ops::parse_duration(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().detail.find("bad duration") == 0);
  }
}

TEST_CASE("ops::removable") {
  CHECK(ops::removable(Kind::sysv_shm));
  CHECK(ops::removable(Kind::fifo));
  CHECK(ops::removable(Kind::unix_socket));
  CHECK_FALSE(ops::removable(Kind::pipe));
  CHECK_FALSE(ops::removable(Kind::tcp));
  CHECK_FALSE(ops::removable(Kind::signal));
}

TEST_CASE("ops::in_use") {
  SUBCASE("an attached segment, with who attached it") {
    auto o = object(Kind::sysv_shm, {{"nattch", std::int64_t{2}}});
    o.holders = {holder(812, "postgres"), holder(813, "postgres")};
    CHECK(ops::in_use(o) == "attached by 2 processes (812 postgres, 813 postgres)");
    CHECK_FALSE(ops::in_use(object(Kind::sysv_shm, {{"nattch", std::int64_t{0}}})));
  }
  SUBCASE("a queue with messages") {
    CHECK(ops::in_use(object(Kind::sysv_msg, {{"messages", std::int64_t{1}}, {"bytes", std::int64_t{40}}})) ==
          "holds 1 message (40 bytes)");
    CHECK_FALSE(ops::in_use(object(Kind::sysv_msg, {{"messages", std::int64_t{0}}})));
  }
  SUBCASE("a semaphore set: the first semaphore with waiters") {
    const auto o = object(Kind::sysv_sem, {{"nsems", std::int64_t{3}},
                                           {"ncnt", std::vector<std::int64_t>{0, 2, 0}},
                                           {"zcnt", std::vector<std::int64_t>{0, 1, 1}}});
    CHECK(ops::in_use(o) == "semaphore 1 has 3 waiters");
    const auto unknown = object(Kind::sysv_sem, {{"nsems", std::int64_t{1}}, {"ncnt", {}}, {"zcnt", {}}});
    CHECK(ops::in_use(unknown) == "its waiters could not be read (permission denied)");
  }
  SUBCASE("held files and POSIX objects; at most three named") {
    auto o = object(Kind::fifo, {});
    o.holders = {holder(1, "a"), holder(2, "b"), holder(2, "b"), holder(3, "c"), holder(4, "d"), holder(5, "e")};
    CHECK(ops::in_use(o) == "held by 5 processes (1 a, 2 b, 3 c and 2 more)");
    CHECK(ops::in_use(object(Kind::posix_mq, {{"messages", std::int64_t{2}}})) == "holds 2 messages");
    CHECK(ops::in_use(object(Kind::posix_sem, {{"waiters", std::int64_t{1}}})) == "has 1 waiter");
    CHECK_FALSE(ops::in_use(object(Kind::posix_shm, {})));
  }
}

TEST_CASE("ops::orphaned") {
  model::Walk walk;
  SUBCASE("sysv-shm: unattached and its creator gone") {
    const auto gone = object(Kind::sysv_shm, {{"nattch", std::int64_t{0}}, {"cpid", std::int64_t{300}}});
    const auto v = ops::orphaned(gone, walk, alive);
    CHECK(v.yes);
    CHECK(v.why == "nobody is attached and its creator 300 is gone");
    CHECK_FALSE(ops::orphaned(object(Kind::sysv_shm, {{"nattch", std::int64_t{0}}, {"cpid", std::int64_t{100}}}),
                              walk, alive).yes);
    CHECK_FALSE(ops::orphaned(object(Kind::sysv_shm, {{"nattch", std::int64_t{1}}, {"cpid", std::int64_t{300}}}),
                              walk, alive).yes);
  }
  SUBCASE("sysv-msg: every last user gone; never used is not orphaned") {
    const auto both_gone = object(Kind::sysv_msg, {{"lspid", std::int64_t{300}}, {"lrpid", std::int64_t{301}}});
    const auto v = ops::orphaned(both_gone, walk, alive);
    CHECK(v.yes);
    CHECK(v.why == "its last users (300, 301) are gone");
    CHECK_FALSE(ops::orphaned(object(Kind::sysv_msg, {{"lspid", std::int64_t{300}}, {"lrpid", std::int64_t{200}}}),
                              walk, alive).yes);
    const auto never = ops::orphaned(object(Kind::sysv_msg, {{"lspid", std::int64_t{0}}, {"lrpid", std::int64_t{0}}}),
                                     walk, alive);
    CHECK_FALSE(never.yes);
    CHECK(never.why.find("never used") == 0);
  }
  SUBCASE("sysv-sem: last operators gone and nobody waiting") {
    auto sem = [](std::vector<std::int64_t> last, std::vector<std::int64_t> ncnt) {
      return object(Kind::sysv_sem, {{"last_pids", std::move(last)}, {"ncnt", std::move(ncnt)},
                                     {"zcnt", std::vector<std::int64_t>{0, 0}}});
    };
    CHECK(ops::orphaned(sem({300, 0}, {0, 0}), walk, alive).yes);
    CHECK_FALSE(ops::orphaned(sem({300, 100}, {0, 0}), walk, alive).yes);
    CHECK_FALSE(ops::orphaned(sem({300, 301}, {0, 1}), walk, alive).yes);
    CHECK_FALSE(ops::orphaned(sem({0, 0}, {0, 0}), walk, alive).yes);
  }
  SUBCASE("POSIX objects and FIFOs: nobody holds them, as far as the walk could see") {
    auto shm = object(Kind::posix_shm, {});
    CHECK(ops::orphaned(shm, walk, alive).yes);
    shm.holders = {holder(100, "app")};
    CHECK_FALSE(ops::orphaned(shm, walk, alive).yes);
    shm.holders.clear();
    walk.maps_denied = {1};
    walk.processes[1] = model::Process{1, 0, "init"};
    const auto v = ops::orphaned(shm, walk, alive);
    CHECK_FALSE(v.yes);
    CHECK(v.unreadable);
    CHECK(v.why == "1 process could not be read (1 init) and may hold it");
    CHECK(ops::orphaned(shm, walk, alive, true).yes);
    // A queue is held by descriptor only: unreadable maps do not matter.
    CHECK(ops::orphaned(object(Kind::posix_mq, {}), walk, alive).yes);
    CHECK_FALSE(ops::orphaned(object(Kind::posix_mq, {{"notify_pid", std::int64_t{200}}}), walk, alive).yes);
  }
  SUBCASE("unix: only a stale socket file") {
    CHECK(ops::orphaned(object(Kind::unix_socket, {{"stale", true}}), walk, alive).yes);
    CHECK_FALSE(ops::orphaned(object(Kind::unix_socket, {{"stale", false}}), walk, alive).yes);
  }
}

TEST_CASE("ops::remove: a POSIX name made again is not removed") {
  const std::string name = "/ipcctl-unit-rm-" + std::to_string(::getpid());
  int fd = ::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  REQUIRE(fd >= 0);
  ::close(fd);
  Object first;
  for (auto& o : listed(Kind::posix_shm))
    if (o.name == name) first = o;
  REQUIRE(first.inode);

  // Between listing and removal, the name is removed and made again.
  REQUIRE(::shm_unlink(name.c_str()) == 0);
  fd = ::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  REQUIRE(fd >= 0);
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  ::close(fd);
  REQUIRE(st.st_ino != *first.inode);

  const auto r = ops::remove(first, false);
  CHECK(r.status == ops::Status::refused);
  CHECK(r.reason.find("now names another file") != std::string::npos);
  CHECK(::access(("/dev/shm" + name).c_str(), F_OK) == 0);  // the new object survives
  ::shm_unlink(name.c_str());
  CHECK(ops::remove(first, false).status == ops::Status::failed);  // gone: nothing to remove
}

TEST_CASE("ops::remove: a SysV id reused by a new segment is not removed") {
  // kernel.shm_next_id hands the old id to the next segment; only root may set it.
  std::ofstream next("/proc/sys/kernel/shm_next_id");
  if (::geteuid() != 0 || !next) {
    MESSAGE("skipped: needs root and /proc/sys/kernel/shm_next_id");
    return;
  }
  const key_t key_a = 0x72750000 + (::getpid() & 0xffff), key_b = key_a ^ 0x00010000;
  const int id = ::shmget(key_a, 4096, IPC_CREAT | IPC_EXCL | 0600);
  REQUIRE(id >= 0);
  Object selected;
  for (auto& o : listed(Kind::sysv_shm))
    if (o.id == id) selected = o;
  REQUIRE(selected.id == id);

  // The selected segment goes; a new one gets the same id.
  REQUIRE(::shmctl(id, IPC_RMID, nullptr) == 0);
  next << id << std::flush;
  const int reused = ::shmget(key_b, 4096, IPC_CREAT | IPC_EXCL | 0600);
  REQUIRE(reused >= 0);
  if (reused != id) {
    ::shmctl(reused, IPC_RMID, nullptr);
    FAIL("shm_next_id did not hand out id ", id, ", got ", reused);
  }
  const auto r = ops::remove(selected, true);  // not even --force removes another object
  CHECK(r.status == ops::Status::refused);
  CHECK(r.reason.find("now names another object") != std::string::npos);
  shmid_ds ds{};
  CHECK(::shmctl(reused, IPC_STAT, &ds) == 0);  // the new segment survives
  CHECK(ds.shm_perm.__key == key_b);
  ::shmctl(reused, IPC_RMID, nullptr);
}

namespace {

// A temporary directory, removed with what is left in it.
struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/ipcctl-test-remove.XXXXXX";
    REQUIRE(::mkdtemp(t) != nullptr);
    path = t;
  }
  ~TempDir() { (void)std::system(("rm -rf '" + path + "'").c_str()); }
};

Object listed_fifo(const std::string& dir, const std::string& path) {
  for (auto& o : listed(Kind::fifo, dir))
    if (o.name == path) return o;
  FAIL("FIFO ", path, " not listed");
  return {};
}

} // namespace

TEST_CASE("util::open_parent_nofollow: a symlink on the way is refused, and named") {
  TempDir t;
  REQUIRE(::mkdir((t.path + "/real").c_str(), 0700) == 0);
  REQUIRE(::symlink((t.path + "/real").c_str(), (t.path + "/link").c_str()) == 0);
  auto ok = open_parent_nofollow(t.path + "/real/x");
  REQUIRE(ok);
  CHECK(ok->name == "x");
  auto bad = open_parent_nofollow(t.path + "/link/x");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ELOOP);
  CHECK(path_error_text(bad.error()) ==
        t.path + "/link is a symbolic link, and ipcctl follows none in the path of a file it removes or creates");
  CHECK_FALSE(open_dir_nofollow(t.path + "/link"));
  CHECK(open_dir_nofollow(t.path + "/real/../real/."));
  CHECK(open_parent_nofollow(t.path + "/real/").error().code == 0);  // no file name
  CHECK(open_parent_nofollow(t.path + "/..").error().code == 0);
  CHECK(open_parent_nofollow(t.path + "/nonexistent/x").error().code == ENOENT);
}

TEST_CASE("ops::remove: a FIFO whose directory became a symlink is not removed, nor what the link points to") {
  TempDir t;
  const std::string d = t.path + "/d", other = t.path + "/other";
  REQUIRE(::mkdir(d.c_str(), 0755) == 0);
  REQUIRE(::mkdir(other.c_str(), 0700) == 0);
  REQUIRE(::mkfifo((d + "/x").c_str(), 0600) == 0);
  const Object fifo = listed_fifo(t.path, d + "/x");
  REQUIRE(fifo.inode);
  // After the listing, d is moved away and a symlink to it takes its place:
  // the same FIFO is behind the path, through a symlink.
  REQUIRE(::rename(d.c_str(), (other + "/d").c_str()) == 0);
  REQUIRE(::symlink((other + "/d").c_str(), d.c_str()) == 0);
  const auto r = ops::remove(fifo, true);
  CHECK(r.status == ops::Status::refused);
  CHECK(r.reason == d + " is a symbolic link, and ipcctl follows none in the path of a file it removes or creates: "
                        "it was not removed");
  CHECK(::access((other + "/d/x").c_str(), F_OK) == 0);
  // Back as a directory: removed through it.
  REQUIRE(::unlink(d.c_str()) == 0);
  REQUIRE(::rename((other + "/d").c_str(), d.c_str()) == 0);
  CHECK(ops::remove(fifo, true).status == ops::Status::removed);
  CHECK(::access((d + "/x").c_str(), F_OK) != 0);
}

TEST_CASE("ops::remove: a FIFO made again, even with the same inode number, is not removed") {
  TempDir t;
  const std::string path = t.path + "/x";
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  const Object first = listed_fifo(t.path, path);
  REQUIRE(first.find(model::key::dev) != nullptr);
  REQUIRE(first.number(model::key::ctime_nsec));
  ::usleep(20000);  // past the file system's clock tick
  REQUIRE(::unlink(path.c_str()) == 0);
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  if (st.st_ino != *first.inode) MESSAGE("the file system gave the new FIFO another inode number");
  const auto r = ops::remove(first, true);
  CHECK(r.status == ops::Status::refused);
  CHECK(r.reason.find(path + " now names another file") == 0);
  CHECK(::access(path.c_str(), F_OK) == 0);  // the new FIFO survives
  // Listed again, it is removed.
  CHECK(ops::remove(listed_fifo(t.path, path), true).status == ops::Status::removed);
}

TEST_CASE("ops::sysv_changed: what tells a SysV object from one made again with its id and key") {
  Object o;
  o.kind = Kind::sysv_shm;
  o.id = 7;
  o.key = 0x1234;
  o.mode = 0600;
  o.owner.uid = 1000, o.owner.gid = 1000;
  o.size = 4096;
  o.set(model::key::cuid, std::int64_t{1000});
  o.set(model::key::cgid, std::int64_t{1000});
  o.set(model::key::cpid, std::int64_t{812});
  o.set(model::key::atime, model::Time{1700000000});
  o.set(model::key::dtime, model::Value{});
  o.set(model::key::ctime, model::Time{1700000000});
  ops::SysvState now;
  now.key = 0x1234, now.mode = 0600, now.uid = 1000, now.gid = 1000, now.cuid = 1000, now.cgid = 1000;
  now.cpid = 812, now.size = 4096, now.atime = 1700000005, now.ctime = 1700000000;
  CHECK_FALSE(ops::sysv_changed(o, now));  // the same object, used since

  const auto why = [&](auto change) {
    ops::SysvState s = now;
    change(s);
    return ops::sysv_changed(o, s).value_or("(the same)");
  };
  CHECK(why([](auto& s) { s.key = 0x99; }) == "id 7 now names another object (key 0x00000099): it was not removed");
  CHECK(why([](auto& s) { s.cuid = 65534; }) == "id 7 now names another object (made by uid 65534): it was not removed");
  CHECK(why([](auto& s) { s.cgid = 65534; }) == "id 7 now names another object (made by gid 65534): it was not removed");
  CHECK(why([](auto& s) { s.cpid = 813; }) == "id 7 now names another object (made by pid 813): it was not removed");
  // The same process made it again, in the same second, with another size.
  CHECK(why([](auto& s) { s.size = 8192; }) == "id 7 now names another object (of 8192 bytes): it was not removed");
  // ... or alike, but never attached: the listed one was.
  CHECK(why([](auto& s) { s.atime = 0; }) == "id 7 now names another object (never used: no atime): it was not removed");
  CHECK(why([](auto& s) { s.ctime += 1; }).find("it changed since it was listed (its ctime moved)") == 0);
  CHECK(why([](auto& s) { s.mode = 0666; }).find("it changed since it was listed (owner 1000:1000, mode 0666)") == 0);
  CHECK(why([](auto& s) { s.uid = 0; }).find("it changed since it was listed") == 0);

  Object sem = o;
  sem.kind = Kind::sysv_sem;
  sem.set(model::key::nsems, std::int64_t{2});
  sem.set(model::key::otime, model::Value{});
  ops::SysvState s = now;
  s.nsems = 2;
  CHECK_FALSE(ops::sysv_changed(sem, s));
  s.nsems = 3;
  CHECK(ops::sysv_changed(sem, s) == "id 7 now names another object (a set of 3): it was not removed");

  Object msg = o;
  msg.kind = Kind::sysv_msg;
  msg.set(model::key::max_bytes, std::int64_t{16384});
  msg.set(model::key::stime, model::Time{1700000000});
  s = now;
  s.qbytes = 16384, s.stime = 1700000000;
  CHECK_FALSE(ops::sysv_changed(msg, s));
  s.stime = 0;
  CHECK(ops::sysv_changed(msg, s) == "id 7 now names another object (never used: no stime): it was not removed");
  s.stime = 1700000000, s.qbytes = 1;
  CHECK(ops::sysv_changed(msg, s).value_or("").find("its byte limit is now 1") != std::string::npos);
}

TEST_CASE("ops::remove: a SysV queue made again by another user in the same second is not removed") {
  std::ofstream next("/proc/sys/kernel/msg_next_id");
  if (::geteuid() != 0 || !next) {
    MESSAGE("skipped: needs root and /proc/sys/kernel/msg_next_id");
    return;
  }
  const key_t key = 0x72760000 + (::getpid() & 0xffff);
  const int id = ::msgget(key, IPC_CREAT | IPC_EXCL | 0600);
  REQUIRE(id >= 0);
  Object selected;
  for (auto& o : listed(Kind::sysv_msg))
    if (o.id == id) selected = o;
  REQUIRE(selected.id == id);
  REQUIRE(::msgctl(id, IPC_RMID, nullptr) == 0);
  next << id << std::flush;
  // The same key, by uid 65534.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) ::_exit(2);
    ::_exit(::msgget(key, IPC_CREAT | IPC_EXCL | 0600) == id ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) != 0) {
    const int other = ::msgget(key, 0);
    if (other >= 0) ::msgctl(other, IPC_RMID, nullptr);
    FAIL("msg_next_id did not hand out id ", id, " to the new queue");
  }
  const auto r = ops::remove(selected, true);
  CHECK(r.status == ops::Status::refused);
  CHECK(r.reason.find("now names another object") != std::string::npos);
  msqid_ds ds{};
  CHECK(::msgctl(id, IPC_STAT, &ds) == 0);  // the new queue survives
  CHECK(ds.msg_perm.cuid == 65534u);
  ::msgctl(id, IPC_RMID, nullptr);
}
