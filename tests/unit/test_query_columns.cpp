#include <ipcctl/query/column.hpp>
#include <ipcctl/query/select.hpp>

#include <doctest/doctest.h>

using namespace ipcctl;
using model::Kind;

namespace {
model::Object shm(std::int64_t id, std::int64_t size, std::int64_t nattch) {
  model::Object o;
  o.kind = Kind::sysv_shm;
  o.ref = "sysv-shm:" + std::to_string(id);
  o.id = id;
  o.key = 0x1234;
  o.mode = 0600;
  o.size = size;
  o.owner.uid = 1000;
  o.set(model::key::nattch, nattch);
  o.set(model::key::values, std::vector<std::int64_t>{1, 0});
  return o;
}
} // namespace

TEST_CASE("query::find_column") {
  REQUIRE(query::find_column("nattch") != nullptr);
  CHECK(query::find_column("NATTCH") == query::find_column("nattch"));
  CHECK(query::find_column("no-such-column") == nullptr);
  for (const auto& c : query::all_columns()) {
    CHECK_FALSE(c.help.empty());
    CHECK(query::find_column(c.name) == &c);  // names are unique
  }
}

TEST_CASE("query columns read typed cells") {
  const auto o = shm(7, 4096, 2);
  CHECK(query::find_column("KEY")->get(o) == query::Cell{std::string("0x00001234")});
  CHECK(query::find_column("PERMS")->get(o) == query::Cell{std::string("0600")});
  CHECK(query::find_column("SIZE")->get(o) == query::Cell{std::int64_t{4096}});
  CHECK(query::find_column("NATTCH")->get(o) == query::Cell{std::int64_t{2}});
  CHECK(query::find_column("VALUES")->get(o) == query::Cell{std::string("1,0")});
  CHECK(std::holds_alternative<std::monostate>(query::find_column("PEER")->get(o)));
  CHECK(query::find_column("OWNER")->get(o) == query::Cell{std::string("1000")});
}

TEST_CASE("query columns NHOLDERS counts processes, NHANDLES what they hold it through") {
  model::Object pipe;
  pipe.kind = Kind::pipe;
  pipe.ref = "pipe:9";
  CHECK(query::find_column("NHOLDERS")->get(pipe) == query::Cell{std::int64_t{0}});
  CHECK(query::find_column("NHANDLES")->get(pipe) == query::Cell{std::int64_t{0}});
  // Two processes, each with both ends (a pipe before the fork closes them).
  pipe.holders = {{100, "sh", 3, "r", model::Via::fd, 0},
                  {100, "sh", 4, "w", model::Via::fd, 0},
                  {101, "sh", 3, "r", model::Via::fd, 0},
                  {101, "sh", 4, "w", model::Via::fd, 0}};
  CHECK(query::find_column("NHOLDERS")->get(pipe) == query::Cell{std::int64_t{2}});
  CHECK(query::find_column("nhandles")->get(pipe) == query::Cell{std::int64_t{4}});
  // One process through a descriptor and a mapping is one holder, two handles.
  auto seg = shm(7, 4096, 1);
  seg.holders = {{42, "app", 5, "rw", model::Via::fd, 1000u}, {42, "app", std::nullopt, "rw", model::Via::map, 1000u}};
  CHECK(query::find_column("NHOLDERS")->get(seg) == query::Cell{std::int64_t{1}});
  CHECK(query::find_column("NHANDLES")->get(seg) == query::Cell{std::int64_t{2}});
}

TEST_CASE("query::default_columns") {
  auto names = [](const model::KindSet& ks) {
    std::vector<std::string> out;
    for (const auto* c : query::default_columns(ks)) out.push_back(c->name);
    return out;
  };
  model::KindSet only_shm;
  only_shm.add(Kind::sysv_shm);
  const auto shm_cols = names(only_shm);
  CHECK(shm_cols.front() == "REF");
  CHECK(std::find(shm_cols.begin(), shm_cols.end(), "NATTCH") != shm_cols.end());
  const auto all = names(model::KindSet::all());
  CHECK(all.front() == "REF");
  CHECK(std::find(all.begin(), all.end(), "HOLDERS") != all.end());
}

TEST_CASE("query::sort_by and sort_default") {
  std::vector<model::Object> v{shm(3, 100, 0), shm(1, 300, 1), shm(2, 200, 0)};
  model::Object pipe;
  pipe.kind = Kind::pipe;
  pipe.ref = "pipe:9";
  v.insert(v.begin(), pipe);
  query::sort_default(v);
  CHECK(v[0].ref == "sysv-shm:1");
  CHECK(v[3].ref == "pipe:9");
  query::sort_by(v, *query::find_column("SIZE"), true);
  CHECK(v[0].ref == "sysv-shm:1");
  CHECK(v[1].ref == "sysv-shm:2");
  CHECK(v[3].ref == "pipe:9");  // null size sorts last, descending too
}

TEST_CASE("query::select by user") {
  std::vector<model::Object> v{shm(1, 1, 0), shm(2, 1, 0)};
  v[1].owner.uid = 0;
  v[1].holders.push_back(model::Holder{42, "cat", 3, "r", model::Via::fd, 1000u});
  v.push_back(shm(3, 1, 0));
  v[2].owner.uid = 0;
  query::Selection sel;
  sel.uid = 1000;
  query::select(v, sel);
  REQUIRE(v.size() == 2);  // owned by 1000, or held by a process of 1000
  CHECK(v[0].id == 1);
  CHECK(v[1].id == 2);
}

TEST_CASE("model::parse_kinds") {
  auto p = model::parse_kinds("sysv,pipe");
  CHECK(p.unknown.empty());
  CHECK(p.kinds.has(Kind::sysv_sem));
  CHECK(p.kinds.has(Kind::pipe));
  CHECK_FALSE(p.kinds.has(Kind::tcp));
  CHECK(model::parse_kinds("socket").kinds.has(Kind::udp));
  CHECK(model::parse_kinds("sysv,nope").unknown == "nope");
}
