// Filters apply after resolution because they name processes and refs,
// which only resolution knows; events are cheap to drop at this point.
// Records are resolved as their batch comes (the holders of a channel are
// those of that moment), but their lines are written in the order the calls
// entered: a record is made at its call's exit, so a read blocked until a
// write comes arrives after it. Lines wait until no call that entered before
// them is still in flight (Batch::in_flight_since), at most a window.
// Output goes through one buffer per batch: one write per batch, not per line.
// Every write and flush is checked: the first failure is kept for the front
// end to report (as a write error, exit 1), and nothing more is written.
#include <ipcctl/trace/output.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <ctime>

namespace ipcctl::trace {

Output::Output(OutputOptions opts, std::FILE* out, Resolver& resolver)
    : m_opts(std::move(opts)), m_out(out), m_resolver(resolver) {}

void Output::process(int pid, const std::string& comm) { m_resolver.note_process(pid, comm); }
void Output::process_exit(int pid) { m_resolver.note_exit(pid); }
void Output::invalidate() { m_resolver.invalidate(); }
void Output::namespaces_changed(int pid) { m_resolver.note_namespaces_changed(pid); }
void Output::user(model::Kind kind, std::uint64_t channel, int pid, Dir dir, std::string_view addr) {
  if (addr.empty()) m_resolver.note_user(kind, channel, pid, dir);
  else m_resolver.note_sender(kind, addr, pid);
}

bool Output::selects(const Event& e) const {
  const auto& o = m_opts;
  if (!o.pids.empty() && std::find(o.pids.begin(), o.pids.end(), e.rec.pid) == o.pids.end()) return false;
  if (!o.comms.empty() && std::find(o.comms.begin(), o.comms.end(), e.comm) == o.comms.end()) return false;
  if (!o.channels.empty() && std::find(o.channels.begin(), o.channels.end(), e.ref) == o.channels.end())
    return false;
  return true;
}

namespace {

std::int64_t mono_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

// The second record a call made about the same channel (pipe2 gives two
// descriptors of one pipe): one line says it.
bool same_call(const Record& a, const Record& b) {
  return a.tid == b.tid && a.mono_ns == b.mono_ns && a.nr == b.nr && a.op == b.op && a.kind == b.kind &&
         a.channel == b.channel && a.flags == b.flags;
}

} // namespace

void Output::batch(Batch& b) {
  const Record* previous = nullptr;
  for (const Record& r : b.records) {
    const bool repeat = previous && same_call(*previous, r);
    previous = &r;
    Event e = m_resolver.resolve(b, r);
    if (!selects(e)) continue;
    ++m_events;
    if (m_opts.summary) {
      m_summary.add(e);
    } else if (m_opts.json) {
      m_held.emplace(std::pair{r.mono_ns, m_seq++}, event_json(e) + '\n');
    } else if (!repeat) {
      m_held.emplace(std::pair{r.mono_ns, m_seq++}, format_text(e, m_opts.format) + '\n');
    }
  }
  if (m_held.empty()) return;
  const std::int64_t window_end = mono_now() - m_opts.reorder_window_ns;
  release(b.in_flight_since == 0 ? window_end : std::max(b.in_flight_since, window_end));
}

void Output::release(std::int64_t until_ns) {
  const auto end = m_held.lower_bound({until_ns, 0});
  if (end == m_held.begin()) return;
  m_buf.clear();
  if (!m_opts.json && !m_header_written) {
    m_buf += text_header() + '\n';
    m_header_written = true;
  }
  for (auto it = m_held.begin(); it != end; ++it) m_buf += it->second;
  m_held.erase(m_held.begin(), end);
  write(m_buf);
  flush();
}

Summary::Namer Output::namer() {
  return [this](int pid, const std::string& comm) {
    std::string names = m_resolver.names(pid);
    return names.empty() ? comm : names;
  };
}

void Output::failed(int err) {
  if (m_write_error != 0) return;
  m_write_error = err != 0 ? err : EIO;
  if (on_write_error) on_write_error();
}

void Output::write(std::string_view text) {
  if (m_write_error != 0 || text.empty()) return;
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), m_out) != text.size()) failed(errno);
}

void Output::flush() {
  if (m_write_error != 0) return;
  errno = 0;
  if (std::fflush(m_out) != 0) failed(errno);
}

void Output::tick() {
  if (!m_opts.summary || m_summary.empty()) return;
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  if (m_opts.json) write(m_summary.json() + "\n");
  else write(fmt::format("--- {:02}:{:02}:{:02}\n{}", tm.tm_hour, tm.tm_min, tm.tm_sec, m_summary.text(namer())));
  flush();
}

void Output::finish() {
  if (!m_held.empty()) release(INT64_MAX);
  if (m_opts.summary) {
    // Queues and semaphore sets have no holders: their users are known in full only now.
    m_summary.add_peers([&](const Summary::Row& row) {
      switch (row.sample.kind) {
      case model::Kind::sysv_msg:
      case model::Kind::sysv_sem:
      case model::Kind::sysv_shm:
      case model::Kind::posix_mq:
      case model::Kind::eventfd:
        return m_resolver.peers_of(row.sample, row.name);
      default:
        return std::vector<Peer>{};
      }
    });
    if (m_opts.json) write(m_summary.json() + "\n");
    else write(m_summary.text(namer()));
  }
  flush();
}

} // namespace ipcctl::trace
