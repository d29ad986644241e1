// Windows collection. The walk (prepare) reads the object directories, the
// IP helper's tables and the system handle table once; then each source
// lists its kind: named objects from the object directories, pipes and
// mailslots from their file systems, sockets from the IP helper and their
// handles, each with its holders from the handle walk. A handle's type and
// name are asked of the handle itself (duplicated into this process), never
// taken from the table's type index alone: the indexes differ between
// Windows builds, and Wine's are off by two. Only the first handle to each
// kernel object is asked, though: the table gives the object's address, and
// every other handle with the same address is the same object, so it is a
// holder without being duplicated, even in a process ipcctl may not open
// (whether that handle comes before or after one it can open).
// (Wine hides the addresses, and every handle is asked.)
#include <ipcctl/windows/collect.hpp>
#include <ipcctl/windows/source.hpp>

#include <ipcctl/windows/nt.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <tuple>
#include <memory>
#include <set>
#include <unordered_map>
#include <vector>

namespace ipcctl::win {

namespace {

using model::Kind;

std::optional<Kind> kind_of_type(std::string_view type) {
  if (type == "Event") return Kind::win_event;
  if (type == "Mutant") return Kind::win_mutant;
  if (type == "Semaphore") return Kind::win_semaphore;
  if (type == "Section") return Kind::win_section;
  if (type == "ALPC Port") return Kind::win_alpc;
  return std::nullopt;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string join(std::string_view dir, std::string_view leaf) { return fmt::format("{}\\{}", dir, leaf); }

constexpr std::string_view k_pipe_root = "\\\\.\\pipe\\";
constexpr std::string_view k_mailslot_root = "\\\\.\\mailslot\\";

// What a handle (duplicated into this process) of type `type` refers to, as
// ls lists it. nullopt: of no listed kind, unnamed (not something another
// process can open), or a pipe handle that did not say its name within `ms`.
// A file handle's NT name goes to `file_name` when asked for.
struct HandleObject {
  Kind kind;
  std::string name;
};

std::optional<HandleObject> object_of_handle(void* h, const std::string& type, FileNamer& namer, unsigned ms,
                                             std::optional<std::string>* file_name = nullptr) {
  if (type == "File") {
    const auto name = namer.name(h, ms);
    if (file_name != nullptr) *file_name = name;
    if (!name) return std::nullopt;
    if (auto pipe = pipe_name_of(*name)) return HandleObject{Kind::win_pipe, fmt::format("{}{}", k_pipe_root, *pipe)};
    if (auto slot = mailslot_name_of(*name))
      return HandleObject{Kind::win_mailslot, fmt::format("{}{}", k_mailslot_root, *slot)};
    return std::nullopt;
  }
  const auto k = kind_of_type(type);
  if (!k) return std::nullopt;
  auto name = object_name(h);
  if (!name || name->empty()) return std::nullopt;
  return HandleObject{*k, std::move(*name)};
}

// The objects a source adds, found again by their ref (as Windows does,
// without regard to case).
class Objects {
public:
  explicit Objects(model::Snapshot& snap) : m_snap(snap) {}

  model::Object* find(const std::string& ref) {
    const auto it = m_by_ref.find(lower(ref));
    return it == m_by_ref.end() ? nullptr : &m_snap.objects[it->second];
  }

  model::Object& add(Kind k, const std::string& name, bool* fresh = nullptr) {
    const std::string ref = fmt::format("{}:{}", model::kind_name(k), name);
    if (fresh != nullptr) *fresh = false;
    if (model::Object* o = find(ref)) return *o;
    if (fresh != nullptr) *fresh = true;
    model::Object o;
    o.kind = k;
    o.ref = ref;
    o.name = name;
    m_by_ref.emplace(lower(ref), m_snap.objects.size());
    m_snap.objects.push_back(std::move(o));
    return m_snap.objects.back();
  }

private:
  model::Snapshot& m_snap;
  std::unordered_map<std::string, std::size_t> m_by_ref;  // lower-cased ref -> object
};

// A handle as a holder of its object. The IP helper's owning process of a
// socket, now known by its handle, gives way to it.
void add_holder(const SourceContext& ctx, model::Object& o, const win::HandleUse& use) {
  std::erase_if(o.holders, [&](const model::Holder& h) { return h.pid == static_cast<int>(use.pid) && !h.fd; });
  model::Holder h;
  h.pid = static_cast<int>(use.pid);
  if (const auto it = ctx.names.find(use.pid); it != ctx.names.end()) h.comm = it->second;
  h.fd = static_cast<int>(use.handle);
  h.access = access_text(ctx.seen[use.object].type, use.access);
  h.via = model::Via::handle;
  o.holders.push_back(std::move(h));
}

// What the object says of itself: an event's type and state, a mutex's
// owner, a semaphore's count, a section's size; its owner.
void read_state(model::Object& o, const std::string& type) {
  if (type == "ALPC Port") return;
  auto h = open_object(type, *o.name);
  if (!h) {
    o.error = h.error().message();
    return;
  }
  if (auto owner = owner_of(h->get())) o.owner.user = *owner;
  if (type == "Event") {
    if (auto s = query_event(h->get())) {
      o.set(model::key::event_type, std::string(s->manual_reset ? "manual-reset" : "auto-reset"));
      o.set(model::key::signaled, s->signaled);
    }
  } else if (type == "Mutant") {
    if (auto s = query_mutant(h->get())) {
      o.set(model::key::held, s->count <= 0);
      o.set(model::key::abandoned, s->abandoned);
    }
  } else if (type == "Semaphore") {
    if (auto s = query_semaphore(h->get())) {
      o.set(model::key::count, std::int64_t{s->count});
      o.set(model::key::maximum, std::int64_t{s->maximum});
    }
  } else if (type == "Section") {
    if (auto s = query_section(h->get())) {
      o.size = s->size;
      o.set(model::key::file_backed, (s->attributes & 0x01000000) != 0 && (s->attributes & 0x08000000) == 0);  // SEC_FILE, SEC_COMMIT
    }
  }
}

// Every handle the walk saw to an object of kind `k` (named objects, pipes,
// mailslots), added to `objs` (and read, when the listing did not have it).
template <typename Each>
void join_handles(const SourceContext& ctx, Kind k, Objects& objs, Each&& each) {
  for (const auto& use : ctx.handles) {
    const auto& seen = ctx.seen[use.object];
    if (seen.kind != k) continue;
    bool fresh = false;
    auto& o = objs.add(k, seen.name, &fresh);
    if (fresh && seen.type != "File") read_state(o, seen.type);
    add_holder(ctx, o, use);
    each(o, use, seen);
  }
}

// Events, mutexes, semaphores and sections: the object directories'
// entries of one NT type.
class NamedSource : public Source {
public:
  NamedSource(Kind k, std::string_view type) : m_kind(k), m_type(type) {}
  Kind kind() const override { return m_kind; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions&, model::Snapshot& snap) const override {
    Objects objs(snap);
    for (const auto& e : ctx.named)
      if (e.type == m_type) read_state(objs.add(m_kind, e.path), e.type);
    join_handles(ctx, m_kind, objs, [](auto&&...) {});
    return {};
  }

private:
  Kind m_kind;
  std::string_view m_type;
};

// ALPC ports: the entries of \RPC Control.
class AlpcSource : public Source {
public:
  Kind kind() const override { return Kind::win_alpc; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions&, model::Snapshot& snap) const override {
    Objects objs(snap);
    if (auto entries = list_directory("\\RPC Control")) {
      for (const auto& e : *entries)
        if (e.type == "ALPC Port") objs.add(Kind::win_alpc, join("\\RPC Control", e.name));
    } else {
      snap.warn(fmt::format("\\RPC Control: {}{}; ALPC ports are not listed", entries.error().message(), ctx.wine_note()));
      return {};
    }
    join_handles(ctx, Kind::win_alpc, objs, [](auto&&...) {});
    return {};
  }
};

// Named pipes: the pipe file system's listing, each with the processes at
// its server and client ends.
class PipeSource : public Source {
public:
  Kind kind() const override { return Kind::win_pipe; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions&, model::Snapshot& snap) const override {
    Objects objs(snap);
    if (auto pipes = win::list_pipes()) {
      for (const auto& p : *pipes) {
        auto& o = objs.add(Kind::win_pipe, fmt::format("{}{}", k_pipe_root, p.name));
        o.set(model::key::instances, p.instances);
        o.set(model::key::max_instances, p.max_instances < 0 ? model::Value{} : model::Value{p.max_instances});
      }
    } else {
      snap.warn(fmt::format("named pipe listing: {}{}; only pipes some process holds are shown",
                            pipes.error().message(), ctx.wine_note()));
    }
    std::unordered_map<const model::Object*, std::pair<std::set<std::int64_t>, std::set<std::int64_t>>> by_pipe;
    join_handles(ctx, Kind::win_pipe, objs, [&](model::Object& o, const win::HandleUse& use, const win::SeenObject& seen) {
      if (!seen.ends) return;
      const auto& ends = *seen.ends;
      auto& [servers, clients] = by_pipe[&o];
      (ends.server_end ? servers : clients).insert(static_cast<std::int64_t>(use.pid));
      // Only pids of running processes: Wine answers a client pid of an
      // instance no client has connected to with junk.
      auto running = [&](std::optional<std::uint64_t> p) { return p && ctx.names.contains(*p); };
      if (running(ends.server_pid)) servers.insert(static_cast<std::int64_t>(*ends.server_pid));
      if (running(ends.client_pid)) clients.insert(static_cast<std::int64_t>(*ends.client_pid));
      o.set(model::key::message_mode, ends.message_mode);
      o.set(model::key::in_buffer_bytes, std::int64_t{ends.in_buffer});
      o.set(model::key::out_buffer_bytes, std::int64_t{ends.out_buffer});
      if (!o.find(model::key::max_instances))
        o.set(model::key::max_instances, ends.max_instances ? model::Value{std::int64_t{*ends.max_instances}} : model::Value{});
    });
    for (auto& o : snap.objects) {
      const auto it = by_pipe.find(&o);
      if (it == by_pipe.end()) continue;
      o.set(model::key::server_pids, std::vector<std::int64_t>(it->second.first.begin(), it->second.first.end()));
      o.set(model::key::client_pids, std::vector<std::int64_t>(it->second.second.begin(), it->second.second.end()));
    }
    return {};
  }
};

// Mailslots: the mailslot file system's listing.
class MailslotSource : public Source {
public:
  Kind kind() const override { return Kind::win_mailslot; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions&, model::Snapshot& snap) const override {
    Objects objs(snap);
    if (auto slots = win::list_mailslots()) {
      for (const auto& name : *slots) objs.add(Kind::win_mailslot, fmt::format("{}{}", k_mailslot_root, name));
    } else {
      snap.warn(fmt::format("mailslot listing: {}{}; only mailslots some process holds are shown",
                            slots.error().message(), ctx.wine_note()));
    }
    join_handles(ctx, Kind::win_mailslot, objs, [](auto&&...) {});
    return {};
  }
};

// TCP and UDP endpoints with their owning process, from the IP helper:
// refs "tcp:LOCAL,REMOTE" and "udp:LOCAL"; a loopback connection's two
// ends name each other as peers. A socket handle is a holder of the row
// the walk placed it at.
class InetSource : public Source {
public:
  explicit InetSource(Kind k) : m_kind(k) {}
  Kind kind() const override { return m_kind; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const override {
    const Kind k = m_kind;
    const auto& rows = k == Kind::tcp ? ctx.tcp : ctx.udp;
    if (!rows) return {};
    if (!rows->empty() && std::all_of(rows->begin(), rows->end(), [](const InetRow& r) { return r.pid == 0; }))
      snap.warn(fmt::format("{} table: no owning process given{}; {}", model::kind_name(k), ctx.wine_note(),
                            opts.holders ? "holders come from the handle table alone" : "its sockets have no holders"));
    Objects objs(snap);
    std::set<std::string> refs;
    for (const auto& r : *rows) {
      auto& o = objs.add(k, k == Kind::tcp ? fmt::format("{},{}", r.local, r.remote) : r.local);
      o.name.reset();
      o.set(model::key::local, r.local);
      o.set(model::key::remote, k == Kind::tcp ? model::Value{r.remote} : model::Value{});
      o.set(model::key::state, std::string(k == Kind::tcp ? tcp_state_name(r.state) : "UNCONN"));
      o.set(model::key::family, std::string(r.v6 ? "inet6" : "inet"));
      if (r.pid != 0) {
        model::Holder h;
        h.pid = static_cast<int>(r.pid);
        if (const auto it = ctx.names.find(r.pid); it != ctx.names.end()) h.comm = it->second;
        h.access = "rw";
        h.via = model::Via::handle;
        o.holders.push_back(std::move(h));
      }
      refs.insert(o.ref);
    }
    for (auto& o : snap.objects) {
      const auto* remote = o.find(model::key::remote);
      if (k != Kind::tcp || remote == nullptr || !std::holds_alternative<std::string>(*remote)) continue;
      const std::string back =
          fmt::format("tcp:{},{}", std::get<std::string>(*remote), std::get<std::string>(*o.find(model::key::local)));
      if (refs.contains(back) && back != o.ref) o.peer = back;
    }
    for (const auto& use : ctx.handles) {
      const auto& seen = ctx.seen[use.object];
      if (!seen.inet_ref) continue;
      if (model::Object* o = objs.find(*seen.inet_ref); o != nullptr && o->kind == k) add_holder(ctx, *o, use);
    }
    return {};
  }

private:
  Kind m_kind;
};

// AF_UNIX sockets, which no table lists: one object per socket the walk
// saw. Windows gives a socket no inode: its kernel object's address names
// it, or, where that is hidden, its first handle.
class UnixSocketSource : public Source {
public:
  Kind kind() const override { return Kind::unix_socket; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions&, model::Snapshot& snap) const override {
    constexpr int af_unix = 1, sock_stream = 1, sock_dgram = 2;
    Objects objs(snap);
    for (const auto& use : ctx.handles) {
      const auto& seen = ctx.seen[use.object];
      if (!seen.socket || seen.socket->family != af_unix) continue;
      const auto& s = *seen.socket;
      auto& o = objs.add(Kind::unix_socket, seen.address != 0 ? fmt::format("0x{:x}", seen.address)
                                                              : fmt::format("{}:0x{:x}", seen.first_pid, seen.first_handle));
      o.name = s.local.empty() ? std::nullopt : std::optional<std::string>(s.local);
      o.set(model::key::local, s.local.empty() ? model::Value{} : model::Value{s.local});
      o.set(model::key::remote, s.remote && !s.remote->empty() ? model::Value{*s.remote} : model::Value{});
      o.set(model::key::sock_type, !s.type                    ? model::Value{}
                                   : *s.type == sock_stream ? model::Value{std::string("stream")}
                                   : *s.type == sock_dgram  ? model::Value{std::string("dgram")}
                                                            : model::Value{std::string("seqpacket")});
      o.set(model::key::state, std::string(s.listening.value_or(false) ? "LISTEN" : s.connected ? "ESTAB" : "UNCONN"));
      add_holder(ctx, o, use);
    }
    return {};
  }
};

// The walk: what a collection of `opts.kinds` reads once, for every source.
class Walker {
public:
  Walker(const CollectOptions& opts, SourceContext& ctx, model::Snapshot& snap) : m_opts(opts), m_ctx(ctx), m_snap(snap) {}

  void run() {
    m_ctx.wine = wine_version();
    m_ctx.names = process_names();
    // The processes, as the Linux walk gives them (graph draws these).
    for (const auto& [pid, name] : m_ctx.names) {
      model::Process p;
      p.pid = static_cast<int>(pid);
      p.comm = name;
      m_snap.walk->processes.emplace(p.pid, std::move(p));
    }
    if (m_opts.kinds.any_of({Kind::win_section, Kind::win_event, Kind::win_mutant, Kind::win_semaphore})) {
      list_directory_tree("\\BaseNamedObjects", 0);
      if (auto sessions = list_directory("\\Sessions")) {
        for (const auto& s : *sessions)
          if (s.type == "Directory" && to_u64(s.name))
            list_directory_tree(join(join("\\Sessions", s.name), "BaseNamedObjects"), 0);
      } else {
        m_snap.warn(fmt::format("\\Sessions: {}", sessions.error().message()));
      }
    }
    for (const Kind k : {Kind::tcp, Kind::udp}) {
      if (!m_opts.kinds.has(k)) continue;
      auto rows = k == Kind::tcp ? tcp_table() : udp_table();
      if (!rows) {
        m_snap.warn(fmt::format("{} table: {}", model::kind_name(k), rows.error().message()));
        continue;
      }
      (k == Kind::tcp ? m_ctx.tcp : m_ctx.udp) = std::move(*rows);
    }
    if (m_ctx.tcp) {  // a local end shared by several rows places no socket
      for (const auto& r : *m_ctx.tcp) {
        const std::string ref = fmt::format("tcp:{},{}", r.local, r.remote);
        const auto [it, fresh] = m_tcp_by_local.try_emplace(r.local, ref);
        if (!fresh && it->second != ref) it->second.reset();
      }
    }
    if (m_opts.holders) read_handles();
  }

private:
  void list_directory_tree(const std::string& path, int depth) {
    auto entries = list_directory(path);
    if (!entries) {
      if (!entries.error().gone()) m_snap.warn(fmt::format("{}: {}", path, entries.error().message()));
      return;
    }
    for (const auto& e : *entries) {
      const std::string full = join(path == "\\" ? "" : path, e.name);
      if (e.type == "Directory" && depth < 8) {
        list_directory_tree(full, depth + 1);
        continue;
      }
      const auto k = kind_of_type(e.type);
      if (!k || !m_opts.kinds.has(*k)) continue;
      m_ctx.named.push_back({e.type, full});
    }
  }

  // The type of handles with this index, asked of one of them.
  const std::string* type_of(const HandleEntry& e, void* dup) {
    if (const auto it = m_types.find(e.type_index); it != m_types.end()) return &it->second;
    auto t = object_type_name(dup);
    if (!t) return nullptr;
    return &m_types.emplace(e.type_index, std::move(*t)).first->second;
  }

  void use(std::size_t seen, const HandleEntry& e) {
    const auto& s = m_ctx.seen[seen];
    if (s.kind || s.socket) m_ctx.handles.push_back({seen, e.pid, e.handle, e.access});
  }

  // The row of the IP helper's tables an inet socket is: TCP by both ends,
  // or, where its remote end is unknown, by its local end when no other row
  // shares it (a listener and the connections it accepted do); else UDP by
  // its local end.
  std::optional<std::string> inet_row(const SocketEnds& s) {
    constexpr int sock_stream = 1, sock_dgram = 2;
    if (s.type != sock_dgram && m_ctx.tcp) {
      if (s.remote) {
        const std::string ref = fmt::format("tcp:{},{}", s.local, *s.remote);
        if (std::any_of(m_ctx.tcp->begin(), m_ctx.tcp->end(),
                        [&](const InetRow& r) { return lower(fmt::format("tcp:{},{}", r.local, r.remote)) == lower(ref); }))
          return ref;
      } else if (const auto it = m_tcp_by_local.find(s.local); it != m_tcp_by_local.end()) {
        if (it->second) return it->second;
        ++m_tcp_unsure;
      }
    }
    if (s.type != sock_stream && m_ctx.udp &&
        std::any_of(m_ctx.udp->begin(), m_ctx.udp->end(), [&](const InetRow& r) { return lower(r.local) == lower(s.local); }))
      return fmt::format("udp:{}", s.local);
    return std::nullopt;
  }

  void read_handles() {
    auto table = handle_table();
    if (!table) {
      m_snap.warn(fmt::format("handle table: {}; holders are not shown", table.error().message()));
      return;
    }
    constexpr int af_unix = 1;
    std::set<std::uint64_t> denied;
    std::vector<HandleEntry> unopened;  // denied, but with the object's address
    std::unordered_map<std::uint16_t, bool> wanted;  // type index -> of a kind being listed
    std::unordered_map<std::uint64_t, std::size_t> by_address;  // kernel object address -> what its first handle said
    const bool sockets = m_opts.kinds.any_of({Kind::tcp, Kind::udp, Kind::unix_socket});
    for (const auto& e : *table) {
      if (const auto it = wanted.find(e.type_index); it != wanted.end() && !it->second) continue;
      if (e.object != 0) {
        if (const auto it = by_address.find(e.object); it != by_address.end()) {
          use(it->second, e);
          continue;
        }
      }
      auto dup = duplicate_from(e.pid, e.handle);
      if (!dup) {
        // A handle to an object a later handle may name: settled after the pass.
        if (dup.error().denied() && e.object != 0) unopened.push_back(e);
        else if (dup.error().denied()) denied.insert(e.pid);
        continue;
      }
      const std::string* type = type_of(e, dup->get());
      if (type == nullptr) continue;
      const bool is_file = *type == "File";
      const auto k = kind_of_type(*type);
      const bool want = (is_file && m_opts.kinds.any_of({Kind::win_pipe, Kind::win_mailslot})) ||
                        (is_file && sockets) || (k && m_opts.kinds.has(*k));
      wanted[e.type_index] = want;
      if (!want) continue;
      // Remembered, found or not, once the handle has answered: a later
      // handle to the same object needs no asking.
      win::SeenObject seen;
      seen.type = *type;
      seen.address = e.object;
      seen.first_pid = e.pid;
      seen.first_handle = e.handle;
      const auto timeouts = m_namer.timeouts();
      std::optional<std::string> file_name;
      const auto found = object_of_handle(dup->get(), *type, m_namer, 1000, &file_name);
      if (!found && m_namer.timeouts() != timeouts) continue;  // the next handle to it may answer
      if (!found && sockets && file_name && may_be_socket(*file_name)) {
        // A socket that does not answer may have been ended inside Winsock,
        // with a lock of Winsock's held: no socket is asked after it.
        if (m_sockets_stuck) continue;
        if (auto s = m_namer.socket(dup->get(), 1000)) {
          if (s->family == af_unix) {
            if (m_opts.kinds.has(Kind::unix_socket)) seen.socket = std::move(*s);
          } else if (auto row = inet_row(*s)) {
            seen.inet_ref = std::move(row);
            seen.socket = std::move(*s);
          }
        } else if (m_namer.timeouts() != timeouts) {
          m_sockets_stuck = true;
          continue;
        }
      } else if (found && m_opts.kinds.has(found->kind)) {
        seen.kind = found->kind;
        seen.name = found->name;
        if (found->kind == Kind::win_pipe)
          if (auto pe = pipe_ends(dup->get())) seen.ends = *pe;
      }
      m_ctx.seen.push_back(std::move(seen));
      use(m_ctx.seen.size() - 1, e);
      if (e.object != 0) by_address.emplace(e.object, m_ctx.seen.size() - 1);
    }
    for (const auto& e : unopened) {
      const auto it = by_address.find(e.object);
      if (it == by_address.end()) denied.insert(e.pid);
      else use(it->second, e);
    }
    if (m_namer.timeouts() > 0)
      m_snap.warn(fmt::format("{} pipe or socket handle{} did not say what {} within a second (a synchronous "
                              "handle with a read pending): not shown",
                              m_namer.timeouts(), m_namer.timeouts() == 1 ? "" : "s",
                              m_namer.timeouts() == 1 ? "it is" : "they are"));
    if (m_sockets_stuck)
      m_snap.warn("after a socket that did not answer, no other socket was asked its ends (the ended query may "
                  "hold a lock of Winsock's): their holders are only the IP helper's owners");
    if (m_tcp_unsure > 0)
      m_snap.warn(fmt::format("{} TCP socket handle{} not matched to a row: the socket would not name its remote "
                              "end{}, and its local end is a listener's, shared with the connections it accepted",
                              m_tcp_unsure, m_tcp_unsure == 1 ? "" : "s", m_ctx.wine_note()));
    if (!denied.empty())
      m_snap.warn(fmt::format("{} process{} did not let ipcctl read their handles: run as an administrator to see "
                              "their holders",
                              denied.size(), denied.size() == 1 ? "" : "es"));
  }

  const CollectOptions& m_opts;
  SourceContext& m_ctx;
  model::Snapshot& m_snap;
  std::unordered_map<std::uint16_t, std::string> m_types;
  std::unordered_map<std::string, std::optional<std::string>> m_tcp_by_local;  // nullopt where rows share it
  FileNamer m_namer;
  int m_tcp_unsure = 0;           // TCP socket handles no row could be found for
  bool m_sockets_stuck = false;   // a socket question timed out: ask no more
};

} // namespace

std::optional<std::string> ref_of_handle(void* h, FileNamer& namer, unsigned ms) {
  const auto type = object_type_name(h);
  if (!type) return std::nullopt;
  const auto found = object_of_handle(h, *type, namer, ms);
  if (!found) return std::nullopt;
  return fmt::format("{}:{}", model::kind_name(found->kind), found->name);
}

Result<void> close_handle_of(std::uint64_t pid, std::uint64_t handle, const std::string& ref, FileNamer& namer) {
  const std::string what = fmt::format("handle 0x{:x} of process {}", handle, pid);
  auto dup = duplicate_from(pid, handle);
  if (!dup) return fail(dup.error());
  const auto now = ref_of_handle(dup->get(), namer, 1000);
  if (!now || lower(*now) != lower(ref))
    return fail(Error{0, "close", what,
                      fmt::format("it no longer refers to {} (now {}): left open", ref, now ? *now : "something else")});
  return close_remote_handle(pid, handle);
}

std::string session_directory() {
  const auto id = session_id();
  return id == 0 ? std::string("\\BaseNamedObjects") : fmt::format("\\Sessions\\{}\\BaseNamedObjects", id);
}

} // namespace ipcctl::win

namespace ipcctl {

std::string SourceContext::wine_note() const {
  return wine ? fmt::format(" (not implemented by Wine {})", *wine) : "";
}

const Source& win::section_source() { static const NamedSource s(Kind::win_section, "Section"); return s; }
const Source& win::event_source() { static const NamedSource s(Kind::win_event, "Event"); return s; }
const Source& win::mutant_source() { static const NamedSource s(Kind::win_mutant, "Mutant"); return s; }
const Source& win::semaphore_source() { static const NamedSource s(Kind::win_semaphore, "Semaphore"); return s; }
const Source& win::alpc_source() { static const AlpcSource s; return s; }
const Source& win::pipe_source() { static const PipeSource s; return s; }
const Source& win::mailslot_source() { static const MailslotSource s; return s; }
const Source& win::tcp_source() { static const InetSource s(Kind::tcp); return s; }
const Source& win::udp_source() { static const InetSource s(Kind::udp); return s; }
const Source& win::unix_socket_source() { static const UnixSocketSource s; return s; }

// Fails only when nothing at all can be read; every gap is a warning, and
// gaps known in Wine are named as such.
Result<model::Snapshot> collecting::collect_system(std::span<const Source* const> selected, const CollectOptions& opts,
                                                   const ObjectSink* each) {
  if (opts.root != "/") return fail(Error{0, "collect", opts.root, "Windows reads only the running machine"});
  model::Snapshot snap;
  SourceContext ctx;
  win::Walker(opts, ctx, snap).run();
  auto part = collecting::run_sources(selected, ctx, opts, snap.walk, 1);
  std::move(part.objects.begin(), part.objects.end(), std::back_inserter(snap.objects));
  for (auto& w : part.warnings) snap.warn(std::move(w));
  if (!opts.pids.empty()) {
    std::erase_if(snap.objects, [&](const model::Object& o) {
      return std::none_of(o.holders.begin(), o.holders.end(), [&](const model::Holder& h) { return opts.selects(h.pid); });
    });
  }
  for (auto& o : snap.objects)
    std::sort(o.holders.begin(), o.holders.end(),
              [](const model::Holder& a, const model::Holder& b) { return std::tie(a.pid, a.fd) < std::tie(b.pid, b.fd); });
  if (each != nullptr) {
    (*each)(snap.objects);
    snap.objects.clear();
  }
  return snap;
}

} // namespace ipcctl
