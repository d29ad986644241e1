#include <ipcctl/ops/create.hpp>

#include <doctest/doctest.h>

#include <sys/ipc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <string>
#include <vector>

using namespace ipcctl;
using model::Kind;

namespace {

struct Bad {
  std::string input;
  std::string message;
};

template <class T>
std::string message_of(const Result<T>& r) {
  return r ? std::string("(accepted)") : r.error().message();
}

} // namespace

TEST_CASE("ops::parse_posix_name") {
  SUBCASE("accepted, normalised to one leading slash") {
    CHECK(ops::parse_posix_name("/orders", Kind::posix_mq) == "/orders");
    CHECK(ops::parse_posix_name("orders", Kind::posix_shm) == "/orders");
    CHECK(ops::parse_posix_name("a..b", Kind::posix_sem) == "/a..b");
    CHECK(ops::parse_posix_name(std::string(NAME_MAX, 'x'), Kind::posix_shm).has_value());
    CHECK(ops::parse_posix_name(std::string(NAME_MAX - 4, 'x'), Kind::posix_sem).has_value());
  }
  SUBCASE("refused, with what is accepted") {
    const std::vector<Bad> bad = {
        {"", "name '': empty: give a name such as /orders"},
        {"/", "name '/': empty: give a name such as /orders"},
        {"/a/b", "name '/a/b': a POSIX name is one leading '/' and no other slash, e.g. /orders"},
        {"../x", "name '../x': a POSIX name is one leading '/' and no other slash, e.g. /orders"},
        {"//x", "name '//x': a POSIX name is one leading '/' and no other slash, e.g. /orders"},
        {"..", "name '..': '.' and '..' are not names"},
        {"/.", "name '/.': '.' and '..' are not names"},
        {std::string(NAME_MAX + 1, 'x'), "name of 256 bytes: too long: a posix-mq name has at most 255 bytes"},
    };
    for (const auto& b : bad) {
      CAPTURE(b.input);
      CHECK(message_of(ops::parse_posix_name(b.input, Kind::posix_mq)) == b.message);
    }
    CHECK(message_of(ops::parse_posix_name(std::string(NAME_MAX - 3, 'x'), Kind::posix_sem)) ==
          "name of 252 bytes: too long: a posix-sem name has at most 251 bytes");
  }
}

TEST_CASE("ops::parse_object_size") {
  CHECK(ops::parse_object_size("4096") == 4096);
  CHECK(ops::parse_object_size("4K") == 4096);
  CHECK(ops::parse_object_size("1M") == 1 << 20);
  CHECK(ops::parse_object_size("1G") == std::int64_t{1} << 30);
  CHECK(ops::parse_object_size("0") == 0);
  const std::string tail = ": not a size: give bytes, or a number with K, M or G (binary units): 4096, 4K, 1M, 1G";
  for (const std::string s : {"1Q", "-5", "99999999999999999999", "", "K", "0x10", "1.5M"}) {
    CAPTURE(s);
    CHECK(message_of(ops::parse_object_size(s)) == "size '" + s + "'" + tail);
  }
}

TEST_CASE("ops::parse_mode") {
  CHECK(ops::parse_mode("0600") == 0600u);
  CHECK(ops::parse_mode("640") == 0640u);
  CHECK(ops::parse_mode("0") == 0u);
  CHECK(ops::parse_mode("7777") == 07777u);
  const std::string tail = ": not an octal mode: give 0 to 7777 in octal, e.g. 0600 or 640";
  for (const std::string s : {"9999", "abc", "10000", "0o600", "", "-600", "+600", "0x1ff", "08"}) {
    CAPTURE(s);
    CHECK(message_of(ops::parse_mode(s)) == "mode '" + s + "'" + tail);
  }
}

