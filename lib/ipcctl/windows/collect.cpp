// Windows collection. Named objects come from the object directories,
// pipes and mailslots from their file systems; then one pass over the
// system handle table gives every object its holders. A handle's type and
// name are asked of the handle itself (duplicated into this process), never
// taken from the table's type index alone: the indexes differ between
// Windows builds, and Wine's are off by two. Only the first handle to each
// kernel object is asked, though: the table gives the object's address, and
// every other handle with the same address is the same object, so it is a
// holder without being duplicated, even in a process ipcctl may not open
// (whether that handle comes before or after one it can open).
// (Wine hides the addresses, and every handle is asked.)
#include <ipcctl/windows/collect.hpp>

#include <ipcctl/windows/nt.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
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

class Collector {
public:
  explicit Collector(const CollectOptions& opts) : m_opts(opts), m_wine(wine_version()) {}

  model::Snapshot run() {
    m_names = process_names();
    list_named_objects();
    if (m_opts.kinds.has(Kind::win_pipe)) list_pipes();
    if (m_opts.kinds.has(Kind::win_mailslot)) list_mailslots();
    if (m_opts.kinds.any_of({Kind::tcp, Kind::udp})) list_sockets();
    if (m_opts.holders) read_holders();
    finish();
    return std::move(m_snap);
  }

private:
  std::string wine_note() const { return m_wine ? fmt::format(" (not implemented by Wine {})", *m_wine) : ""; }

  model::Object* find(const std::string& ref) {
    const auto it = m_by_ref.find(lower(ref));
    return it == m_by_ref.end() ? nullptr : &m_snap.objects[it->second];
  }

  model::Object& add(Kind k, const std::string& name) {
    const std::string ref = fmt::format("{}:{}", model::kind_name(k), name);
    if (model::Object* o = find(ref)) return *o;
    model::Object o;
    o.kind = k;
    o.ref = ref;
    o.name = name;
    m_by_ref.emplace(lower(ref), m_snap.objects.size());
    m_snap.objects.push_back(std::move(o));
    return m_snap.objects.back();
  }

