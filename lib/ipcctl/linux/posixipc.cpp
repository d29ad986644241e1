// POSIX objects are files in two filesystems, so stat gives owner, mode,
// size and inode, and holders are joined on (device, inode) with the walk's
// descriptors and mappings. That join is what attributes a semaphore whose
// mapping the kernel prints under glibc's temporary name
// (/dev/shm/sem.XXXXXX (deleted)) to posix-sem:/NAME.
//
// Looking changes nothing of what is looked at (times included):
// - A queue is stat'ed, then its attributes come from mq_getattr on an
//   mq_open(O_RDONLY | O_NONBLOCK) descriptor: opening, mq_getattr (which
//   sets nothing) and closing change no time, message or notification.
//   Its queued bytes and notification are only in the text of its file
//   under /dev/mqueue, and the kernel sets the queue's atime and ctime on
//   every read of it (mqueue_read_file): the file is read only when
//   CollectOptions::queue_status asks, i.e. the user named those fields
//   (or the tree is a captured copy).
//   Otherwise bytes is 0 for an empty queue and null (unknown) for another,
//   and notify_pid and notify_signal are null.
// - A semaphore's value is read from its file: glibc's 64-bit sem_t keeps
//   the value in the low and the waiter count in the high half of its
//   first 8 bytes, so a pread shows both without sem_open. The file is
//   opened with O_NOATIME (allowed to its owner and to root), since a read
//   of a tmpfs file sets its atime; where that is refused it is not read.
// - Shared memory objects are only stat'ed.
#include <ipcctl/linux/posixipc.hpp>

#include <ipcctl/linux/fd_scan.hpp>
#include <ipcctl/linux/signals.hpp>
#include <ipcctl/util/dirfd.hpp>
#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>

namespace ipcctl::sys {

using model::Kind;
using model::Object;

std::optional<MqueueStatus> parse_mqueue_status(std::string_view text) {
  MqueueStatus s;
  int seen = 0;
  for (auto word : split_ws(trim(text))) {
    const auto colon = word.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto key = word.substr(0, colon);
    const auto v = to_i64(word.substr(colon + 1));
    if (!v) return std::nullopt;
    if (key == "QSIZE") s.qsize = *v, ++seen;
    else if (key == "NOTIFY") s.notify = *v;
    else if (key == "SIGNO") s.signo = *v;
    else if (key == "NOTIFY_PID") s.notify_pid = *v;
  }
  if (seen == 0) return std::nullopt;
  return s;
}

namespace {

constexpr long k_mqueue_magic = 0x19800202;

struct Entry {
  std::string name;  // file name within the directory
  struct stat st {};
  std::optional<model::Time> btime;  // and btime_nsec, where the file system records it
  std::int64_t btime_nsec = 0;
};

// One statx in place of fstatat: the same fields, and the birth time rm
// checks again (ops/remove.cpp).
bool stat_entry(int dirfd, Entry& e) {
  struct statx stx {};
  if (::statx(dirfd, e.name.c_str(), AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS | STATX_BTIME,
              &stx) != 0)
    return false;
  e.st.st_mode = stx.stx_mode;
  e.st.st_ino = stx.stx_ino;
  e.st.st_dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
  e.st.st_nlink = stx.stx_nlink;
  e.st.st_uid = stx.stx_uid;
  e.st.st_gid = stx.stx_gid;
  e.st.st_size = static_cast<off_t>(stx.stx_size);
  e.st.st_blocks = static_cast<blkcnt_t>(stx.stx_blocks);
  e.st.st_mtim = {stx.stx_mtime.tv_sec, stx.stx_mtime.tv_nsec};
  e.st.st_ctim = {stx.stx_ctime.tv_sec, stx.stx_ctime.tv_nsec};
  if ((stx.stx_mask & STATX_BTIME) != 0 && (stx.stx_btime.tv_sec != 0 || stx.stx_btime.tv_nsec != 0)) {
    e.btime = model::Time{stx.stx_btime.tv_sec};
    e.btime_nsec = stx.stx_btime.tv_nsec;
  }
  return true;
}

// Regular files of a directory whose names `wanted` accepts, with their
// stat (only theirs: /dev/shm holds both shm objects and semaphores, each
// listed by its own source). Entries that vanish are skipped.
bool any_name(std::string_view) { return true; }
bool shm_name(std::string_view name) { return !starts_with(name, "sem."); }
bool sem_name(std::string_view name) { return starts_with(name, "sem.") && name.size() > 4; }

Result<std::vector<Entry>> list_dir(const std::string& dir, bool (*wanted)(std::string_view)) {
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd) return fail(sys_error("open", dir));
  DIR* d = ::fdopendir(::dup(dfd.get()));
  if (d == nullptr) return fail(sys_error("opendir", dir));
  std::vector<Entry> out;
  while (const dirent* de = ::readdir(d)) {
    if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || (de->d_name[1] == '.' && de->d_name[2] == '\0')))
      continue;
    if (!wanted(de->d_name)) continue;
    Entry e;
    e.name = de->d_name;
    if (!stat_entry(dfd.get(), e)) continue;
    if (!S_ISREG(e.st.st_mode)) continue;
    out.push_back(std::move(e));
  }
  ::closedir(d);
  return out;
}

