// A small streaming writer for the one document shape ipcctl prints.
// nlohmann::json would first build a tree of every object and holder (for
// 30,000 descriptors, about 100 MB and most of the run time) only to print
// it once; the tests still parse this output with nlohmann.
#include <ipcctl/render/json.hpp>

#include <fmt/format.h>

#include <ctime>

namespace ipcctl::render {

std::string rfc3339(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  unsigned min = 0;
  if (c >= 0xc2 && c <= 0xdf) n = 2, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef) n = 3, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4) n = 4, min = 0x10000;
  else return 0;
  if (i + n > s.size()) return 0;
  unsigned cp = c & (0xff >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

} // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
    case '"': out += "\\\""; continue;
    case '\\': out += "\\\\"; continue;
    case '\n': out += "\\n"; continue;
    case '\t': out += "\\t"; continue;
    case '\r': out += "\\r"; continue;
    default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (const std::size_t n = utf8_length(s, i)) {
      out.append(s.substr(i, n));
      i += n - 1;
    } else {
      out += "\\ufffd";
    }
  }
  out += '"';
}

namespace {

// Writes nested objects and arrays, pretty (nlohmann's layout) or compact.
class Writer {
public:
  Writer(std::string& out, bool pretty, int depth = 0) : m_out(out), m_pretty(pretty), m_depth(depth) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view k) {
    item();
    append_json_string(m_out, k);
    m_out += m_pretty ? ": " : ":";
    m_after_key = true;
  }
  void null() { scalar("null"); }
  void boolean(bool b) { scalar(b ? "true" : "false"); }
  void number(std::int64_t n) {
    item();
    fmt::format_to(std::back_inserter(m_out), "{}", n);
  }
  void string(std::string_view s) {
    item();
    append_json_string(m_out, s);
  }

  template <class T>
  void opt(const std::optional<T>& v) {
    if (!v) null();
    else if constexpr (std::is_same_v<T, std::string>) string(*v);
    else number(static_cast<std::int64_t>(*v));
  }

private:
  void scalar(std::string_view text) {
    item();
    m_out += text;
  }
  // Separator and indentation before a value or key.
  void item() {
    if (m_after_key) {
      m_after_key = false;
      return;
    }
    if (!m_first) m_out += ',';
    m_first = false;
    newline();
  }
  void open(char c) {
    item();
    m_out += c;
    ++m_depth;
    m_first = true;
  }
  void close(char c) {
    --m_depth;
    if (!m_first) newline();
    m_out += c;
    m_first = false;
  }
  void newline() {
    if (!m_pretty || m_depth == 0) return;
    m_out += '\n';
    m_out.append(static_cast<std::size_t>(m_depth) * 2, ' ');
  }

  std::string& m_out;
  bool m_pretty;
  int m_depth;
  bool m_first = true;
  bool m_after_key = false;
};

void write_value(Writer& w, const model::Value& v) {
  struct Visit {
    Writer& w;
    void operator()(std::monostate) const { w.null(); }
    void operator()(bool b) const { w.boolean(b); }
    void operator()(std::int64_t n) const { w.number(n); }
    void operator()(const std::string& s) const { w.string(s); }
    void operator()(model::Time t) const { w.string(rfc3339(t.seconds)); }
    void operator()(const std::vector<std::int64_t>& v) const {
      w.begin_array();
      for (auto n : v) w.number(n);
      w.end_array();
    }
    void operator()(const std::vector<std::string>& v) const {
      w.begin_array();
      for (const auto& s : v) w.string(s);
      w.end_array();
    }
  };
  std::visit(Visit{w}, v);
}

void write_holders(Writer& w, const std::vector<model::Holder>& holders) {
  w.begin_array();
  for (const auto& h : holders) {
    w.begin_object();
    w.key("pid"), w.number(h.pid);
    w.key("comm"), w.string(h.comm);
    w.key("fd"), w.opt(h.fd);
    w.key("access");
    if (h.access.empty()) w.null();
    else w.string(h.access);
    w.key("via"), w.string(model::via_name(h.via));
    w.key("uid"), w.opt(h.uid);
    w.end_object();
  }
  w.end_array();
}

