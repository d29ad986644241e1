// Each object says who is at its ends: a socket's holders and its peer's
// holders; a pipe's, FIFO's or queue's writers and readers (by access);
// shared memory's holders, all alike; a SysV queue's last sender and last
// receiver. Everything else (locks, signals, a socket nobody else is on)
// joins no two processes and draws nothing.
#include <ipcctl/query/graph.hpp>

#include <fmt/format.h>

#ifndef _WIN32
#include <pwd.h>
#endif

#include <algorithm>
#include <map>
#include <deque>
#include <tuple>
#include <set>

namespace ipcctl::query {

using model::Kind;
using model::Object;

namespace {

std::string pid_id(int pid) { return fmt::format("p{}", pid); }

std::vector<int> pids_of(const std::vector<model::Holder>& holders, char access = 0) {
  std::vector<int> out;
  for (const auto& h : holders)
    if (access == 0 || h.access.find(access) != std::string::npos) out.push_back(h.pid);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool directed(Kind k) { return model::describe(k).graph == model::GraphRole::directed; }

class Builder {
public:
  explicit Builder(const model::Snapshot& snap) : m_snap(snap) {}

  Graph build(const GraphOptions& opts) {
    std::set<std::pair<std::string, std::string>> socket_pairs;
    for (const auto& o : m_snap.objects) {
      if (o.peer) {
        // A socket pair is listed from both ends: draw it once.
        auto pair = std::minmax(o.ref, *o.peer);
        if (!socket_pairs.emplace(pair.first, pair.second).second) continue;
        for (int a : pids_of(o.holders))
          for (int b : pids_of(o.peer_holders)) edge(a, b, o, Direction::both);
      } else if (model::describe(o.kind).graph == model::GraphRole::last_ops) {
        const auto s = o.number(model::key::lspid), r = o.number(model::key::lrpid);
        if (s && r && *s > 0 && *r > 0 && known(*s) && known(*r))
          edge(static_cast<int>(*s), static_cast<int>(*r), o, Direction::forward);
      } else if (directed(o.kind)) {
        shared(o, pids_of(o.holders, 'w'), pids_of(o.holders, 'r'));
      } else if (model::describe(o.kind).graph == model::GraphRole::shared) {
        shared(o, pids_of(o.holders), pids_of(o.holders));
      }
    }
    if (opts.around) keep_around(*opts.around, opts.depth);
    return finish();
  }

private:
  bool known(std::int64_t pid) const { return m_snap.walk->processes.contains(static_cast<int>(pid)); }

  // Writers and readers of one object (the same list for symmetric kinds).
  void shared(const Object& o, const std::vector<int>& writers, const std::vector<int>& readers) {
    std::vector<int> all = writers;
    all.insert(all.end(), readers.begin(), readers.end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    if (all.size() < 2) return;
    if (all.size() == 2) {
      const bool symmetric = writers == readers;  // shared memory, or both ends in each process
      for (int w : writers)
        for (int r : readers)
          if (w != r) edge(w, r, o, symmetric ? Direction::both : Direction::forward);
      return;
    }
    // Three or more: the object is a node, each holder tied to it.
    const std::string id = fmt::format("o{}", m_objects.size() + 1);
    m_objects.push_back(GraphNode{id, false, 0, {}, {}, {}, o.ref, o.kind, {}});
    for (const auto& h : o.holders) {
      m_pids.insert(h.pid);
      std::string access = h.via == model::Via::fd ? h.access : std::string("map");
      const bool w = access.find('w') != std::string::npos, r = access.find('r') != std::string::npos;
      GraphEdge e{pid_id(h.pid), id, o.kind, Direction::none, access, {o.ref}};
      if (directed(o.kind) && w != r) {
        e.direction = Direction::forward;
        if (r) std::swap(e.from, e.to);  // object -> reader
      }
      add(std::move(e));
    }
  }

  void edge(int a, int b, const Object& o, Direction d) {
    if (a == b) return;
    m_pids.insert(a), m_pids.insert(b);
    add(GraphEdge{pid_id(a), pid_id(b), o.kind, d, {}, {o.ref}});
  }

  // Identical edges become one, with every ref.
  void add(GraphEdge e) {
    if (e.direction != Direction::forward && e.to < e.from) std::swap(e.from, e.to);
    const auto key = std::make_tuple(e.from, e.to, e.kind, e.direction, e.access);
    const auto [it, fresh] = m_index.emplace(key, m_edges.size());
    if (fresh) {
      m_edges.push_back(std::move(e));
      return;
    }
    auto& refs = m_edges[it->second].refs;
    if (std::find(refs.begin(), refs.end(), e.refs.front()) == refs.end()) refs.push_back(e.refs.front());
  }

  void keep_around(int pid, int depth) {
    std::map<std::string, std::set<std::string>> next;
    for (const auto& e : m_edges) next[e.from].insert(e.to), next[e.to].insert(e.from);
    // A process hop is one step, through an object node too: entering it
    // costs the step, leaving it is free (a 0-1 breadth-first search).
    std::map<std::string, int> dist{{pid_id(pid), 0}};
    std::deque<std::string> todo{pid_id(pid)};
    while (!todo.empty()) {
      const std::string at = todo.front();
      todo.pop_front();
      const int step = at.front() == 'o' ? 0 : 1;
      for (const auto& n : next[at]) {
        const int d = dist[at] + step;
        if (d > depth || (dist.contains(n) && dist[n] <= d)) continue;
        dist[n] = d;
        if (step == 0) todo.push_front(n);
        else todo.push_back(n);
      }
    }
    std::erase_if(m_edges, [&](const GraphEdge& e) { return !dist.contains(e.from) || !dist.contains(e.to); });
    std::erase_if(m_objects, [&](const GraphNode& n) { return !dist.contains(n.id); });
    std::set<int> kept;
    for (int p : m_pids)
      if (dist.contains(pid_id(p))) kept.insert(p);
    m_pids = std::move(kept);
  }

  Graph finish() {
    Graph g;
    for (int pid : m_pids) {
      GraphNode n;
      n.id = pid_id(pid);
      n.pid = pid;
      if (const auto* p = m_snap.process(pid)) {
        n.comm = p->comm;
        n.uid = p->uid;
        n.user = user_name(p->uid);
      }
      g.nodes.push_back(std::move(n));
    }
    for (auto& n : m_objects) g.nodes.push_back(std::move(n));
    g.edges = std::move(m_edges);
    add_clusters(g);
    return g;
  }

  // A box per IPC and network namespace pair the drawn processes are in, when
  // there are two or more; an object node goes in its holders' box when they
  // share one.
  void add_clusters(Graph& g) const {
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> boxes;
    for (auto& n : g.nodes) {
      const auto* p = n.process ? m_snap.process(n.pid) : nullptr;
      if (p == nullptr || (p->ipc_ns == 0 && p->net_ns == 0)) continue;
      n.cluster = fmt::format("ns{}_{}", p->ipc_ns, p->net_ns);
      boxes.emplace(std::make_pair(p->ipc_ns, p->net_ns), n.cluster);
    }
    if (boxes.size() < 2) {
      for (auto& n : g.nodes) n.cluster.clear();
      return;
    }
    std::map<std::string, std::string> box_of;  // process node id -> its box
    for (const auto& n : g.nodes)
      if (n.process) box_of[n.id] = n.cluster;
    std::map<std::string, std::set<std::string>> around;  // object node id -> its holders' boxes
    for (const auto& e : g.edges) {
      if (!box_of.contains(e.from)) around[e.from].insert(box_of[e.to]);
      if (!box_of.contains(e.to)) around[e.to].insert(box_of[e.from]);
    }
    for (auto& n : g.nodes)
      if (!n.process && around[n.id].size() == 1) n.cluster = *around[n.id].begin();
    for (const auto& [key, id] : boxes) {
      std::string label;
      std::optional<model::Container> container;
      for (const auto& which : {std::pair{model::NsType::ipc, key.first}, std::pair{model::NsType::net, key.second}}) {
        const auto ns = std::find_if(m_snap.namespaces.begin(), m_snap.namespaces.end(), [&](const model::Namespace& x) {
          return x.type == which.first && x.inode == which.second;
        });
        label += fmt::format("{}{}:{}", label.empty() ? "" : " ", model::ns_type_name(which.first), which.second);
        if (ns == m_snap.namespaces.end()) continue;
        if (ns->own) label += " (ipcctl's own)";
        if (!container) container = ns->container;
      }
      if (container) label += fmt::format("\n{} {}", container->runtime, container->id.substr(0, 12));
      g.clusters.push_back(GraphCluster{id, std::move(label), key.first, key.second});
    }
  }

  const std::string& user_name(std::uint32_t uid) {
    auto [it, fresh] = m_users.try_emplace(uid);
#ifndef _WIN32  // Windows' owners are names already
    if (fresh)
      if (const passwd* pw = ::getpwuid(uid)) it->second = pw->pw_name;
#endif
    return it->second;
  }

  const model::Snapshot& m_snap;
  std::set<int> m_pids;
  std::vector<GraphNode> m_objects;
  std::vector<GraphEdge> m_edges;
  std::map<std::tuple<std::string, std::string, Kind, Direction, std::string>, std::size_t> m_index;
  std::map<std::uint32_t, std::string> m_users;
};

} // namespace

Graph build_graph(const model::Snapshot& snap, const GraphOptions& opts) { return Builder(snap).build(opts); }

} // namespace ipcctl::query
