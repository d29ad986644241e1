#include <ipcctl/linux/fd_scan.hpp>
#include <ipcctl/linux/fds.hpp>
#include <ipcctl/util/fd.hpp>

#include "support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

using namespace ipcctl;

namespace {
std::string data(const std::string& rel) { return test::data_text(rel); }
} // namespace

TEST_CASE("sys::parse_status") {
  SUBCASE("captured: a process with SIGUSR1 blocked and pending") {
    const auto p = sys::parse_status(1234, data("proc/basic/1234/status"));
    CHECK(p.comm == "python3");
    CHECK(p.uid == 0);
    CHECK(p.signals.shared_pending == 0x200);
    CHECK(p.signals.blocked == 0x200);
    CHECK(p.signals.pending == 0);
    CHECK_FALSE(p.kernel_thread);
  }
  SUBCASE("escaped name and kernel thread") {
    const auto p = sys::parse_status(7, "Name:\ta\\nb c\nPPid:\t2\nUid:\t1000\t1000\t1000\t1000\n");
    CHECK(p.comm == "a\nb c");
    CHECK(p.uid == 1000);
    CHECK(p.kernel_thread);
  }
  SUBCASE("a zombie's SIGKILL is not pending: the process is dead") {
    const std::string zombie = "Name:\tsleep\nState:\tZ (zombie)\nPPid:\t1\nSigPnd:\t0000000000000000\n"
                               "ShdPnd:\t0000000000000100\nSigBlk:\t0000000000000000\n";
    CHECK(sys::parse_status(9, zombie).signals.shared_pending == 0);
    std::string alive = zombie;
    alive.replace(alive.find("Z (zombie)"), 10, "S (sleeping)");
    CHECK(sys::parse_status(9, alive).signals.shared_pending == 0x100);
  }
}

TEST_CASE("sys::classify_fd_link") {
  std::uint64_t ino = 0;
  CHECK(sys::classify_fd_link("pipe:[4405]", ino) == model::FdType::pipe);
  CHECK(ino == 4405);
  CHECK(sys::classify_fd_link("socket:[77]", ino) == model::FdType::socket);
  CHECK(ino == 77);
  CHECK(sys::classify_fd_link("anon_inode:[eventfd]", ino) == model::FdType::anon);
  CHECK(sys::classify_fd_link("/dev/shm/x (deleted)", ino) == model::FdType::path);
  CHECK(sys::classify_fd_link("pipe:[junk", ino) == model::FdType::other);
  CHECK(sys::classify_fd_link("", ino) == model::FdType::other);
}

TEST_CASE("sys::parse_maps") {
  SUBCASE("captured") {
    std::vector<model::MapEntry> maps;
    sys::parse_maps(1234, data("proc/basic/1234/maps"), maps);
    REQUIRE(maps.size() == 4);
    CHECK(maps[0].path == "/memfd:cap buf");
    CHECK(maps[0].deleted);
    CHECK(maps[1].path == "/dev/shm/cap test");
    CHECK(maps[1].inode == 796);
    CHECK(maps[1].dev == makedev(0, 0x1b));
    CHECK(maps[2].path.rfind("/SYSV", 0) == 0);
    CHECK(maps[2].inode == 229377);
    CHECK(maps[2].access == "rw");
    CHECK(maps[2].length == 0x2000);
    CHECK(maps[3].path == "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache");  // a shared file: mapped-file
    CHECK(maps[3].access == "r");
  }
  SUBCASE("anonymous shared memory and shared files kept; devices, private and pathless mappings skipped") {
    std::vector<model::MapEntry> maps;
    sys::parse_maps(7, data("proc/mappings/maps"), maps);
    REQUIRE(maps.size() == 8);
    CHECK(maps[0].path == "/dev/zero");
    CHECK(maps[0].deleted);
    CHECK(maps[0].inode == 2058);
    CHECK(maps[0].access == "rw");
    CHECK(maps[0].length == 0x108a2000);
    CHECK(maps[0].pid == 7);
    CHECK(maps[1].inode == 2059);
    CHECK(maps[1].access == "r");
    CHECK(maps[1].length == 4096);
    CHECK(maps[2].path == "/anon_hugepage");
    CHECK(maps[2].length == 0x200000);
    CHECK(maps[3].path == "/var/lib/app/main.db-shm");
    CHECK_FALSE(maps[3].deleted);
    CHECK(maps[3].dev == makedev(0xfe, 1));
    CHECK(maps[3].inode == 2883590);
    CHECK(maps[3].length == 0x8000);
    CHECK(maps[4].path == "/var/log/journal/x/system journal.journal");
    CHECK(maps[4].deleted);
    CHECK(maps[5].path == "/SYSV00000000");
    CHECK(maps[6].path == "/dev/shm/PostgreSQL.1804289383");
    CHECK(maps[7].path == "/memfd:wayland");
  }
  SUBCASE("edge cases: private mappings skipped, names with spaces and (deleted) inside") {
    std::vector<model::MapEntry> maps;
    sys::parse_maps(1, data("proc/edge/1/maps"), maps);
    REQUIRE(maps.size() == 5);
    CHECK(maps[1].access == "r");
    CHECK(maps[2].path == "/dev/shm/sem.Xy12ab");
    CHECK(maps[3].path == "/dev/shm/with space");
    CHECK_FALSE(maps[3].deleted);
    CHECK(maps[4].path == "/memfd:a (deleted) name");
    CHECK(maps[4].deleted);
  }
}

