// Output is a second stage: the tracer hands over flat Records, and only
// here do they become text, so the cost of formatting is paid once per
// event, outside the stops. Text is for people (aligned columns, arrows,
// 4.0K sizes); JSON keeps every number a number and every field present.
// Commands, refs and addresses are chosen by the traced programs: in text,
// each goes through terminal_safe (payloads have their own escaping), so
// that a process renamed "\x1b[2J" or "a\nREF x y" prints as just that.
#include <ipcctl/trace/format.hpp>

#include <ipcctl/util/escape.hpp>

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <iterator>
#include <optional>
#include <set>
#include <tuple>

namespace ipcctl::trace {

std::string signal_name(int sig) {
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) return sig == SIGRTMIN ? "SIGRTMIN" : fmt::format("SIGRTMIN+{}", sig - SIGRTMIN);
  if (const char* abbrev = ::sigabbrev_np(sig)) return fmt::format("SIG{}", abbrev);
  return fmt::format("SIG{}", sig);
}

std::string errno_name(int err) {
  if (const char* name = ::strerrorname_np(err)) return name;
  return fmt::format("E{}", err);
}

namespace {

// The errno a syscall result carries: the kernel returns -1..-4095 for an
// error (its IS_ERR_VALUE); anything else is a value, however negative.
std::optional<int> result_errno(std::int64_t result) {
  if (result < 0 && result >= -4095) return static_cast<int>(-result);
  return std::nullopt;
}

// The columns `text` takes on a terminal: its code points (names are
// terminal_safe, so none is a control or a combining one).
std::size_t columns(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

// A duration as a number and its unit, to two or three figures.
std::pair<std::string, std::string_view> duration_parts(std::int64_t ns) {
  const double v = static_cast<double>(ns);
  // Each unit up to where its rounded figure would reach the next one.
  if (ns < 1000) return {fmt::format("{}", ns), "ns"};
  if (v < 9'950) return {fmt::format("{:.1f}", v / 1e3), "µs"};
  if (v < 999'500) return {fmt::format("{:.0f}", v / 1e3), "µs"};
  if (v < 9'950'000) return {fmt::format("{:.1f}", v / 1e6), "ms"};
  if (v < 999'500'000) return {fmt::format("{:.0f}", v / 1e6), "ms"};
  if (v < 9'950'000'000) return {fmt::format("{:.1f}", v / 1e9), "s"};
  return {fmt::format("{:.0f}", v / 1e9), "s"};
}

} // namespace

std::string human_bytes(std::uint64_t n) {
  if (n < 1024) return fmt::format(FMT_COMPILE("{}B"), n);
  static constexpr const char* k_units = "KMGTPE";
  double v = static_cast<double>(n);
  int u = -1;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  return fmt::format("{:.1f}{}", v, k_units[u]);
}

std::string rfc3339_us(std::int64_t wall_ns) {
  const std::time_t secs = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, (wall_ns % 1'000'000'000) / 1000);
}

std::string who(const std::string& comm, int pid) {
  std::string out;
  out.reserve(comm.size() + 10);
  append_terminal_safe(out, comm);
  fmt::format_to(std::back_inserter(out), FMT_COMPILE("[{}]"), pid);
  return out;
}

std::string duration_text(std::int64_t ns) {
  if (ns < 0) return "";
  auto [number, unit] = duration_parts(ns);
  return number.append(unit);
}

std::string duration_range_text(std::int64_t low, std::int64_t high) {
  auto [lo, lo_unit] = duration_parts(low);
  auto [hi, hi_unit] = duration_parts(high);
  if (lo_unit == hi_unit) return fmt::format("{}-{}{}", lo, hi, hi_unit);
  return fmt::format("{}{}-{}{}", lo, lo_unit, hi, hi_unit);
}

namespace {

std::string clock_text(std::int64_t wall_ns, bool utc) {
  // Events come many to a second: convert the second once.
  thread_local std::time_t last_secs = -1;
  thread_local bool last_utc = false;
  thread_local std::string last_hms;
  const std::time_t secs = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  if (secs != last_secs || utc != last_utc) {
    std::tm tm{};
    if (utc) ::gmtime_r(&secs, &tm);
    else ::localtime_r(&secs, &tm);
    last_hms = fmt::format("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec);
    last_secs = secs;
    last_utc = utc;
  }
  return fmt::format(FMT_COMPILE("{}.{:06}"), last_hms, (wall_ns % 1'000'000'000) / 1000);
}

// Appends `text` padded with spaces to `width` columns (on the left when
// `right`). fmt's own padding measures every string's width by decoding its
// UTF-8, which was most of the cost of a traced event's line; ASCII, the
// usual case, is measured by its length, and only other text goes to fmt.
void pad(std::string& out, std::string_view text, std::size_t width, bool right) {
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii) {
    if (right) fmt::format_to(std::back_inserter(out), "{:>{}}", text, width);
    else fmt::format_to(std::back_inserter(out), "{:<{}}", text, width);
    return;
  }
  const std::size_t fill = width > text.size() ? width - text.size() : 0;
  if (right) out.append(fill, ' ');
  out += text;
  if (!right) out.append(fill, ' ');
}

std::string peers_text(const std::vector<Peer>& peers) {
  if (peers.empty()) return "?";
  std::string out;
  for (const auto& p : peers) out += (out.empty() ? "" : ",") + who(p.comm, p.pid);
  return out;
}

std::string escaped(std::string_view bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '"' || c == '\\') out += {'\\', static_cast<char>(c)};
    else if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
    else fmt::format_to(std::back_inserter(out), FMT_COMPILE("\\x{:02x}"), c);
  }
  return out + "\"";
}

std::string hex_text(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) fmt::format_to(std::back_inserter(out), FMT_COMPILE("{:02x}"), c);
  return out;
}

bool is_data(Op op) { return op == Op::send || op == Op::recv; }

// The event's own words after the size: signal names, addresses, ops.
std::string what_text(const Event& e) {
  const Record& r = e.rec;
  if (r.kind == model::Kind::signal) {
    std::string s = signal_name(r.aux);
    if (r.op == Op::signal_send && !e.name.empty()) s += " to " + terminal_safe(e.name);
    return s;
  }
  if (r.op == Op::fd_pass) return "SCM_RIGHTS " + terminal_safe(e.name);
  if (!e.name.empty() && r.kind != model::Kind::fifo && r.kind != model::Kind::posix_mq &&
      r.kind != model::Kind::posix_shm)
    return terminal_safe(e.name);
  return "";
}

} // namespace

std::string hex_dump(std::string_view bytes, std::string_view indent) {
  std::string out;
  for (std::size_t off = 0; off < bytes.size(); off += 16) {
    const std::string_view line = bytes.substr(off, 16);
    std::string hex, ascii;
    for (std::size_t i = 0; i < 16; ++i) {
      if (i < line.size()) hex += fmt::format("{:02x} ", static_cast<unsigned char>(line[i]));
      else hex += "   ";
      if (i == 7) hex += ' ';
    }
    for (unsigned char c : line) ascii += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
    out += fmt::format("{}{:04x}  {} |{}|\n", indent, off, hex, ascii);
  }
  return out;
}

std::string format_text(const Event& e, const FormatOptions& opts) {
  const Record& r = e.rec;
  const std::string self = who(e.comm, r.pid);
  std::string arrow = "  ", other;
  if (r.dir == Dir::out || r.op == Op::signal_send) {
    arrow = "->";
    other = peers_text(e.peers);
  } else if (r.dir == Dir::in) {
    arrow = "<-";
    other = peers_text(e.peers);
  } else if (!e.peers.empty()) {
    arrow = "--";
    other = peers_text(e.peers);
  }
  std::string size;
  if (is_data(r.op)) {
    size = human_bytes(r.transferred);
    if (r.flags & k_entry_only) size = "<=" + size;
  }
  std::string outcome;
  if (const auto err = result_errno(r.result); err && !(r.flags & k_entry_only)) outcome = errno_name(*err);
  std::string line = clock_text(r.wall_ns, opts.utc);
  line.reserve(128);
  const auto column = [&line](std::string_view text, std::size_t width, bool right = false) {
    line += ' ';
    pad(line, text, width, right);
  };
  column(self, 22);
  column(arrow, 0);
  column(other, 22);
  const std::string ref = e.ref.empty() ? std::string(model::kind_name(r.kind)) : terminal_safe(e.ref);
  column(ref, 24);
  column(e.syscall.empty() ? std::string_view(op_name(r.op)) : std::string_view(e.syscall), 10);
  column(size, 7, true);
  const std::string what = what_text(e);
  if (!what.empty()) line += " " + what;
  if (!outcome.empty()) line += " " + outcome;
  if (r.duration_ns >= 0) line += " (" + duration_text(r.duration_ns) + ")";
  if (!e.payload.empty() && !opts.hex) line += " " + escaped(e.payload);
  while (!line.empty() && line.back() == ' ') line.pop_back();
  if (!e.payload.empty() && opts.hex) {
    line += "\n" + hex_dump(e.payload, "    ");
    line.pop_back();
  }
  return line;
}

std::string text_header() {
  std::string line;
  const auto column = [&line](std::string_view text, std::size_t width, bool right = false) {
    if (!line.empty()) line += ' ';
    pad(line, text, width, right);
  };
  column("TIME", 15);  // HH:MM:SS.uuuuuu
  column("PROCESS", 22);
  column("", 2);  // the arrow
  column("PEER", 22);
  column("CHANNEL", 24);
  column("CALL", 10);
  column("SIZE", 7, true);
  line += " DETAIL";
  return line;
}

namespace {

// The peers of an event or a summary row: [{"pid", "comm"}].
void write_peers(render::JsonWriter& w, const std::vector<Peer>& peers) {
  w.begin_array();
  for (const auto& p : peers) w.begin_object().field("pid", p.pid).field("comm", p.comm).end_object();
  w.end_array();
}

// A string, or null when empty.
void text_or_null(render::JsonWriter& w, std::string_view key, std::string_view s) {
  w.key(key);
  if (s.empty()) w.null();
  else w.value(s);
}

} // namespace

void write_event_json(render::JsonWriter& w, const Event& e) {
  const Record& r = e.rec;
  const bool exact = !(r.flags & k_entry_only);
  const bool data = is_data(r.op);
  const auto err = result_errno(r.result);
  w.begin_object();
  w.field("time", rfc3339_us(r.wall_ns));
  w.field("mono_ns", r.mono_ns);
  w.field("pid", r.pid);
  w.field("tid", r.tid);
  w.field("comm", e.comm);
  text_or_null(w, "syscall", e.syscall);
  w.field("mechanism", model::kind_name(r.kind));
  w.field("op", op_name(r.op));
  text_or_null(w, "ref", e.ref);
  w.key("fd");
  if (r.fd >= 0) w.value(r.fd);
  else w.null();
  w.key("direction");
  if (r.dir == Dir::none) w.null();
  else w.value(dir_name(r.dir));
  w.key("bytes_requested");
  if (data) w.value(r.requested);
  else w.null();
  w.key("bytes");
  if (data) w.value(r.transferred);
  else w.null();
  w.field("exact", exact);
  w.key("result");
  if (exact) w.value(r.result);
  else w.null();
  w.key("errno");
  if (exact && err) w.value(errno_name(*err));
  else w.null();
  w.key("duration_ns");
  if (r.duration_ns >= 0) w.value(r.duration_ns);
  else w.null();
  w.key("peers");
  write_peers(w, e.peers);
  w.key("namespace");
  if (e.ns) w.begin_object().field("type", model::ns_type_name(e.ns->first)).field("inode", e.ns->second).end_object();
  else w.null();
  w.key("detail").begin_object();
  if (r.kind == model::Kind::signal) {
    w.field("signal", signal_name(r.aux));
    w.field("signo", r.aux);
    if (r.op == Op::signal_send) {
      w.field("target", r.target);
    } else {
      w.key("sender");
      if (r.channel) w.value(r.channel);
      else w.null();
    }
    if (!e.name.empty()) w.field("group", e.name);
  } else if (r.op == Op::fd_pass) {
    w.field("fd_count", r.target);
    w.field("fds", e.name);
  } else if (r.kind == model::Kind::sysv_sem) {
    if (r.op == Op::sem_op) w.field("nsops", r.requested);
    if (!e.name.empty()) w.field("ops", e.name);
  } else if ((r.kind == model::Kind::unix_socket || r.kind == model::Kind::tcp || r.kind == model::Kind::udp) &&
             !e.name.empty()) {
    w.field("address", e.name);
  } else if (r.kind == model::Kind::memfd && !e.name.empty()) {
    w.field("name", e.name);
  }
  if ((r.kind == model::Kind::sysv_shm || r.kind == model::Kind::posix_shm || r.kind == model::Kind::memfd) &&
      r.op != Op::detach && r.requested)
    w.field("size_bytes", r.requested);
  if (r.kind == model::Kind::unix_socket && r.sock_type) {
    w.field("sock_type", r.sock_type == 1   ? "stream"
                         : r.sock_type == 2 ? "dgram"
                         : r.sock_type == 5 ? "seqpacket"
                                            : "unknown");
  }
  if (data && r.aux > 0) w.field("messages", r.aux);
  w.end_object();
  w.key("payload_hex");
  if (e.payload.empty()) w.null();
  else w.value(hex_text(e.payload));
  w.end_object();
}

std::string event_json(const Event& e) {
  std::string out;
  render::JsonWriter w(out, false, render::JsonWriter::Strings::nlohmann);
  write_event_json(w, e);
  return out;
}

std::int64_t percentile(std::vector<std::int64_t> values, double p) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  std::size_t rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size()) + 0.999999);
  rank = std::clamp<std::size_t>(rank, 1, values.size());
  return values[rank - 1];
}

void Summary::merge(std::vector<Peer>& into, const std::vector<Peer>& more) {
  for (const auto& p : more)
    if (std::find_if(into.begin(), into.end(), [&](const Peer& q) { return q.pid == p.pid; }) == into.end())
      into.push_back(p);
  std::sort(into.begin(), into.end(), [](const Peer& a, const Peer& b) { return a.pid < b.pid; });
}

Summary::Row* Summary::row_for(const Event& e) {
  const Record& r = e.rec;
  const bool counted = is_data(r.op) || r.op == Op::sem_op || r.op == Op::signal_send;
  if (!counted) return nullptr;
  Row& row = m_rows[{e.ref.empty() ? std::string(model::kind_name(r.kind)) : e.ref, r.pid, static_cast<int>(r.dir)}];
  if (row.messages == 0 && row.errors == 0) {
    row.ref = e.ref.empty() ? std::string(model::kind_name(r.kind)) : e.ref;
    row.mechanism = model::kind_name(r.kind);
    row.pid = r.pid;
    row.comm = e.comm;
    row.dir = r.op == Op::signal_send ? Dir::out : r.dir;
    row.sample = r;
    row.name = e.name;
  }
  merge(row.peers, e.peers);
  return &row;
}

void Summary::add(const Event& e) {
  Row* row = row_for(e);
  if (!row) return;
  const Record& r = e.rec;
  if (result_errno(r.result) && !(r.flags & k_entry_only)) {
    ++row->errors;
  } else {
    row->messages += r.aux > 0 && is_data(r.op) ? static_cast<std::uint64_t>(r.aux) : 1;
    if (is_data(r.op)) row->bytes += r.transferred;
  }
  if (r.duration_ns >= 0) row->durations_ns.push_back(r.duration_ns);
}

void Summary::add_totals(const Event& e, std::uint64_t messages, std::uint64_t bytes, std::uint64_t errors,
                         const std::vector<std::pair<std::int64_t, std::uint64_t>>& durations) {
  Row* row = row_for(e);
  if (!row) return;
  row->messages += messages;
  row->bytes += bytes;
  row->errors += errors;
  row->duration_counts.insert(row->duration_counts.end(), durations.begin(), durations.end());
}

Summary::Quantile Summary::row_percentile(const Row& row, double p) {
  if (row.duration_counts.empty()) return {percentile(row.durations_ns, p), false};
  // (value, count, whether the value is a bucket's low end)
  std::vector<std::tuple<std::int64_t, std::uint64_t, bool>> counts;
  for (const auto& [low, n] : row.duration_counts) counts.emplace_back(low, n, true);
  for (auto d : row.durations_ns) counts.emplace_back(d, 1, false);
  std::sort(counts.begin(), counts.end());
  std::uint64_t total = 0;
  for (const auto& c : counts) total += std::get<1>(c);
  if (total == 0) return {};
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(p / 100.0 * static_cast<double>(total) + 0.999999));
  std::uint64_t seen = 0;
  for (const auto& [value, n, bucket] : counts) {
    seen += n;
    if (seen >= rank) return {value, bucket};
  }
  return {std::get<0>(counts.back()), std::get<2>(counts.back())};
}

