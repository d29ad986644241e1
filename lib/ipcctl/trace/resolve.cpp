// Peers are resolved when a batch is written, not in the hot path: the
// holder index (one walk of the traced processes' descriptor tables, the
// same walk `ipcctl ls` does) and the sock_diag dumps are rebuilt only when
// descriptors changed since the last build, so a steady stream of messages
// over the same channels costs no /proc reads at all. Only a channel whose
// other end no traced process holds widens the walk to all of /proc.
#include <ipcctl/trace/resolve.hpp>

#include <ipcctl/linux/fd_scan.hpp>
#include <ipcctl/linux/namespaces.hpp>
#include <ipcctl/trace/syscalls.hpp>
#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <ctime>

namespace ipcctl::trace {

using model::Kind;

Resolver::Resolver(bool live) : m_live(live) {
  if (live) m_own_ipc = sys::ns_inode(sys::ProcRoot("/"), 0, model::NsType::ipc).value_or(0);
}

Resolver::Key Resolver::key_of(Kind kind, std::uint64_t channel, int pid, std::uint64_t ipc_ns) {
  if (model::ns_type_of(kind) != model::NsType::ipc) return {static_cast<int>(kind), channel, 0};
  const auto ns = namespace_of(pid, kind, ipc_ns);
  return {static_cast<int>(kind), channel, ns ? ns->second : 0};
}

namespace {
// The former names kept per process: a rename is rare, but the threads of
// one process may each have a name of their own (--system reads the
// thread's), and the names then alternate.
constexpr std::size_t k_comm_history = 64;
} // namespace

void Resolver::note_process(int pid, const std::string& comm, std::int64_t since_ns) {
  if (auto& all = m_all_comms[pid]; !comm.empty() && (all.empty() || all.back() != comm)) {
    if (all.size() >= k_comm_history) all.erase(all.begin() + 1);  // the first name stays
    all.push_back(comm);
  }
  auto [it, fresh] = m_comms.try_emplace(pid, comm);
  if (!fresh && it->second != comm) {
    if (since_ns > 0) {
      auto& former = m_former_comms[pid];
      if (former.size() >= k_comm_history) former.erase(former.begin());
      former.emplace_back(since_ns, std::move(it->second));
    } else {
      m_former_comms.erase(pid);
    }
    it->second = comm;
  }
  m_alive.insert(pid);
}

void Resolver::note_user(Kind kind, std::uint64_t channel, int pid, Dir dir, std::uint64_t ipc_ns) {
  Users& u = m_users[key_of(kind, channel, pid, ipc_ns)];
  bool added = false;
  if (dir == Dir::out) added |= u.out.insert(pid).second;
  if (dir == Dir::in) added |= u.in.insert(pid).second;
  added |= u.any.insert(pid).second;
  if (added) ++m_knowledge;
}

void Resolver::note_sender(Kind kind, std::string_view addr, int pid) {
  if (m_senders[{static_cast<int>(kind), std::string(addr)}].insert(pid).second) ++m_knowledge;
}

void Resolver::note_endpoints(Kind kind, std::uint64_t inode, std::string local, std::string remote, int pid) {
  if (!remote.empty() && m_conversations[{static_cast<int>(kind), local, remote}].insert(pid).second) ++m_knowledge;
  m_endpoints[{static_cast<int>(kind), inode}] = {std::move(local), std::move(remote)};
}

void Resolver::note_unix_peer(std::uint64_t inode, std::uint64_t peer) {
  if (m_unix_peers.emplace(inode, peer).second) ++m_knowledge;
}

std::string Resolver::comm(int pid, std::int64_t at_ns) {
  if (auto it = m_comms.find(pid); it != m_comms.end()) {
    if (auto f = m_former_comms.find(pid); f != m_former_comms.end())
      for (const auto& [until_ns, name] : f->second)
        if (at_ns < until_ns) return name;
    return it->second;
  }
  if (auto it = m_others.find(pid); it != m_others.end()) return it->second;
  std::string text;
  if (m_live && read_file_at(AT_FDCWD, fmt::format("/proc/{}/comm", pid).c_str(), text, Read::once)) {
    while (!text.empty() && text.back() == '\n') text.pop_back();
  }
  m_others[pid] = text;
  return text;
}

std::string Resolver::names(int pid) const {
  auto it = m_all_comms.find(pid);
  if (it == m_all_comms.end() || it->second.empty()) return {};
  const auto& all = it->second;
  // Many names (threads named apart, seen by --system): the first and the last two.
  if (all.size() > 4) return fmt::format("{}→…→{}→{}", all.front(), all[all.size() - 2], all.back());
  std::string out;
  for (const auto& name : all) out += (out.empty() ? "" : "→") + name;
  return out;
}

void Resolver::refresh(bool all) {
  m_holders.clear();
  m_seen = m_generation;
  m_seen_all = all;
  if (!m_live) return;
  sys::WalkOptions wo;
  if (!all) wo.pids.assign(m_alive.begin(), m_alive.end());
  if (!all && wo.pids.empty()) return;
  model::Snapshot snap;
  if (!sys::walk_processes(sys::ProcRoot("/"), wo, snap)) return;
  for (const auto& e : snap.walk->fds) {
    if (e.inode == 0 || e.type == model::FdType::anon || e.type == model::FdType::other) continue;
    m_holders[e.inode].emplace_back(e.pid, e.access);
  }
  for (const auto& [pid, p] : snap.walk->processes)
    if (!m_comms.count(pid)) m_others[pid] = p.comm;
}

std::vector<int> Resolver::holders_of(std::uint64_t inode, char access, int self) {
  std::vector<int> out;
  for (int pass = 0; pass < 2 && out.empty(); ++pass) {
    if (m_seen != m_generation) refresh(false);
    if (pass == 1) {
      // All of /proc, for a channel no traced process holds the other end
      // of: at most once a second, as it can take tens of milliseconds.
      timespec now{};
      ::clock_gettime(CLOCK_MONOTONIC, &now);
      const std::int64_t now_ns = now.tv_sec * 1'000'000'000LL + now.tv_nsec;
      if (m_seen_all || !m_live || now_ns - m_full_walk_ns < 1'000'000'000) break;
      m_full_walk_ns = now_ns;
      refresh(true);
    }
    auto it = m_holders.find(inode);
    if (it == m_holders.end()) continue;
    for (const auto& [pid, acc] : it->second)
      if (pid != self && (access == 0 || acc.empty() || acc.find(access) != std::string::npos)) out.push_back(pid);
  }
  return out;
}

bool Resolver::holds(std::uint64_t inode, char access, int pid) {
  if (m_seen != m_generation) refresh(false);
  auto it = m_holders.find(inode);
  if (it == m_holders.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(), [&](const auto& h) {
    return h.first == pid && (access == 0 || h.second.empty() || h.second.find(access) != std::string::npos);
  });
}

std::uint64_t Resolver::unix_peer(std::uint64_t inode, const std::string& addr) {
  if (!m_live) return 0;
  if (auto it = m_unix_peers.find(inode); it != m_unix_peers.end()) return it->second;
  auto lookup = [&]() -> std::uint64_t {
    if (auto it = m_unix.find(inode); it != m_unix.end() && it->second.peer) return it->second.peer;
    if (!addr.empty())
      for (const auto& [ino, s] : m_unix)
        if (s.name && *s.name == addr) return ino;
    return 0;
  };
  std::uint64_t peer = lookup();
  if (peer == 0 && m_sockets_seen != m_generation) {
    m_sockets_seen = m_generation;
    m_unix.clear();
    if (auto socks = sys::dump_unix_sockets())
      for (auto& s : *socks) m_unix[s.inode] = s;
    m_inet.clear();
    m_inet_kinds.clear();
    peer = lookup();
  }
  return peer;
}

std::uint64_t Resolver::inet_peer(std::uint64_t inode, Kind kind, const std::string& addr,
                                  std::optional<sys::InetSocket>& own_out) {
  if (!m_live) return 0;
  auto lookup = [&]() -> std::uint64_t {
    const sys::InetSocket* own = nullptr;
    for (std::size_t i = 0; i < m_inet.size(); ++i)
      if (m_inet[i].inode == inode && m_inet_kinds[i] == kind) own = &m_inet[i];
    if (own) own_out = *own;
    // A connection not yet accept()ed has no inode on the server side: then
    // the listener it waits on names the process that will take it.
    std::uint64_t listener = 0;
    const sys::InetEndpoint any{};
    for (std::size_t i = 0; i < m_inet.size(); ++i) {
      const auto& s = m_inet[i];
      if (m_inet_kinds[i] != kind || s.inode == 0 || s.inode == inode) continue;
      if (!addr.empty()) {
        if (sys::endpoint_text(s.family, s.local) == addr) return s.inode;
        continue;
      }
      if (!own) continue;
      if (s.local == own->remote && s.remote == own->local) return s.inode;
      if (s.state == TCP_LISTEN && s.family == own->family && s.local.port == own->remote.port &&
          (s.local.addr == own->remote.addr || s.local.addr == any.addr))
        listener = s.inode;
    }
    return listener;
  };
  std::uint64_t peer = m_inet.empty() ? 0 : lookup();
  if (peer == 0 && (m_inet.empty() || m_sockets_seen != m_generation)) {
    m_sockets_seen = m_generation;
    m_inet.clear();
    m_inet_kinds.clear();
    for (Kind k : {Kind::tcp, Kind::udp})
      for (auto family : {sys::InetFamily::inet, sys::InetFamily::inet6})
        if (auto socks = sys::dump_inet_sockets(family, k == Kind::tcp ? IPPROTO_TCP : IPPROTO_UDP))
          for (auto& s : *socks) {
            m_inet.push_back(s);
            m_inet_kinds.push_back(k);
          }
    if (auto socks = sys::dump_unix_sockets()) {
      m_unix.clear();
      for (auto& s : *socks) m_unix[s.inode] = s;
    }
    peer = lookup();
  }
  return peer;
}

std::vector<Peer> Resolver::peers_of(const Record& r, const std::string& name) {
  std::set<int> pids;
  auto users = [&](Kind k, std::uint64_t ch) -> const Users* {
    auto it = m_users.find(key_of(k, ch, r.pid, r.ipc_ns));
    return it == m_users.end() ? nullptr : &it->second;
  };
  auto add_opposite = [&](const Users* u) {
    if (!u) return;
    const auto& set = r.dir == Dir::out ? u->in : r.dir == Dir::in ? u->out : u->any;
    pids.insert(set.begin(), set.end());
  };
  const bool data = r.op == Op::send || r.op == Op::recv || r.op == Op::fd_pass || r.op == Op::sem_op ||
                    r.op == Op::sem_set || r.op == Op::notify || r.op == Op::attach;
  switch (r.kind) {
  case Kind::signal:
    if (r.op == Op::signal_send && r.target > 0) pids.insert(r.target);
    if (r.op == Op::signal_deliver && r.channel > 0) pids.insert(static_cast<int>(r.channel));
    break;
  case Kind::pipe:
  case Kind::fifo: {
    if (!data || !(r.flags & k_has_channel)) break;
    const char access = r.dir == Dir::out ? 'r' : r.dir == Dir::in ? 'w' : 0;
    for (int pid : holders_of(r.channel, access, r.pid)) pids.insert(pid);
    add_opposite(users(r.kind, r.channel));
    // No other process at the other end, but the process itself (a pipe to
    // itself, as a self-pipe wake-up): its own peer.
    pids.erase(r.pid);
    if (pids.empty() && holds(r.channel, access, r.pid)) return {Peer{r.pid, comm(r.pid)}};
    break;
  }
  case Kind::unix_socket:
  case Kind::tcp:
  case Kind::udp: {
    if (!data || !(r.flags & k_has_channel)) break;
    std::optional<sys::InetSocket> own;
    std::uint64_t peer =
        r.kind == Kind::unix_socket ? unix_peer(r.channel, name) : inet_peer(r.channel, r.kind, name, own);
    if (peer == 0 && !name.empty() && r.kind != Kind::unix_socket) {
      // A datagram's destination whose socket sock_diag no longer lists.
      for (const auto& [key, ends] : m_endpoints)
        if (key.first == static_cast<int>(r.kind) && key.second != r.channel && ends.first == name) peer = key.second;
    }
    std::string local, remote;
    if (own && own->remote.port != 0) {
      local = sys::endpoint_text(own->family, own->local);
      remote = sys::endpoint_text(own->family, own->remote);
    } else if (auto it = m_endpoints.find({static_cast<int>(r.kind), r.channel}); it != m_endpoints.end()) {
      std::tie(local, remote) = it->second;
    }
    if (!remote.empty()) {
      if (m_conversations[{static_cast<int>(r.kind), local, remote}].insert(r.pid).second) ++m_knowledge;
      if (auto it = m_conversations.find({static_cast<int>(r.kind), remote, local}); it != m_conversations.end())
        pids.insert(it->second.begin(), it->second.end());
    }
    if (r.dir == Dir::in && !m_senders.empty()) {
      // Datagrams sent to this socket's address by processes seen sending.
      std::string local;
      if (r.kind == Kind::unix_socket) {
        if (auto it = m_unix.find(r.channel); it != m_unix.end() && it->second.name) local = *it->second.name;
      } else {
        for (std::size_t i = 0; i < m_inet.size(); ++i)
          if (m_inet[i].inode == r.channel && m_inet_kinds[i] == r.kind)
            local = sys::endpoint_text(m_inet[i].family, m_inet[i].local);
        if (auto it = m_endpoints.find({static_cast<int>(r.kind), r.channel}); local.empty() && it != m_endpoints.end())
          local = it->second.first;
      }
      if (auto it = m_senders.find(std::pair{static_cast<int>(r.kind), local}); !local.empty() && it != m_senders.end())
        pids.insert(it->second.begin(), it->second.end());
    }
    // Those seen at the other end earlier: the other socket may be closed by now.
    if (auto it = m_talkers.find(r.channel); it != m_talkers.end()) pids.insert(it->second.begin(), it->second.end());
    if (peer == 0) break;
    if (m_talkers[peer].insert(r.pid).second) ++m_knowledge;
    for (int pid : holders_of(peer, 0, r.pid)) pids.insert(pid);
    if (const Users* u = users(r.kind, peer)) pids.insert(u->any.begin(), u->any.end());
    break;
  }
  case Kind::posix_mq:
    if (!data) break;
    for (int pid : holders_of(r.channel, 0, r.pid)) pids.insert(pid);
    add_opposite(users(r.kind, r.channel));
    break;
  case Kind::sysv_msg:
    if (!data) break;
    add_opposite(users(r.kind, r.channel));
    // No receiver seen yet: whoever else used the queue (created it, say).
    if (const Users* u = users(r.kind, r.channel); pids.empty() || (pids.size() == 1 && pids.count(r.pid)))
      if (u) pids.insert(u->any.begin(), u->any.end());
    break;
  default:
    if (data)
      if (const Users* u = users(r.kind, r.channel)) pids.insert(u->any.begin(), u->any.end());
    break;
  }
  pids.erase(r.pid);
  std::vector<Peer> out;
  out.reserve(pids.size());
  for (int pid : pids) out.push_back(Peer{pid, comm(pid)});
  return out;
}

std::optional<std::pair<model::NsType, std::uint64_t>> Resolver::namespace_of(int pid, Kind kind, std::uint64_t ipc_ns) {
  const auto type = model::ns_type_of(kind);
  if (!type || !m_live) return std::nullopt;
  if (*type == model::NsType::ipc && ipc_ns) return std::pair{*type, ipc_ns};
  auto it = m_namespaces.find(pid);
  if (it == m_namespaces.end()) {
    const sys::ProcRoot root("/");
    it = m_namespaces
             .emplace(pid, std::pair{sys::ns_inode(root, pid, model::NsType::ipc).value_or(0),
                                     sys::ns_inode(root, pid, model::NsType::net).value_or(0)})
             .first;
  }
  const std::uint64_t inode = *type == model::NsType::ipc ? it->second.first : it->second.second;
  if (inode == 0) return std::nullopt;
  return std::pair{*type, inode};
}

namespace {

// A decimal number as fmt prints one (no sign, no leading zero), at most `max`.
bool canonical_number(std::string_view s, std::uint64_t max) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  const auto n = to_u64(s);
  return n && *n <= max && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

std::string channel_ref_problem(std::string_view ref) {
  const auto colon = ref.find(':');
  if (colon == std::string_view::npos) return "not a ref (KIND:ID, as in 'pipe:4567' or 'posix-mq:/orders')";
  const std::string_view name = ref.substr(0, colon);
  std::string_view id = ref.substr(colon + 1);
  const auto kind = model::kind_from_name(name);
  if (!kind || !traceable_kinds().has(*kind)) return fmt::format("'{}' is not a mechanism ipctrace traces", name);
  // SysV objects and POSIX queues of another IPC namespace end in @ipc:INODE.
  if (model::ns_type_of(*kind) == model::NsType::ipc) {
    if (const auto at = id.find("@ipc:"); at != std::string_view::npos) {
      if (!canonical_number(id.substr(at + 5), UINT32_MAX)) return "the namespace after @ipc: is not an inode number";
      id = id.substr(0, at);
    }
  }
  switch (*kind) {
  case model::Kind::sysv_msg:
  case model::Kind::sysv_shm:
  case model::Kind::sysv_sem:
    return canonical_number(id, INT32_MAX) ? "" : fmt::format("expected {}:ID, a SysV id (0 to {})", name, INT32_MAX);
  case model::Kind::signal:
    return canonical_number(id, 4194304) && id != "0" ? "" : "expected signal:PID, the pid the signal was sent to";
  case model::Kind::posix_mq:
  case model::Kind::posix_shm:
    if (id.size() < 2 || id.size() > 256 || id[0] != '/' || id.find('/', 1) != std::string_view::npos)
      return fmt::format("expected {}:/NAME, one '/' and a name", name);
    return {};
  case model::Kind::fifo:
    if (id.size() < 2 || id[0] != '/') return "expected fifo:/PATH, an absolute path";
    return {};
  default:
    return canonical_number(id, UINT64_MAX) ? "" : fmt::format("expected {}:N, an inode or id number", name);
  }
}

Event Resolver::resolve(const Batch& b, const Record& r) {
  Event e;
  e.rec = r;
  e.comm = comm(r.pid, r.mono_ns);
  e.ns = namespace_of(r.pid, r.kind, r.ipc_ns);
  if (r.op == Op::signal_deliver) e.syscall = "signal";
  else if (const SyscallInfo* info = syscall_info(r.nr)) e.syscall = std::string(info->name);
  e.name = b.strings.get(r.name);
  if (r.payload) e.payload = b.payloads[r.payload];
  e.ref = channel_ref(r, e.name);
  // As ipcctl names them: an object of another IPC namespace ends in @ipc:INODE.
  if (e.ns && e.ns->first == model::NsType::ipc && e.ns->second != m_own_ipc && !e.ref.empty())
    e.ref += model::ns_suffix(e.ns->first, e.ns->second);
  if (r.flags & k_has_channel) note_user(r.kind, r.channel, r.pid, r.dir, r.ipc_ns);
  // A stream of messages over one channel asks the same question again and
  // again: the answer holds until descriptors change or a user is learnt.
  const bool cacheable = (r.op == Op::send || r.op == Op::recv) && (r.flags & k_has_channel) && e.name.empty();
  if (!cacheable) {
    e.peers = peers_of(r, e.name);
    return e;
  }
  const PeerKey key{static_cast<int>(r.kind), r.channel, r.pid, static_cast<int>(r.dir)};
  auto it = m_peer_cache.find(key);
  if (it != m_peer_cache.end() && it->second.generation == m_generation && it->second.knowledge == m_knowledge) {
    e.peers = it->second.peers;
    return e;
  }
  e.peers = peers_of(r, e.name);
  m_peer_cache[key] = CachedPeers{m_generation, m_knowledge, e.peers};
  return e;
}

} // namespace ipcctl::trace
