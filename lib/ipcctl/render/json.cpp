// The documents of ipcctl's own commands (ls, show, rm, audit), written
// object by object through the one JsonWriter as the objects come.
#include <ipcctl/render/json.hpp>

#include <fmt/format.h>

#include <cmath>
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

void write_value(JsonWriter& w, const model::Value& v) {
  struct Visit {
    JsonWriter& w;
    void operator()(std::monostate) const { w.null(); }
    void operator()(bool b) const { w.value(b); }
    void operator()(std::int64_t n) const { w.value(n); }
    void operator()(const std::string& s) const { w.value(s); }
    void operator()(model::Time t) const { w.value(rfc3339(t.seconds)); }
    void operator()(const std::vector<std::int64_t>& v) const {
      w.begin_array();
      for (auto n : v) w.value(n);
      w.end_array();
    }
    void operator()(const std::vector<std::string>& v) const {
      w.begin_array();
      for (const auto& s : v) w.value(s);
      w.end_array();
    }
  };
  std::visit(Visit{w}, v);
}

void write_holders(JsonWriter& w, const std::vector<model::Holder>& holders) {
  w.begin_array();
  for (const auto& h : holders) {
    w.begin_object();
    w.key("pid"), w.value(h.pid);
    w.key("comm"), w.value(h.comm);
    w.key("fd"), w.value(h.fd);
    w.key("access");
    if (h.access.empty()) w.null();
    else w.value(h.access);
    w.key("via"), w.value(model::via_name(h.via));
    w.key("uid"), w.value(h.uid);
    w.end_object();
  }
  w.end_array();
}

void write_object(JsonWriter& w, const model::Object& o) {
  w.begin_object();
  w.key("ref"), w.value(o.ref);
  w.key("type"), w.value(model::kind_name(o.kind));
  w.key("id"), w.value(o.id);
  w.key("key");
  if (o.key) w.value(model::key_text(*o.key));
  else w.null();
  w.key("name"), w.value(o.name);
  w.key("inode"), w.value(o.inode);
  w.key("owner");
  if (!o.owner.uid && !o.owner.gid) {
    w.null();
  } else {
    w.begin_object();
    w.key("uid"), w.value(o.owner.uid);
    w.key("user");
    if (o.owner.user.empty()) w.null();
    else w.value(o.owner.user);
    w.key("gid"), w.value(o.owner.gid);
    w.key("group");
    if (o.owner.group.empty()) w.null();
    else w.value(o.owner.group);
    w.end_object();
  }
  w.key("mode");
  if (o.mode) w.value(model::mode_text(*o.mode));
  else w.null();
  w.key("size"), w.value(o.size);
  w.key("holders"), write_holders(w, o.holders);
  w.key("peer"), w.value(o.peer);
  w.key("peer_holders");
  if (o.peer) write_holders(w, o.peer_holders);
  else w.null();
  w.key("namespace");
  if (o.ns) {
    w.begin_object();
    w.key("type"), w.value(model::ns_type_name(o.ns->type));
    w.key("inode"), w.value(static_cast<std::int64_t>(o.ns->inode));
    w.end_object();
  } else {
    w.null();
  }
  w.key("container");
  if (o.ns && o.ns->container) {
    w.begin_object();
    w.key("runtime"), w.value(o.ns->container->runtime);
    w.key("id"), w.value(o.ns->container->id);
    w.key("cgroup"), w.value(o.ns->container->cgroup);
    w.end_object();
  } else {
    w.null();
  }
  w.key("detail");
  w.begin_object();
  for (const auto& f : o.detail) {
    w.key(f.key->name);
    write_value(w, f.value);
  }
  w.end_object();
  w.key("error"), w.value(o.error);
  w.end_object();
}

} // namespace

std::string object_json(const model::Object& o, bool pretty) {
  std::string out;
  JsonWriter w(out, pretty);
  w.close_document_inline();
  write_object(w, o);
  return out;
}

