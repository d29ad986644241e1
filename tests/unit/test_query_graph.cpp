// query::build_graph on made-up snapshots: who is joined to whom, grouping
// of identical edges, object nodes for three or more holders, --around.
#include <ipcctl/query/graph.hpp>
#include <ipcctl/render/graph.hpp>

#include <doctest/doctest.h>

using namespace ipcctl;
using model::Kind;
using model::Object;

namespace {

model::Holder h(int pid, std::string access, model::Via via = model::Via::fd) {
  return model::Holder{pid, "p" + std::to_string(pid), 3, std::move(access), via};
}

Object obj(Kind kind, std::string ref, std::vector<model::Holder> holders) {
  Object o;
  o.kind = kind;
  o.ref = std::move(ref);
  o.holders = std::move(holders);
  return o;
}

model::Snapshot snapshot(std::vector<Object> objects) {
  model::Snapshot snap;
  for (int pid : {1, 2, 3, 4, 5}) snap.walk->processes[pid] = model::Process{pid, 0, "p" + std::to_string(pid)};
  snap.objects = std::move(objects);
  return snap;
}

std::vector<std::string> edges(const query::Graph& g) {
  std::vector<std::string> out;
  for (const auto& e : g.edges)
    out.push_back(e.from + (e.direction == query::Direction::forward ? ">" : "-") + e.to + ":" +
                  std::to_string(e.refs.size()));
  return out;
}

} // namespace

TEST_CASE("query::build_graph") {
  SUBCASE("a pipe: writer to reader; the same pair twice is one edge of two") {
    const auto g = query::build_graph(snapshot({obj(Kind::pipe, "pipe:10", {h(1, "w"), h(2, "r")}),
                                                obj(Kind::pipe, "pipe:11", {h(2, "r"), h(1, "w")})}),
                                      {});
    CHECK(edges(g) == std::vector<std::string>{"p1>p2:2"});
    REQUIRE(g.nodes.size() == 2);
    CHECK(g.nodes[0].comm == "p1");
  }
  SUBCASE("a socket pair is drawn once, both ways") {
    auto a = obj(Kind::unix_socket, "unix:20", {h(2, "rw")});
    a.peer = "unix:21", a.peer_holders = {h(1, "rw")};
    auto b = obj(Kind::unix_socket, "unix:21", {h(1, "rw")});
    b.peer = "unix:20", b.peer_holders = {h(2, "rw")};
    CHECK(edges(query::build_graph(snapshot({a, b}), {})) == std::vector<std::string>{"p1-p2:1"});
  }
  SUBCASE("three holders: an object node") {
    const auto g = query::build_graph(
        snapshot({obj(Kind::sysv_shm, "sysv-shm:5", {h(1, "rw", model::Via::map), h(2, "rw", model::Via::map),
                                                     h(3, "r", model::Via::map)})}),
        {});
    CHECK(edges(g) == std::vector<std::string>{"o1-p1:1", "o1-p2:1", "o1-p3:1"});
    CHECK(g.edges[0].access == "map");
    CHECK(g.nodes.back().ref == "sysv-shm:5");
  }
  SUBCASE("one holder, or a lock: nothing to draw") {
    CHECK(query::build_graph(snapshot({obj(Kind::pipe, "pipe:1", {h(1, "w"), h(1, "r")}),
                                       obj(Kind::lock, "lock:1", {h(1, "w"), h(2, "w")})}),
                             {})
              .edges.empty());
  }
  SUBCASE("--around: neighbours to a depth; an object node is not a hop of its own") {
    const auto snap = snapshot({obj(Kind::pipe, "pipe:1", {h(1, "w"), h(2, "r")}),
                                obj(Kind::pipe, "pipe:2", {h(2, "w"), h(3, "r")}),
                                obj(Kind::sysv_shm, "sysv-shm:9",
                                    {h(3, "rw", model::Via::map), h(4, "rw", model::Via::map),
                                     h(5, "rw", model::Via::map)})});
    query::GraphOptions opts;
    opts.around = 1;
    CHECK(edges(query::build_graph(snap, opts)) == std::vector<std::string>{"p1>p2:1"});
    opts.depth = 2;
    CHECK(edges(query::build_graph(snap, opts)) == std::vector<std::string>{"p1>p2:1", "p2>p3:1"});
    opts.depth = 3;  // 3 -> the segment -> 4 and 5 is one hop
    CHECK(query::build_graph(snap, opts).nodes.size() == 6);
  }
}

TEST_CASE("render::render_dot and render_mermaid quote what they print") {
  auto snap = snapshot({obj(Kind::pipe, "pipe:1", {h(1, "w"), h(2, "r")})});
  snap.walk->processes[1].comm = "a\"b";
  const auto g = query::build_graph(snap, {});
  const auto dot = render::render_dot(g);
  CHECK(dot.find(R"x(label="a\"b\n1 (root)")x") != std::string::npos);
  CHECK(dot.find("p1 -> p2 [dir=forward") != std::string::npos);
  const auto mermaid = render::render_mermaid(g);
  CHECK(mermaid.find("p1[\"a#quot;b<br/>1 (root)\"]") != std::string::npos);
  CHECK(mermaid.find("p1 -->|\"pipe:1\"| p2") != std::string::npos);
}
