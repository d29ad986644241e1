// Each type's identity has one form, checked here so that a typo is bad
// usage (exit 2) rather than "no such object" (exit 1). So is a number out
// of the range its kind of identity can take (a SysV id above INT_MAX, a
// pid above PID_MAX_LIMIT, a namespace inode that cannot be one): no object
// could have it, and show and rm answer alike, since both read refs here.
#include <ipcctl/query/ref.hpp>

#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <set>

namespace ipcctl::query {

using model::Kind;

namespace {

Error bad(std::string_view text, std::string_view why) {
  return Error{0, "", "", fmt::format("bad ref '{}': {}", text, why)};
}

// Every form parse_ref takes, for the errors of a ref that has none of them.
constexpr std::string_view k_forms =
    "expected TYPE:ID, TYPE:key=KEY, 0xKEY or key=KEY (a SysV key, of any SysV type), pid:N or an absolute path "
    "(see ipcctl(1), show)";

bool digits(std::string_view s) {
  return !s.empty() && s.size() <= 19 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Digits naming a number from lo to hi.
bool number_in(std::string_view s, std::uint64_t lo, std::uint64_t hi) {
  if (!digits(s)) return false;
  const auto n = to_u64(s);
  return n && *n >= lo && *n <= hi;
}

#ifdef _WIN32
constexpr std::uint64_t k_max_pid = INT_MAX;  // a DWORD, but ipcctl's pids are ints
#else
constexpr std::uint64_t k_max_pid = 4194304;  // PID_MAX_LIMIT: pid_max goes no higher
#endif
constexpr std::uint64_t k_max_id = INT_MAX;   // SysV ids, fds and eventfd ids are ints

// A namespace's inode, as ls -A prints it: the kernel numbers namespaces
// from 0xF0000000 (the initial ones just below) in an unsigned int. Numbers
// up to PID_MAX_LIMIT are what -N reads as pids: refused here with a hint,
// rather than looked up as a namespace that cannot exist.
constexpr std::uint64_t k_min_ns_inode = 4194305, k_max_ns_inode = 0xffffffffu;

// "N:M": a process id and a descriptor.
bool pid_fd(std::string_view s) {
  const auto colon = s.find(':');
  return colon != std::string_view::npos && number_in(s.substr(0, colon), 1, k_max_pid) &&
         number_in(s.substr(colon + 1), 0, k_max_id);
}

// A SysV key: 0x and hex digits, or decimal digits.
std::optional<std::uint32_t> sysv_key(std::string_view k) {
  const bool hex = starts_with(k, "0x") || starts_with(k, "0X");
  if (hex ? k.size() == 2 || k.size() > 18 : !digits(k)) return std::nullopt;
  const auto v = hex ? to_u64(k.substr(2), 16) : to_u64(k);
  if (!v || *v > 0xffffffffu) return std::nullopt;
  return static_cast<std::uint32_t>(*v);
}

bool is_sysv(Kind k) { return model::describe(k).ref == model::RefForm::sysv; }

} // namespace

model::KindSet RefQuery::kinds() const {
  model::KindSet ks;
  if (kind) {
    ks.add(*kind);
    return ks;
  }
  if (key) {  // a bare key: a segment, a queue or a semaphore set may have it
    for (const auto& d : model::descriptors())
      if (d.ref == model::RefForm::sysv) ks.add(d.kind);
    return ks;
  }
  return model::KindSet::all();
}

bool RefQuery::matches(const model::Object& o) const {
  if (kind && o.kind != *kind) return false;
  if (ns) {
    if (!o.ns || o.ns->inode != *ns) return false;
  } else if ((ref || key) && o.ns && !o.ns->own && o.ns->type == model::NsType::ipc) {
    return false;  // an id or name without @ipc: is one of ipcctl's own namespace
  }  // a socket's inode is unique on the machine: its ref needs no @net:
  // Windows names objects without regard to case.
  if (ref && model::is_windows_kind(o.kind)) return equal_ignoring_case(o.ref, *ref);
  if (ref) return o.ref == *ref || (o.ns && o.ref == *ref + model::ns_suffix(o.ns->type, o.ns->inode));
  if (key) return is_sysv(o.kind) && o.key == key;
  if (pid) {
    if (model::describe(o.kind).ref == model::RefForm::pid) return o.id == *pid;
    return std::any_of(o.holders.begin(), o.holders.end(), [&](const model::Holder& h) { return h.pid == *pid; });
  }
  if (path) {
    const auto form = model::describe(o.kind).ref;
    return (form == model::RefForm::path || form == model::RefForm::unix) && o.name == *path;
  }
  return false;
}

std::optional<std::string> RefQuery::file() const {
  if (path) return path;
  // A FIFO's file, which --scan finds where no process holds it open.
  if (kind && model::describe(*kind).ref == model::RefForm::path &&
      model::describe(*kind).removal == model::Removal::file && ref)
    return ref->substr(ref->find(':') + 1);
  return std::nullopt;
}

std::optional<std::uint64_t> RefQuery::socket_inode() const {
  if (!ref || !kind || model::ns_type_of(*kind) != model::NsType::net) return std::nullopt;
  return to_u64(std::string_view(*ref).substr(ref->find(':') + 1));
}

Result<RefQuery> parse_ref(std::string_view text) {
  RefQuery q;
  q.text = std::string(text);
  if (text.empty()) return fail(bad(text, "it is empty"));
  if (text.front() == '/') {
    // A path in the directory of a kind's files (/dev/mqueue, /dev/shm)
    // names that kind's object, the longest prefix first (sem. before the
    // rest of /dev/shm); any other path a FIFO or a unix socket.
    const model::KindDesc* best = nullptr;
    for (const auto& d : model::descriptors()) {
      if (!d.file) continue;
      const std::string dir = fmt::format("{}/{}", d.file->dir, d.file->prefix);
      if (!starts_with(text, dir) || text.size() == dir.size()) continue;
      if (best == nullptr || d.file->prefix.size() > best->file->prefix.size()) best = &d;
    }
    if (best != nullptr) {
      q.kind = best->kind;
      q.ref = fmt::format("{}:/{}", best->name, text.substr(best->file->dir.size() + 1 + best->file->prefix.size()));
    } else {
      q.path = std::string(text);
    }
    return q;
  }
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    // A bare SysV key, "0x5eed" or "key=0x5eed": the objects of every SysV
    // type that have it, in ipcctl's own IPC namespace (or -N's).
    const bool hex = starts_with(text, "0x") || starts_with(text, "0X");
    if (hex || starts_with(text, "key=")) {
      const auto k = sysv_key(hex ? text : text.substr(4));
      if (!k) return fail(bad(text, fmt::format("a SysV key is a 32-bit number, as 0x1234 or key=4660; {}", k_forms)));
      q.key = *k;
      return q;
    }
    if (digits(text))
      return fail(bad(text, fmt::format("a bare number is not a ref (a SysV key is key={} or 0x in hex, an id "
                                        "takes its type: sysv-shm:{}); {}",
                                        text, text, k_forms)));
    return fail(bad(text, k_forms));
  }
  const std::string_view type = text.substr(0, colon);
  std::string_view ident = text.substr(colon + 1);
  if (type == "pid") {
    if (!number_in(ident, 1, k_max_pid))
      return fail(bad(text, fmt::format("pid: takes a process id, from 1 to {}", k_max_pid)));
    q.pid = static_cast<int>(*to_i64(ident));
    return q;
  }
  const auto kind = model::kind_from_name(type);
  if (!kind) return fail(bad(text, fmt::format("unknown type '{}' (see 'ipcctl ls --list-types')", type)));
  q.kind = *kind;
  if (ident.empty()) return fail(bad(text, "nothing after the type"));
  std::string_view suffix;
  const model::KindDesc& desc = model::describe(*kind);
  if (desc.file) {
    // A POSIX name may hold '@' but would then read as a namespace: such an
    // object is named by its path. Segments and semaphores are files of the
    // mount namespace's /dev/shm: no IPC namespace holds them.
    const std::string path = fmt::format("{}/{}{}", desc.file->dir, desc.file->prefix, ident.substr(1));
    for (const auto t : {model::NsType::ipc, model::NsType::net}) {
      if (t == model::ns_type_of(*kind) || ident.find(fmt::format("@{}:", model::ns_type_name(t))) == std::string_view::npos)
        continue;
      return fail(bad(text, fmt::format("{} objects are not per {} namespace, so '@{}:' does not apply; "
                                        "an object whose name holds it is named by its path, {}",
                                        type, t == model::NsType::ipc ? "IPC" : "network",
                                        model::ns_type_name(t), path)));
    }
  }
  if (const auto t = model::ns_type_of(*kind)) {
    const std::string marker = fmt::format("@{}:", model::ns_type_name(*t));
    if (const auto at = ident.rfind(marker); at != std::string_view::npos) {
      const auto inode = ident.substr(at + marker.size());
      if (!number_in(inode, k_min_ns_inode, k_max_ns_inode)) {
        const std::string hint = number_in(inode, 1, k_min_ns_inode - 1)
                                     ? fmt::format(" ({} is not one: -N {} names the namespaces of process {})", inode,
                                                   inode, inode)
                                     : "";
        return fail(bad(text, fmt::format("{}INODE takes the namespace's inode number, as ls -A prints it{}",
                                          marker, hint)));
      }
      q.ns = *to_u64(inode);
      suffix = ident.substr(at);
      ident = ident.substr(0, at);
      if (ident.empty()) return fail(bad(text, "nothing between the type and the namespace"));
    }
  }
  using model::RefForm;
  switch (desc.ref) {
  case RefForm::sysv:
    if (starts_with(ident, "key=")) {
      const auto k = sysv_key(ident.substr(4));
      if (!k) return fail(bad(text, "a key is a 32-bit number, as 0x1234 or 4660"));
      q.key = *k;
      return q;
    }
    if (!number_in(ident, 0, k_max_id))
      return fail(bad(text, fmt::format("a SysV id is a number from 0 to {} (or key=0x1234)", k_max_id)));
    break;
  case RefForm::posix_name:
    if (ident.size() < 2 || ident.front() != '/' || ident.find('/', 1) != std::string_view::npos)
      return fail(bad(text, "a POSIX name is one leading '/' and no other slash, e.g. /orders"));
    break;
  case RefForm::path:
    if (ident.front() != '/') return fail(bad(text, fmt::format("a {} is named by its absolute path", *kind == Kind::fifo ? "FIFO" : type)));
    break;
  case RefForm::unix:
    if (ident.front() == '/') {  // the socket file: a bound socket, or a stale file
      q.path = std::string(ident);
      return q;
    }
    if (!digits(ident)) return fail(bad(text, "a unix socket is named by its inode number or its path"));
    break;
  case RefForm::socket:
#ifdef _WIN32
    // "tcp:LOCAL,REMOTE", "udp:LOCAL": Windows has no socket inodes
    if (ident.find(' ') != std::string_view::npos) return fail(bad(text, "a socket is named LOCAL,REMOTE as ls prints it"));
    break;
#else
    [[fallthrough]];
#endif
  case RefForm::inode:
    if (!digits(ident)) return fail(bad(text, "this type is named by its inode number"));
    break;
  case RefForm::eventfd:
    if (!number_in(ident, 0, k_max_id) && !pid_fd(ident))
      return fail(bad(text, "an eventfd is named by its eventfd-id (or PID:FD where it has none)"));
    break;
  case RefForm::pid_fd:
    if (!pid_fd(ident)) return fail(bad(text, fmt::format("a signalfd is named PID:FD, with a PID from 1 to {}", k_max_pid)));
    break;
  case RefForm::lock: {
    const auto dot = ident.find('.');
    if (!digits(ident.substr(0, dot)) || (dot != std::string_view::npos && !digits(ident.substr(dot + 1))))
      return fail(bad(text, "a lock is named by its /proc/locks number, N or N.W"));
    break;
  }
  case RefForm::pid:
    if (!number_in(ident, 1, k_max_pid))
      return fail(bad(text, fmt::format("a signal state is named by its process id, from 1 to {}", k_max_pid)));
    break;
  case RefForm::win_pipe:
    if (!starts_with(ident, "\\\\.\\pipe\\") || ident.size() == 9)
      return fail(bad(text, "a named pipe is named \\\\.\\pipe\\NAME"));
    break;
  case RefForm::win_mailslot:
    if (!starts_with(ident, "\\\\.\\mailslot\\") || ident.size() == 13)
      return fail(bad(text, "a mailslot is named \\\\.\\mailslot\\NAME"));
    break;
  case RefForm::win_path:
    if (ident.front() != '\\' || ident.back() == '\\')
      return fail(bad(text, "a Windows object is named by its full path, e.g. \\BaseNamedObjects\\NAME"));
    break;
  }
  q.ref = std::string(text.substr(0, text.size() - suffix.size()));
  return q;
}

RefMatches match_refs(std::span<const RefQuery> queries, std::span<const model::Object> objects) {
  RefMatches out;
  std::set<std::string_view> seen;
  for (const auto& q : queries) {
    bool any = false;
    for (const auto& obj : objects) {
      if (!q.matches(obj)) continue;
      any = true;
      if (seen.insert(obj.ref).second) out.objects.push_back(&obj);
    }
    if (!any) out.missing.push_back(q.text);
  }
  return out;
}

} // namespace ipcctl::query
