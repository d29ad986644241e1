// Tables as util-linux prints them: headings, numbers right-aligned, rows
// fitted to the terminal as ps, ss and lsblk do: the wide columns (NAME,
// DETAIL) cut first, to a width that still says something; the holder
// lists, the reason to use ipcctl, wrapped onto continuation lines rather
// than cut (-W wraps every wide column, --no-truncate neither cuts nor
// wraps); --raw for scripts separates cells by one space and escapes what
// would break that. Every cell, heading and name goes through
// terminal_safe: a FIFO named "a\nb" must not forge a row, nor one named
// "\x1b[2J" clear the screen.
#include <ipcctl/render/text.hpp>

#include <ipcctl/util/escape.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <utility>

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

// `s` cut after each `c`: "a]b]c" -> "a]", "b]", "c".
std::vector<std::string_view> split_after(std::string_view s, char c) {
  std::vector<std::string_view> parts;
  while (!s.empty()) {
    const std::size_t j = std::min(s.find(c), s.size() - 1) + 1;
    parts.push_back(s.substr(0, j));
    s.remove_prefix(j);
  }
  return parts;
}

} // namespace

std::vector<std::string> wrap_text(std::string_view text, std::size_t width) {
  std::vector<std::string> lines;
  if (width == 0 || display_width(text) <= width) {
    lines.emplace_back(text);
    return lines;
  }
  std::string line;
  std::size_t line_width = 0;
  auto put = [&](std::string_view piece, std::size_t piece_width, bool space) {
    if (line_width + (space ? 1 : 0) + piece_width > width && !line.empty()) {
      lines.push_back(std::exchange(line, {}));
      line_width = 0;
      space = false;
    }
    if (space && !line.empty()) {
      line += ' ';
      ++line_width;
    }
    line += piece;
    line_width += piece_width;
  };
  // Word by word (a holder, a key=value).
  bool space = false;
  while (true) {
    const std::size_t end = std::min(text.find(' '), text.size());
    std::string_view word = text.substr(0, end);
    const std::size_t word_width = display_width(word);
    if (word_width <= width) {
      put(word, word_width, space);
    } else {
      // A word wider than a line starts one, and breaks after its ']'
      // (a holder after its pid), else after its commas, else anywhere.
      if (!line.empty()) {
        lines.push_back(std::exchange(line, {}));
        line_width = 0;
      }
      for (std::string_view part : split_after(word, ']'))
        for (std::string_view piece : display_width(part) <= width ? std::vector{part} : split_after(part, ',')) {
          std::size_t piece_width = display_width(piece);
          while (piece_width > width) {
            if (!line.empty()) {
              lines.push_back(std::exchange(line, {}));
              line_width = 0;
            }
            std::size_t n = 0, k = 0;
            for (; k < piece.size(); ++k) {
              const bool starts = (static_cast<unsigned char>(piece[k]) & 0xc0) != 0x80;
              if (starts && n++ == width) break;
            }
            lines.emplace_back(piece.substr(0, k));
            piece.remove_prefix(k);
            piece_width = display_width(piece);
          }
          if (!piece.empty()) put(piece, piece_width, false);
        }
    }
    if (end >= text.size()) break;
    text.remove_prefix(end + 1);
    space = true;
  }
  if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
  return lines;
}

namespace {

// The terminal colour of a kind: its graph colour's nearest of the eight
// ANSI ones, so that ls and graph agree; grey stays uncoloured.
std::string_view kind_color(model::Kind k) {
  const std::string_view hex = model::describe(k).colour;
  if (hex == "#1f77b4") return "34";
  if (hex == "#2ca02c") return "32";
  if (hex == "#d62728") return "31";
  if (hex == "#9467bd") return "35";
  return {};
}

// A socket state as ss names it: listening green, closing and half-open
// ones yellow, the rest as they are.
std::string_view state_color(std::string_view state) {
  if (state == "LISTEN") return "32";
  for (std::string_view s : {"SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSE-WAIT", "LAST-ACK",
                             "CLOSING", "NEW-SYN-RECV"})
    if (state == s) return "33";
  return {};
}

// Columns the table treats apart, found once by name.
struct Special {
  const query::Column* ref = query::find_column("REF");
  const query::Column* type = query::find_column("TYPE");
  const query::Column* error = query::find_column("ERROR");
  const query::Column* state = query::find_column(model::key::state.name);
  // Lists of holders: the reason to use ipcctl, so wrapped rather than cut.
  const query::Column* holders = query::find_column("HOLDERS");
  const query::Column* peer_holders = query::find_column("PEER_HOLDERS");
  const query::Column* comms = query::find_column("COMMS");