  // Every named object under `path`, and under its subdirectories.
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
      read_state(add(*k, full), e.type);
    }
  }

  void list_named_objects() {
    const bool named = m_opts.kinds.any_of(
        {Kind::win_section, Kind::win_event, Kind::win_mutant, Kind::win_semaphore});
    if (named) {
      list_directory_tree("\\BaseNamedObjects", 0);
      if (auto sessions = list_directory("\\Sessions")) {
        for (const auto& s : *sessions)
          if (s.type == "Directory" && to_u64(s.name)) list_directory_tree(join(join("\\Sessions", s.name), "BaseNamedObjects"), 0);
      } else {
        m_snap.warn(fmt::format("\\Sessions: {}", sessions.error().message()));
      }
    }
    if (m_opts.kinds.has(Kind::win_alpc)) {
      auto entries = list_directory("\\RPC Control");
      if (!entries) {
        m_snap.warn(fmt::format("\\RPC Control: {}{}; ALPC ports are not listed", entries.error().message(), wine_note()));
        return;
      }
      for (const auto& e : *entries)
        if (e.type == "ALPC Port") add(Kind::win_alpc, join("\\RPC Control", e.name));
    }
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
        o.set("event_type", std::string(s->manual_reset ? "manual-reset" : "auto-reset"));
        o.set("signaled", s->signaled);
      }
    } else if (type == "Mutant") {
      if (auto s = query_mutant(h->get())) {
        o.set("held", s->count <= 0);
        o.set("abandoned", s->abandoned);
      }
    } else if (type == "Semaphore") {
      if (auto s = query_semaphore(h->get())) {
        o.set("count", std::int64_t{s->count});
        o.set("maximum", std::int64_t{s->maximum});
      }
    } else if (type == "Section") {
      if (auto s = query_section(h->get())) {
        o.size = s->size;
        o.set("file_backed", (s->attributes & 0x01000000) != 0 && (s->attributes & 0x08000000) == 0);  // SEC_FILE, SEC_COMMIT
      }
    }
  }

  void list_pipes() {
    auto pipes = win::list_pipes();
    if (!pipes) {
      m_snap.warn(fmt::format("named pipe listing: {}{}; only pipes some process holds are shown",
                              pipes.error().message(), wine_note()));
      return;
    }
    for (const auto& p : *pipes) {
      auto& o = add(Kind::win_pipe, fmt::format("{}{}", k_pipe_root, p.name));
      o.set("instances", p.instances);
      o.set("max_instances", p.max_instances < 0 ? model::Value{} : model::Value{p.max_instances});
    }
  }

  void list_mailslots() {
    auto slots = win::list_mailslots();
    if (!slots) {
      m_snap.warn(fmt::format("mailslot listing: {}{}; only mailslots some process holds are shown",
                              slots.error().message(), wine_note()));
      return;
    }
    for (const auto& name : *slots) add(Kind::win_mailslot, fmt::format("{}{}", k_mailslot_root, name));
  }

  // TCP and UDP endpoints with their owning process, from the IP helper:
  // refs "tcp:LOCAL,REMOTE" and "udp:LOCAL"; a loopback connection's two
  // ends name each other as peers.
  void list_sockets() {
    for (const Kind k : {Kind::tcp, Kind::udp}) {
      if (!m_opts.kinds.has(k)) continue;
      auto rows = k == Kind::tcp ? tcp_table() : udp_table();
      if (!rows) {
        m_snap.warn(fmt::format("{} table: {}", model::kind_name(k), rows.error().message()));
        continue;
      }
      if (!rows->empty() && std::all_of(rows->begin(), rows->end(), [](const InetRow& r) { return r.pid == 0; }))
        m_snap.warn(fmt::format("{} table: no owning process given{}; {}", model::kind_name(k), wine_note(),
                                m_opts.holders ? "holders come from the handle table alone" : "its sockets have no holders"));
      std::set<std::string> refs;
      const std::size_t first = m_snap.objects.size();
      for (const auto& r : *rows) {
        const std::string id = k == Kind::tcp ? fmt::format("{},{}", r.local, r.remote) : r.local;
        auto& o = add(k, id);
        if (k == Kind::tcp) {  // a local end shared by several rows places no socket
          const auto [it, fresh] = m_tcp_by_local.try_emplace(r.local, &o - m_snap.objects.data());
          if (!fresh && it->second != &o - m_snap.objects.data()) it->second.reset();
        }
        o.name.reset();
        o.set("local", r.local);
        o.set("remote", k == Kind::tcp ? model::Value{r.remote} : model::Value{});
        o.set("state", std::string(k == Kind::tcp ? tcp_state_name(r.state) : "UNCONN"));
        o.set("family", std::string(r.v6 ? "inet6" : "inet"));
        if (r.pid != 0) {
          model::Holder h;
          h.pid = static_cast<int>(r.pid);
          if (const auto it = m_names.find(r.pid); it != m_names.end()) h.comm = it->second;
          h.access = "rw";
          h.via = model::Via::handle;
          o.holders.push_back(std::move(h));
        }
        refs.insert(o.ref);
      }
      for (std::size_t i = first; i < m_snap.objects.size(); ++i) {
        auto& o = m_snap.objects[i];
        const auto* remote = o.find("remote");
        if (k != Kind::tcp || remote == nullptr || !std::holds_alternative<std::string>(*remote)) continue;
        const std::string back =
            fmt::format("tcp:{},{}", std::get<std::string>(*remote), std::get<std::string>(*o.find("local")));
        if (refs.contains(back) && back != o.ref) o.peer = back;
      }
    }
  }

  // The type of handles with this index, asked of one of them.
  const std::string* type_of(const HandleEntry& e, void* dup) {
    if (const auto it = m_types.find(e.type_index); it != m_types.end()) return &it->second;
    auto t = object_type_name(dup);
    if (!t) return nullptr;
    return &m_types.emplace(e.type_index, std::move(*t)).first->second;
  }

  void read_holders() {
    auto table = handle_table();
    if (!table) {
      m_snap.warn(fmt::format("handle table: {}; holders are not shown", table.error().message()));
      return;
    }
    std::set<std::uint64_t> denied;
    std::vector<HandleEntry> unopened;  // denied, but with the object's address
    std::unordered_map<std::uint16_t, bool> wanted;  // type index -> of a kind being listed
    const bool sockets = m_opts.kinds.any_of({Kind::tcp, Kind::udp, Kind::unix_socket});
    for (const auto& e : *table) {
      if (const auto it = wanted.find(e.type_index); it != wanted.end() && !it->second) continue;
      if (e.object != 0) {
        if (const auto it = m_seen.find(e.object); it != m_seen.end()) {
          if (it->second.index) add_holder(m_snap.objects[*it->second.index], e, *it->second.type, it->second.ends);
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
      Seen seen{type, std::nullopt, std::nullopt};
      const auto timeouts = m_namer.timeouts();
      std::optional<std::string> file_name;
      const auto found = object_of_handle(dup->get(), *type, m_namer, 1000, &file_name);
      if (!found && m_namer.timeouts() != timeouts) continue;  // the next handle to it may answer
      model::Object* o = nullptr;
      std::optional<PipeEnds> ends;
      if (!found && sockets && file_name && may_be_socket(*file_name)) {
        // A socket that does not answer may have been ended inside Winsock,
        // with a lock of Winsock's held: no socket is asked after it.
        if (m_sockets_stuck) continue;
        if (auto s = m_namer.socket(dup->get(), 1000)) o = socket_object(*s, e);
        else if (m_namer.timeouts() != timeouts) {
          m_sockets_stuck = true;
          continue;
        }
      } else if (found && m_opts.kinds.has(found->kind)) {
        o = find(fmt::format("{}:{}", model::kind_name(found->kind), found->name));
        if (o == nullptr) {
          o = &add(found->kind, found->name);
          if (!is_file) read_state(*o, *type);
        }
        if (found->kind == Kind::win_pipe)
          if (auto pe = pipe_ends(dup->get())) ends = *pe;
      }
      if (o != nullptr) {
        seen.index = static_cast<std::size_t>(o - m_snap.objects.data());
        seen.ends = ends;
        add_holder(*o, e, *type, ends);
      }
      if (e.object != 0) m_seen.emplace(e.object, std::move(seen));
    }
    for (const auto& e : unopened) {
      const auto it = m_seen.find(e.object);
      if (it == m_seen.end()) denied.insert(e.pid);
      else if (it->second.index) add_holder(m_snap.objects[*it->second.index], e, *it->second.type, it->second.ends);
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
                              m_tcp_unsure, m_tcp_unsure == 1 ? "" : "s", wine_note()));
    if (!denied.empty())
      m_snap.warn(fmt::format("{} process{} did not let ipcctl read their handles: run as an administrator to see "
                              "their holders",
                              denied.size(), denied.size() == 1 ? "" : "es"));
  }

  // What the first handle to a kernel object said of it: its type, and the
  // object listed for it (none: not of a kind being listed, or unnamed).
  struct Seen {
    const std::string* type;
    std::optional<std::size_t> index;
    std::optional<PipeEnds> ends;
  };

  // The object a socket handle is to: the IP helper's row of an inet
  // socket, found by its two ends, or an AF_UNIX socket (which no table
  // lists) of its own. Windows gives a socket no inode: its kernel object's
  // address names it, or, where that is hidden, the first handle seen.
  model::Object* socket_object(const SocketEnds& s, const HandleEntry& e) {
    constexpr int af_unix = 1, sock_stream = 1, sock_dgram = 2;
    if (s.family != af_unix) {
      model::Object* o = nullptr;
      if (s.type != sock_dgram && m_opts.kinds.has(Kind::tcp)) o = tcp_row(s);
      if (o == nullptr && s.type != sock_stream && m_opts.kinds.has(Kind::udp)) o = find(fmt::format("udp:{}", s.local));
      return o;
    }
    if (!m_opts.kinds.has(Kind::unix_socket)) return nullptr;
    auto& o = add(Kind::unix_socket, e.object != 0 ? fmt::format("0x{:x}", e.object) : fmt::format("{}:0x{:x}", e.pid, e.handle));
    o.name = s.local.empty() ? std::nullopt : std::optional<std::string>(s.local);
    o.set("local", s.local.empty() ? model::Value{} : model::Value{s.local});
    o.set("remote", s.remote && !s.remote->empty() ? model::Value{*s.remote} : model::Value{});
    o.set("sock_type", !s.type                    ? model::Value{}
                       : *s.type == sock_stream ? model::Value{std::string("stream")}
                       : *s.type == sock_dgram  ? model::Value{std::string("dgram")}
                                                : model::Value{std::string("seqpacket")});
    o.set("state", std::string(s.listening.value_or(false) ? "LISTEN" : s.connected ? "ESTAB" : "UNCONN"));
    return &o;
  }

  // The TCP row of a socket: by both ends, or, where its remote end is
  // unknown, by its local end when no other row shares it (a listener and
  // the connections it accepted do); nullptr when unsure.
  model::Object* tcp_row(const SocketEnds& s) {
    if (s.remote) return find(fmt::format("tcp:{},{}", s.local, *s.remote));
    const auto it = m_tcp_by_local.find(s.local);
    if (it == m_tcp_by_local.end()) return nullptr;
    if (!it->second) {
      ++m_tcp_unsure;
      return nullptr;
    }
    return &m_snap.objects[*it->second];
  }

  void add_holder(model::Object& o, const HandleEntry& e, const std::string& type, const std::optional<PipeEnds>& ends) {
    // The IP helper's owning process, now known by its handle.
    std::erase_if(o.holders, [&](const model::Holder& h) { return h.pid == static_cast<int>(e.pid) && !h.fd; });
    model::Holder h;
    h.pid = static_cast<int>(e.pid);
    if (const auto it = m_names.find(e.pid); it != m_names.end()) h.comm = it->second;
    h.fd = static_cast<int>(e.handle);
    h.access = access_text(type, e.access);
    h.via = model::Via::handle;
    o.holders.push_back(std::move(h));
    if (ends) note_pipe_end(o, e.pid, *ends);
  }

  void note_pipe_end(model::Object& o, std::uint64_t pid, const PipeEnds& ends) {
    auto& [servers, clients] = m_pipe_ends[&o - m_snap.objects.data()];
    (ends.server_end ? servers : clients).insert(static_cast<std::int64_t>(pid));
    // Only pids of running processes: Wine answers a client pid of an
    // instance no client has connected to with junk.
    auto running = [&](std::optional<std::uint64_t> p) { return p && m_names.contains(*p); };
    if (running(ends.server_pid)) servers.insert(static_cast<std::int64_t>(*ends.server_pid));
    if (running(ends.client_pid)) clients.insert(static_cast<std::int64_t>(*ends.client_pid));
    o.set("message_mode", ends.message_mode);
    o.set("in_buffer_bytes", std::int64_t{ends.in_buffer});
    o.set("out_buffer_bytes", std::int64_t{ends.out_buffer});
    if (!o.find("max_instances"))
      o.set("max_instances", ends.max_instances ? model::Value{std::int64_t{*ends.max_instances}} : model::Value{});
  }

  void finish() {
    for (auto& [index, ends] : m_pipe_ends) {
      auto& o = m_snap.objects[index];
      o.set("server_pids", std::vector<std::int64_t>(ends.first.begin(), ends.first.end()));
      o.set("client_pids", std::vector<std::int64_t>(ends.second.begin(), ends.second.end()));
    }
    if (!m_opts.pids.empty()) {
      std::erase_if(m_snap.objects, [&](const model::Object& o) {
        return std::none_of(o.holders.begin(), o.holders.end(), [&](const model::Holder& h) {
          return std::find(m_opts.pids.begin(), m_opts.pids.end(), static_cast<std::uint64_t>(h.pid)) !=
                 m_opts.pids.end();
        });
      });
    }
    for (auto& o : m_snap.objects)
      std::sort(o.holders.begin(), o.holders.end(),
                [](const model::Holder& a, const model::Holder& b) { return std::tie(a.pid, a.fd) < std::tie(b.pid, b.fd); });
  }

  const CollectOptions& m_opts;
  std::optional<std::string> m_wine;
  model::Snapshot m_snap;
  std::unordered_map<std::string, std::size_t> m_by_ref;  // lower-cased ref -> object
  std::unordered_map<std::uint64_t, std::string> m_names;
  std::unordered_map<std::uint16_t, std::string> m_types;
  std::unordered_map<std::uint64_t, Seen> m_seen;  // kernel object address -> what its first handle said
  FileNamer m_namer;
  // A TCP row's local end -> the row; nullopt where rows share it.
  std::unordered_map<std::string, std::optional<std::ptrdiff_t>> m_tcp_by_local;
  int m_tcp_unsure = 0;  // TCP socket handles tcp_row could not place
  bool m_sockets_stuck = false;  // a socket question timed out: ask no more
  std::unordered_map<std::ptrdiff_t, std::pair<std::set<std::int64_t>, std::set<std::int64_t>>> m_pipe_ends;
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

Result<model::Snapshot> collect(const CollectOptions& opts) { return Collector(opts).run(); }

} // namespace ipcctl::win
