#include <ipcctl/linux/limits.hpp>

#include "support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

using namespace ipcctl;

namespace {

sys::LimitsReport report_of(const std::string& scenario, sys::HostFacts host = {}) {
  return sys::read_limits(sys::ProcRoot(test::data_path("proc/limits/" + scenario)), host);
}

const sys::Limit& find(const sys::LimitsReport& r, std::string_view name) {
  const auto it = std::find_if(r.limits.begin(), r.limits.end(), [&](const sys::Limit& l) { return l.name == name; });
  REQUIRE_MESSAGE(it != r.limits.end(), "no limit named ", name);
  return *it;
}

bool has_warning(const sys::LimitsReport& r, std::string_view part) {
  return std::any_of(r.warnings.begin(), r.warnings.end(),
                     [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

} // namespace

TEST_CASE("sys::read_limits") {
  SUBCASE("captured tree: every limit, SysV use from /proc/sysvipc") {
    sys::HostFacts host;
    host.rlimit_msgqueue = 819200;
    host.dev_shm_size = 1 << 20;
    host.dev_shm_used = 900 * 1024;
    const auto r = report_of("captured", host);
    CHECK(r.warnings.empty());
    for (const char* name : {"msgmni", "msgmax", "msgmnb", "shmmax", "shmall", "shmmni", "semmsl", "semmns",
                             "semopm", "semmni", "queues_max", "msg_max", "msgsize_max", "RLIMIT_MSGQUEUE",
                             "/dev/shm", "pipe-max-size", "pipe-user-pages-soft", "pipe-user-pages-hard", "file-max",
                             "nr_open", "max_dgram_qlen", "somaxconn"})
      CHECK_MESSAGE(find(r, name).value.has_value(), name);

    const auto& shmmni = find(r, "shmmni");
    CHECK(shmmni.group == "sysv-shm");
    CHECK(shmmni.sysctl == "kernel.shmmni");
    CHECK(*shmmni.value == 4096);
    CHECK(shmmni.used == 6);  // six segments in the capture
    CHECK(find(r, "shmall").used == 6);  // six one-page segments
    // shmmax's default is above INT64_MAX: it must survive as an unsigned number.
    CHECK(*find(r, "shmmax").value == 18446744073692774399ULL);
    CHECK(find(r, "shmmax").used == 4096);

    // kernel.sem: SEMMSL SEMMNS SEMOPM SEMMNI; sets of 3 and 5 semaphores.
    CHECK(*find(r, "semmsl").value == 32000);
    CHECK(*find(r, "semmns").value == 1024000000);
    CHECK(*find(r, "semopm").value == 500);
    CHECK(*find(r, "semmni").value == 32000);
    CHECK(find(r, "semmns").used == 8);
    CHECK(find(r, "semmsl").used == 5);
    CHECK(find(r, "semmni").used == 2);
    CHECK_FALSE(find(r, "semopm").used.has_value());
    CHECK(find(r, "msgmni").used == 1);

    CHECK(find(r, "queues_max").used == 2);  // two entries under dev/mqueue
    CHECK(*find(r, "file-max").value == 2466170);
    CHECK(find(r, "file-max").used == 855);
    CHECK(*find(r, "RLIMIT_MSGQUEUE").value == 819200);
    CHECK(find(r, "max_dgram_qlen").sysctl == "net.unix.max_dgram_qlen");

    // /dev/shm from the host facts: 900K of 1M is above 80%.
    const auto& shm = find(r, "/dev/shm");
    REQUIRE(shm.percent().has_value());
    CHECK(*shm.percent() == doctest::Approx(87.89).epsilon(0.001));
    CHECK(shm.high());
    CHECK_FALSE(shmmni.high());
  }

  SUBCASE("hand-made tree: use above 80%, junk and missing entries") {
    const auto r = report_of("high");
    CHECK(find(r, "shmmni").used == 4);
    CHECK(*find(r, "shmmni").percent() == doctest::Approx(100.0));
    CHECK(find(r, "shmmni").high());
    // 4096 + 8192 + 4097 + 1 bytes: 1 + 2 + 2 + 1 pages of 10.
    CHECK(find(r, "shmall").used == 6);
    CHECK_FALSE(find(r, "shmall").high());
    CHECK(find(r, "msgmnb").used == 15000);
    CHECK(find(r, "msgmnb").high());
    CHECK(find(r, "msgmni").used == 2);
    CHECK(*find(r, "msgmni").percent() == doctest::Approx(50.0));
    CHECK(find(r, "semmns").used == 17);
    CHECK(find(r, "semmns").high());  // 17 of 20
    CHECK(find(r, "semmni").high());  // 2 of 2
    CHECK_FALSE(find(r, "semmsl").high());  // 10 of 16
    CHECK(find(r, "queues_max").used == 3);
    CHECK(find(r, "queues_max").high());
    CHECK(find(r, "file-max").used == 900);
    CHECK(*find(r, "file-max").percent() == doctest::Approx(90.0));

    // "abc" in msgmax, no pipe-user-pages-hard, no net/: null values, warnings.
    CHECK_FALSE(find(r, "msgmax").value.has_value());
    CHECK_FALSE(find(r, "msgmax").percent().has_value());
    CHECK(has_warning(r, "/proc/sys/kernel/msgmax: expected 1 number, got 'abc'"));
    CHECK_FALSE(find(r, "pipe-user-pages-hard").value.has_value());
    CHECK(has_warning(r, "read /proc/sys/fs/pipe-user-pages-hard"));
    CHECK_FALSE(find(r, "somaxconn").value.has_value());
    CHECK(has_warning(r, "/proc/sys/net/core/somaxconn"));
  }

  SUBCASE("a root with nothing in it: warnings, never a failure") {
    const auto r = report_of("absent");
    CHECK(find(r, "shmmni").value == std::nullopt);
    CHECK(find(r, "shmmni").used == std::nullopt);
    CHECK(find(r, "queues_max").used == std::nullopt);
    CHECK(has_warning(r, "/dev/mqueue is not mounted"));
    CHECK(has_warning(r, "SysV shm use not counted"));
    CHECK(r.warnings.size() >= 20);
  }

  SUBCASE("percent: unknown, zero and unlimited limits have none") {
    sys::Limit l{"x", "g", "", 0, 5, "pages", ""};
    CHECK_FALSE(l.percent().has_value());  // pipe-user-pages-hard 0 means no limit
    l.value = 10;
    CHECK(*l.percent() == doctest::Approx(50.0));
    l.used = 9;
    CHECK(l.high());
    l.used = 8;
    CHECK_FALSE(l.high());  // exactly 80% is not above it
    l.unlimited = true;
    CHECK_FALSE(l.percent().has_value());
    l = sys::Limit{"x", "g", "", std::nullopt, 5, "pages", ""};
    CHECK_FALSE(l.percent().has_value());
  }
}

TEST_CASE("sys::host_facts") {
  const auto h = sys::host_facts(sys::ProcRoot("/"));
  CHECK(h.page_size >= 4096);
  CHECK((h.rlimit_msgqueue.has_value() || h.rlimit_msgqueue_unlimited));
  if (h.dev_shm_size) CHECK(*h.dev_shm_used <= *h.dev_shm_size);
}
