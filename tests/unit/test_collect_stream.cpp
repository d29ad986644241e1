// collect(opts, each), the collection that hands its objects over a
// source at a time, lists what collect(opts) lists, in the same order once
// each group is sorted; a listing that throws part way stops it cleanly.
// And the walk's two readers of shared mappings, PROCMAP_QUERY and the
// text of /proc/PID/maps, agree on a live process.
#include <ipcctl/collect.hpp>
#include <ipcctl/linux/fd_scan.hpp>
#include <ipcctl/linux/source.hpp>
#include <ipcctl/query/select.hpp>
#include <ipcctl/render/json.hpp>

#include "support.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

using namespace ipcctl;

namespace {

CollectOptions tree_options(std::string_view tree) {
  CollectOptions opts;
  opts.kinds = model::KindSet::all();
  opts.explicit_kinds = model::KindSet::all();
  opts.root = test::data_path(fmt::format("proc/{}", tree));
  return opts;
}

} // namespace

TEST_CASE("collect(opts, each) lists what collect(opts) lists, a source at a time") {
  // The captured trees that are whole roots (the others hold one source's files).
  for (const std::string tree : {"tree"}) {
    CAPTURE(tree);
    const CollectOptions opts = tree_options(tree);
    auto whole = collect(opts);
    REQUIRE(whole.has_value());
    query::sort_default(whole->objects);

    std::vector<model::Object> streamed;
    std::vector<model::Kind> group_kinds;
    const ObjectSink each = [&](std::vector<model::Object>& objects) {
      // One source's objects: all of one kind.
      for (const auto& o : objects) CHECK(o.kind == objects.front().kind);
      if (!objects.empty()) group_kinds.push_back(objects.front().kind);
      query::sort_default(objects);
      std::move(objects.begin(), objects.end(), std::back_inserter(streamed));
    };
    auto rest = collect(opts, each);
    REQUIRE(rest.has_value());
    CHECK(rest->objects.empty());
    CHECK(rest->warnings == whole->warnings);
    // The groups come in the registry's order, so the listing needs no
    // second sort across them.
    const auto kinds = model::all_kinds();
    CHECK(std::is_sorted(group_kinds.begin(), group_kinds.end(), [&](model::Kind a, model::Kind b) {
      return std::find(kinds.begin(), kinds.end(), a) < std::find(kinds.begin(), kinds.end(), b);
    }));
    REQUIRE(streamed.size() == whole->objects.size());
    CHECK(group_kinds.size() > 5);
    CHECK(render::render_json(streamed, {}) == render::render_json(whole->objects, {}));
  }
}

TEST_CASE("collect(opts, each) on the running machine: the same objects of this process as collect(opts)") {
  // Objects held by this test alone, so that other processes coming and
  // going between the two collections change nothing compared.
  int p[2];
  REQUIRE(::pipe(p) == 0);
  CollectOptions opts;
  opts.pids = {static_cast<int>(::getpid())};
  opts.kinds = model::KindSet::all();
  // The walk skips ipcctl's own process, which this test is: ask for its
  // parent-less view through a child that holds the same pipe.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    char c;
    ::close(p[1]);
    (void)::read(p[0], &c, 1);
    ::_exit(0);
  }
  opts.pids = {child};
  auto whole = collect(opts);
  REQUIRE(whole.has_value());
  query::sort_default(whole->objects);
  std::vector<model::Object> streamed;
  const ObjectSink each = [&](std::vector<model::Object>& objects) {
    query::sort_default(objects);
    std::move(objects.begin(), objects.end(), std::back_inserter(streamed));
  };
  REQUIRE(collect(opts, each).has_value());
  ::close(p[0]);
  ::close(p[1]);
  ::waitpid(child, nullptr, 0);
  std::vector<std::string> a, b;
  for (const auto& o : whole->objects) a.push_back(o.ref);
  for (const auto& o : streamed) b.push_back(o.ref);
  CHECK(a == b);
  CHECK(std::find_if(b.begin(), b.end(), [](const std::string& r) { return r.starts_with("pipe:"); }) != b.end());
}