void write_object(Writer& w, const model::Object& o) {
  w.begin_object();
  w.key("ref"), w.string(o.ref);
  w.key("type"), w.string(model::kind_name(o.kind));
  w.key("id"), w.opt(o.id);
  w.key("key");
  if (o.key) w.string(model::key_text(*o.key));
  else w.null();
  w.key("name"), w.opt(o.name);
  w.key("inode"), w.opt(o.inode);
  w.key("owner");
  if (!o.owner.uid && !o.owner.gid) {
    w.null();
  } else {
    w.begin_object();
    w.key("uid"), w.opt(o.owner.uid);
    w.key("user");
    if (o.owner.user.empty()) w.null();
    else w.string(o.owner.user);
    w.key("gid"), w.opt(o.owner.gid);
    w.key("group");
    if (o.owner.group.empty()) w.null();
    else w.string(o.owner.group);
    w.end_object();
  }
  w.key("mode");
  if (o.mode) w.string(model::mode_text(*o.mode));
  else w.null();
  w.key("size"), w.opt(o.size);
  w.key("holders"), write_holders(w, o.holders);
  w.key("peer"), w.opt(o.peer);
  w.key("peer_holders");
  if (o.peer) write_holders(w, o.peer_holders);
  else w.null();
  w.key("namespace");
  if (o.ns) {
    w.begin_object();
    w.key("type"), w.string(model::ns_type_name(o.ns->type));
    w.key("inode"), w.number(static_cast<std::int64_t>(o.ns->inode));
    w.end_object();
  } else {
    w.null();
  }
  w.key("container");
  if (o.ns && o.ns->container) {
    w.begin_object();
    w.key("runtime"), w.string(o.ns->container->runtime);
    w.key("id"), w.string(o.ns->container->id);
    w.key("cgroup"), w.string(o.ns->container->cgroup);
    w.end_object();
  } else {
    w.null();
  }
  w.key("detail");
  w.begin_object();
  for (const auto& f : o.detail) {
    w.key(f.key);
    write_value(w, f.value);
  }
  w.end_object();
  w.key("error"), w.opt(o.error);
  w.end_object();
}

constexpr std::size_t k_flush_bytes = 1 << 16;

} // namespace

std::string object_json(const model::Object& o, bool pretty) {
  std::string out;
  Writer w(out, pretty);
  write_object(w, o);
  return out;
}

namespace {

// { "schema", LIST_KEY: [ ITEM... ], "warnings" }: every document the tools
// print, written in pieces to `sink` as it grows.
template <class T, class WriteItem>
void write_document(std::string_view list_key, std::span<const T> items, WriteItem write_item,
                    std::span<const std::string> warnings, const Sink& sink) {
  std::string out;
  out.reserve(k_flush_bytes * 2);
  Writer w(out, true);
  w.begin_object();
  w.key("schema"), w.string(k_schema);
  w.key(list_key);
  w.begin_array();
  for (const auto& item : items) {
    write_item(w, item);
    if (out.size() >= k_flush_bytes) {
      sink(out);
      out.clear();
    }
  }
  w.end_array();
  w.key("warnings");
  w.begin_array();
  for (const auto& text : warnings) w.string(text);
  w.end_array();
  w.end_object();
  out += '\n';
  sink(out);
}

} // namespace

void write_json(std::span<const model::Object> objects, std::span<const std::string> warnings, const Sink& sink) {
  write_document("objects", objects, write_object, warnings, sink);
}

void write_outcomes(std::span<const Outcome> results, std::span<const std::string> warnings, const Sink& sink) {
  write_document(
      "results", results,
      [](Writer& w, const Outcome& r) {
        w.begin_object();
        w.key("ref"), w.string(r.object->ref);
        w.key("type"), w.string(model::kind_name(r.object->kind));
        w.key("status"), w.string(r.status);
        w.key("reason");
        if (r.reason.empty()) w.null();
        else w.string(r.reason);
        w.key("object");
        write_object(w, *r.object);
        w.end_object();
      },
      warnings, sink);
}

void write_findings(std::span<const query::Finding> findings, std::span<const std::string> warnings,
                    const Sink& sink) {
  write_document(
      "findings", findings,
      [](Writer& w, const query::Finding& f) {
        w.begin_object();
        w.key("check"), w.string(f.check);
        w.key("severity"), w.string(query::severity_name(f.severity));
        w.key("ref"), w.string(f.ref);
        w.key("type"), w.string(f.type);
        w.key("summary"), w.string(f.summary);
        w.key("why"), w.string(f.why);
        w.key("fix"), w.string(f.fix);
        w.key("holders"), write_holders(w, f.holders);
        w.end_object();
      },
      warnings, sink);
}

void write_jsonl(std::span<const model::Object> objects, const Sink& sink) {
  std::string out;
  for (const auto& o : objects) {
    Writer w(out, false);
    write_object(w, o);
    out += '\n';
    if (out.size() >= k_flush_bytes) {
      sink(out);
      out.clear();
    }
  }
  sink(out);
}

std::string render_json(std::span<const model::Object> objects, std::span<const std::string> warnings) {
  std::string all;
  write_json(objects, warnings, [&](std::string_view s) { all += s; });
  return all;
}

std::string render_jsonl(std::span<const model::Object> objects) {
  std::string all;
  write_jsonl(objects, [&](std::string_view s) { all += s; });
  return all;
}

} // namespace ipcctl::render
