// The registry of kinds holds what the collectors do: every detail key a
// collector sets on an object is one its kind's descriptor lists, with a
// value of the key's type. Checked on every captured tree under tests/data
// and on live objects of every kind, made by ipc_fixture processes. Also
// that each descriptor is whole: its columns exist, its summary keys are
// its own.
#include <ipcctl/collect.hpp>
#include <ipcctl/linux/source.hpp>
#include <ipcctl/model/kind.hpp>
#include <ipcctl/query/column.hpp>

#include "support.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fcntl.h>
#include <memory>
#include <set>
#include <signal.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

using namespace ipcctl;
using model::KeyType;

namespace {

bool fits(KeyType t, const model::Value& v) {
  if (std::holds_alternative<std::monostate>(v)) return true;
  switch (t) {
  case KeyType::number:
  case KeyType::bytes: return std::holds_alternative<std::int64_t>(v);
  case KeyType::flag: return std::holds_alternative<bool>(v);
  case KeyType::text: return std::holds_alternative<std::string>(v);
  case KeyType::time: return std::holds_alternative<model::Time>(v);
  case KeyType::numbers: return std::holds_alternative<std::vector<std::int64_t>>(v);
  case KeyType::texts: return std::holds_alternative<std::vector<std::string>>(v);
  }
  return false;
}

// Every detail field of every object is its kind's, typed as registered.
// Returns how many fields were checked.
std::size_t check_registered(const model::Snapshot& snap, std::string_view where) {
  std::size_t fields = 0;
  for (const auto& o : snap.objects) {
    const auto& desc = model::describe(o.kind);
    for (const auto& f : o.detail) {
      ++fields;
      CHECK_MESSAGE(model::has_key(o.kind, f.key->name),
                    fmt::format("{}: {} sets '{}', which the {} descriptor does not list", where, o.ref, f.key->name,
                                desc.name));
      CHECK_MESSAGE(fits(f.key->type, f.value),
                    fmt::format("{}: {} sets '{}' to a value of another type than registered (index {})", where,
                                o.ref, f.key->name, f.value.index()));
    }
  }
  return fields;
}

// An ipc_fixture process holding one object, stopped when it goes.
class Fixture {
public:
  explicit Fixture(std::vector<std::string> args) {
    const char* exe = std::getenv("IPC_FIXTURE");
    REQUIRE_MESSAGE(exe != nullptr, "IPC_FIXTURE is not set");
    int in[2], out[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    m_pid = ::fork();
    REQUIRE(m_pid >= 0);
    if (m_pid == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      std::vector<char*> argv{const_cast<char*>(exe)};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(exe, argv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    m_in = in[1];
    // Its facts line says the object is made.
    std::string line;
    char c = 0;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    REQUIRE_MESSAGE(!line.empty(), fmt::format("ipc_fixture {} did not start", fmt::join(args, " ")));
  }
  ~Fixture() {
    ::close(m_in);  // end of input: it cleans up and exits
    int status = 0;
    ::waitpid(m_pid, &status, 0);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

private:
  pid_t m_pid = -1;
  int m_in = -1;
};

} // namespace

TEST_CASE("each descriptor is whole") {
  std::set<std::string_view> names;
  for (model::Kind k : model::all_kinds()) {
    const auto& d = model::describe(k);
    CAPTURE(d.name);
    CHECK(d.kind == k);
    CHECK(names.insert(d.name).second);
    CHECK_FALSE(d.help.empty());
    CHECK_FALSE(d.ref_help.empty());
    CHECK_FALSE(d.colour.empty());
    CHECK(model::kind_from_name(d.name) == k);
    for (auto col : d.columns) CHECK_MESSAGE(query::find_column(col) != nullptr, col);
    for (const auto* key : d.summary) CHECK_MESSAGE(model::has_key(k, key->name), key->name);
    // A key's name means one thing: two kinds that list it give it one type.
    // "blocked" alone is two (a lock's waiter flag, a process's blocked
    // signals), as ipcctl-json(7) has always documented it.
    for (const auto* key : d.keys) {
      const auto* registered = model::find_key(key->name);
      REQUIRE(registered != nullptr);
      if (key->name != "blocked") CHECK_MESSAGE(registered->type == key->type, key->name);
      CHECK(query::find_column(key->name) != nullptr);
    }
    if (d.removal == model::Removal::file && !d.windows) CHECK((d.file || d.ref == model::RefForm::path ||
                                                                d.ref == model::RefForm::unix));
  }
}

TEST_CASE("every key set on a captured tree is registered") {
  // Every captured system under tests/data/proc: a directory whose proc/
  // holds what /proc does.
  namespace fs = std::filesystem;
  std::size_t trees = 0, fields = 0;
  for (const auto& e : fs::recursive_directory_iterator(test::data_path("proc"))) {
    if (!e.is_directory() || e.path().filename() != "proc") continue;
    const std::string dir = e.path().parent_path().string();
    CollectOptions opts;
    opts.kinds = model::KindSet::all();  // netlink too, which ls lists only when named
    opts.all_signals = true;
    opts.explicit_kinds = model::KindSet::all();  // every mapping, a single process's too
    auto snap = collect(sys::ProcRoot(dir), opts);
    REQUIRE_MESSAGE(snap.has_value(), dir);
    ++trees;
    fields += check_registered(*snap, dir);
  }
  CHECK(trees >= 5);
  CHECK(fields > 100);
}

TEST_CASE("every key set on live objects of every kind is registered") {
  std::vector<std::unique_ptr<Fixture>> held;
  for (const char* kind : {"sysv-msg", "sysv-shm", "sysv-sem", "posix-mq", "posix-shm", "posix-sem", "fifo", "pipe",
                           "socketpair", "unix-listen", "tcp", "udp", "netlink", "eventfd", "memfd", "anon-shm", "mapped-file",
                           "signalfd", "lock-posix", "lock-ofd", "lock-flock", "signal-pending"})
    held.push_back(std::make_unique<Fixture>(std::vector<std::string>{kind}));
  CollectOptions opts;
  opts.queue_status = true;  // the queue's bytes and notification too
  opts.kinds = model::KindSet::all();  // netlink too, which ls lists only when named
  opts.all_signals = true;
  opts.scan_dirs = {"/tmp"};
  auto snap = collect(opts);
  REQUIRE(snap.has_value());
  std::set<model::Kind> seen;
  for (const auto& o : snap->objects) seen.insert(o.kind);
  // Every Linux kind has an object here, so each collector ran on one.
  for (model::Kind k : model::all_kinds()) {
    if (access("/dev/mqueue", F_OK) != 0 && k == model::Kind::posix_mq) continue;
    CHECK_MESSAGE(seen.count(k) == 1, model::kind_name(k));
  }
  CHECK(check_registered(*snap, "live") > 100);
}