  bool holder_list(const query::Column* c) const { return c == holders || c == peer_holders || c == comms; }
  std::string_view color(const query::Column* c, const model::Object& o, const std::string& text) const {
    if (c == ref || c == type) return kind_color(o.kind);
    if (c == error) return "31";
    if (c == state) return state_color(text);
    return {};
  }
};

const Special& special() {
  static const Special k_special;
  return k_special;
}

// The widest word of a cell (a holder, a key=value): the width at which
// wrapping it breaks none.
std::size_t longest_word(std::string_view text) {
  std::size_t best = 0;
  while (!text.empty()) {
    const std::size_t j = std::min(text.find(' '), text.size());
    best = std::max(best, display_width(text.substr(0, j)));
    text.remove_prefix(std::min(j + 1, text.size()));
  }
  return best;
}

} // namespace

std::string render_table(std::span<const model::Object> objects, std::span<const query::Column* const> columns,
                         const TableOptions& opts) {
  std::vector<std::vector<std::string>> rows;
  std::vector<const model::Object*> row_objects;  // null for the headings
  rows.reserve(objects.size() + 1);
  if (opts.headings) {
    auto& head = rows.emplace_back();
    for (const auto* c : columns) head.push_back(c->name);
    row_objects.push_back(nullptr);
  }
  for (const auto& o : objects) {
    auto& row = rows.emplace_back();
    for (const auto* c : columns) row.push_back(cell_string(*c, c->get(o), opts));
    row_objects.push_back(&o);
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

  const Special& sp = special();
  const std::size_t n = columns.size();
  std::vector<std::size_t> widths(n, 0), longest(n, 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < n; ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
      if (columns[i]->wide) longest[i] = std::max(longest[i], longest_word(row[i]));
    }
  // A wide column wraps (-W, and the holder lists always) or is cut.
  std::vector<bool> wraps(n, false);
  for (std::size_t i = 0; i < n; ++i)
    wraps[i] = columns[i]->wide && (opts.overflow == Overflow::wrap || sp.holder_list(columns[i]));

  // Too wide for the terminal: shrink wide columns, the widest first, in
  // rounds: the wrapped ones to their longest word (a holder, up to 32),
  // which loses nothing, then the cut ones to 16 characters, then all of
  // them together to 8 (a wrapped holder still loses nothing: it breaks
  // after its pid). What is still too wide stays so: a cell cut shorter
  // says nothing.
  if (opts.width > 0 && opts.overflow != Overflow::keep) {
    auto total = [&] { return std::accumulate(widths.begin(), widths.end(), std::size_t{0}) + n - 1; };
    // One character at a time from the widest of `which` columns, down to
    // `floor` each.
    auto shrink = [&](auto which, auto floor) {
      while (total() > opts.width) {
        std::size_t widest = n;
        for (std::size_t i = 0; i < n; ++i)
          if (columns[i]->wide && which(i) && widths[i] > floor(i) && (widest == n || widths[i] > widths[widest]))
            widest = i;
        if (widest == n) return;
        --widths[widest];
      }
    };
    auto heading = [&](std::size_t i) { return display_width(columns[i]->name); };
    auto wrapped = [&](std::size_t i) { return wraps[i]; };
    auto cut_ones = [&](std::size_t i) { return !wraps[i]; };
    auto any = [](std::size_t) { return true; };
    shrink(wrapped, [&](std::size_t i) { return std::max({heading(i), std::min<std::size_t>(longest[i], 32), std::size_t{8}}); });
    shrink(cut_ones, [&](std::size_t i) { return std::max<std::size_t>(heading(i), 16); });
    shrink(any, [&](std::size_t i) { return std::max<std::size_t>(heading(i), 8); });
  }

  std::vector<std::vector<std::string>> cells(n);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    std::size_t height = 1;
    for (std::size_t i = 0; i < n; ++i) {
      cells[i].clear();
      if (display_width(row[i]) <= widths[i]) cells[i].push_back(row[i]);
      else if (wraps[i]) cells[i] = wrap_text(row[i], widths[i]);
      else cells[i].push_back(cut(row[i], widths[i]));
      height = std::max(height, cells[i].size());
    }
    for (std::size_t k = 0; k < height; ++k) {
      std::string line;
      for (std::size_t i = 0; i < n; ++i) {
        const std::string text = k < cells[i].size() ? cells[i][k] : std::string();
        const std::size_t pad = widths[i] - std::min(widths[i], display_width(text));
        const std::string_view color =
            opts.color && row_objects[r] != nullptr && !text.empty() ? sp.color(columns[i], *row_objects[r], row[i])
                                                                     : std::string_view();
        const std::string shown = color.empty() ? text : fmt::format("\033[{}m{}\033[0m", color, text);
        if (i > 0) line += ' ';
        if (columns[i]->align == query::Align::right) line.append(pad, ' ') += shown;
        else {
          line += shown;
          if (i + 1 < n) line.append(pad, ' ');
        }
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line;
      out += '\n';
    }
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
