// The one explicit table of sources, each system's in its own list, and
// the part of a collection every system shares: choose the selected
// sources, run them (run_sources), and hand them to the system's walk
// (collect_system, in linux/collect.cpp or windows/collect.cpp).
#include <ipcctl/collect.hpp>

#ifdef _WIN32
#include <ipcctl/windows/source.hpp>
#else
#include <ipcctl/linux/fds.hpp>
#include <ipcctl/linux/locks.hpp>
#include <ipcctl/linux/mappings.hpp>
#include <ipcctl/linux/posixipc.hpp>
#include <ipcctl/linux/signals.hpp>
#include <ipcctl/linux/sockdiag.hpp>
#include <ipcctl/linux/sysvipc.hpp>
#endif

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <iterator>
#include <optional>
#include <thread>

namespace ipcctl {

bool CollectOptions::selects(std::int64_t pid) const {
  return pids.empty() || std::find(pids.begin(), pids.end(), pid) != pids.end();
}

bool CollectOptions::keeps(const model::Object& o, std::initializer_list<std::int64_t> also) const {
  if (pids.empty()) return true;
  for (const auto& h : o.holders)
    if (selects(h.pid)) return true;
  for (auto pid : also)
    if (selects(pid)) return true;
  return false;
}

std::span<const Source* const> all_sources() {
#ifdef _WIN32
  static const std::array k_sources{
      &win::section_source(), &win::event_source(),   &win::mutant_source(), &win::semaphore_source(),
      &win::alpc_source(),    &win::pipe_source(),    &win::mailslot_source(), &win::tcp_source(),
      &win::udp_source(),     &win::unix_socket_source(),
  };
#else
  static const std::array k_sources{
      &sys::sysv_msg_source(),  &sys::sysv_shm_source(), &sys::sysv_sem_source(),    &sys::posix_mq_source(),
      &sys::posix_shm_source(), &sys::posix_sem_source(), &sys::fifo_source(),        &sys::pipe_source(),
      &sys::unix_socket_source(), &sys::tcp_source(),     &sys::udp_source(),         &sys::netlink_source(),
      &sys::eventfd_source(),
      &sys::memfd_source(),     &sys::anon_shm_source(), &sys::mapped_file_source(),
      &sys::signalfd_source(),  &sys::lock_source(),     &sys::signal_source(),
  };
#endif
  return k_sources;
}

namespace collecting {

// Runs `sources` into one part sharing `walk`: a source that fails becomes
// a warning. Sources only read the walk and add objects of their own kind,
// so with `threads` > 1 they run on several threads, each into a part of
// its own; the parts are joined in the table's order, so the output does
// not depend on which thread finished first.
model::Snapshot run_sources(std::span<const Source* const> sources, const SourceContext& ctx,
                            const CollectOptions& opts, const std::shared_ptr<model::Walk>& walk,
                            std::size_t threads) {
  std::vector<model::Snapshot> parts(sources.size());
  std::vector<std::optional<Error>> errors(sources.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < sources.size(); i = next++) {
      parts[i].walk = walk;
      if (auto r = sources[i]->collect(ctx, opts, parts[i]); !r) errors[i] = r.error();
    }
  };
  {
    std::vector<std::jthread> workers;
    for (std::size_t t = 1; t < std::min(threads, sources.size()); ++t) workers.emplace_back(work);
    work();
  }
  model::Snapshot out;
  out.walk = walk;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    std::move(parts[i].objects.begin(), parts[i].objects.end(), std::back_inserter(out.objects));
    out.subjects.merge(parts[i].subjects);
    for (auto& w : parts[i].warnings) out.warn(std::move(w));
    if (const auto& e = errors[i])
      out.warn(e->code == 0 ? e->detail : fmt::format("{}: {}", model::kind_name(sources[i]->kind()), e->message()));
  }
  return out;
}

} // namespace collecting

Result<model::Snapshot> collect(const CollectOptions& opts) {
  std::vector<const Source*> selected;
  for (const Source* s : all_sources())
    if (opts.kinds.has(s->kind())) selected.push_back(s);
  return collecting::collect_system(selected, opts);
}

} // namespace ipcctl