namespace {

// A percentile as the table shows it: a bucket as the range it stands for.
std::string quantile_text(std::int64_t ns, bool bucket) {
  if (ns < 0) return "-";
  if (bucket && ns >= k_last_bucket_low) return ">" + duration_text(ns);  // the last bucket has no end
  return bucket ? duration_range_text(ns, 2 * ns) : duration_text(ns);
}

// As the JSON has it: a bucket by its middle.
std::int64_t quantile_ns(std::int64_t ns, bool bucket) { return bucket && ns > 0 ? ns * 3 / 2 : ns; }

// Cells in aligned columns, two spaces apart; `right` from column `first_right` on.
std::string aligned(const std::vector<std::vector<std::string>>& cells, std::size_t first_right) {
  std::vector<std::size_t> width;
  for (const auto& c : cells)
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], columns(c[i]));
    }
  std::string out;
  for (const auto& c : cells) {
    std::string line;
    for (std::size_t i = 0; i < c.size(); ++i) {
      pad(line, c[i], width[i], i >= first_right);
      if (i + 1 < c.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

} // namespace

std::vector<const Summary::Row*> Summary::sorted() const {
  std::vector<const Row*> rows;
  for (const auto& [key, row] : m_rows) rows.push_back(&row);
  std::stable_sort(rows.begin(), rows.end(), [](const Row* a, const Row* b) {
    if (a->bytes != b->bytes) return a->bytes > b->bytes;
    return a->messages > b->messages;
  });
  return rows;
}

std::string Summary::text(const Namer& name) const {
  const auto who_is = [&](int pid, const std::string& comm) { return who(name ? name(pid, comm) : comm, pid); };
  const auto peers_named = [&](const std::vector<Peer>& peers) {
    if (peers.empty()) return std::string("?");
    std::string out;
    for (const auto& p : peers) out += (out.empty() ? "" : ",") + who_is(p.pid, p.comm);
    return out;
  };
  const std::vector<const Row*> rows = sorted();

  // Who talked to whom: each message once, at its sender where the sender
  // was traced (a channel with send rows), else at its receiver.
  std::set<std::string> sent_on;
  for (const Row* row : rows)
    if (row->dir == Dir::out) sent_on.insert(row->ref);
  struct Pair {
    std::string from, to;
    std::set<std::string> channels;
    std::uint64_t messages = 0, bytes = 0;
  };
  std::vector<Pair> pairs;
  std::set<std::string> all_channels;
  std::uint64_t all_messages = 0, all_bytes = 0;
  for (const Row* row : rows) {
    if (row->dir == Dir::in && sent_on.count(row->ref)) continue;
    const std::string self = who_is(row->pid, row->comm), other = peers_named(row->peers);
    const bool in = row->dir == Dir::in;
    std::string from = in ? other : self, to = in ? self : other;
    auto it = std::find_if(pairs.begin(), pairs.end(), [&](const Pair& p) { return p.from == from && p.to == to; });
    if (it == pairs.end()) it = pairs.insert(pairs.end(), Pair{std::move(from), std::move(to), {}, 0, 0});
    it->channels.insert(row->ref);
    it->messages += row->messages;
    it->bytes += row->bytes;
    all_channels.insert(row->ref);
    all_messages += row->messages;
    all_bytes += row->bytes;
  }
  std::stable_sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) {
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    return a.messages > b.messages;
  });
  std::vector<std::vector<std::string>> talk{{"FROM", "", "TO", "CHANNELS", "MSGS", "BYTES"}};
  for (const Pair& p : pairs)
    talk.push_back({p.from, "->", p.to, std::to_string(p.channels.size()), std::to_string(p.messages), std::to_string(p.bytes)});
  talk.push_back({"total", "", fmt::format("{} pair{}", pairs.size(), pairs.size() == 1 ? "" : "s"),
                  std::to_string(all_channels.size()), std::to_string(all_messages), std::to_string(all_bytes)});

  std::vector<std::vector<std::string>> cells;
  cells.push_back({"CHANNEL", "SIDE", "FROM", "", "TO", "MSGS", "BYTES", "ERRORS", "P50", "P99"});
  for (const Row* row : rows) {
    const std::string self = who_is(row->pid, row->comm);
    const std::string other = peers_named(row->peers);
    const bool in = row->dir == Dir::in;
    const auto p50 = row_percentile(*row, 50), p99 = row_percentile(*row, 99);
    const std::string side = row->dir == Dir::out ? "send" : in ? "recv" : "-";
    cells.push_back({terminal_safe(row->ref), side, in ? other : self, "->", in ? self : other,
                     std::to_string(row->messages), std::to_string(row->bytes), std::to_string(row->errors),
                     quantile_text(p50.ns, p50.bucket), quantile_text(p99.ns, p99.bucket)});
  }
  return aligned(talk, 3) + "\n" + aligned(cells, 5);
}

