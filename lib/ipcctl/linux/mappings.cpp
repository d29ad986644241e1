// Shared mappings that no other kind lists, built from the walk's
// /proc/PID/maps lines (no descriptor is needed):
//   anon-shm     anonymous shared memory, mmap(MAP_SHARED|MAP_ANONYMOUS)
//                and inherited across fork: maps shows it as
//                "/dev/zero (deleted)" ("/anon_hugepage (deleted)" with
//                MAP_HUGETLB); its shmem inode names the region.
//   mapped-file  a regular file mapped MAP_SHARED, one per (device, inode).
// By default only what two or more processes map is IPC, and of files only
// those one of them maps writable: a read-only cache that every process
// maps (glibc's gconv-modules.cache, fontconfig's caches) is not. Naming
// the kind (-t, a ref) lists every one; so does -p, as the walk then reads
// only the selected processes and cannot count the others.
#include <ipcctl/linux/mappings.hpp>

#include <ipcctl/util/dirfd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <sys/stat.h>

#include <algorithm>
#include <map>

namespace ipcctl::sys {

using model::Kind;
using model::MapEntry;
using model::Object;

namespace {

bool is_anon_shm(const MapEntry& m) { return m.deleted && (m.path == "/dev/zero" || m.path == "/anon_hugepage"); }

// A file the other kinds do not list: posix-shm and posix-sem are under
// /dev/shm (other /dev files are devices), sysv-shm is /SYSV*, memfd is
// /memfd:*; /proc and /sys files are the kernel's, not IPC.
bool is_mapped_file(const MapEntry& m) {
  return !is_anon_shm(m) && !starts_with(m.path, "/dev/") && !starts_with(m.path, "/SYSV") &&
         !starts_with(m.path, "/memfd:") && !starts_with(m.path, "/proc/") && !starts_with(m.path, "/sys/");
}

// The mappings `pred` takes, grouped by (device, inode) in order of first appearance.
template <class Pred>
std::vector<std::vector<const MapEntry*>> group_maps(const model::Snapshot& snap, Pred pred) {
  std::vector<std::vector<const MapEntry*>> groups;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::size_t> where;
  for (const auto& m : snap.walk->maps) {
    if (!pred(m)) continue;
    const auto [it, fresh] = where.emplace(std::pair{m.dev, m.inode}, groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(&m);
  }
  return groups;
}

// One holder per process, its access the union of its mappings' ("rw"
// when one mapping reads and another writes). Returns the longest mapping.
std::uint64_t add_holders(const model::Snapshot& snap, const std::vector<const MapEntry*>& maps, Object& o) {
  std::uint64_t longest = 0;
  for (const MapEntry* m : maps) {
    longest = std::max(longest, m->length);
    auto h = std::find_if(o.holders.begin(), o.holders.end(), [&](const model::Holder& x) { return x.pid == m->pid; });
    if (h == o.holders.end()) {
      o.holders.push_back(snap.holder(*m));
      continue;
    }
    const bool r = h->access.find('r') != std::string::npos || m->access.find('r') != std::string::npos;
    const bool w = h->access.find('w') != std::string::npos || m->access.find('w') != std::string::npos;
    h->access = std::string(r ? "r" : "") + (w ? "w" : "");
  }
  return longest;
}

// Whether the object is listed: see the top of the file.
bool listed(const CollectOptions& opts, Kind kind, const Object& o, bool writable_needed) {
  if (!opts.keeps(o)) return false;
  if (opts.explicit_kinds.has(kind) || !opts.pids.empty()) return true;
  if (o.holders.size() < 2) return false;
  return !writable_needed || std::any_of(o.holders.begin(), o.holders.end(), [](const model::Holder& h) {
    return h.access.find('w') != std::string::npos;
  });
}

// What a run that could not read some processes' maps misses, when the
// kind was named (the walk's own warning says it on every run).
void warn_denied(const CollectOptions& opts, Kind kind, model::Snapshot& snap) {
  const auto n = snap.walk->maps_denied.size();
  if (n == 0 || !opts.explicit_kinds.has(kind)) return;
  snap.warn(fmt::format("anon-shm and mapped-file leave out the mappings of {} process{} whose maps were not "
                        "readable: a region only they map is missing, and a shared one may show too few holders",
                        n, n == 1 ? "" : "es"),
            {snap.walk->maps_denied, {}});
}

class AnonShmSource final : public Source {
public:
  Kind kind() const override { return Kind::anon_shm; }
  bool needs_fds() const override { return false; }
  bool needs_maps() const override { return true; }
  Result<void> collect(const SourceContext&, const CollectOptions& opts, model::Snapshot& snap) const override {
    for (const auto& maps : group_maps(snap, is_anon_shm)) {
      Object o;
      o.kind = Kind::anon_shm;
      o.inode = maps.front()->inode;
      o.ref = fmt::format("anon-shm:{}", *o.inode);
      const std::uint64_t length = add_holders(snap, maps, o);
      o.size = static_cast<std::int64_t>(length);
      o.set(model::key::mapped_bytes, static_cast<std::int64_t>(length));
      if (listed(opts, kind(), o, false)) snap.objects.push_back(std::move(o));
    }
    warn_denied(opts, kind(), snap);
    return {};
  }
};

class MappedFileSource final : public Source {
public:
  Kind kind() const override { return Kind::mapped_file; }
  bool needs_fds() const override { return false; }
  bool needs_maps() const override { return true; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const override {
    const ProcRoot& root = ctx.root();
    for (const auto& maps : group_maps(snap, is_mapped_file)) {
      const MapEntry& first = *maps.front();
      Object o;
      o.kind = Kind::mapped_file;
      o.name = first.path;
      o.inode = first.inode;
      o.ref = fmt::format("mapped-file:{}", first.path);
      const std::uint64_t length = add_holders(snap, maps, o);
      if (!listed(opts, kind(), o, true)) continue;
      o.set(model::key::mapped_bytes, static_cast<std::int64_t>(length));
      o.set(model::key::deleted, first.deleted);
      o.set(model::key::dev, dev_text(first.dev));
      o.size = static_cast<std::int64_t>(length);
      if (!first.deleted && root.live()) add_file(first, o);
      snap.objects.push_back(std::move(o));
    }
    warn_denied(opts, kind(), snap);
    return {};
  }

private:
  // The file's size, owner and mode, from a stat of its path that is
  // believed only when it finds the mapped file (device and inode); a file
  // renamed or replaced since keeps the mapped length.
  static void add_file(const MapEntry& m, Object& o) {
    struct stat st {};
    if (::stat(m.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_ino != m.inode ||
        static_cast<std::uint64_t>(st.st_dev) != m.dev)
      return;
    o.size = st.st_size;
    o.owner.uid = st.st_uid;
    o.owner.gid = st.st_gid;
    o.mode = st.st_mode & 07777;
  }
};

} // namespace

const Source& anon_shm_source() {
  static const AnonShmSource s;
  return s;
}
const Source& mapped_file_source() {
  static const MappedFileSource s;
  return s;
}

} // namespace ipcctl::sys
