#include <ipcctl/collect.hpp>
#include <ipcctl/linux/fd_scan.hpp>
#include <ipcctl/linux/posixipc.hpp>
#include <ipcctl/linux/sysvipc.hpp>
#include <ipcctl/util/fd.hpp>

#include "support.hpp"

#include <doctest/doctest.h>

#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <csignal>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

using namespace ipcctl;

namespace {
std::string data(const std::string& rel) { return test::data_text(rel); }
} // namespace

TEST_CASE("sys::parse_sysvipc_shm") {
  SUBCASE("16-field capture") {
    const auto shm = sys::parse_sysvipc_shm(data("proc/basic/sysvipc/shm"));
    REQUIRE(shm.size() == 1);
    CHECK(shm[0].id == 229377);
    CHECK(shm[0].key == -1471059691);
    CHECK(shm[0].mode == 0640);
    CHECK(shm[0].size == 8192);
    CHECK(shm[0].rss == 0);
    CHECK(shm[0].swap.has_value());
  }
  SUBCASE("14-field lines, the SHM_DEST bit, and junk skipped") {
    const auto shm = sys::parse_sysvipc_shm(data("proc/edge/sysvipc/shm"));
    REQUIRE(shm.size() == 2);
    CHECK(shm[0].id == 32769);
    CHECK((shm[0].mode & SHM_DEST) != 0);
    CHECK((shm[0].mode & 0777) == 0600);
    CHECK(shm[0].nattch == 2);
    CHECK(shm[0].uid == 1000);
    CHECK(shm[0].atime == 1700000000);
    CHECK_FALSE(shm[0].rss.has_value());
    CHECK(shm[1].key == 0x1234);
    CHECK(shm[1].size == 1048576);
  }
  SUBCASE("header only") { CHECK(sys::parse_sysvipc_shm("key shmid perms\n").empty()); }
}

TEST_CASE("sys::parse_sysvipc_msg and sem") {
  const auto msg = sys::parse_sysvipc_msg(data("proc/basic/sysvipc/msg"));
  REQUIRE(msg.size() == 1);
  CHECK(msg[0].id == 229377);
  CHECK(msg[0].qnum == 0);
  CHECK(msg[0].mode == 0644);
  const auto sem = sys::parse_sysvipc_sem(data("proc/basic/sysvipc/sem"));
  REQUIRE(sem.size() == 1);
  CHECK(sem[0].nsems == 3);
  CHECK(sem[0].ctime > 0);
}

TEST_CASE("sys::parse_mqueue_status") {
  const auto s = sys::parse_mqueue_status("QSIZE:129        NOTIFY:0     SIGNO:10    NOTIFY_PID:812  \n");
  REQUIRE(s.has_value());
  CHECK(s->qsize == 129);
  CHECK(s->signo == 10);
  CHECK(s->notify_pid == 812);
  CHECK_FALSE(sys::parse_mqueue_status("nonsense").has_value());
}

TEST_CASE("sysv-shm source: holders from maps, fallback agrees with /proc") {
  const int id = ::shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
  REQUIRE(id >= 0);
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    void* a = ::shmat(id, nullptr, 0);
    void* b = ::shmat(id, nullptr, SHM_RDONLY);
    char c = (a == reinterpret_cast<void*>(-1) || b == reinterpret_cast<void*>(-1)) ? 0 : 1;
    (void)::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  // Whatever fails below, the child must not outlive the test.
  struct Reaper {
    pid_t pid;
    int id;
    ~Reaper() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      ::shmctl(id, IPC_RMID, nullptr);
    }
  } reaper{child, id};
  char c;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  REQUIRE(c == 1);  // both attaches worked
  ::close(ready[0]);

  CollectOptions opts;
  opts.kinds = model::KindSet::none();
  opts.kinds.add(model::Kind::sysv_shm);
  opts.pids = {child};
  auto snap = collect(sys::ProcRoot("/"), opts);
  REQUIRE(snap.has_value());
  const auto it = std::find_if(snap->objects.begin(), snap->objects.end(),
                               [&](const model::Object& o) { return o.id == id; });
  REQUIRE(it != snap->objects.end());
  CHECK(it->ref == "sysv-shm:" + std::to_string(id));
  CHECK(it->size == 4096);
  REQUIRE(it->holders.size() == 2);  // one process, two attaches (rw and r)
  CHECK(it->holders[0].pid == child);
  CHECK(it->holders[0].via == model::Via::map);
  const auto* nattch = it->find(model::key::nattch);
  REQUIRE(nattch != nullptr);
  CHECK(std::get<std::int64_t>(*nattch) == 2);

  auto stat = sys::stat_all_shm();
  REQUIRE(stat.has_value());
  const auto st = std::find_if(stat->begin(), stat->end(), [&](const sys::ShmInfo& s) { return s.id == id; });
  REQUIRE(st != stat->end());
  CHECK(st->nattch == 2);
  CHECK(st->size == 4096);
  CHECK(st->cpid == ::getpid());

}