Object file_object(Kind kind, std::string name, const Entry& e) {
  const struct stat& st = e.st;
  Object o;
  o.kind = kind;
  o.ref = fmt::format("{}:{}", model::kind_name(kind), name);
  o.name = std::move(name);
  o.inode = st.st_ino;
  o.owner.uid = st.st_uid;
  o.owner.gid = st.st_gid;
  o.mode = st.st_mode & 07777;
  // The last change (a send or receive for a queue, a resize for memory):
  // what rm --older-than compares.
  o.set(model::key::mtime, model::Time{st.st_mtim.tv_sec});
  o.set(model::key::ctime, model::Time{st.st_ctim.tv_sec});
  // What tells this file from a later one of the same name and inode
  // number: rm compares them again before it unlinks.
  o.set(model::key::dev, dev_text(st.st_dev));
  o.set(model::key::ctime_nsec, static_cast<std::int64_t>(st.st_ctim.tv_nsec));
  o.set(model::key::btime, e.btime ? model::Value{*e.btime} : model::Value{});
  o.set(model::key::btime_nsec, e.btime ? model::Value{e.btime_nsec} : model::Value{});
  return o;
}

// Holders by descriptor and by mapping of the file (dev, ino). The walk
// reads the open mode only of paths it knows to be IPC files; a queue's
// descriptor links to "/NAME" wherever mqueue is mounted, so its mode is
// read here, for just these descriptors.
void join_holders(const ProcRoot& root, const model::Snapshot& snap, Object& o, const struct stat& st) {
  const auto [lo, hi] = snap.walk->fds_by_inode.equal_range(st.st_ino);
  for (auto it = lo; it != hi; ++it) {
    const auto& e = snap.walk->fds[it->second];
    if (e.type != model::FdType::path || e.dev != st.st_dev) continue;
    model::Holder h = snap.holder(e);
    struct stat link {};
    if (h.access.empty() &&
        ::fstatat(root.proc_fd(), fmt::format("{}/fd/{}", e.pid, e.fd).c_str(), &link, AT_SYMLINK_NOFOLLOW) == 0)
      h.access = access_from_link_mode(link.st_mode);
    o.holders.push_back(std::move(h));
  }
  const auto [mlo, mhi] = snap.walk->maps_by_inode.equal_range(st.st_ino);
  for (auto it = mlo; it != mhi; ++it) {
    const auto& m = snap.walk->maps[it->second];
    if (m.dev != st.st_dev) continue;
    model::Holder h = snap.holder(m);
    if (std::find(o.holders.begin(), o.holders.end(), h) == o.holders.end()) o.holders.push_back(std::move(h));
  }
}

