#include <ipcctl/render/json.hpp>

#include <ctime>

namespace ipcctl::render {

using json = nlohmann::ordered_json;

std::string rfc3339(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

template <class T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json value_json(const model::Value& v) {
  struct Visit {
    json operator()(std::monostate) const { return nullptr; }
    json operator()(bool b) const { return b; }
    json operator()(std::int64_t n) const { return n; }
    json operator()(const std::string& s) const { return s; }
    json operator()(model::Time t) const { return rfc3339(t.seconds); }
    json operator()(const std::vector<std::int64_t>& v) const { return v; }
    json operator()(const std::vector<std::string>& v) const { return v; }
  };
  return std::visit(Visit{}, v);
}

json holders_json(const std::vector<model::Holder>& holders) {
  json out = json::array();
  for (const auto& h : holders) {
    out.push_back({{"pid", h.pid},
                   {"comm", h.comm},
                   {"fd", opt(h.fd)},
                   {"access", h.access.empty() ? json(nullptr) : json(h.access)},
                   {"via", std::string(model::via_name(h.via))},
                   {"uid", opt(h.uid)}});
  }
  return out;
}

std::string key_text(std::uint32_t key) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", key);
  return buf;
}

json owner_json(const model::Owner& o) {
  if (!o.uid && !o.gid) return nullptr;
  return {{"uid", opt(o.uid)},
          {"user", o.user.empty() ? json(nullptr) : json(o.user)},
          {"gid", opt(o.gid)},
          {"group", o.group.empty() ? json(nullptr) : json(o.group)}};
}

// Dumps with invalid UTF-8 (a name is bytes) replaced rather than thrown on.
std::string dump(const json& j, int indent) { return j.dump(indent, ' ', false, json::error_handler_t::replace); }

} // namespace

json object_json(const model::Object& o) {
  json detail = json::object();
  for (const auto& f : o.detail) detail[f.key] = value_json(f.value);
  char mode[8];
  if (o.mode) std::snprintf(mode, sizeof mode, "%04o", *o.mode);
  return {
      {"ref", o.ref},
      {"type", std::string(model::kind_name(o.kind))},
      {"id", opt(o.id)},
      {"key", o.key ? json(key_text(*o.key)) : json(nullptr)},
      {"name", opt(o.name)},
      {"inode", opt(o.inode)},
      {"owner", owner_json(o.owner)},
      {"mode", o.mode ? json(std::string(mode)) : json(nullptr)},
      {"size", opt(o.size)},
      {"holders", holders_json(o.holders)},
      {"peer", opt(o.peer)},
      {"peer_holders", o.peer ? holders_json(o.peer_holders) : json(nullptr)},
      {"detail", std::move(detail)},
      {"error", opt(o.error)},
  };
}

std::string render_json(std::span<const model::Object> objects, std::span<const std::string> warnings) {
  json objs = json::array();
  for (const auto& o : objects) objs.push_back(object_json(o));
  json doc = {{"schema", k_schema}, {"objects", std::move(objs)}, {"warnings", warnings}};
  return dump(doc, 2) + "\n";
}

std::string render_jsonl(std::span<const model::Object> objects) {
  std::string out;
  for (const auto& o : objects) {
    out += dump(object_json(o), -1);
    out += '\n';
  }
  return out;
}

} // namespace ipcctl::render
