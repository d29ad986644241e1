// Every metric is a gauge: a snapshot of the machine, not a count of events.
// Names follow Prometheus conventions: the ipcctl_ prefix, base units in the
// name (_bytes, _ratio), no _total on gauges. Series are grouped per metric
// (HELP and TYPE once, then its samples), in a fixed order, so two runs on
// the same machine differ only in their values.
//
// A label must be valid UTF-8, or promtool, and node_exporter's textfile
// collector, reject the whole file: one user's /dev/shm name with a byte
// such as 0xff would blind the monitoring of the machine. Names are made
// valid (each stray byte becomes U+FFFD) before anything is keyed on them,
// so that two names that differ only there add up in one series, and the
// names so changed are counted in ipcctl_labels_repaired. The file is
// also read on terminals (export without -o): names are then made
// terminal_safe, as ls shows them. Per-object series that would then carry
// the same labels are told apart by a "duplicate" label (2, 3, ...): a
// file with a series twice is rejected too.
#include <ipcctl/render/prometheus.hpp>

#include <ipcctl/util/escape.hpp>

#include <fmt/format.h>

#include <map>
#include <set>
#include <tuple>

namespace ipcctl::render {

namespace {

using Labels = std::vector<std::pair<std::string_view, std::string>>;

class Exposition {
public:
  // Starts a metric family; samples follow.
  void family(std::string_view name, std::string_view help) {
    m_out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
    m_name = name;
  }
  void sample(const Labels& labels, double value) {
    m_out += m_name;
    if (!labels.empty()) {
      m_out += '{';
      for (std::size_t i = 0; i < labels.size(); ++i)
        m_out += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first, prometheus_label(labels[i].second));
      m_out += '}';
    }
    m_out += fmt::format(" {}\n", value);
  }
  std::string take() { return std::move(m_out); }

private:
  std::string m_out;
  std::string m_name;
};

std::string user_of(const model::Object& o) {
  if (!o.owner.user.empty()) return o.owner.user;
  return o.owner.uid ? std::to_string(*o.owner.uid) : std::string();
}

// Names made valid UTF-8 and terminal_safe for labels; remembers which
// were not valid UTF-8.
class LabelNames {
public:
  std::string operator()(std::string_view name) {
    if (valid_utf8(name)) return terminal_safe(name);
    m_invalid.emplace(name);
    return terminal_safe(repair_utf8(name));
  }
  std::size_t invalid() const { return m_invalid.size(); }

private:
  std::set<std::string, std::less<>> m_invalid;
};

struct Tally {
  double objects = 0, bytes = 0, holders = 0, messages = 0, queued_bytes = 0, attachments = 0, unread = 0;
  bool queue = false, shm = false, pipe = false;
};

} // namespace

