// Filters apply after resolution because they name processes and refs,
// which only resolution knows; events are cheap to drop at this point.
// Output goes through one buffer per batch: one write per batch, not per line.
#include <ipcctl/trace/output.hpp>

#include <fmt/format.h>

#include <algorithm>
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

void Output::batch(Batch& b) {
  m_buf.clear();
  for (const Record& r : b.records) {
    Event e = m_resolver.resolve(b, r);
    if (!selects(e)) continue;
    ++m_events;
    if (m_opts.summary) {
      m_summary.add(e);
    } else if (m_opts.json) {
      m_buf += event_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      m_buf += '\n';
    } else {
      m_buf += format_text(e, m_opts.format);
      m_buf += '\n';
    }
  }
  if (!m_buf.empty()) {
    std::fwrite(m_buf.data(), 1, m_buf.size(), m_out);
    std::fflush(m_out);
  }
}

void Output::tick() {
  if (!m_opts.summary || m_summary.empty()) return;
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  if (m_opts.json) fmt::print(m_out, "{}\n", m_summary.json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  else fmt::print(m_out, "--- {:02}:{:02}:{:02}\n{}", tm.tm_hour, tm.tm_min, tm.tm_sec, m_summary.text());
  std::fflush(m_out);
}

void Output::finish() {
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
    if (m_opts.json) fmt::print(m_out, "{}\n", m_summary.json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    else fmt::print(m_out, "{}", m_summary.text());
  }
  std::fflush(m_out);
}

} // namespace ipcctl::trace
