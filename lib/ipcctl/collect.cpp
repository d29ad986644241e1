// The one explicit table of sources, and the order of a collection: walk
// /proc once (reading maps only when a selected kind needs them), run each
// selected source, then resolve owner names once per distinct id.
#include <ipcctl/collect.hpp>

#include <ipcctl/linux/fd_scan.hpp>
#include <ipcctl/linux/fds.hpp>
#include <ipcctl/linux/locks.hpp>
#include <ipcctl/linux/posixipc.hpp>
#include <ipcctl/linux/signals.hpp>
#include <ipcctl/linux/sockdiag.hpp>
#include <ipcctl/linux/sysvipc.hpp>

#include <fmt/format.h>

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <iterator>
#include <optional>
#include <thread>
#include <climits>
#include <unordered_map>

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
  static const std::array<const Source*, model::k_kind_count> k_sources{
      &sys::sysv_msg_source(),  &sys::sysv_shm_source(), &sys::sysv_sem_source(),    &sys::posix_mq_source(),
      &sys::posix_shm_source(), &sys::posix_sem_source(), &sys::fifo_source(),        &sys::pipe_source(),
      &sys::unix_socket_source(), &sys::tcp_source(),     &sys::udp_source(),         &sys::eventfd_source(),
      &sys::memfd_source(),     &sys::signalfd_source(), &sys::lock_source(),        &sys::signal_source(),
  };
  return k_sources;
}

namespace {

// getpwuid/getgrgid once per distinct id: NSS lookups are slow.
void resolve_names(model::Snapshot& snap) {
  std::unordered_map<std::uint32_t, std::string> users, groups;
  auto user = [&](std::uint32_t uid) -> const std::string& {
    auto [it, fresh] = users.try_emplace(uid);
    if (fresh) {
      if (const passwd* pw = ::getpwuid(uid)) it->second = pw->pw_name;
    }
    return it->second;
  };
  auto group = [&](std::uint32_t gid) -> const std::string& {
    auto [it, fresh] = groups.try_emplace(gid);
    if (fresh) {
      if (const struct group* gr = ::getgrgid(gid)) it->second = gr->gr_name;
    }
    return it->second;
  };
  for (auto& o : snap.objects) {
    if (o.owner.uid) o.owner.user = user(*o.owner.uid);
    if (o.owner.gid) o.owner.group = group(*o.owner.gid);
  }
}

// A socket's peer is listed as an object of its own: copy its holders
// over, so the process at the other end stands beside each socket.
void resolve_peers(model::Snapshot& snap) {
  std::unordered_map<std::string_view, std::size_t> by_ref;
  for (std::size_t i = 0; i < snap.objects.size(); ++i) by_ref.emplace(snap.objects[i].ref, i);
  for (auto& o : snap.objects) {
    if (!o.peer) continue;
    if (auto it = by_ref.find(*o.peer); it != by_ref.end()) o.peer_holders = snap.objects[it->second].holders;
  }
}

} // namespace

Result<model::Snapshot> collect(const sys::ProcRoot& root, const CollectOptions& opts) {
  model::Snapshot snap;
  std::vector<const Source*> selected;
  for (const Source* s : all_sources())
    if (opts.kinds.has(s->kind())) selected.push_back(s);

  sys::WalkOptions walk;
  walk.pids = opts.pids;
  for (const Source* s : selected) walk.maps = walk.maps || s->needs_maps();
  walk.fds = false;
  for (const Source* s : selected) walk.fds = walk.fds || s->needs_fds();
  if (auto r = sys::walk_processes(root, walk, snap); !r) return fail(r.error());

  // Sources only read the walk and add objects of their own kind, so they
  // run on a few threads, each into a part of its own sharing the walk; the
  // parts are joined in the table's order, so output does not depend on
  // which thread finished first.
  std::vector<model::Snapshot> parts(selected.size());
  std::vector<std::optional<Error>> errors(selected.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < selected.size(); i = next++) {
      parts[i].walk = snap.walk;
      if (auto r = selected[i]->collect(root, opts, parts[i]); !r) errors[i] = r.error();
    }
  };
  {
    const std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
    std::vector<std::jthread> workers;
    for (std::size_t t = 1; t < std::min(threads, selected.size()); ++t) workers.emplace_back(work);
    work();
  }
  for (std::size_t i = 0; i < selected.size(); ++i) {
    std::move(parts[i].objects.begin(), parts[i].objects.end(), std::back_inserter(snap.objects));
    for (auto& w : parts[i].warnings) snap.warn(std::move(w));
    if (const auto& e = errors[i])
      snap.warn(e->code == 0 ? e->detail : fmt::format("{}: {}", model::kind_name(selected[i]->kind()), e->message()));
  }
  // Holders in a stable order: by pid, descriptors before mappings.
  for (auto& o : snap.objects) {
    std::stable_sort(o.holders.begin(), o.holders.end(), [](const model::Holder& a, const model::Holder& b) {
      if (a.pid != b.pid) return a.pid < b.pid;
      return a.fd.value_or(INT32_MAX) < b.fd.value_or(INT32_MAX);
    });
  }
  resolve_names(snap);
  resolve_peers(snap);
  return snap;
}

} // namespace ipcctl