std::string Summary::json() const {
  std::string out;
  render::JsonWriter w(out, false, render::JsonWriter::Strings::nlohmann);
  w.begin_object();
  w.field("schema", k_schema);
  w.key("summary").begin_array();
  for (const Row* row : sorted()) {
    const auto q50 = row_percentile(*row, 50), q99 = row_percentile(*row, 99);
    const std::int64_t p50 = quantile_ns(q50.ns, q50.bucket), p99 = quantile_ns(q99.ns, q99.bucket);
    w.begin_object();
    w.field("ref", row->ref);
    w.field("mechanism", row->mechanism);
    w.field("pid", row->pid);
    w.field("comm", row->comm);
    w.key("direction");
    if (row->dir == Dir::none) w.null();
    else w.value(dir_name(row->dir));
    w.key("peers");
    write_peers(w, row->peers);
    w.field("messages", row->messages);
    w.field("bytes", row->bytes);
    w.field("errors", row->errors);
    w.key("p50_ns");
    if (p50 < 0) w.null();
    else w.value(p50);
    w.key("p99_ns");
    if (p99 < 0) w.null();
    else w.value(p99);
    w.end_object();
  }
  w.end_array();
  w.field("lost_events", m_lost);
  w.end_object();
  return out;
}

} // namespace ipcctl::trace
