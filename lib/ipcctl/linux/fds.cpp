// Descriptor-only objects, built from the walk's table: one pipe per pipefs
// inode, one FIFO per (device, inode), one eventfd per eventfd-id (all
// eventfds share the one anon inode), one memfd per inode, one signalfd per
// holder and fd. fdinfo is read only for eventfd and signalfd descriptors.
//
// Unread bytes of a pipe or FIFO: where some process already holds the read
// end, ipcctl opens that end again through /proc/PID/fd/N with O_RDONLY |
// O_NONBLOCK and asks FIONREAD and F_GETPIPE_SZ. An extra reader changes
// nothing for the processes: no data is consumed, and a writer is never
// woken, because a reader already existed. Where no reader is seen, the
// pipe is left alone (opening the read side of a FIFO could release a
// writer blocked in open()), and unread_bytes stays null. --no-probe turns
// the probe off.
#include <ipcctl/linux/fds.hpp>

#include <ipcctl/linux/signals.hpp>
#include <ipcctl/util/dirfd.hpp>
#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>

namespace ipcctl::sys {

using model::FdEntry;
using model::FdType;
using model::Kind;
using model::Object;

FdInfo parse_fdinfo(std::string_view text) {
  FdInfo info;
  for_each_line(text, [&](std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const auto key = line.substr(0, colon);
    const auto val = trim(line.substr(colon + 1));
    if (key == "flags") {
      if (auto v = to_u64(val, 8)) info.flags = static_cast<unsigned>(*v);
    } else if (key == "eventfd-id") {
      info.eventfd_id = to_i64(val);
    } else if (key == "eventfd-count") {
      info.eventfd_count = to_u64(val, 16);
    } else if (key == "eventfd-semaphore") {
      if (auto v = to_i64(val)) info.eventfd_semaphore = *v != 0;
    } else if (key == "sigmask") {
      info.sigmask = to_u64(val, 16);
    }
  });
  return info;
}

std::string access_from_flags(unsigned flags) {
  switch (flags & O_ACCMODE) {
  case O_RDONLY: return "r";
  case O_WRONLY: return "w";
  default: return "rw";
  }
}

std::optional<std::string> memfd_name(std::string_view target) {
  constexpr std::string_view k_prefix = "/memfd:";
  constexpr std::string_view k_deleted = " (deleted)";
  if (!starts_with(target, k_prefix)) return std::nullopt;
  target.remove_prefix(k_prefix.size());
  if (target.size() >= k_deleted.size() && target.substr(target.size() - k_deleted.size()) == k_deleted)
    target.remove_suffix(k_deleted.size());
  return std::string(target);
}

std::vector<std::string> seal_names(unsigned seals) {
  static constexpr std::pair<unsigned, std::string_view> k_seals[] = {
      {0x0001, "seal"}, {0x0002, "shrink"}, {0x0004, "grow"}, {0x0008, "write"},
      {0x0010, "future_write"}, {0x0020, "exec"}};
  std::vector<std::string> out;
  for (const auto& [bit, name] : k_seals)
    if (seals & bit) out.emplace_back(name);
  return out;
}

namespace {

// "PID/fd/N", relative to root.proc_fd().
std::string fd_path(int pid, int fd, std::string_view leaf = "fd") { return fmt::format("{}/{}/{}", pid, leaf, fd); }

// Unread bytes and capacity through a reader that already exists (see top).
// Returns that reader, for what else its file can tell.
UniqueFd probe_pipe(const ProcRoot& root, const CollectOptions& opts, const std::vector<const FdEntry*>& ends,
                    Object& o) {
  model::Value unread, capacity;
  UniqueFd reader;
  if (opts.probe_pipes && root.live()) {
    for (const FdEntry* e : ends) {
      if (e->access.find('r') == std::string::npos) continue;
      UniqueFd fd(::openat(root.proc_fd(), fd_path(e->pid, e->fd).c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
      if (!fd) continue;
      int n = 0;
      if (::ioctl(fd.get(), FIONREAD, &n) == 0) unread = static_cast<std::int64_t>(n);
      const int cap = ::fcntl(fd.get(), F_GETPIPE_SZ);
      if (cap > 0) capacity = static_cast<std::int64_t>(cap);
      reader = std::move(fd);
      break;
    }
  }
  if (const auto* n = std::get_if<std::int64_t>(&unread)) o.size = *n;
  o.set(model::key::unread_bytes, std::move(unread));
  o.set(model::key::capacity_bytes, std::move(capacity));
  return reader;
}

// Descriptors grouped by a key, in order of first appearance.
template <class Key, class Pred, class KeyOf>
std::vector<std::pair<Key, std::vector<const FdEntry*>>> group_fds(const model::Snapshot& snap, Pred pred,
                                                                    KeyOf key_of) {
  std::vector<std::pair<Key, std::vector<const FdEntry*>>> groups;
  std::map<Key, std::size_t> where;
  for (const auto& e : snap.walk->fds) {
    if (!pred(e)) continue;
    auto key = key_of(e);
    const auto [it, fresh] = where.emplace(key, groups.size());
    if (fresh) groups.emplace_back(std::move(key), std::vector<const FdEntry*>{});
    groups[it->second].second.push_back(&e);
  }
  return groups;
}

class PipeSource final : public Source {
public:
  model::Kind kind() const override { return Kind::pipe; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const override {
    const ProcRoot& root = ctx.root();
    auto groups = group_fds<std::uint64_t>(
        snap, [](const FdEntry& e) { return e.type == FdType::pipe; }, [](const FdEntry& e) { return e.inode; });
    for (auto& [inode, ends] : groups) {
      Object o;
      o.kind = Kind::pipe;
      o.ref = fmt::format("pipe:{}", inode);
      o.inode = inode;
      for (const FdEntry* e : ends) o.holders.push_back(snap.holder(*e));
      probe_pipe(root, opts, ends, o);
      snap.objects.push_back(std::move(o));
    }
    return {};
  }
};

using FileKey = std::pair<std::uint64_t, std::uint64_t>;  // (st_dev, st_ino)

// The marks rm checks again before it unlinks (ops/remove.cpp): the
// device, and the birth time or, where the file system keeps none, the
// ctime to the nanosecond. They come from the same stat as the inode.
void set_identity(Object& o, std::uint64_t dev, std::optional<FileTime> btime, std::int64_t ctime_nsec) {
  o.set(model::key::dev, dev_text(dev));
  o.set(model::key::ctime_nsec, ctime_nsec);
  o.set(model::key::btime, btime ? model::Value{model::Time{btime->sec}} : model::Value{});
  o.set(model::key::btime_nsec, btime ? model::Value{static_cast<std::int64_t>(btime->nsec)} : model::Value{});
}

// Owner, last change and birth of the FIFO, from the file its holders hold:
// one statx of the reader the probe opened, else through a holder's
// descriptor (in place of a stat of the path, which may name another file
// by now). The next holder is tried only when the descriptor was closed
// since the walk.
model::Value add_fifo_owner(const ProcRoot& root, const std::vector<const FdEntry*>& ends, const FileKey& key,
                            int reader, Object& o) {
  if (reader >= 0) {
    auto id = file_id_at(reader, "");
    if (id && S_ISFIFO(id->mode) && id->dev == key.first && id->ino == key.second) {
      o.owner.uid = id->uid;
      o.owner.gid = id->gid;
      set_identity(o, id->dev, id->btime, id->ctime.nsec);
      return model::Time{id->ctime.sec};
    }
  }
  for (const FdEntry* e : ends) {
    auto id = file_id_at(root.proc_fd(), fd_path(e->pid, e->fd).c_str(), true);
    if (!id || !S_ISFIFO(id->mode) || id->dev != key.first || id->ino != key.second) continue;
    o.owner.uid = id->uid;
    o.owner.gid = id->gid;
    set_identity(o, id->dev, id->btime, id->ctime.nsec);
    return model::Time{id->ctime.sec};
  }
  return {};
}

class FifoSource final : public Source {
public:
  model::Kind kind() const override { return Kind::fifo; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const override {
    const ProcRoot& root = ctx.root();
    auto groups = group_fds<FileKey>(
        snap, [](const FdEntry& e) { return e.type == FdType::path && S_ISFIFO(e.file_mode); },
        [](const FdEntry& e) { return FileKey{e.dev, e.inode}; });
    std::vector<FileKey> seen;
    for (auto& [key, ends] : groups) {
      seen.push_back(key);
      const FdEntry& first = *ends.front();
      Object o;
      o.kind = Kind::fifo;
      std::string path = first.target;
      constexpr std::string_view k_deleted = " (deleted)";
      const bool deleted = path.size() > k_deleted.size() && path.ends_with(k_deleted);
      if (deleted) path.resize(path.size() - k_deleted.size());
      o.ref = fmt::format("fifo:{}", path);
      o.name = path;
      o.inode = key.second;
      o.mode = first.file_mode & 07777;
      for (const FdEntry* e : ends) o.holders.push_back(snap.holder(*e));
      const UniqueFd reader = probe_pipe(root, opts, ends, o);
      o.set(model::key::deleted, deleted);
      o.set(model::key::ctime, model::Value{});
      if (!deleted && root.live()) o.set(model::key::ctime, add_fifo_owner(root, ends, key, reader.get(), o));
      snap.objects.push_back(std::move(o));
    }
    for (const auto& dir : opts.scan_dirs) scan_dir(root, dir, seen, snap);
    return {};
  }

private:
  // FIFOs under `dir` that nobody holds.
  static void scan_dir(const ProcRoot& root, const std::string& dir, const std::vector<FileKey>& seen,
                       model::Snapshot& snap);
};

void FifoSource::scan_dir(const ProcRoot& root, const std::string& dir, const std::vector<FileKey>& seen,
                          model::Snapshot& snap) {
  auto scanned = for_each_file_under(root, dir, S_IFIFO, [&](std::string path, const struct stat& st) {
    if (std::find(seen.begin(), seen.end(), FileKey{st.st_dev, st.st_ino}) != seen.end()) return;
    Object o;
    o.kind = Kind::fifo;
    o.ref = fmt::format("fifo:{}", path);
    o.name = std::move(path);
    o.inode = st.st_ino;
    o.mode = st.st_mode & 07777;
    o.owner.uid = st.st_uid;
    o.owner.gid = st.st_gid;
    o.set(model::key::unread_bytes, model::Value{});
    o.set(model::key::capacity_bytes, model::Value{});
    o.set(model::key::deleted, false);
    o.set(model::key::ctime, model::Time{st.st_ctim.tv_sec});
    // lstat has no birth time; its ctime, to the nanosecond, is the mark
    // (nobody holds the FIFO, so nothing writes to it and moves it).
    set_identity(o, st.st_dev, std::nullopt, st.st_ctim.tv_nsec);
    snap.objects.push_back(std::move(o));
  });
  if (!scanned) snap.warn(fmt::format("--scan {}: {}", dir, scanned.error().message()));
}

bool is_anon(const FdEntry& e, std::string_view what) {
  return e.type == FdType::anon && e.target.size() == 13 + what.size() && e.target.compare(12, what.size(), what) == 0;
}

class EventfdSource final : public Source {
public:
  model::Kind kind() const override { return Kind::eventfd; }
  bool slow() const override { return true; }  // an fdinfo per descriptor
  Result<void> collect(const SourceContext& ctx, const CollectOptions&, model::Snapshot& snap) const override {
    const ProcRoot& root = ctx.root();
    std::map<std::int64_t, std::size_t> by_id;
    std::string text;
    for (const auto& e : snap.walk->fds) {
      if (!is_anon(e, "eventfd")) continue;
      if (!read_file_at(root.proc_fd(), fd_path(e.pid, e.fd, "fdinfo").c_str(), text, Read::once)) continue;
      const FdInfo info = parse_fdinfo(text);
      // Kernels before 5.13 print no eventfd-id: such an eventfd is named by holder and fd.
      const std::int64_t id = info.eventfd_id.value_or(-1);
      model::Holder h = snap.holder(e);
      if (info.flags) h.access = access_from_flags(*info.flags);
      const auto [it, fresh] = by_id.emplace(id, snap.objects.size());
      if (fresh || id < 0) {
        Object o;
        o.kind = Kind::eventfd;
        o.ref = id >= 0 ? fmt::format("eventfd:{}", id) : fmt::format("eventfd:{}:{}", e.pid, e.fd);
        if (id >= 0) o.id = id;
        o.set(model::key::eventfd_id, id >= 0 ? model::Value{id} : model::Value{});
        o.set(model::key::count, info.eventfd_count ? model::Value{static_cast<std::int64_t>(*info.eventfd_count)}
                                          : model::Value{});
        o.set(model::key::semaphore, info.eventfd_semaphore ? model::Value{*info.eventfd_semaphore} : model::Value{});
        if (!fresh) it->second = snap.objects.size();
        snap.objects.push_back(std::move(o));
      }
      snap.objects[it->second].holders.push_back(std::move(h));
    }
    return {};
  }
};

class MemfdSource final : public Source {
public:
  model::Kind kind() const override { return Kind::memfd; }
  bool needs_maps() const override { return true; }
  bool slow() const override { return true; }  // an open per memfd, for its seals
  Result<void> collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const override {
    const ProcRoot& root = ctx.root();
    std::map<std::uint64_t, std::size_t> by_inode;
    const std::size_t first = snap.objects.size();
    auto object_for = [&](std::uint64_t inode, const std::string& name) -> Object& {
      const auto [it, fresh] = by_inode.emplace(inode, snap.objects.size());
      if (fresh) {
        Object o;
        o.kind = Kind::memfd;
        o.ref = fmt::format("memfd:{}", inode);
        o.inode = inode;
        o.name = name;
        o.set(model::key::seals, model::Value{});
        snap.objects.push_back(std::move(o));
      }
      return snap.objects[it->second];
    };
    for (const auto& e : snap.walk->fds) {
      if (e.type != FdType::path) continue;
      auto name = memfd_name(e.target);
      if (!name || e.inode == 0) continue;
      Object& o = object_for(e.inode, *name);
      o.holders.push_back(snap.holder(e));
      if (!o.size) {
        o.size = e.file_size;
        o.mode = e.file_mode & 07777;
        if (root.live()) read_seals(root, e, o);
      }
    }
    for (const auto& m : snap.walk->maps) {
      auto name = memfd_name(m.path);
      if (!name) continue;
      Object& o = object_for(m.inode, *name);
      model::Holder h = snap.holder(m);
      if (std::find(o.holders.begin(), o.holders.end(), h) == o.holders.end()) o.holders.push_back(std::move(h));
    }
    if (!opts.pids.empty()) {
      auto it = std::remove_if(snap.objects.begin() + static_cast<std::ptrdiff_t>(first), snap.objects.end(),
                               [&](const Object& o) { return !opts.keeps(o); });
      snap.objects.erase(it, snap.objects.end());
    }
    return {};
  }

private:
  static void read_seals(const ProcRoot& root, const FdEntry& e, Object& o) {
    UniqueFd fd(::openat(root.proc_fd(), fd_path(e.pid, e.fd).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return;
    const int seals = ::fcntl(fd.get(), F_GET_SEALS);
    if (seals < 0) return;
    o.set(model::key::seals, seal_names(static_cast<unsigned>(seals)));
  }
};

class SignalfdSource final : public Source {
public:
  model::Kind kind() const override { return Kind::signalfd; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions&, model::Snapshot& snap) const override {
    const ProcRoot& root = ctx.root();
    std::string text;
    for (const auto& e : snap.walk->fds) {
      if (!is_anon(e, "signalfd")) continue;
      Object o;
      o.kind = Kind::signalfd;
      o.ref = fmt::format("signalfd:{}:{}", e.pid, e.fd);
      model::Holder h = snap.holder(e);
      model::Value mask;
      if (read_file_at(root.proc_fd(), fd_path(e.pid, e.fd, "fdinfo").c_str(), text, Read::once)) {
        const FdInfo info = parse_fdinfo(text);
        if (info.flags) h.access = access_from_flags(*info.flags);
        if (info.sigmask) mask = signal_names(*info.sigmask);
      }
      o.holders.push_back(std::move(h));
      o.set(model::key::mask, std::move(mask));
      snap.objects.push_back(std::move(o));
    }
    return {};
  }
};

} // namespace

const Source& pipe_source() {
  static const PipeSource s;
  return s;
}
const Source& fifo_source() {
  static const FifoSource s;
  return s;
}
const Source& eventfd_source() {
  static const EventfdSource s;
  return s;
}
const Source& memfd_source() {
  static const MemfdSource s;
  return s;
}
const Source& signalfd_source() {
  static const SignalfdSource s;
  return s;
}

} // namespace ipcctl::sys