TEST_CASE("a listing that throws while collect(opts, each) runs ends it, and the exception goes on") {
  const CollectOptions opts = tree_options("tree");
  int calls = 0;
  const ObjectSink each = [&](std::vector<model::Object>&) {
    if (++calls == 2) throw std::runtime_error("stdout closed");
  };
  CHECK_THROWS_WITH_AS((void)collect(opts, each), "stdout closed", std::runtime_error);
  CHECK(calls == 2);  // no group handed over after the throw
}

TEST_CASE("sys::query_maps agrees with the text of /proc/PID/maps") {
  // A child with the shared mappings ipcctl cares about: a /dev/shm file,
  // the same file unlinked, a memfd, anonymous shared memory; and a private
  // mapping of a file, which neither reader keeps.
  const std::string name = fmt::format("/dev/shm/ipcctl-test-maps-{}", ::getpid());
  const std::string gone = name + "-gone";
  int p[2], ready[2];
  REQUIRE(::pipe(p) == 0);
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(p[1]);
    ::close(ready[0]);
    auto map_file = [](const std::string& path, int flags) {
      const int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0600);
      if (fd < 0 || ::ftruncate(fd, 8192) != 0) ::_exit(1);
      if (::mmap(nullptr, 8192, PROT_READ | PROT_WRITE, flags, fd, 0) == MAP_FAILED) ::_exit(1);
      ::close(fd);
    };
    map_file(name, MAP_SHARED);
    map_file(gone, MAP_SHARED);
    ::unlink(gone.c_str());
    map_file(name, MAP_PRIVATE);
    const int mfd = ::memfd_create("ipcctl-test", 0);
    if (mfd < 0 || ::ftruncate(mfd, 4096) != 0) ::_exit(1);
    if (::mmap(nullptr, 4096, PROT_READ, MAP_SHARED, mfd, 0) == MAP_FAILED) ::_exit(1);
    if (::mmap(nullptr, 12288, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0) == MAP_FAILED) ::_exit(1);
    (void)!::write(ready[1], "r", 1);
    char c;
    (void)::read(p[0], &c, 1);
    ::_exit(0);
  }
  ::close(p[0]);
  ::close(ready[1]);
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);

  const std::string maps = fmt::format("/proc/{}/maps", child);
  std::vector<model::MapEntry> from_text, from_query;
  auto text = read_file(maps);
  REQUIRE(text.has_value());
  sys::parse_maps(child, *text, from_text);
  const int fd = ::open(maps.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  const bool answered = sys::query_maps(fd, child, from_query);
  ::close(fd);
  ::close(p[1]);
  ::close(ready[0]);
  ::waitpid(child, nullptr, 0);
  ::unlink(name.c_str());

  auto key = [](const model::MapEntry& m) { return std::tie(m.path, m.inode, m.dev, m.access, m.length, m.deleted); };
  auto has = [&](std::string_view path, bool deleted) {
    return std::any_of(from_text.begin(), from_text.end(),
                       [&](const model::MapEntry& m) { return m.path == path && m.deleted == deleted; });
  };
  CHECK(has(name, false));
  CHECK(has(gone, true));
  CHECK(has("/memfd:ipcctl-test", true));
  CHECK(has("/dev/zero", true));
  CHECK(std::count_if(from_text.begin(), from_text.end(), [&](const model::MapEntry& m) { return m.path == name; }) ==
        1);  // the private mapping is not kept
  if (!answered) {
    MESSAGE("this kernel has no PROCMAP_QUERY (Linux 6.11): the text alone is read");
    CHECK(from_query.empty());
    return;
  }
  REQUIRE(from_query.size() == from_text.size());
  for (std::size_t i = 0; i < from_text.size(); ++i) {
    CAPTURE(from_text[i].path);
    CHECK(key(from_query[i]) == key(from_text[i]));
    CHECK(from_query[i].pid == child);
  }
}