TEST_CASE("ops::parse_key") {
  CHECK(ops::parse_key("private") == std::uint32_t{IPC_PRIVATE});
  CHECK(ops::parse_key("4660") == 0x1234u);
  CHECK(ops::parse_key("0x1234") == 0x1234u);
  CHECK(ops::parse_key("0XfFfFfFfF") == 0xffffffffu);
  CHECK(ops::parse_key("4294967295") == 0xffffffffu);
  const std::vector<Bad> bad = {
      {"4294967296", "key '4294967296': out of range: a key has 32 bits (at most 0xffffffff)"},
      {"0x100000000", "key '0x100000000': out of range: a key has 32 bits (at most 0xffffffff)"},
      {"-1", "key '-1': not a key: give 'private', a decimal number or 0x followed by hex digits"},
      {"0x", "key '0x': not a key: give 'private', a decimal number or 0x followed by hex digits"},
      {"abc", "key 'abc': not a key: give 'private', a decimal number or 0x followed by hex digits"},
      {"", "key '': not a key: give 'private', a decimal number or 0x followed by hex digits"},
      {"PRIVATE", "key 'PRIVATE': not a key: give 'private', a decimal number or 0x followed by hex digits"},
  };
  for (const auto& b : bad) {
    CAPTURE(b.input);
    CHECK(message_of(ops::parse_key(b.input)) == b.message);
  }
}

TEST_CASE("ops::ftok_key") {
  CHECK(ops::ftok_key(0x0803, 0x12345678, 1) == 0x01035678u);
  CHECK(ops::ftok_key(0xfff, 0xffffffff, 0x1ff) == 0xffffffffu);
  SUBCASE("the same key as ftok(3) for a real file") {
    struct stat st {};
    REQUIRE(::stat("/", &st) == 0);
    CHECK(ops::key_from_path("/", 42) == static_cast<std::uint32_t>(::ftok("/", 42)));
    CHECK(ops::ftok_key(st.st_dev, st.st_ino, 42) == static_cast<std::uint32_t>(::ftok("/", 42)));
  }
  SUBCASE("bad project ids and paths") {
    CHECK(message_of(ops::key_from_path("/", 0)) == "proj 0: give 1 to 255");
    CHECK(message_of(ops::key_from_path("/", 256)) == "proj 256: give 1 to 255");
    const auto missing = ops::key_from_path("/nonexistent/ipcctl-test", 1);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().code == ENOENT);
  }
}

TEST_CASE("ops::check_request") {
  auto req = [](Kind k) {
    ops::CreateRequest r;
    r.kind = k;
    r.size = 4096;
    return r;
  };
  for (Kind k : {Kind::sysv_msg, Kind::sysv_shm, Kind::sysv_sem, Kind::posix_mq, Kind::posix_shm, Kind::posix_sem,
                 Kind::fifo}) {
    CAPTURE(model::kind_name(k));
    CHECK(ops::check_request(req(k)).has_value());
  }
  struct Case {
    ops::CreateRequest r;
    std::string message;
  };
  std::vector<Case> bad;
  auto add = [&](Kind k, auto edit, std::string message) {
    ops::CreateRequest r = req(k);
    edit(r);
    bad.push_back({r, std::move(message)});
  };
  add(Kind::pipe, [](auto&) {}, "type 'pipe': cannot be created with mk");
  add(Kind::sysv_shm, [](auto& r) { r.mode = 04600; },
      "mode 4600: only permission bits (at most 0777) apply to a sysv-shm");
  add(Kind::posix_mq, [](auto& r) { r.mode = 01777; },
      "mode 1777: only permission bits (at most 0777) apply to a posix-mq");
  add(Kind::sysv_shm, [](auto& r) { r.size = 0; }, "size 0: a SysV segment has at least 1 byte: give --size");
  add(Kind::posix_shm, [](auto& r) { r.size = -1; }, "size -1: is negative");
  add(Kind::sysv_sem, [](auto& r) { r.nsems = 0; }, "nsems 0: a semaphore set has at least 1 semaphore");
  add(Kind::sysv_sem, [](auto& r) { r.value = 32768; }, "value 32768: a SysV semaphore holds 0 to 32767");
  add(Kind::sysv_sem, [](auto& r) { r.value = -1; }, "value -1: a SysV semaphore holds 0 to 32767");
  add(Kind::posix_sem, [](auto& r) { r.value = std::int64_t{1} << 31; },
      "value 2147483648: a POSIX semaphore holds 0 to 2147483647");
  add(Kind::posix_mq, [](auto& r) { r.maxmsg = 0; }, "maxmsg 0: a queue holds 1 to 2147483647 messages");
  add(Kind::posix_mq, [](auto& r) { r.msgsize = -3; }, "msgsize -3: a message has room for 1 to 2147483647 bytes");
  for (const auto& c : bad) {
    CAPTURE(c.message);
    CHECK(message_of(ops::check_request(c.r)) == c.message);
    CHECK(message_of(ops::create(c.r)) == c.message);  // create() checks first and touches nothing
  }
  SUBCASE("a FIFO may carry the set-id and sticky bits") {
    ops::CreateRequest r = req(Kind::fifo);
    r.mode = 01777;
    CHECK(ops::check_request(r).has_value());
  }
}

