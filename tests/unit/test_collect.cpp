// collect() end to end on a captured tree (tests/data/proc/tree): the one
// walk, every source, holders joined across processes, as --proc-root does.
#include <ipcctl/collect.hpp>

#include "support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>

using namespace ipcctl;

namespace {

model::Snapshot collect_tree(model::KindSet kinds = model::KindSet::all()) {
  CollectOptions opts;
  opts.kinds = kinds;
  opts.root = test::data_path("proc/tree");
  auto snap = collect(opts);
  REQUIRE(snap.has_value());
  return std::move(*snap);
}

const model::Object& find(const model::Snapshot& snap, std::string_view ref) {
  const auto it = std::find_if(snap.objects.begin(), snap.objects.end(),
                               [&](const model::Object& o) { return o.ref == ref; });
  REQUIRE_MESSAGE(it != snap.objects.end(), "no object ", ref);
  return *it;
}

std::vector<int> pids(const model::Object& o) {
  std::vector<int> out;
  for (const auto& h : o.holders) out.push_back(h.pid);
  return out;
}

} // namespace

TEST_CASE("collect on a captured tree") {
  const auto snap = collect_tree();

  SUBCASE("a pipe joins its two ends across processes") {
    const auto& pipe = find(snap, "pipe:555");
    CHECK(pids(pipe) == std::vector<int>{100, 101});
    CHECK(pipe.holders[1].comm == "reader with space");
    CHECK(pipe.holders[0].fd == 1);
    CHECK(pipe.find(model::key::unread_bytes) != nullptr);  // null: a captured tree is never probed
    CHECK(std::holds_alternative<std::monostate>(*pipe.find(model::key::unread_bytes)));
  }
  SUBCASE("a SysV segment's holders come from the maps, with their access") {
    const auto& shm = find(snap, "sysv-shm:32769");
    CHECK(shm.key == 0x1234u);
    CHECK(shm.owner.uid == 1000u);
    REQUIRE(shm.holders.size() == 2);
    CHECK(shm.holders[0].pid == 100);
    CHECK(shm.holders[0].access == "rw");
    CHECK(shm.holders[0].via == model::Via::map);
    CHECK_FALSE(shm.holders[0].fd.has_value());
    CHECK(shm.holders[1].access == "r");
    CHECK(std::get<std::int64_t>(*shm.find(model::key::rss_bytes)) == 4096);
  }
  SUBCASE("an eventfd is named by its eventfd-id, with its counter") {
    const auto& efd = find(snap, "eventfd:9");
    CHECK(pids(efd) == std::vector<int>{100});
    CHECK(std::get<std::int64_t>(*efd.find(model::key::count)) == 3);
    CHECK(efd.holders[0].access == "rw");
  }
  SUBCASE("unix sockets from /proc/net/unix, joined to their holders") {
    const auto& bus = find(snap, "unix:777");
    CHECK(bus.name == "@bus");
    CHECK(pids(bus) == std::vector<int>{100});
    CHECK(pids(find(snap, "unix:778")) == std::vector<int>{101});
  }
  SUBCASE("signals: only the process with one pending, by default") {
    const auto& sig = find(snap, "signal:100");
    const auto* pending = sig.find(model::key::pending);
    REQUIRE(pending != nullptr);
    CHECK(std::get<std::vector<std::string>>(*pending) == std::vector<std::string>{"SIGUSR1"});
    CHECK(std::none_of(snap.objects.begin(), snap.objects.end(),
                       [](const model::Object& o) { return o.ref == "signal:101"; }));
  }
  SUBCASE("what is missing from the tree becomes a warning, not a failure") {
    CHECK(std::any_of(snap.warnings.begin(), snap.warnings.end(),
                      [](const std::string& w) { return w.find("mqueue") != std::string::npos; }));
  }
}

TEST_CASE("collect runs only the selected sources") {
  model::KindSet only_pipes;
  only_pipes.add(model::Kind::pipe);
  const auto snap = collect_tree(only_pipes);
  REQUIRE_FALSE(snap.objects.empty());
  for (const auto& o : snap.objects) CHECK(o.kind == model::Kind::pipe);
  CHECK_FALSE(snap.walk->maps_read);  // pipes need no maps
}

TEST_CASE("anon-shm and mapped-file on a captured tree: shared by two by default, all when named") {
  using model::Kind;
  auto has = [](const model::Snapshot& snap, std::string_view ref) {
    return std::any_of(snap.objects.begin(), snap.objects.end(), [&](const model::Object& o) { return o.ref == ref; });
  };
  model::KindSet kinds;
  kinds.add(Kind::anon_shm);
  kinds.add(Kind::mapped_file);
  const auto snap = collect_tree(kinds);
  const auto& region = find(snap, "anon-shm:40001");
  CHECK(pids(region) == std::vector<int>{100, 101});
  CHECK(region.holders[0].access == "rw");
  CHECK(region.holders[1].access == "r");
  CHECK(region.holders[1].via == model::Via::map);
  CHECK(region.size == 8192);
  CHECK(std::get<std::int64_t>(*region.find(model::key::mapped_bytes)) == 8192);
  CHECK_FALSE(has(snap, "anon-shm:40002"));  // one process maps it
  const auto& file = find(snap, "mapped-file:/var/lib/app/state.db-shm");
  CHECK(pids(file) == std::vector<int>{100, 101});
  CHECK(file.name == "/var/lib/app/state.db-shm");
  CHECK(file.size == 4096);  // a captured tree's file is not looked at: the mapped length
  CHECK(std::get<std::string>(*file.find(model::key::dev)) == "254:1");
  // Read-only by every holder: a cache, not IPC.
  CHECK_FALSE(has(snap, "mapped-file:/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache"));
  CHECK_FALSE(has(snap, "sysv-shm:0"));

  CollectOptions opts;
  opts.kinds = kinds;
  opts.explicit_kinds = kinds;
  opts.root = test::data_path("proc/tree");
  const auto all = collect(opts);
  REQUIRE(all.has_value());
  CHECK(pids(find(*all, "anon-shm:40002")) == std::vector<int>{100});
  CHECK(has(*all, "mapped-file:/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache"));
  CHECK(all->objects.size() == 4);
}
