// Tables as util-linux prints them: headings, numbers right-aligned, the
// wide columns (HOLDERS, NAME, DETAIL) cut to fit the terminal so that a row
// stays one line; --raw for scripts separates cells by one space and escapes
// what would break that. Every cell, heading and name goes through
// terminal_safe: a FIFO named "a\nb" must not forge a row, nor one named
// "\x1b[2J" clear the screen.
#include <ipcctl/render/text.hpp>

#include <ipcctl/util/escape.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

namespace ipcctl::render {

std::string human_size(std::int64_t bytes) {
  static constexpr const char* k_units[] = {"", "K", "M", "G", "T", "P", "E"};
  if (bytes < 1024) return fmt::format("{}", bytes);
  double v = static_cast<double>(bytes);
  std::size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(k_units)) {
    v /= 1024;
    ++u;
  }
  if (v < 10 && v != static_cast<double>(static_cast<std::int64_t>(v)))
    return fmt::format("{:.1f}{}", v, k_units[u]);
  return fmt::format("{:.0f}{}", v, k_units[u]);
}

std::string escape(std::string_view s, bool raw) { return terminal_safe(s, raw ? Escape::field : Escape::text); }

namespace {

// Display width, counting UTF-8 continuation bytes as nothing.
std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
  return n;
}

std::string cut(const std::string& s, std::size_t width) {
  if (display_width(s) <= width) return s;
  if (width == 0) return {};
  std::string out;
  std::size_t n = 0;
  for (char c : s) {
    const bool starts = (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    if (starts && ++n > width - 1) break;
    out += c;
  }
  return out + "…";
}

std::string cell_string(const query::Column& col, const query::Cell& cell, const TableOptions& opts) {
  if (col.bytes && !opts.exact_bytes) {
    if (const auto* n = std::get_if<std::int64_t>(&cell)) return human_size(*n);
  }
  std::string text = escape(query::cell_text(cell), opts.raw);
  if (opts.raw && text.empty()) return "-";
  return text;
}

} // namespace