std::string prometheus_label(std::string_view value) {
  std::string out;
  for (char c : repair_utf8(value)) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string render_prometheus(const MetricsInput& in) {
  LabelNames names;
  std::map<std::pair<std::string, std::string>, Tally> by;  // (type, user)
  for (const auto& o : in.objects) {
    auto& t = by[{std::string(model::kind_name(o.kind)), names(user_of(o))}];
    t.objects += 1;
    t.bytes += static_cast<double>(o.size.value_or(0));
    t.holders += static_cast<double>(o.holders.size());
    if (auto m = o.number(model::key::messages)) t.messages += static_cast<double>(*m), t.queue = true;
    if (o.kind == model::Kind::sysv_msg || o.kind == model::Kind::posix_mq)
      t.queued_bytes += static_cast<double>(o.number(model::key::bytes).value_or(0));
    if (auto n = o.number(model::key::nattch)) t.attachments += static_cast<double>(*n), t.shm = true;
    if (auto u = o.number(model::key::unread_bytes)) t.unread += static_cast<double>(*u), t.pipe = true;
  }
  Exposition x;
  const auto per_type = [&](std::string_view name, std::string_view help, auto pick, auto applies) {
    x.family(name, help);
    for (const auto& [key, t] : by)
      if (applies(t)) x.sample({{"type", key.first}, {"user", key.second}}, pick(t));
  };
  const auto always = [](const Tally&) { return true; };
  per_type("ipcctl_objects", "IPC objects, per type and owner.", [](const Tally& t) { return t.objects; }, always);
  per_type("ipcctl_objects_bytes", "Size of the IPC objects (segments, files, queued bytes), per type and owner.",
           [](const Tally& t) { return t.bytes; }, always);
  per_type("ipcctl_objects_holders", "Descriptors and mappings that hold the IPC objects, per type and owner.",
           [](const Tally& t) { return t.holders; }, always);
  per_type("ipcctl_queued_messages", "Messages waiting in message queues, per type and owner.",
           [](const Tally& t) { return t.messages; }, [](const Tally& t) { return t.queue; });
  per_type("ipcctl_queued_bytes", "Bytes waiting in message queues, per type and owner.",
           [](const Tally& t) { return t.queued_bytes; }, [](const Tally& t) { return t.queue; });
  per_type("ipcctl_shm_attachments", "Attachments of SysV shared memory segments, per owner.",
           [](const Tally& t) { return t.attachments; }, [](const Tally& t) { return t.shm; });
  per_type("ipcctl_pipe_unread_bytes", "Bytes written to pipes and FIFOs and not yet read, per type and owner.",
           [](const Tally& t) { return t.unread; }, [](const Tally& t) { return t.pipe; });

  const auto limit_labels = [](const model::Limit& l) { return Labels{{"name", l.name}, {"group", l.group}}; };
  x.family("ipcctl_limit", "An IPC limit of the machine (see ipcctl limits), in its unit.");
  for (const auto& l : in.limits)
    if (l.value) x.sample(limit_labels(l), static_cast<double>(*l.value));
  x.family("ipcctl_limit_used", "How much of an IPC limit is in use, in its unit.");
  for (const auto& l : in.limits)
    if (l.used) x.sample(limit_labels(l), static_cast<double>(*l.used));
  x.family("ipcctl_limit_used_ratio", "The part of an IPC limit in use, 0 to 1.");
  for (const auto& l : in.limits)
    if (auto p = l.percent()) x.sample(limit_labels(l), *p / 100.0);

  std::map<std::pair<std::string, std::string>, double> findings;
  for (const auto& c : in.checks) findings[{std::string(c.name), std::string(query::severity_name(c.severity))}] = 0;
  for (const auto& f : in.findings) findings[{f.check, std::string(query::severity_name(f.severity))}] += 1;
  x.family("ipcctl_audit_findings", "Findings of ipcctl audit, per check and severity.");
  for (const auto& [key, n] : findings) x.sample({{"check", key.first}, {"severity", key.second}}, n);

  if (in.per_object) {
    std::vector<Labels> object_labels;
    object_labels.reserve(in.objects.size());
    std::map<std::tuple<std::string, std::string_view, std::string>, int> seen;
    for (const auto& o : in.objects) {
      auto& l = object_labels.emplace_back(
          Labels{{"ref", names(o.ref)}, {"type", std::string(model::kind_name(o.kind))}, {"user", names(user_of(o))}});
      const int n = ++seen[{l[0].second, model::kind_name(o.kind), l[2].second}];
      if (n > 1) l.emplace_back("duplicate", std::to_string(n));
    }
    const auto labels = [&](const model::Object& o) -> const Labels& {
      return object_labels[static_cast<std::size_t>(&o - in.objects.data())];
    };
    x.family("ipcctl_object_bytes", "Size of one IPC object.");
    for (const auto& o : in.objects)
      if (o.size) x.sample(labels(o), static_cast<double>(*o.size));
    x.family("ipcctl_object_holders", "Descriptors and mappings that hold one IPC object.");
    for (const auto& o : in.objects) x.sample(labels(o), static_cast<double>(o.holders.size()));
    x.family("ipcctl_object_queued_messages", "Messages waiting in one message queue.");
    for (const auto& o : in.objects)
      if (auto m = o.number(model::key::messages)) x.sample(labels(o), static_cast<double>(*m));
    x.family("ipcctl_object_attachments", "Attachments of one SysV shared memory segment.");
    for (const auto& o : in.objects)
      if (auto n = o.number(model::key::nattch)) x.sample(labels(o), static_cast<double>(*n));
  }

  x.family("ipcctl_labels_repaired",
           "Names (refs, users) that were not valid UTF-8: their labels carry U+FFFD in place of each stray byte.");
  x.sample({}, static_cast<double>(names.invalid()));
  x.family("ipcctl_scrape_warnings", "Warnings of this run: what ipcctl could not read.");
  x.sample({}, static_cast<double>(in.warnings));
  x.family("ipcctl_scrape_duration_seconds", "How long this run took to read the machine.");
  x.sample({}, in.scrape_seconds);
  x.family("ipcctl_build_info", "The ipcctl that wrote these metrics.");
  x.sample({{"version", in.version}}, 1);
  return x.take();
}

} // namespace ipcctl::render