TEST_CASE("ops::fifo_path") {
  CHECK(ops::fifo_path("/tmp/ctl") == "/tmp/ctl");
  CHECK(ops::fifo_path("/ctl") == "/ctl");
  char cwd[PATH_MAX];
  REQUIRE(::getcwd(cwd, sizeof cwd) != nullptr);
  const std::string here(cwd);
  CHECK(ops::fifo_path("ctl") == (here == "/" ? "/ctl" : here + "/ctl"));
  for (const std::string s : {"", "/tmp/", "/tmp/.", "/tmp/.."}) {
    CAPTURE(s);
    CHECK(message_of(ops::fifo_path(s)) == "path '" + s + "': give the path of the FIFO to create, e.g. /run/app/ctl");
  }
  const auto missing = ops::fifo_path("/nonexistent/dir/ctl");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ENOENT);
  CHECK(missing.error().message() == "directory /nonexistent/dir: No such file or directory");
}

TEST_CASE("ops::create: a FIFO, exclusively, with the exact mode") {
  char dir_template[] = "/tmp/ipcctl-test-create.XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string dir(dir_template);
  ops::CreateRequest r;
  r.kind = Kind::fifo;
  r.name = dir + "/ctl";
  r.mode = 0666;  // above any usual umask: the umask must not apply
  const auto made = ops::create(r);
  REQUIRE(made.has_value());
  CHECK(made->ref == "fifo:" + r.name);
  CHECK(made->kind == Kind::fifo);
  CHECK(made->mode == 0666u);
  struct stat st {};
  REQUIRE(::stat(r.name.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  CHECK((st.st_mode & 07777) == 0666u);
  CHECK(made->inode == st.st_ino);

  r.mode = 0600;
  const auto again = ops::create(r);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == EEXIST);
  REQUIRE(::stat(r.name.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0666u);  // untouched

  ::unlink(r.name.c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE("ops::create: a FIFO in a directory reached through a symlink is not made") {
  char dir_template[] = "/tmp/ipcctl-test-create.XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string dir(dir_template);
  REQUIRE(::mkdir((dir + "/real").c_str(), 0700) == 0);
  REQUIRE(::symlink((dir + "/real").c_str(), (dir + "/link").c_str()) == 0);
  ops::CreateRequest r;
  r.kind = Kind::fifo;
  r.name = dir + "/link/ctl";
  const auto made = ops::create(r);
  REQUIRE_FALSE(made.has_value());
  CHECK(made.error().message() == dir + "/link is a symbolic link, and ipcctl follows none in the path of a file it "
                                        "removes or creates: nothing was created");
  CHECK(::access((dir + "/real/ctl").c_str(), F_OK) != 0);
  ::unlink((dir + "/link").c_str());
  ::rmdir((dir + "/real").c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE("ops::create: the mode asked for, whatever the umask, and the umask is kept") {
  char dir_template[] = "/tmp/ipcctl-test-create.XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string dir(dir_template);
  const mode_t old = ::umask(0077);
  ops::CreateRequest r;
  r.kind = Kind::fifo;
  r.name = dir + "/ctl";
  r.mode = 0664;
  const auto fifo = ops::create(r);
  REQUIRE(fifo.has_value());
  struct stat st {};
  REQUIRE(::lstat(r.name.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0664u);

  r.kind = Kind::posix_sem;
  r.name = "/ipcctl-unit-mode-" + std::to_string(::getpid());
  r.mode = 0644;
  const auto sem = ops::create(r);
  REQUIRE(sem.has_value());
  const std::string sem_file = "/dev/shm/sem." + r.name.substr(1);
  REQUIRE(::lstat(sem_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644u);
  CHECK(sem->inode == st.st_ino);
  ::unlink(sem_file.c_str());

  CHECK(::umask(old) == 0077);  // what it was before each create
  ::unlink((dir + "/ctl").c_str());
  ::rmdir(dir.c_str());
}