std::string render_table(std::span<const model::Object> objects, std::span<const query::Column* const> columns,
                         const TableOptions& opts) {
  std::vector<std::vector<std::string>> rows;
  rows.reserve(objects.size() + 1);
  if (opts.headings) {
    auto& head = rows.emplace_back();
    for (const auto* c : columns) head.push_back(c->name);
  }
  for (const auto& o : objects) {
    auto& row = rows.emplace_back();
    for (const auto* c : columns) row.push_back(cell_string(*c, c->get(o), opts));
  }

  std::string out;
  if (opts.raw) {
    for (const auto& row : rows) {
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (i > 0) out += ' ';
        out += row[i];
      }
      out += '\n';
    }
    return out;
  }

  std::vector<std::size_t> widths(columns.size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  // Too wide for the terminal: shrink the wide columns, the widest first.
  if (opts.width > 0) {
    auto total = [&] { return std::accumulate(widths.begin(), widths.end(), std::size_t{0}) + widths.size() - 1; };
    while (total() > opts.width) {
      std::size_t widest = columns.size();
      for (std::size_t i = 0; i < columns.size(); ++i)
        if (columns[i]->wide && widths[i] > 8 && (widest == columns.size() || widths[i] > widths[widest]))
          widest = i;
      if (widest == columns.size()) break;
      widths[widest] -= std::min(widths[widest] - 8, total() - opts.width);
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      const std::string text = cut(row[i], widths[i]);
      const std::size_t pad = widths[i] - display_width(text);
      const bool last = i + 1 == row.size();
      if (i > 0) line += ' ';
      if (columns[i]->align == query::Align::right) line.append(pad, ' ') += text;
      else {
        line += text;
        if (!last) line.append(pad, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

namespace {

void holder_lines(std::string& out, std::string_view title, const std::vector<model::Holder>& holders) {
  if (holders.empty()) {
    out += fmt::format("  {:<14} none seen\n", title);
    return;
  }
  out += fmt::format("  {}:\n", title);
  out += fmt::format("    {:>7} {:<16} {:>5} {:<6} {}\n", "PID", "COMMAND", "FD", "ACCESS", "VIA");
  for (const auto& h : holders) {
    out += fmt::format("    {:>7} {:<16} {:>5} {:<6} {}\n", h.pid, escape(h.comm, false),
                       h.fd ? fmt::format("{}", *h.fd) : std::string("-"), h.access.empty() ? "-" : h.access,
                       model::via_name(h.via));
  }
}

} // namespace

std::string render_details(std::span<const model::Object> objects, const TableOptions& opts) {
  std::string out;
  auto line = [&](std::string_view field, const std::string& value) {
    if (!value.empty()) out += fmt::format("  {:<14} {}\n", field, escape(value, false));
  };
  auto size = [&](std::int64_t b) {
    return opts.exact_bytes || b < 1024 ? fmt::format("{}", b) : fmt::format("{} ({})", b, human_size(b));
  };
  for (const auto& o : objects) {
    if (!out.empty()) out += '\n';
    out += escape(o.ref, false) + '\n';
    line("type", std::string(model::kind_name(o.kind)));
    if (o.id) line("id", fmt::format("{}", *o.id));
    if (o.key) line("key", model::key_text(*o.key));
    if (o.name) line("name", *o.name);
    if (o.inode) line("inode", fmt::format("{}", *o.inode));
    if (o.ns) {
      line("namespace", fmt::format("{}:{}{}", model::ns_type_name(o.ns->type), o.ns->inode,
                                    o.ns->own ? " (ipcctl's own)" : ""));
      if (const auto& c = o.ns->container) line("container", fmt::format("{} {} ({})", c->runtime, c->id, c->cgroup));
    }
    if (o.owner.uid) {
      std::string owner = o.owner.user.empty() ? fmt::format("{}", *o.owner.uid)
                                               : fmt::format("{} ({})", o.owner.user, *o.owner.uid);
      if (o.owner.gid)
        owner += o.owner.group.empty() ? fmt::format(", group {}", *o.owner.gid)
                                       : fmt::format(", group {} ({})", o.owner.group, *o.owner.gid);
      line("owner", owner);
    }
    if (o.mode) line("mode", model::mode_text(*o.mode));
    if (o.size) line("size", size(*o.size));
    // A semaphore set's per-semaphore lists read best as one table.
    const auto* values = o.numbers(model::key::values);
    const auto* ncnt = o.numbers(model::key::ncnt);
    const auto* zcnt = o.numbers(model::key::zcnt);
    const auto* last = o.numbers(model::key::last_pids);
    const bool sem_table = o.kind == model::Kind::sysv_sem && values && ncnt && zcnt && last &&
                           ncnt->size() == values->size() && zcnt->size() == values->size() &&
                           last->size() == values->size();
    for (const auto& f : o.detail) {
      if (sem_table && (f.key == &model::key::values || f.key == &model::key::ncnt || f.key == &model::key::zcnt ||
                        f.key == &model::key::last_pids)) continue;
      if (const bool* b = std::get_if<bool>(&f.value)) {
        line(f.key->name, *b ? "yes" : "no");
        continue;
      }
      const std::string text = query::cell_text(query::value_cell(f.value));
      line(f.key->name, text.empty() ? "-" : text);
    }
    if (sem_table) {
      out += fmt::format("  {:<14} {:>5} {:>6} {:>6} {:>6}  {}\n", "semaphores", "#", "value", "ncnt", "zcnt",
                         "last pid");
      for (std::size_t i = 0; i < values->size(); ++i)
        out += fmt::format("  {:<14} {:>5} {:>6} {:>6} {:>6}  {}\n", "", i, (*values)[i], (*ncnt)[i], (*zcnt)[i],
                           (*last)[i] == 0 ? std::string("-") : std::to_string((*last)[i]));
    }
    // How full a queue is, against its own limit.
    const auto fill = [&](const model::DetailKey& used_key, const model::DetailKey& limit_key, std::string_view unit) {
      const auto used = o.number(used_key), limit = o.number(limit_key);
      if (!used || !limit || *limit <= 0) return;
      line("fill", fmt::format("{} of {} {} ({:.0f}%)", *used, *limit, unit, 100.0 * static_cast<double>(*used) /
                                                                              static_cast<double>(*limit)));
    };
    if (o.kind == model::Kind::sysv_msg) fill(model::key::bytes, model::key::max_bytes, "bytes");
    if (o.kind == model::Kind::posix_mq) fill(model::key::messages, model::key::maxmsg, "messages");
    if (o.error) line("error", *o.error);
    if (o.kind != model::Kind::signal) holder_lines(out, "holders", o.holders);
    if (o.peer) {
      line("peer", *o.peer);
      holder_lines(out, "peer holders", o.peer_holders);
    }
  }
  return out;
}

std::string render_summary(std::span<const model::Object> objects, const TableOptions& opts) {
  // HOLDERS, as the NHOLDERS column, counts processes: each holding process
  // once per type and per owner, however many objects and descriptors it has.
  struct Tally {
    std::int64_t count = 0, bytes = 0;
    std::set<int> pids;
  };
  std::map<std::string, Tally> by_type, by_user;
  for (const auto& o : objects) {
    const std::int64_t bytes = o.size.value_or(0);
    auto& t = by_type[std::string(model::kind_name(o.kind))];
    t.count++, t.bytes += bytes;
    for (const auto& h : o.holders) t.pids.insert(h.pid);
    std::string user = !o.owner.user.empty() ? o.owner.user
                       : o.owner.uid        ? fmt::format("{}", *o.owner.uid)
                                            : std::string("-");
    auto& u = by_user[user];
    u.count++, u.bytes += bytes;
    for (const auto& h : o.holders) u.pids.insert(h.pid);
  }
  auto size = [&](std::int64_t b) { return opts.exact_bytes ? fmt::format("{}", b) : human_size(b); };
  std::string out;
  auto table = [&](std::string_view head, const std::map<std::string, Tally>& m) {
    std::size_t w = head.size();
    for (const auto& [k, v] : m) w = std::max(w, display_width(escape(k, false)));
    if (opts.headings) out += fmt::format("{:<{}} {:>8} {:>10} {:>8}\n", head, w, "COUNT", "BYTES", "HOLDERS");
    for (const auto& [k, v] : m) {
      const std::string name = escape(k, false);
      out += fmt::format("{}{} {:>8} {:>10} {:>8}\n", name, std::string(w - display_width(name), ' '), v.count,
                         size(v.bytes), v.pids.size());
    }
  };
  table("TYPE", by_type);
  out += '\n';
  table("OWNER", by_user);
  return out;
}

} // namespace ipcctl::render