class PosixMqSource final : public Source {
public:
  model::Kind kind() const override { return Kind::posix_mq; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const override {
    const ProcRoot& root = ctx.root();
    const std::string dir = root.path("/dev/mqueue");
    struct statfs fs {};
    if (::statfs(dir.c_str(), &fs) != 0 || (root.live() && fs.f_type != k_mqueue_magic))
      return fail(Error{0, "posix-mq", "",
                        "POSIX message queues are not visible: no mqueue filesystem at /dev/mqueue "
                        "(as root: mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue)"});
    auto entries = list_dir(dir, any_name);
    if (!entries) return fail(entries.error());
    int unreadable = 0;
    std::string text;
    for (const auto& e : *entries) {
      Object o = file_object(Kind::posix_mq, "/" + e.name, e);
      join_holders(root, snap, o, e.st);
      if (!opts.keeps(o)) continue;
      model::Value messages, maxmsg, msgsize, notify_pid, notify_signal, bytes;
      // Reading the file sets the queue's atime and ctime: only when asked.
      // In a captured tree the file is a copy, and the only source.
      if ((opts.queue_status || !root.live()) && read_file_at(AT_FDCWD, (dir + "/" + e.name).c_str(), text)) {
        if (auto st = parse_mqueue_status(text)) {
          bytes = st->qsize;
          notify_pid = st->notify_pid;  // 0: nobody registered
          if (st->notify_pid != 0) {
            // NOTIFY is SIGEV_SIGNAL (0), SIGEV_NONE (1) or SIGEV_THREAD (2).
            if (st->notify == 0 && st->signo != 0) {
              auto names = signal_names(std::uint64_t{1} << (st->signo - 1));
              notify_signal = names.empty() ? std::string{} : names.front();
            }
          }
        }
      }
      if (root.live()) {
        const mqd_t q = ::mq_open(o.name->c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (q != static_cast<mqd_t>(-1)) {
          mq_attr attr{};
          if (::mq_getattr(q, &attr) == 0) {
            messages = static_cast<std::int64_t>(attr.mq_curmsgs);
            maxmsg = static_cast<std::int64_t>(attr.mq_maxmsg);
            msgsize = static_cast<std::int64_t>(attr.mq_msgsize);
            // An empty queue holds no bytes: known without its file.
            if (attr.mq_curmsgs == 0 && std::holds_alternative<std::monostate>(bytes)) bytes = std::int64_t{0};
          }
          ::mq_close(q);
        } else if (errno == EACCES) {
          ++unreadable;
          o.error = "mq_open: Permission denied: attributes unknown";
        }
      }
      if (const auto* b = std::get_if<std::int64_t>(&bytes)) o.size = *b;
      o.set(model::key::messages, std::move(messages));
      o.set(model::key::bytes, std::move(bytes));
      o.set(model::key::maxmsg, std::move(maxmsg));
      o.set(model::key::msgsize, std::move(msgsize));
      o.set(model::key::notify_pid, std::move(notify_pid));
      o.set(model::key::notify_signal, std::move(notify_signal));
      snap.objects.push_back(std::move(o));
    }
    if (unreadable > 0)
      snap.warn(fmt::format("{} POSIX message {} not readable: their attributes are unknown", unreadable,
                            unreadable == 1 ? "queue was" : "queues were"));
    return {};
  }
};

class PosixShmSource final : public Source {
public:
  model::Kind kind() const override { return Kind::posix_shm; }
  bool needs_maps() const override { return true; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const override {
    const ProcRoot& root = ctx.root();
    auto entries = list_dir(root.path("/dev/shm"), shm_name);
    if (!entries) return fail(entries.error());
    for (const auto& e : *entries) {
      if (starts_with(e.name, "sem.")) continue;
      Object o = file_object(Kind::posix_shm, "/" + e.name, e);
      o.size = e.st.st_size;
      join_holders(root, snap, o, e.st);
      o.set(model::key::blocks_bytes, static_cast<std::int64_t>(e.st.st_blocks) * 512);
      if (opts.keeps(o)) snap.objects.push_back(std::move(o));
    }
    return {};
  }
};

class PosixSemSource final : public Source {
public:
  model::Kind kind() const override { return Kind::posix_sem; }
  bool needs_maps() const override { return true; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const override {
    const ProcRoot& root = ctx.root();
    const std::string dir = root.path("/dev/shm");
    auto entries = list_dir(dir, sem_name);
    if (!entries) return fail(entries.error());
    int unreadable = 0;
    for (const auto& e : *entries) {
      if (!starts_with(e.name, "sem.") || e.name.size() == 4) continue;
      Object o = file_object(Kind::posix_sem, "/" + e.name.substr(4), e);
      o.size = e.st.st_size;
      join_holders(root, snap, o, e.st);
      if (!opts.keeps(o)) continue;
      model::Value value, waiters;
      // O_NOATIME: a read of a tmpfs file sets its atime. Only the owner
      // and root may ask for it (EPERM otherwise): then the file is not read.
      UniqueFd fd(::open((dir + "/" + e.name).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOATIME));
      std::uint64_t word = 0;
      if (fd && ::pread(fd.get(), &word, sizeof word, 0) == static_cast<ssize_t>(sizeof word)) {
        value = static_cast<std::int64_t>(word & 0xffffffffu);
        waiters = static_cast<std::int64_t>(word >> 32);
      } else if (!fd && errno == EPERM) {
        ++unreadable;
        o.error = "not read: only its owner or root can read it without setting its atime: value unknown";
      } else if (!fd && errno == EACCES) {
        ++unreadable;
        o.error = "open: Permission denied: value unknown";
      }
      o.set(model::key::value, std::move(value));
      o.set(model::key::waiters, std::move(waiters));
      snap.objects.push_back(std::move(o));
    }
    if (unreadable > 0)
      snap.warn(fmt::format("{} POSIX {} not readable: their values are unknown", unreadable,
                            unreadable == 1 ? "semaphore was" : "semaphores were"));
    return {};
  }
};

} // namespace

const Source& posix_mq_source() {
  static const PosixMqSource s;
  return s;
}
const Source& posix_shm_source() {
  static const PosixShmSource s;
  return s;
}
const Source& posix_sem_source() {
  static const PosixSemSource s;
  return s;
}

} // namespace ipcctl::sys
