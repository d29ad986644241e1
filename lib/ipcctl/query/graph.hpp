#pragma once
// ipcctl graph: processes as nodes, IPC objects as the edges between them.
// An object that joins two processes is an edge (writer -> reader for
// pipes, FIFOs and queues; both ways for sockets and shared memory); one
// that joins more is a small node of its own with an edge to each holder.
// Identical edges (same two ends, same type, same direction) are one edge
// with a count: a client with 400 connections to a daemon is one line.
#include <ipcctl/api.hpp>
#include <ipcctl/model/snapshot.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

IPCCTL_API_BEGIN

namespace ipcctl::query {

struct GraphNode {
  std::string id;          // "p812" for a process, "o3" for an object
  bool process = true;
  int pid = 0;             // process nodes
  std::string comm;
  std::optional<std::uint32_t> uid;
  std::string user;        // empty when unknown
  std::string ref;         // object nodes
  model::Kind kind{};      // object nodes
  std::string cluster;     // the GraphCluster it is drawn in; empty: none
};

// The processes of one IPC and network namespace pair (a container or a
// pod, usually), drawn as a box around them and the objects only they hold,
// when the processes drawn are in more than one pair (-A, -N).
struct GraphCluster {
  std::string id;     // "ns4026532281_4026532284"
  std::string label;  // "ipc:4026532281 net:4026532284\ndocker 0123456789ab"
  std::uint64_t inode = 0;      // the IPC namespace's
  std::uint64_t net_inode = 0;  // the network namespace's
};

enum class Direction { forward, both, none };  // none: a holder's tie to an object node

struct GraphEdge {
  std::string from, to;  // node ids; for both/none, from < to
  model::Kind kind{};
  Direction direction = Direction::forward;
  std::string access;              // object-node edges: the holder's access ("r", "w", "rw", "map")
  std::vector<std::string> refs;   // the objects this edge stands for
};

struct Graph {
  std::vector<GraphNode> nodes;  // processes first (by pid), then objects
  std::vector<GraphEdge> edges;
  std::vector<GraphCluster> clusters;  // in the snapshot's order of namespaces
};

struct GraphOptions {
  std::optional<int> around;  // keep this process and its neighbours...
  int depth = 1;              // ...to this many hops
};

Graph build_graph(const model::Snapshot& snap, const GraphOptions& opts);

} // namespace ipcctl::query

IPCCTL_API_END
