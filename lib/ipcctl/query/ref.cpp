// Each type's identity has one form, checked here so that a typo is bad
// usage (exit 2) rather than "no such object" (exit 1).
#include <ipcctl/query/ref.hpp>

#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace ipcctl::query {

using model::Kind;

namespace {

Error bad(std::string_view text, std::string_view why) {
  return Error{0, "", "", fmt::format("bad ref '{}': {}", text, why)};
}

bool digits(std::string_view s) {
  return !s.empty() && s.size() <= 19 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "N:M" with both parts numbers.
bool pid_fd(std::string_view s) {
  const auto colon = s.find(':');
  return colon != std::string_view::npos && digits(s.substr(0, colon)) && digits(s.substr(colon + 1));
}

} // namespace

model::KindSet RefQuery::kinds() const {
  if (kind) {
    model::KindSet ks;
    ks.add(*kind);
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
  if (key) return o.key == key;
  if (pid) {
    if (o.kind == Kind::signal) return o.id == *pid;
    return std::any_of(o.holders.begin(), o.holders.end(), [&](const model::Holder& h) { return h.pid == *pid; });
  }
  if (path) return (o.kind == Kind::fifo || o.kind == Kind::unix_socket) && o.name == *path;
  return false;
}

std::optional<std::string> RefQuery::file() const {
  if (path) return path;
  if (kind == Kind::fifo && ref) return ref->substr(ref->find(':') + 1);
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
    // /dev/shm and /dev/mqueue paths name POSIX objects; any other path a
    // FIFO or a unix socket.
    constexpr std::string_view k_shm = "/dev/shm/", k_mq = "/dev/mqueue/";
    if (starts_with(text, k_mq) && text.size() > k_mq.size()) {
      q.kind = Kind::posix_mq;
      q.ref = fmt::format("posix-mq:/{}", text.substr(k_mq.size()));
    } else if (starts_with(text, k_shm) && text.size() > k_shm.size()) {
      const auto name = text.substr(k_shm.size());
      const bool sem = starts_with(name, "sem.") && name.size() > 4;
      q.kind = sem ? Kind::posix_sem : Kind::posix_shm;
      q.ref = sem ? fmt::format("posix-sem:/{}", name.substr(4)) : fmt::format("posix-shm:/{}", name);
    } else {
      q.path = std::string(text);
    }
    return q;
  }
  const auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return fail(bad(text, "expected TYPE:IDENTITY, pid:PID or an absolute path"));
  const std::string_view type = text.substr(0, colon);
  std::string_view ident = text.substr(colon + 1);
  if (type == "pid") {
    if (!digits(ident) || ident == "0") return fail(bad(text, "pid: takes a process id"));
    q.pid = static_cast<int>(*to_i64(ident));
    return q;
  }
  const auto kind = model::kind_from_name(type);
  if (!kind) return fail(bad(text, fmt::format("unknown type '{}' (see 'ipcctl ls --list-types')", type)));
  q.kind = *kind;
  if (ident.empty()) return fail(bad(text, "nothing after the type"));
  std::string_view suffix;
  if (const auto t = model::ns_type_of(*kind)) {
    const std::string marker = fmt::format("@{}:", model::ns_type_name(*t));
    if (const auto at = ident.rfind(marker); at != std::string_view::npos) {
      const auto inode = ident.substr(at + marker.size());
      if (!digits(inode) || *to_u64(inode) == 0)
        return fail(bad(text, fmt::format("{}INODE takes the namespace's inode number (see ls -A)", marker)));
      q.ns = *to_u64(inode);
      suffix = ident.substr(at);
      ident = ident.substr(0, at);
      if (ident.empty()) return fail(bad(text, "nothing between the type and the namespace"));
    }
  }
  switch (*kind) {
  case Kind::sysv_msg:
  case Kind::sysv_shm:
  case Kind::sysv_sem:
    if (starts_with(ident, "key=")) {
      const auto k = ident.substr(4);
      std::optional<std::uint64_t> v = starts_with(k, "0x") || starts_with(k, "0X") ? to_u64(k.substr(2), 16)
                                                                                    : to_u64(k);
      if (!v || *v > 0xffffffffu) return fail(bad(text, "a key is a 32-bit number, as 0x1234 or 4660"));
      q.key = static_cast<std::uint32_t>(*v);
      return q;
    }
    if (!digits(ident)) return fail(bad(text, "a SysV id is a number (or key=0x1234)"));
    break;
  case Kind::posix_mq:
  case Kind::posix_shm:
  case Kind::posix_sem:
    if (ident.size() < 2 || ident.front() != '/' || ident.find('/', 1) != std::string_view::npos)
      return fail(bad(text, "a POSIX name is one leading '/' and no other slash, e.g. /orders"));
    break;
  case Kind::fifo:
    if (ident.front() != '/') return fail(bad(text, "a FIFO is named by its absolute path"));
    break;
  case Kind::unix_socket:
    if (ident.front() == '/') {  // the socket file: a bound socket, or a stale file
      q.path = std::string(ident);
      return q;
    }
    if (!digits(ident)) return fail(bad(text, "a unix socket is named by its inode number or its path"));
    break;
#ifdef _WIN32
  case Kind::tcp:
  case Kind::udp:  // "tcp:LOCAL,REMOTE", "udp:LOCAL": Windows has no socket inodes
    if (ident.find(' ') != std::string_view::npos) return fail(bad(text, "a socket is named LOCAL,REMOTE as ls prints it"));
    break;
  case Kind::pipe:
  case Kind::memfd:
#else
  case Kind::pipe:
  case Kind::tcp:
  case Kind::udp:
  case Kind::memfd:
#endif
    if (!digits(ident)) return fail(bad(text, "this type is named by its inode number"));
    break;
  case Kind::eventfd:
    if (!digits(ident) && !pid_fd(ident)) return fail(bad(text, "an eventfd is named by its eventfd-id"));
    break;
  case Kind::signalfd:
    if (!pid_fd(ident)) return fail(bad(text, "a signalfd is named PID:FD"));
    break;
  case Kind::lock: {
    const auto dot = ident.find('.');
    if (!digits(ident.substr(0, dot)) || (dot != std::string_view::npos && !digits(ident.substr(dot + 1))))
      return fail(bad(text, "a lock is named by its /proc/locks number, N or N.W"));
    break;
  }
  case Kind::signal:
    if (!digits(ident)) return fail(bad(text, "a signal state is named by its process id"));
    break;
  case Kind::win_pipe:
    if (!starts_with(ident, "\\\\.\\pipe\\") || ident.size() == 9)
      return fail(bad(text, "a named pipe is named \\\\.\\pipe\\NAME"));
    break;
  case Kind::win_mailslot:
    if (!starts_with(ident, "\\\\.\\mailslot\\") || ident.size() == 13)
      return fail(bad(text, "a mailslot is named \\\\.\\mailslot\\NAME"));
    break;
  case Kind::win_section:
  case Kind::win_event:
  case Kind::win_mutant:
  case Kind::win_semaphore:
  case Kind::win_alpc:
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
