// A collection on Linux: walk /proc once (reading maps only when a
// selected kind needs them), run each selected source in ipcctl's own
// namespaces and in each other one asked for, then resolve owner names
// once per distinct id and join each socket to its peer's holders.
#include <ipcctl/linux/source.hpp>

#include <ipcctl/linux/fd_scan.hpp>
#include <ipcctl/linux/namespaces.hpp>

#include <fmt/format.h>

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <climits>
#include <iterator>
#include <optional>
#include <span>
#include <thread>
#include <unordered_map>

namespace ipcctl {

namespace {

// getpwuid/getgrgid once per distinct id: NSS lookups are slow.
class NameCache {
public:
  void resolve(std::span<model::Object> objects) {
    for (auto& o : objects) {
      if (o.owner.uid) o.owner.user = lookup(m_users, *o.owner.uid, [](std::uint32_t id) {
        const passwd* pw = ::getpwuid(id);
        return pw != nullptr ? std::string(pw->pw_name) : std::string();
      });
      if (o.owner.gid) o.owner.group = lookup(m_groups, *o.owner.gid, [](std::uint32_t id) {
        const struct group* gr = ::getgrgid(id);
        return gr != nullptr ? std::string(gr->gr_name) : std::string();
      });
    }
  }

private:
  template <class Find>
  static const std::string& lookup(std::unordered_map<std::uint32_t, std::string>& cache, std::uint32_t id, Find find) {
    auto [it, fresh] = cache.try_emplace(id);
    if (fresh) it->second = find(id);
    return it->second;
  }
  std::unordered_map<std::uint32_t, std::string> m_users, m_groups;
};

// A socket's peer is listed as an object of its own, of its own kind:
// copy its holders over, so the process at the other end stands beside
// each socket.
void resolve_peers(std::span<model::Object> objects) {
  if (std::none_of(objects.begin(), objects.end(), [](const model::Object& o) { return o.peer.has_value(); })) return;
  std::unordered_map<std::string_view, std::size_t> by_ref;
  by_ref.reserve(objects.size());
  for (std::size_t i = 0; i < objects.size(); ++i) by_ref.emplace(objects[i].ref, i);
  for (auto& o : objects) {
    if (!o.peer) continue;
    if (auto it = by_ref.find(*o.peer); it != by_ref.end()) o.peer_holders = objects[it->second].holders;
  }
}

// What every object gets once its source is done: holders in a stable
// order (by pid, descriptors before mappings), owner names, and its peer's
// holders.
void finish(std::span<model::Object> objects, NameCache& names) {
  for (auto& o : objects) {
    std::stable_sort(o.holders.begin(), o.holders.end(), [](const model::Holder& a, const model::Holder& b) {
      if (a.pid != b.pid) return a.pid < b.pid;
      return a.fd.value_or(INT32_MAX) < b.fd.value_or(INT32_MAX);
    });
  }
  names.resolve(objects);
  resolve_peers(objects);
}

std::string describe(const NsTarget& t) {
  std::string text = fmt::format("{} namespace {}", model::ns_type_name(t.ns.type), t.ns.inode);
  if (t.pid > 0) text += fmt::format(" (pid {}", t.pid);
  else text += fmt::format(" ({}", t.ns.path);
  if (t.ns.container) text += fmt::format(", {} container {}", t.ns.container->runtime, t.ns.container->id.substr(0, 12));
  return text + ")";
}

// Reads the namespaced kinds of one namespace not ipcctl's own, from a
// thread inside it, and marks what it finds as that namespace's.
void collect_foreign(const NsTarget& target, std::span<const Source* const> sources, const sys::ProcRoot& root,
                     CollectOptions opts, model::Snapshot& snap) {
  std::vector<const Source*> mine;
  for (const Source* s : sources)
    if (model::ns_type_of(s->kind()) == target.ns.type) mine.push_back(s);
  if (mine.empty()) return;
  opts.ipc_ns = target.ns.type == model::NsType::ipc ? target.ns.inode : 0;
  opts.scan_dirs.clear();  // files are not in a namespace: the own run lists them
  model::Snapshot part;
  auto entered = sys::run_in_namespace(target.ns, [&](const std::string& mqueue_error) {
    std::string skipped;
    const auto mq = std::find_if(mine.begin(), mine.end(), [](const Source* s) { return s->kind() == model::Kind::posix_mq; });
    if (!mqueue_error.empty() && mq != mine.end()) {
      mine.erase(mq);
      skipped = fmt::format("its POSIX message queues are not listed: {}", mqueue_error);
    }
    part = collecting::run_sources(mine, root, opts, snap.walk, 1);
    if (!skipped.empty()) part.warn(std::move(skipped));
  });
  const bool ipc = target.ns.type == model::NsType::ipc;
  if (!entered) {
    snap.unentered[model::ns_suffix(target.ns.type, target.ns.inode)] = entered.error().message();
    snap.warn(fmt::format("{} was not read ({}): its {} are not listed", describe(target), entered.error().message(),
                          ipc ? "SysV objects and POSIX message queues" : "sockets"));
    return;
  }
  for (auto& o : part.objects) {
    o.ns = target.ns;
    if (ipc) o.ref += model::ns_suffix(target.ns.type, target.ns.inode);
    snap.objects.push_back(std::move(o));
  }
  for (auto& w : part.warnings) snap.warn(fmt::format("{}: {}", describe(target), w));
}

// The selected sources on the tree `root` names; their objects go to
// `each` as each source is done when it is not null, and when only
// ipcctl's own namespaces are read (objects of others join theirs later).
Result<model::Snapshot> collect_on(const sys::ProcRoot& root, std::span<const Source* const> selected,
                                   const CollectOptions& opts, const ObjectSink* each) {
  model::Snapshot snap;
  sys::WalkOptions walk;
  walk.pids = opts.pids;
  for (const Source* s : selected) walk.maps = walk.maps || s->needs_maps();
  walk.fds = false;
  for (const Source* s : selected) walk.fds = walk.fds || s->needs_fds();
  if (auto r = sys::walk_processes(root, walk, snap); !r) return fail(r.error());

  // The namespaces to read: ipcctl's own unless -A or -N says otherwise.
  std::vector<NsTarget> targets = opts.namespaces;
  if (opts.all_namespaces) {
    auto found = sys::list_namespaces(root, *snap.walk);
    targets = std::move(found.targets);
    if (found.unreadable > 0)
      snap.warn(fmt::format("the namespaces of {} {} not readable: a namespace only {} in is missing",
                            found.unreadable, found.unreadable == 1 ? "process was" : "processes were",
                            found.unreadable == 1 ? "it is" : "they are"));
  }
  const std::optional<std::uint64_t> own[2] = {sys::ns_inode(root, 0, model::NsType::ipc),
                                               sys::ns_inode(root, 0, model::NsType::net)};
  auto own_selected = [&](model::NsType t) {
    return targets.empty() ||
           std::any_of(targets.begin(), targets.end(), [&](const NsTarget& n) { return n.ns.type == t && n.ns.own; });
  };
  std::vector<const Source*> local;
  for (const Source* s : selected) {
    const auto t = model::ns_type_of(s->kind());
    if (!t || own_selected(*t)) local.push_back(s);
  }
  CollectOptions local_opts = opts;
  local_opts.ipc_ns = own[0].value_or(0);
  // Objects of ipcctl's own namespaces carry them.
  const std::string marker[2] = {fmt::format("@{}:", model::ns_type_name(model::NsType::ipc)),
                                 fmt::format("@{}:", model::ns_type_name(model::NsType::net))};
  auto own_namespace = [&](model::Object& o) {
    const auto t = model::ns_type_of(o.kind);
    if (!t || !own[static_cast<int>(*t)]) return;
    o.ns = model::Namespace{*t, *own[static_cast<int>(*t)], true, std::nullopt};
    // A name another user chose may end in "@ipc:INODE" (a queue named
    // "/q@ipc:4026532281"): its ref would read as another namespace's "/q",
    // and rm with the ref ls printed would act there. Such a ref carries its
    // own namespace too; a ref's last "@ipc:" is the one that counts.
    if (o.ref.find(marker[static_cast<int>(*t)]) != std::string::npos)
      o.ref += model::ns_suffix(*t, o.ns->inode);
  };
  NameCache names;
  const std::size_t threads = collect_threads();
  const bool streaming = each != nullptr && targets.empty();
  collecting::run_sources_each(local, root, local_opts, snap.walk, threads, [&](model::Snapshot& part) {
    for (auto& o : part.objects) own_namespace(o);
    snap.subjects.merge(part.subjects);
    for (auto& w : part.warnings) snap.warn(std::move(w));
    if (!streaming) {
      std::move(part.objects.begin(), part.objects.end(), std::back_inserter(snap.objects));
      return;
    }
    finish(part.objects, names);
    (*each)(part.objects);
  });
  if (streaming) return snap;
  for (const auto& target : targets) {
    snap.namespaces.push_back(target.ns);
    if (!target.ns.own) collect_foreign(target, selected, root, opts, snap);
  }
  finish(snap.objects, names);
  if (each != nullptr) {
    (*each)(snap.objects);
    snap.objects.clear();
  }
  return snap;
}

} // namespace

Result<model::Snapshot> collecting::collect_system(std::span<const Source* const> selected, const CollectOptions& opts,
                                                   const ObjectSink* each) {
  return collect_on(sys::ProcRoot(opts.root), selected, opts, each);
}

Result<model::Snapshot> collect(const sys::ProcRoot& root, const CollectOptions& opts, const ObjectSink* each) {
  std::vector<const Source*> selected;
  for (const Source* s : all_sources())
    if (opts.kinds.has(s->kind())) selected.push_back(s);
  return collect_on(root, selected, opts, each);
}

} // namespace ipcctl
