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
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <array>
#include <condition_variable>
#include <iterator>
#include <mutex>
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

std::size_t collect_threads() {
  if (const char* env = std::getenv("IPCCTL_THREADS")) {
    unsigned n = 0;
    const char* end = env + std::strlen(env);
    if (auto [p, ec] = std::from_chars(env, end, n); ec == std::errc() && p == end && n >= 1 && n <= 64) return n;
  }
  return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
}

namespace collecting {

// Each source fills a part of its own sharing `walk`; sources only read the
// walk and add objects of their own kind, so several may run at once. The
// parts are handed over in the table's order, so the output does not depend
// on which thread finished first; a source that fails becomes a warning.
void run_sources_each(std::span<const Source* const> sources, const SourceContext& ctx, const CollectOptions& opts,
                      const std::shared_ptr<model::Walk>& walk, std::size_t threads,
                      const std::function<void(model::Snapshot& part)>& each) {
  const std::size_t n = sources.size();
  std::vector<model::Snapshot> parts(n);
  auto run = [&](std::size_t i) {
    parts[i].walk = walk;
    if (auto r = sources[i]->collect(ctx, opts, parts[i]); !r) {
      const Error& e = r.error();
      parts[i].warn(e.code == 0 ? e.detail : fmt::format("{}: {}", model::kind_name(sources[i]->kind()), e.message()));
    }
  };
  auto hand_over = [&](std::size_t i) {
    each(parts[i]);
    std::vector<model::Object>().swap(parts[i].objects);
  };
  if (threads <= 1 || n <= 1) {
    for (std::size_t i = 0; i < n; ++i) run(i), hand_over(i);
    return;
  }
  // Workers take the slow sources first, then the others in the table's
  // order, each at most `ahead` parts beyond the last one handed over, so
  // finished parts waiting for one before them do not pile up.
  std::vector<std::size_t> start;
  for (std::size_t i = 0; i < n; ++i)
    if (sources[i]->slow()) start.push_back(i);
  for (std::size_t i = 0; i < n; ++i)
    if (!sources[i]->slow()) start.push_back(i);
  const std::size_t ahead = 2 * threads;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<char> done(n, 0);
  std::size_t next = 0, handed = 0;  // next: into `start`
  bool stop = false;
  auto may_start = [&] {
    return next < n && (sources[start[next]]->slow() || start[next] < handed + ahead);
  };
  auto work = [&] {
    for (;;) {
      std::size_t i = 0;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return stop || next >= n || may_start(); });
        if (stop || next >= n) return;
        i = start[next++];
      }
      run(i);
      {
        std::lock_guard lock(mutex);
        done[i] = 1;
      }
      changed.notify_all();
    }
  };
  std::vector<std::jthread> workers;
  for (std::size_t t = 0; t < std::min(threads, n); ++t) workers.emplace_back(work);
  try {
    for (std::size_t i = 0; i < n; ++i) {
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return done[i] != 0; });
      }
      hand_over(i);
      {
        std::lock_guard lock(mutex);
        ++handed;
      }
      changed.notify_all();
    }
  } catch (...) {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    changed.notify_all();
    throw;  // the workers are joined on the way out
  }
}

model::Snapshot run_sources(std::span<const Source* const> sources, const SourceContext& ctx,
                            const CollectOptions& opts, const std::shared_ptr<model::Walk>& walk,
                            std::size_t threads) {
  model::Snapshot out;
  out.walk = walk;
  run_sources_each(sources, ctx, opts, walk, threads, [&](model::Snapshot& part) {
    if (out.objects.empty()) out.objects = std::move(part.objects);
    else std::move(part.objects.begin(), part.objects.end(), std::back_inserter(out.objects));
    out.subjects.merge(part.subjects);
    for (auto& w : part.warnings) out.warn(std::move(w));
  });
  return out;
}

} // namespace collecting

Result<model::Snapshot> collect(const CollectOptions& opts) {
  std::vector<const Source*> selected;
  for (const Source* s : all_sources())
    if (opts.kinds.has(s->kind())) selected.push_back(s);
  return collecting::collect_system(selected, opts);
}

Result<model::Snapshot> collect(const CollectOptions& opts, const ObjectSink& each) {
  std::vector<const Source*> selected;
  for (const Source* s : all_sources())
    if (opts.kinds.has(s->kind())) selected.push_back(s);
  return collecting::collect_system(selected, opts, &each);
}

} // namespace ipcctl