namespace {

// "warnings": [TEXT...], and "warning_details": [{text, pids, refs}...],
// what each one counts (`about`, parallel to the warnings).
void write_warnings(JsonWriter& w, std::span<const std::string> warnings,
                    std::span<const model::WarningSubjects> about) {
  w.key("warnings");
  w.begin_array();
  for (const auto& text : warnings) w.value(text);
  w.end_array();
  w.key("warning_details");
  w.begin_array();
  for (std::size_t i = 0; i < warnings.size(); ++i) {
    w.begin_object(JsonWriter::Layout::spaced);
    w.key("text"), w.value(warnings[i]);
    w.key("pids").begin_array();
    if (i < about.size())
      for (int pid : about[i].pids) w.value(pid);
    w.end_array();
    w.key("refs").begin_array();
    if (i < about.size())
      for (const auto& ref : about[i].refs) w.value(ref);
    w.end_array();
    w.end_object();
  }
  w.end_array();
}

// { "schema", LIST_KEY: [ ITEM... ], "warnings" }: every document the tools
// print, written in pieces to `sink` as it grows.
template <class T, class WriteItem>
void write_document(std::string_view list_key, std::span<const T> items, WriteItem write_item,
                    std::span<const std::string> warnings, const Sink& sink,
                    std::span<const model::WarningSubjects> about) {
  JsonWriter w(sink, true);
  w.close_document_inline();
  w.begin_object();
  w.key("schema"), w.value(k_schema);
  w.key(list_key);
  w.begin_array();
  for (const auto& item : items) write_item(w, item);
  w.end_array();
  write_warnings(w, warnings, about);
  w.end_object();
  w.end_line();
  w.flush();
}

} // namespace

ObjectStream::ObjectStream(Sink sink, bool lines) : m_w(std::move(sink), !lines), m_lines(lines) {}

void ObjectStream::open() {
  if (m_open) return;
  m_open = true;
  if (m_lines) return;
  m_w.close_document_inline();
  m_w.begin_object();
  m_w.key("schema"), m_w.value(k_schema);
  m_w.key("objects");
  m_w.begin_array();
}

void ObjectStream::write(std::span<const model::Object> objects) {
  open();
  for (const auto& o : objects) {
    write_object(m_w, o);
    if (m_lines) m_w.end_line();
  }
}

void ObjectStream::finish(std::span<const std::string> warnings, std::span<const model::WarningSubjects> about) {
  open();
  if (!m_lines) {
    m_w.end_array();
    write_warnings(m_w, warnings, about);
    m_w.end_object();
    m_w.end_line();
  }
  m_w.flush();
}

void write_json(std::span<const model::Object> objects, std::span<const std::string> warnings, const Sink& sink,
                std::span<const model::WarningSubjects> about) {
  ObjectStream out(sink, false);
  out.write(objects);
  out.finish(warnings, about);
}

void write_outcomes(std::span<const Outcome> results, std::span<const std::string> warnings, const Sink& sink,
                    std::span<const model::WarningSubjects> about) {
  write_document(
      "results", results,
      [](JsonWriter& w, const Outcome& r) {
        w.begin_object();
        w.key("ref"), w.value(r.object->ref);
        w.key("type"), w.value(model::kind_name(r.object->kind));
        w.key("status"), w.value(r.status);
        w.key("reason");
        if (r.reason.empty()) w.null();
        else w.value(r.reason);
        w.key("object");
        write_object(w, *r.object);
        w.end_object();
      },
      warnings, sink, about);
}

void write_findings(std::span<const query::Finding> findings, std::span<const std::string> warnings,
                    const Sink& sink, std::span<const model::WarningSubjects> about) {
  write_document(
      "findings", findings,
      [](JsonWriter& w, const query::Finding& f) {
        w.begin_object();
        w.key("check"), w.value(f.check);
        w.key("severity"), w.value(query::severity_name(f.severity));
        w.key("ref"), w.value(f.ref);
        w.key("type"), w.value(f.type);
        w.key("summary"), w.value(f.summary);
        w.key("why"), w.value(f.why);
        w.key("fix"), w.value(f.fix);
        w.key("holders"), write_holders(w, f.holders);
        w.key("also").begin_array();
        for (const auto& check : f.also) w.value(check);
        w.end_array();
        w.end_object();
      },
      warnings, sink, about);
}

void write_limits(std::span<const model::Limit> limits, std::span<const std::string> warnings, const Sink& sink) {
  JsonWriter w(sink, true);
  w.begin_object();
  w.field("schema", k_schema);
  w.key("limits").begin_array();
  for (const auto& l : limits) {
    w.begin_object();
    w.field("name", l.name);
    w.field("group", l.group);
    w.key("sysctl");
    if (l.sysctl.empty()) w.null();
    else w.value(l.sysctl);
    w.field("limit", l.value);
    w.field("unlimited", l.unlimited);
    w.field("used", l.used);
    w.key("percent");
    if (const auto p = l.percent()) w.value(std::round(*p * 10.0) / 10.0);
    else w.null();
    w.field("unit", l.unit);
    w.field("description", l.description);
    w.end_object();
  }
  w.end_array();
  w.key("warnings").begin_array();
  for (const auto& text : warnings) w.value(text);
  w.end_array();
  w.end_object();
  w.end_line();
  w.flush();
}

void write_jsonl(std::span<const model::Object> objects, const Sink& sink) {
  ObjectStream out(sink, true);
  out.write(objects);
  out.finish({});
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
