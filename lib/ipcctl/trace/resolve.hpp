#pragma once
// Channel resolution: from a Record to an Event with the channel's ref and
// the processes at the other end. Pipes and FIFOs by the holders of their
// inode (the descriptor tables of the traced processes, then all of /proc),
// unix sockets by sock_diag's peer inode, loopback TCP and UDP by the
// reversed 4-tuple (or the destination address), SysV and POSIX objects by
// the other processes seen using them, signals by their target or sender.
// Independent of the backend: it reads only Records and the running system.
#include <ipcctl/linux/sockdiag.hpp>
#include <ipcctl/model/snapshot.hpp>
#include <ipcctl/trace/event.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ipcctl::trace {

// Why `ref` is not a channel ref as ipctrace prints it, and so can never
// match an event's (--channel): an empty string when it is one. The forms:
// KIND:N for pipe, unix, tcp, udp, eventfd and memfd (N a number without
// leading zeros), sysv-msg|sysv-shm|sysv-sem:ID, posix-mq:/NAME (both may
// end in @ipc:INODE), posix-shm:/NAME, fifo:/ABSOLUTE/PATH, signal:PID.
std::string channel_ref_problem(std::string_view ref);

class Resolver {
public:
  // `live`: the records come from this machine, now (false in tests: no
  // /proc or netlink lookups, observed users only).
  explicit Resolver(bool live = true);

  // The name of a traced process, from now on; with `since_ns` (its
  // CLOCK_MONOTONIC time, as in Record::mono_ns), from then on: records made
  // before keep the name they were made under (a rename, an exec), though
  // they are resolved later. A backend without it writes its records out
  // before a process is renamed (the ptrace backend).
  void note_process(int pid, const std::string& comm, std::int64_t since_ns = 0);
  // A traced process is gone: its name stays, its descriptors are no longer read.
  void note_exit(int pid) {
    m_alive.erase(pid);
    m_namespaces.erase(pid);
  }
  // The IPC namespace of `pid` alone, as a backend's counted rows saw it.
  void note_ipc_namespace(int pid, std::uint64_t ipc) { m_namespaces[pid].first = ipc; }
  // `pid` entered other namespaces (unshare, setns): read them afresh.
  void note_namespaces_changed(int pid) { m_namespaces.erase(pid); }
  // Descriptor tables changed: the holder index is rebuilt when next needed.
  void invalidate() { ++m_generation; }
  // `pid` uses the channel (kind, channel) in direction `dir`; `ipc_ns` is
  // its IPC namespace when the backend saw it (0: the process's, read now).
  void note_user(model::Kind kind, std::uint64_t channel, int pid, Dir dir, std::uint64_t ipc_ns = 0);
  // `pid` sent a datagram to `addr` ("127.0.0.1:53", "/run/x.sock"): a peer
  // of whoever receives on the socket bound there.
  void note_sender(model::Kind kind, std::string_view addr, int pid);

  // The local and remote ends ("127.0.0.1:80") of inet socket `inode`, as
  // a backend saw them: used when sock_diag no longer lists the socket.
  // `pid` uses it: with the remote end known, a peer of whoever uses the reversed pair.
  void note_endpoints(model::Kind kind, std::uint64_t inode, std::string local, std::string remote, int pid);
  // The IPC and network namespaces of `pid`, as a backend saw them (0: unknown).
  void note_namespaces(int pid, std::uint64_t ipc, std::uint64_t net) {
    if (ipc && net) m_namespaces[pid] = {ipc, net};
  }
  // Unix socket `inode` is connected to `peer`, as a backend saw it: used
  // when sock_diag no longer lists them.
  void note_unix_peer(std::uint64_t inode, std::uint64_t peer);

  // Resolves one record of `b`. Also notes the record's process as a user
  // of its channel, so later events in the other direction find it.
  Event resolve(const Batch& b, const Record& r);
  // The peers of a channel as known now, for a summary written at the end.
  std::vector<Peer> peers_of(const Record& r, const std::string& name);