TEST_CASE("sys::parse_fdinfo") {
  const auto e = sys::parse_fdinfo(data("proc/basic/1234/fdinfo-eventfd"));
  CHECK(e.eventfd_count == 7u);
  REQUIRE(e.eventfd_id.has_value());
  CHECK(e.eventfd_semaphore == false);
  const auto w = sys::parse_fdinfo(data("proc/basic/1234/fdinfo-pipe-w"));
  REQUIRE(w.flags.has_value());
  CHECK(sys::access_from_flags(*w.flags) == "w");
  CHECK(sys::parse_fdinfo("eventfd-count: ffffffffffffffff\n").eventfd_count == 0xffffffffffffffffu);
  CHECK(sys::parse_fdinfo("sigmask:\t0000000000000200\n").sigmask == 0x200u);
}

TEST_CASE("sys::memfd_name and seal_names") {
  CHECK(sys::memfd_name("/memfd:buf (deleted)") == "buf");
  CHECK(sys::memfd_name("/memfd:with space") == "with space");
  CHECK_FALSE(sys::memfd_name("/dev/shm/x").has_value());
  CHECK(sys::seal_names(0x0002 | 0x0004) == std::vector<std::string>{"shrink", "grow"});
  CHECK(sys::seal_names(0).empty());
}

TEST_CASE("sys::access_from_link_mode") {
  CHECK(sys::access_from_link_mode(S_IFLNK | 0500) == "r");
  CHECK(sys::access_from_link_mode(S_IFLNK | 0300) == "w");
  CHECK(sys::access_from_link_mode(S_IFLNK | 0700) == "rw");
}

TEST_CASE("sys::walk_processes on a live child") {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    char c;
    ::close(p[1]);
    (void)::read(p[0], &c, 1);  // until the parent closes the write end
    ::_exit(0);
  }
  model::Snapshot snap;
  sys::WalkOptions opts;
  opts.pids = {child, 999999999};  // the second does not exist: skipped, not an error
  REQUIRE(sys::walk_processes(sys::ProcRoot("/"), opts, snap).has_value());
  REQUIRE(snap.process(child) != nullptr);
  bool found = false;
  for (const auto& e : snap.walk->fds) {
    if (e.pid == child && e.fd == p[0]) {
      found = true;
      CHECK(e.type == model::FdType::pipe);
      CHECK(e.access == "r");
      struct stat st {};
      REQUIRE(::fstat(p[0], &st) == 0);
      CHECK(e.inode == st.st_ino);
    }
  }
  CHECK(found);
  ::close(p[0]);
  ::close(p[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
}
