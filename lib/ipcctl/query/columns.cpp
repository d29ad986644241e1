// The column table: the common columns, then one column per detail key.
// Names and meanings follow lsipc and lsfd where they have them (KEY, ID,
// OWNER, PERMS, SIZE, NATTCH, CPID, LPID). A column is a pure function of
// an Object; the renderer alone decides how a cell looks.
#include <ipcctl/query/column.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <set>

namespace ipcctl::query {

using model::Kind;
using model::Object;
using model::Value;

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// Local time with its offset from UTC, as ls --full-time prints it
// ("2026-12-08 03:14:15 +0100"): a time without its zone is ambiguous once
// pasted elsewhere. TZ=UTC gives UTC ("+0000"). The offset is the
// difference of the local and UTC broken-down times (tm_gmtoff is glibc's).
std::string local_time(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{}, utc{};
  ::localtime_r(&tt, &tm);
  ::gmtime_r(&tt, &utc);
  const long days = tm.tm_year != utc.tm_year ? (tm.tm_year > utc.tm_year ? 1 : -1) : tm.tm_yday - utc.tm_yday;
  const long offset = ((days * 24 + tm.tm_hour - utc.tm_hour) * 60 + tm.tm_min - utc.tm_min);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return fmt::format("{} {}{:02}{:02}", buf, offset < 0 ? '-' : '+', std::labs(offset) / 60, std::labs(offset) % 60);
}

Cell to_cell(const Value& v) {
  struct Visit {
    Cell operator()(std::monostate) const { return {}; }
    Cell operator()(bool b) const { return std::int64_t{b ? 1 : 0}; }
    Cell operator()(std::int64_t n) const { return n; }
    Cell operator()(const std::string& s) const { return s; }
    Cell operator()(model::Time t) const { return local_time(t.seconds); }
    Cell operator()(const std::vector<std::int64_t>& v) const { return fmt::format("{}", fmt::join(v, ",")); }
    Cell operator()(const std::vector<std::string>& v) const { return join(v, ","); }
  };
  return std::visit(Visit{}, v);
}

template <class T>
Cell opt(const std::optional<T>& v) {
  if (!v) return {};
  if constexpr (std::is_same_v<T, std::string>) return *v;
  else return static_cast<std::int64_t>(*v);
}

std::string holder_text(const model::Holder& h) {
  std::string where = h.fd ? fmt::format("{}", *h.fd) : std::string(model::via_name(h.via));
  if (!h.access.empty()) where += "," + h.access;
  return fmt::format("{}[{}]:{}", h.comm, h.pid, where);
}

std::string holders_text(const std::vector<model::Holder>& hs) {
  std::vector<std::string> parts;
  parts.reserve(hs.size());
  for (const auto& h : hs) parts.push_back(holder_text(h));
  return join(parts, " ");
}

Cell detail_summary(const Object& o) {
  std::string out;
  const model::KindDesc& desc = model::describe(o.kind);
  if (desc.summary_name && o.name) out = *o.name;
  for (const model::DetailKey* key : desc.summary) {
    const Value* v = o.find(*key);
    if (v == nullptr || std::holds_alternative<std::monostate>(*v)) continue;
    if (const bool* b = std::get_if<bool>(v)) {
      if (!*b) continue;
    }
    const std::string text = cell_text(to_cell(*v));
    if (text.empty()) continue;
    if (!out.empty()) out += ' ';
    out += fmt::format("{}={}", key->name, text);
  }
  if (o.peer) out += (out.empty() ? "" : " ") + fmt::format("peer={}", *o.peer);
  return out;
}

std::vector<Column> build_columns() {
  std::vector<Column> cols;
  auto add = [&](std::string name, std::string help, Align align, std::function<Cell(const Object&)> get,
                 bool wide = false, bool bytes = false) {
    Column c;
    c.name = std::move(name);
    c.help = std::move(help);
    c.align = align;
    c.get = std::move(get);
    c.wide = wide;
    c.bytes = bytes;
    cols.push_back(std::move(c));
  };
  const Align l = Align::left, r = Align::right;
  add("REF", "the object's ref, for show and rm", l, [](const Object& o) -> Cell { return o.ref; });
  add("TYPE", "object type", l, [](const Object& o) -> Cell { return std::string(model::kind_name(o.kind)); });
  add("ID", "SysV id, eventfd id", r, [](const Object& o) { return opt(o.id); });
  add("KEY", "SysV key", l, [](const Object& o) -> Cell {
    if (!o.key) return {};
    return model::key_text(*o.key);
  });
  add("NAME", "name or path", l, [](const Object& o) { return opt(o.name); }, true);
  add("INODE", "inode number", r, [](const Object& o) { return opt(o.inode); });
  add("UID", "owner's user id", r, [](const Object& o) { return opt(o.owner.uid); });
  add("USER", "owner's user name", l, [](const Object& o) -> Cell {
    if (!o.owner.user.empty()) return o.owner.user;
    return opt(o.owner.uid);
  });
  add("OWNER", "owner (user name, or uid)", l, [](const Object& o) -> Cell {
    if (!o.owner.user.empty()) return o.owner.user;
    if (o.owner.uid) return fmt::format("{}", *o.owner.uid);
    return {};
  });
  add("GID", "owner's group id", r, [](const Object& o) { return opt(o.owner.gid); });
  add("GROUP", "owner's group name", l, [](const Object& o) -> Cell {
    if (!o.owner.group.empty()) return o.owner.group;
    return opt(o.owner.gid);
  });
  add("PERMS", "permission bits, octal", l, [](const Object& o) -> Cell {
    if (!o.mode) return {};
    return model::mode_text(*o.mode);
  });
  add("SIZE", "size in bytes (segment, file, queued or unread bytes)", r, [](const Object& o) { return opt(o.size); },
      false, true);
  // NHOLDERS counts processes, as PIDS lists them; NHANDLES counts what they
  // hold the object through (descriptors, mappings, handles), one per HOLDERS
  // entry. A pipe whose two ends two processes each hold twice: 2 and 4.
  add("NHOLDERS", "number of processes that hold the object", r, [](const Object& o) -> Cell {
    std::set<int> pids;
    for (const auto& h : o.holders) pids.insert(h.pid);
    return static_cast<std::int64_t>(pids.size());
  });
  add("NHANDLES", "number of descriptors, mappings and handles that hold the object", r,
      [](const Object& o) -> Cell { return static_cast<std::int64_t>(o.holders.size()); });
  add("PIDS", "pids of the holders", l, [](const Object& o) -> Cell {
    std::vector<int> pids;
    for (const auto& h : o.holders)
      if (std::find(pids.begin(), pids.end(), h.pid) == pids.end()) pids.push_back(h.pid);
    return fmt::format("{}", fmt::join(pids, ","));
  });
  add("COMMS", "command names of the holders", l, [](const Object& o) -> Cell {
    std::vector<std::string> names;
    for (const auto& h : o.holders)
      if (std::find(names.begin(), names.end(), h.comm) == names.end()) names.push_back(h.comm);
    return join(names, ",");
  }, true);
  add("HOLDERS", "holders as command[pid]:fd,access (map for a mapping)", l,
      [](const Object& o) -> Cell { return holders_text(o.holders); }, true);
  add("PEER", "ref of the other end", l, [](const Object& o) { return opt(o.peer); });
  add("PEER_HOLDERS", "holders of the other end", l,
      [](const Object& o) -> Cell { return holders_text(o.peer_holders); }, true);
  add("NS", "the namespace the object lives in, as ipc:INODE or net:INODE", l, [](const Object& o) -> Cell {
    if (!o.ns) return {};
    return fmt::format("{}:{}", model::ns_type_name(o.ns->type), o.ns->inode);
  });
  add("NS_INODE", "the inode of that namespace", r,
      [](const Object& o) { return opt(o.ns ? std::optional(o.ns->inode) : std::nullopt); });
  add("CONTAINER", "the container of the namespace, as RUNTIME:ID (12 digits of a hex id)", l,
      [](const Object& o) -> Cell {
        if (!o.ns || !o.ns->container) return {};
        return fmt::format("{}:{}", o.ns->container->runtime, o.ns->container->id.substr(0, 12));
      });
  add("CGROUP", "the cgroup path the container was told from", l, [](const Object& o) -> Cell {
    if (!o.ns || !o.ns->container) return {};
    return o.ns->container->cgroup;
  }, true);
  add("DETAIL", "the type's main fields, in short", l, detail_summary, true);
  add("ERROR", "what could not be read", l, [](const Object& o) { return opt(o.error); }, true);
  // Then one column per detail key the kinds' descriptors name.
  for (const model::DetailKey* d : model::all_keys()) {
    const std::string_view key = d->name;
    const bool number = d->type == model::KeyType::number || d->type == model::KeyType::bytes ||
                        d->type == model::KeyType::flag;
    add(upper(key), std::string(d->help), number ? r : l,
        [key](const Object& o) -> Cell {
          const Value* v = o.find_named(key);
          return v == nullptr ? Cell{} : to_cell(*v);
        },
        d == &model::key::path, d->type == model::KeyType::bytes);
  }
  return cols;
}

const std::vector<Column>& columns() {
  static const std::vector<Column> k_columns = build_columns();
  return k_columns;
}

std::vector<std::string_view> default_names(const model::KindSet& kinds) {
  std::optional<Kind> only;
  int n = 0;
  for (Kind k : model::all_kinds()) {
    if (kinds.has(k)) {
      only = k;
      ++n;
    }
  }
#ifdef _WIN32
  // Windows objects have a security descriptor, not permission bits.
  return {"REF", "OWNER", "SIZE", "DETAIL", "HOLDERS"};
#endif
  if (n != 1) return {"REF", "OWNER", "PERMS", "SIZE", "DETAIL", "HOLDERS"};
  const auto cols = model::describe(*only).columns;
  return {cols.begin(), cols.end()};
}

} // namespace

std::span<const Column> all_columns() { return columns(); }

const Column* find_column(std::string_view name) {
  const std::string want = upper(name);
  for (const auto& c : columns())
    if (c.name == want) return &c;
  return nullptr;
}

std::vector<const Column*> default_columns(const model::KindSet& kinds, bool namespaces) {
  std::vector<const Column*> out;
  for (auto name : default_names(kinds)) {
    if (const Column* c = find_column(name)) out.push_back(c);
    if (namespaces && name == "REF") {
      out.push_back(find_column("NS"));
      out.push_back(find_column("CONTAINER"));
    }
  }
  return out;
}

Cell value_cell(const model::Value& v) { return to_cell(v); }

std::string cell_text(const Cell& c) {
  if (const auto* n = std::get_if<std::int64_t>(&c)) return fmt::format("{}", *n);
  if (const auto* s = std::get_if<std::string>(&c)) return *s;
  return {};
}

} // namespace ipcctl::query