  // The name of `pid` now, or at `at_ns` (CLOCK_MONOTONIC) as far as noted.
  std::string comm(int pid, std::int64_t at_ns = INT64_MAX);
  // Every name a traced process had, in order, joined by arrows: "sh→cat"
  // (an exec); "" for a process not traced.
  std::string names(int pid) const;

private:
  // (kind, channel, IPC namespace): SysV ids and queue inodes repeat across
  // IPC namespaces, so their users are told apart by it (0 for other kinds).
  using Key = std::tuple<int, std::uint64_t, std::uint64_t>;
  struct Users {
    std::set<int> out, in, any;
  };

  void refresh(bool all);
  std::vector<int> holders_of(std::uint64_t inode, char access, int self);
  // Whether `pid` holds `inode` open for `access` ('r', 'w'; 0: either).
  bool holds(std::uint64_t inode, char access, int pid);
  std::uint64_t unix_peer(std::uint64_t inode, const std::string& addr);
  // The peer socket's inode (0: none found); `own` gets the socket itself.
  std::uint64_t inet_peer(std::uint64_t inode, model::Kind kind, const std::string& addr,
                          std::optional<sys::InetSocket>& own);

  bool m_live;
  std::uint64_t m_generation = 1;
  std::uint64_t m_seen = 0;       // generation of m_holders
  bool m_seen_all = false;        // m_holders covers all of /proc
  std::unordered_map<std::uint64_t, std::vector<std::pair<int, std::string>>> m_holders;  // inode -> (pid, access)
  std::unordered_map<std::uint64_t, sys::UnixSocket> m_unix;
  std::vector<sys::InetSocket> m_inet;
  std::vector<model::Kind> m_inet_kinds;  // parallel to m_inet
  std::unordered_map<std::uint64_t, std::size_t> m_inet_by_inode;
  std::uint64_t m_sockets_seen = 0;
  std::unordered_map<int, std::string> m_comms;   // traced processes, alive or not
  std::unordered_map<int, std::vector<std::string>> m_all_comms;  // each one's names, first seen first
  // Their former names, oldest first: (until_ns, comm), the name of the
  // records made before until_ns; a few per process (k_comm_history).
  std::unordered_map<int, std::vector<std::pair<std::int64_t, std::string>>> m_former_comms;
  std::set<int> m_alive;                          // traced processes still running
  std::int64_t m_full_walk_ns = 0;                // when all of /proc was last walked
  std::unordered_map<int, std::string> m_others;  // holders seen in /proc
  std::map<Key, Users> m_users;
  std::uint64_t m_knowledge = 0;  // bumped whenever a user, sender or talker is learnt
  using PeerKey = std::tuple<int, std::uint64_t, int, int>;  // (kind, channel, pid, dir)
  struct CachedPeers {
    std::uint64_t generation = 0, knowledge = 0;
    std::vector<Peer> peers;
  };
  std::map<PeerKey, CachedPeers> m_peer_cache;
  std::map<std::pair<int, std::string>, std::set<int>, std::less<>> m_senders;  // (kind, address) -> pids
  std::unordered_map<std::uint64_t, std::set<int>> m_talkers;  // socket inode -> pids seen at its other end
  // (kind, local, remote) of inet sockets -> pids seen using them: the other end
  // of a connection is found by its addresses after its socket is gone.
  std::map<std::tuple<int, std::string, std::string>, std::set<int>> m_conversations;
  std::map<std::pair<int, std::uint64_t>, std::pair<std::string, std::string>> m_endpoints;  // (kind, inode) -> ends
  std::unordered_map<std::uint64_t, std::uint64_t> m_unix_peers;  // inode -> peer inode
  // pid -> (ipc, net) namespace inodes, read once per process; 0: unreadable.
  std::unordered_map<int, std::pair<std::uint64_t, std::uint64_t>> m_namespaces;
  // `ipc_ns`: as a record carries it (0: the process's, read once).
  std::optional<std::pair<model::NsType, std::uint64_t>> namespace_of(int pid, model::Kind kind, std::uint64_t ipc_ns = 0);
  Key key_of(model::Kind kind, std::uint64_t channel, int pid, std::uint64_t ipc_ns);
  std::uint64_t m_own_ipc = 0;  // ipctrace's own IPC namespace: its refs carry no @ipc:
};

} // namespace ipcctl::trace
