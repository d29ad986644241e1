// Removal has two enemies: the object that is still in use, and the id that
// now names something else. The first is judged twice: from the listing
// (in_use, so a dry run tells the truth) and from the kernel right before
// removal (so a segment attached since the listing is not pulled from under
// its process). The second is why every removal first checks identity:
// SysV ids are recycled (a removed id comes back for the next object of
// that slot), and a POSIX name or a path can be unlinked and made again,
// on a file system that hands the freed inode number to the next file
// (ext4 does at once). What tells the listed object from a newcomer: for
// SysV, all the kernel keeps of its making and use (sysv_changed); for a
// file, its device and inode and its birth time (or its ctime to the
// nanosecond), read by the listing and again by one statx here.
//
// A third enemy is another user who can write a directory on the path: a
// directory swapped for a symlink between check and unlink would make root
// unlink in the directory it points to. So a file is reached through a
// descriptor of its directory opened without following symlinks
// (util/dirfd), checked there and unlinked there.
#include <ipcctl/ops/remove.hpp>

#include <ipcctl/linux/namespaces.hpp>
#include <ipcctl/linux/sysvipc.hpp>
#include <ipcctl/util/dirfd.hpp>
#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <numeric>

namespace ipcctl::ops {

using model::Kind;
using model::Object;

namespace {

std::string plural(std::int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// "812 postgres, 813 postgres and 4 more"
std::string holder_list(const std::vector<model::Holder>& holders) {
  std::vector<int> pids;
  std::string out;
  int shown = 0;
  for (const auto& h : holders) {
    if (std::find(pids.begin(), pids.end(), h.pid) != pids.end()) continue;
    pids.push_back(h.pid);
    if (shown == 3) continue;
    if (shown++ > 0) out += ", ";
    out += h.comm.empty() ? std::to_string(h.pid) : fmt::format("{} {}", h.pid, h.comm);
  }
  if (pids.size() > 3) out += fmt::format(" and {} more", pids.size() - 3);
  return out;
}

std::string held_by(const Object& o) {
  std::int64_t processes = 0;
  std::vector<int> pids;
  for (const auto& h : o.holders)
    if (std::find(pids.begin(), pids.end(), h.pid) == pids.end()) pids.push_back(h.pid), ++processes;
  return fmt::format("held by {} ({})", plural(processes, "process", "processes"), holder_list(o.holders));
}

// "semaphore 0 has 1 waiter" for the first semaphore with any.
std::optional<std::string> sem_waiters(const std::vector<std::int64_t>& ncnt, const std::vector<std::int64_t>& zcnt) {
  for (std::size_t i = 0; i < ncnt.size() && i < zcnt.size(); ++i) {
    const std::int64_t n = ncnt[i] + zcnt[i];
    if (n > 0) return fmt::format("semaphore {} has {}", i, plural(n, "waiter", "waiters"));
  }
  return std::nullopt;
}

bool unix_file(const Object& o) { return o.name && !o.name->empty() && o.name->front() == '/'; }

} // namespace

std::string not_removable(Kind k) {
  const auto& desc = model::describe(k);
  if (!desc.not_removable.empty()) return std::string(desc.not_removable);
  const std::string_view name = desc.name;
  const bool vowel = !name.empty() && std::string_view("aeiou").find(name.front()) != std::string_view::npos;
  return fmt::format("{} {} cannot be removed: it goes when its holders close it", vowel ? "an" : "a", name);
}

// What rm removes on this system (Windows' handle closing is its own, in
// windows/).
bool removable(Kind k) {
  const auto r = model::describe(k).removal;
  return r == model::Removal::sysv || r == model::Removal::file;
}

model::KindSet removable_kinds() {
  auto ks = model::KindSet::none();
  for (auto k : model::all_kinds())
    if (removable(k)) ks.add(k);
  return ks;
}

std::optional<std::string> in_use(const Object& o) {
  switch (o.kind) {
  case Kind::sysv_shm:
    if (auto n = o.number(model::key::nattch); n && *n > 0) {
      std::string why = fmt::format("attached by {}", plural(*n, "process", "processes"));
      if (!o.holders.empty()) why += fmt::format(" ({})", holder_list(o.holders));
      return why;
    }
    return std::nullopt;
  case Kind::sysv_msg:
    if (auto n = o.number(model::key::messages); n && *n > 0)
      return fmt::format("holds {} ({})", plural(*n, "message", "messages"),
                         plural(o.number(model::key::bytes).value_or(0), "byte", "bytes"));
    return std::nullopt;
  case Kind::sysv_sem: {
    const auto* ncnt = o.numbers(model::key::ncnt);
    const auto* zcnt = o.numbers(model::key::zcnt);
    if (ncnt == nullptr || zcnt == nullptr) {
      if (o.number(model::key::nsems).value_or(0) > 0) return std::string("its waiters could not be read (permission denied)");
      return std::nullopt;
    }
    return sem_waiters(*ncnt, *zcnt);
  }
  case Kind::posix_mq:
    if (!o.holders.empty()) return held_by(o);
    if (auto n = o.number(model::key::messages); n && *n > 0) return fmt::format("holds {}", plural(*n, "message", "messages"));
    return std::nullopt;
  case Kind::posix_sem:
    if (!o.holders.empty()) return held_by(o);
    if (auto n = o.number(model::key::waiters); n && *n > 0) return fmt::format("has {}", plural(*n, "waiter", "waiters"));
    return std::nullopt;
  case Kind::posix_shm:
  case Kind::fifo:
  case Kind::unix_socket:
    if (!o.holders.empty()) return held_by(o);
    return std::nullopt;
  default: return std::nullopt;
  }
}

bool process_alive(std::int64_t pid) {
  if (pid <= 0 || pid > INT32_MAX) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

Verdict orphaned(const Object& o, const model::Walk& walk, const Alive& alive, bool ignore_unreadable) {
  // Whether the walk saw every holder of a kind held by descriptor or mapping.
  const auto incomplete = [&](bool maps) -> std::optional<Verdict> {
    if (ignore_unreadable) return std::nullopt;
    std::vector<int> denied = walk.fds_denied;
    if (maps) denied.insert(denied.end(), walk.maps_denied.begin(), walk.maps_denied.end());
    std::sort(denied.begin(), denied.end());
    denied.erase(std::unique(denied.begin(), denied.end()), denied.end());
    if (denied.empty()) return std::nullopt;
    std::string names;
    for (std::size_t i = 0; i < denied.size() && i < 3; ++i) {
      const auto p = walk.processes.find(denied[i]);
      names += fmt::format("{}{}{}", i ? ", " : "", denied[i], p == walk.processes.end() ? "" : " " + p->second.comm);
    }
    if (denied.size() > 3) names += fmt::format(" and {} more", denied.size() - 3);
    return Verdict{false,
                   fmt::format("{} could not be read ({}) and may hold it",
                               plural(static_cast<std::int64_t>(denied.size()), "process", "processes"), names),
                   true};
  };
  // Every recorded pid gone; none recorded means never used.
  const auto users_gone = [&](std::vector<std::int64_t> pids, std::string_view what) -> Verdict {
    std::erase(pids, 0);
    if (pids.empty()) return {false, fmt::format("never used: the kernel records no creator for {}", what)};
    std::sort(pids.begin(), pids.end());
    pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
    for (auto pid : pids)
      if (alive(pid)) return {false, fmt::format("its last user {} is alive", pid)};
    std::string list;
    for (auto pid : pids) list += (list.empty() ? "" : ", ") + std::to_string(pid);
    return {true, fmt::format("its last {} ({}) {} gone", pids.size() == 1 ? "user" : "users", list,
                              pids.size() == 1 ? "is" : "are")};
  };

  switch (o.kind) {
  case Kind::sysv_shm: {
    const auto nattch = o.number(model::key::nattch), cpid = o.number(model::key::cpid);
    if (!nattch || !cpid) return {false, "its attachments are unknown"};
    if (*nattch > 0) return {false, fmt::format("attached by {}", plural(*nattch, "process", "processes"))};
    if (alive(*cpid)) return {false, fmt::format("its creator {} is alive", *cpid)};
    return {true, fmt::format("nobody is attached and its creator {} is gone", *cpid)};
  }
  case Kind::sysv_msg:
    return users_gone({o.number(model::key::lspid).value_or(0), o.number(model::key::lrpid).value_or(0)}, "a queue");
  case Kind::sysv_sem: {
    const auto* last = o.numbers(model::key::last_pids);
    const auto* ncnt = o.numbers(model::key::ncnt);
    const auto* zcnt = o.numbers(model::key::zcnt);
    if (last == nullptr || ncnt == nullptr || zcnt == nullptr) return {false, "its values could not be read"};
    if (auto w = sem_waiters(*ncnt, *zcnt)) return {false, *w};
    return users_gone(*last, "a semaphore set");
  }
  case Kind::posix_mq:
  case Kind::posix_shm:
  case Kind::posix_sem:
  case Kind::fifo: {
    if (!o.holders.empty()) return {false, held_by(o)};
    if (auto v = incomplete(o.kind == Kind::posix_shm || o.kind == Kind::posix_sem)) return *v;
    if (auto pid = o.number(model::key::notify_pid); pid && alive(*pid))
      return {false, fmt::format("process {} waits for its notification", *pid)};
    return {true, "no process holds it"};
  }
  case Kind::unix_socket: {
    const model::Value* stale = o.find(model::key::stale);
    if (stale != nullptr && *stale == model::Value{true}) return {true, "no socket is bound to this socket file"};
    return {false, o.holders.empty() ? std::string("a socket is bound to it") : held_by(o)};
  }
  default: return {false, "not a removable type"};
  }
}

std::optional<std::int64_t> changed_at(const Object& o) {
  // A POSIX queue's ctime also moves with mq_notify, mq_setattr and any read
  // of its file (ls -o BYTES); its mtime only with a message sent or received.
  if (o.kind == Kind::posix_mq)
    if (auto t = o.time(model::key::mtime)) return t->seconds;
  if (auto t = o.time(model::key::ctime)) return t->seconds;
  return std::nullopt;
}

std::optional<std::string> sysv_changed(const Object& o, const SysvState& now) {
  const std::int64_t id = o.id.value_or(-1);
  const auto another = [id](const std::string& what) {
    return fmt::format("id {} now names another object ({}): it was not removed", id, what);
  };
  if (o.key && now.key != *o.key) return another(fmt::format("key {}", model::key_text(now.key)));
  // Set once, when the object is made.
  if (auto v = o.number(model::key::cuid); v && *v != now.cuid) return another(fmt::format("made by uid {}", now.cuid));
  if (auto v = o.number(model::key::cgid); v && *v != now.cgid) return another(fmt::format("made by gid {}", now.cgid));
  if (o.kind == Kind::sysv_shm) {
    if (auto v = o.number(model::key::cpid); v && *v != now.cpid) return another(fmt::format("made by pid {}", now.cpid));
    if (o.size && *o.size != now.size) return another(fmt::format("of {} bytes", now.size));
  }
  if (o.kind == Kind::sysv_sem)
    if (auto v = o.number(model::key::nsems); v && *v != now.nsems) return another(fmt::format("a set of {}", now.nsems));
  // Times of use only move forward, and a new object has none.
  const auto earlier = [&](const model::DetailKey& key, std::int64_t t) {
    const auto listed = o.time(key);
    return listed && (t == 0 || t < listed->seconds);
  };
  const struct {
    Kind kind;
    const model::DetailKey& key;
    std::int64_t t;
  } uses[] = {{Kind::sysv_shm, model::key::atime, now.atime}, {Kind::sysv_shm, model::key::dtime, now.dtime},
              {Kind::sysv_msg, model::key::stime, now.stime}, {Kind::sysv_msg, model::key::rtime, now.rtime},
              {Kind::sysv_sem, model::key::otime, now.otime}};
  for (const auto& u : uses)
    if (u.kind == o.kind && earlier(u.key, u.t))
      return another(u.t == 0 ? fmt::format("never used: no {}", u.key.name)
                              : fmt::format("an earlier {}", u.key.name));
  const auto listed_ctime = o.time(model::key::ctime);
  if (!listed_ctime || now.ctime != listed_ctime->seconds)
    return std::string("it changed since it was listed (its ctime moved): it was not removed; list it again");
  // Only IPC_SET changes these, and it sets ctime: changed within the second.
  if ((o.mode && *o.mode != (now.mode & 0777)) || (o.owner.uid && *o.owner.uid != now.uid) ||
      (o.owner.gid && *o.owner.gid != now.gid))
    return fmt::format("it changed since it was listed (owner {}:{}, mode {}): it was not removed; list it again",
                       now.uid, now.gid, model::mode_text(now.mode & 0777));
  if (o.kind == Kind::sysv_msg)
    if (auto v = o.number(model::key::max_bytes); v && now.qbytes && *v != *now.qbytes)
      return fmt::format("it changed since it was listed (its byte limit is now {}): it was not removed; list it again",
                         *now.qbytes);
  return std::nullopt;
}

// ------------------------------------------------------------- removal
// ------------------------------------------------------------- removal

namespace {

Removal refused(std::string why) { return {Status::refused, std::move(why)}; }
Removal failed(std::string why) { return {Status::failed, std::move(why)}; }
// EPERM and EACCES read "permission denied: IPC_RMID: Operation not permitted".
Removal failed_errno(std::string_view op) {
  const bool denied = errno == EPERM || errno == EACCES;
  return {Status::failed, fmt::format("{}{}: {}", denied ? "permission denied: " : "", op, std::strerror(errno))};
}

SysvState from_ds(const ipc_perm& p, std::int64_t ctime) {
  SysvState now;
  now.key = static_cast<std::uint32_t>(p.__key);
  now.mode = p.mode, now.uid = p.uid, now.gid = p.gid, now.cuid = p.cuid, now.cgid = p.cgid;
  now.ctime = ctime;
  return now;
}

SysvState from_line(const sys::SysvCommon& c) {
  SysvState now;
  now.key = static_cast<std::uint32_t>(c.key);
  now.mode = c.mode, now.uid = c.uid, now.gid = c.gid, now.cuid = c.cuid, now.cgid = c.cgid;
  now.ctime = c.ctime;
  return now;
}

// IPC_STAT, or the /proc/sysvipc line of `id` where IPC_STAT is denied (it
// needs read permission; IPC_RMID needs ownership instead). ENOENT/EINVAL/
// EIDRM mean the id is gone.
Result<SysvState> sysv_now(Kind kind, int id) {
  SysvState now;
  int rc = -1;
  if (kind == Kind::sysv_shm) {
    shmid_ds ds{};
    rc = ::shmctl(id, IPC_STAT, &ds);
    now = from_ds(ds.shm_perm, ds.shm_ctime);
    now.cpid = ds.shm_cpid, now.size = static_cast<std::int64_t>(ds.shm_segsz);
    now.atime = ds.shm_atime, now.dtime = ds.shm_dtime, now.nattch = static_cast<std::int64_t>(ds.shm_nattch);
  } else if (kind == Kind::sysv_msg) {
    msqid_ds ds{};
    rc = ::msgctl(id, IPC_STAT, &ds);
    now = from_ds(ds.msg_perm, ds.msg_ctime);
    now.qbytes = static_cast<std::int64_t>(ds.msg_qbytes), now.messages = static_cast<std::int64_t>(ds.msg_qnum);
    now.stime = ds.msg_stime, now.rtime = ds.msg_rtime;
  } else {
    semid_ds ds{};
    rc = ::semctl(id, 0, IPC_STAT, &ds);
    now = from_ds(ds.sem_perm, ds.sem_ctime);
    now.nsems = static_cast<std::int64_t>(ds.sem_nsems), now.otime = ds.sem_otime;
    if (rc == 0) {
      std::vector<std::int64_t> ncnt, zcnt;
      for (unsigned long i = 0; i < ds.sem_nsems; ++i) {
        ncnt.push_back(::semctl(id, static_cast<int>(i), GETNCNT));
        zcnt.push_back(::semctl(id, static_cast<int>(i), GETZCNT));
      }
      now.waiters = sem_waiters(ncnt, zcnt);
    }
  }
  if (rc == 0) return now;
  if (errno != EACCES) return fail(sys_error("IPC_STAT", fmt::format("id {}", id)));

  const char* file = kind == Kind::sysv_shm ? "/proc/sysvipc/shm"
                     : kind == Kind::sysv_msg ? "/proc/sysvipc/msg"
                                              : "/proc/sysvipc/sem";
  auto text = read_file(file);
  if (!text) return fail(text.error());
  const auto line_of = [id](const auto& list) {
    return std::find_if(list.begin(), list.end(), [id](const auto& e) { return e.id == id; });
  };
  const Error gone{ENOENT, "IPC_STAT", fmt::format("id {}", id), {}};
  if (kind == Kind::sysv_shm) {
    const auto list = sys::parse_sysvipc_shm(*text);
    const auto it = line_of(list);
    if (it == list.end()) return fail(gone);
    SysvState shm = from_line(*it);
    shm.cpid = it->cpid, shm.size = it->size, shm.atime = it->atime, shm.dtime = it->dtime, shm.nattch = it->nattch;
    return shm;
  }
  if (kind == Kind::sysv_msg) {
    const auto list = sys::parse_sysvipc_msg(*text);
    const auto it = line_of(list);
    if (it == list.end()) return fail(gone);
    SysvState msg = from_line(*it);
    msg.messages = it->qnum, msg.stime = it->stime, msg.rtime = it->rtime;
    return msg;
  }
  const auto list = sys::parse_sysvipc_sem(*text);
  const auto it = line_of(list);
  if (it == list.end()) return fail(gone);
  SysvState sem = from_line(*it);
  sem.nsems = it->nsems, sem.otime = it->otime;
  sem.waiters_known = false;
  return sem;
}

Removal remove_sysv(const Object& o, bool force) {
  if (!o.id || !o.key) return failed("its id is unknown");
  const int id = static_cast<int>(*o.id);
  auto now = sysv_now(o.kind, id);
  if (!now) return now.error().gone() ? failed("it no longer exists") : failed(now.error().message());
  if (auto why = sysv_changed(o, *now)) return refused(*why);
  if (!force) {
    if (now->nattch > 0) return refused(fmt::format("attached by {}", plural(now->nattch, "process", "processes")));
    if (now->messages > 0) return refused(fmt::format("holds {}", plural(now->messages, "message", "messages")));
    if (now->waiters) return refused(*now->waiters);
    if (!now->waiters_known) return refused("its waiters could not be read (permission denied)");
  }
  int rc = 0;
  if (o.kind == Kind::sysv_shm) rc = ::shmctl(id, IPC_RMID, nullptr);
  else if (o.kind == Kind::sysv_msg) rc = ::msgctl(id, IPC_RMID, nullptr);
  else rc = ::semctl(id, 0, IPC_RMID);
  if (rc != 0) return errno == EINVAL || errno == EIDRM ? failed("it no longer exists") : failed_errno("IPC_RMID");
  return {Status::removed, {}};
}

// The file behind a POSIX object, FIFO or socket file: its directory, its
// name there, and its type. POSIX objects live in the directory of their
// file system, whatever their name says.
struct FileOf {
  std::string dir, name, path;
  mode_t type = 0;
};
FileOf file_of(const Object& o) {
  const std::string& name = *o.name;
  const auto& desc = model::describe(o.kind);
  if (desc.file) {  // a POSIX object: /NAME is an entry of its directory
    std::string entry = fmt::format("{}{}", desc.file->prefix, name.substr(1));
    std::string path = fmt::format("{}/{}", desc.file->dir, entry);
    return {std::string(desc.file->dir), std::move(entry), std::move(path), S_IFREG};
  }
  if (desc.ref == model::RefForm::path) return {{}, {}, name, S_IFIFO};
  return {{}, {}, name, S_IFSOCK};
}

std::string time_text(const FileTime& t) {
  char buf[32];
  const std::time_t sec = t.sec;
  std::tm tm{};
  ::gmtime_r(&sec, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:09}Z", buf, t.nsec);
}

// The listed time `key` (btime, ctime) with its nanoseconds (`nsec_key`),
// if listed.
std::optional<FileTime> listed_time(const Object& o, const model::DetailKey& key, const model::DetailKey& nsec_key,
                                    bool& with_nsec) {
  const auto t = o.time(key);
  if (!t) return std::nullopt;
  const auto nsec = o.number(nsec_key);
  with_nsec = nsec.has_value();
  return FileTime{t->seconds, static_cast<std::uint32_t>(nsec.value_or(0))};
}

// Why the entry found now is not the file that was listed, or nullopt.
std::optional<std::string> file_changed(const Object& o, const FileOf& f, std::int64_t inode, const FileId& now) {
  if ((now.mode & S_IFMT) != f.type || static_cast<std::int64_t>(now.ino) != inode)
    return fmt::format("{} now names another file (inode {}): it was not removed", f.path, now.ino);
  if (const auto* dev = o.find(model::key::dev); dev != nullptr && std::holds_alternative<std::string>(*dev) &&
                                         std::get<std::string>(*dev) != dev_text(now.dev))
    return fmt::format("{} now names another file (on device {}, not {}): it was not removed", f.path,
                       dev_text(now.dev), std::get<std::string>(*dev));
  // A queue's file keeps no birth time, and its ctime moves whenever its
  // status is read or a message passes: its inode number, from a counter
  // that is not reused, is the mark.
  if (o.kind == Kind::posix_mq) return std::nullopt;
  bool nsec = false;
  if (const auto born = listed_time(o, model::key::btime, model::key::btime_nsec, nsec)) {
    if (!now.btime || (nsec ? *now.btime != *born : now.btime->sec != born->sec))
      return fmt::format("{} now names another file with the same inode (made {}, the listed one {}): it was not "
                         "removed",
                         f.path, now.btime ? time_text(*now.btime) : std::string("at an unknown time"),
                         time_text(*born));
    return std::nullopt;
  }
  if (const auto changed = listed_time(o, model::key::ctime, model::key::ctime_nsec, nsec)) {
    if (nsec ? now.ctime != *changed : now.ctime.sec != changed->sec)
      return fmt::format("{} now names another file with the same inode, or the file changed since it was listed "
                         "(its ctime moved): it was not removed; list it again",
                         f.path);
  }
  return std::nullopt;
}

constexpr long k_mqueue_magic = 0x19800202;

// Whether /dev/mqueue, open as `dir`, is this IPC namespace's mqueue: the
// queue mq_open finds by the name (in the caller's IPC namespace, wherever
// mqueue is mounted) must be the file `entry` found there. Opening a queue
// changes nothing of it: no time, no message, no notification.
std::optional<std::string> mqueue_not_ours(const Object& o, int dir, const std::string& name, const FileId& entry) {
  const std::string other = fmt::format(
      "/dev/mqueue is another IPC namespace's mqueue, so {} there is not this namespace's queue: it was not removed; "
      "mount -t mqueue none /dev/mqueue in this namespace",
      *o.name);
  struct statfs fs {};
  if (::fstatfs(dir, &fs) == 0 && fs.f_type != k_mqueue_magic)
    return std::string("/dev/mqueue is not an mqueue file system: it was not removed; mount -t mqueue none /dev/mqueue");
  mqd_t q = ::mq_open(o.name->c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (q == static_cast<mqd_t>(-1) && errno == EACCES) q = ::mq_open(o.name->c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (q == static_cast<mqd_t>(-1)) {
    const int err = errno;
    if (err == ENOENT) {
      // Gone from both, or only from this namespace's mqueue.
      if (!file_id_at(dir, name.c_str())) return std::string("it no longer exists");
      return other;
    }
    return fmt::format("whether /dev/mqueue is this IPC namespace's mqueue could not be checked (mq_open: {}): it was "
                       "not removed",
                       std::strerror(err));
  }
  const UniqueFd fd(q);  // on Linux an mqd_t is a descriptor
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fmt::format("fstat of the queue: {}: it was not removed", std::strerror(errno));
  if (st.st_dev != entry.dev) return other;
  if (st.st_ino != entry.ino) return fmt::format("{} now names another queue: it was not removed", *o.name);
  return std::nullopt;
}

// A failure to reach the directory: a symlink on the way is a refusal.
Removal unreachable(const Error& e) {
  if (e.code == ELOOP) return refused(fmt::format("{}: it was not removed", path_error_text(e)));
  if (e.code == ENOENT) return failed("it no longer exists");
  if (e.denied()) return failed(fmt::format("permission denied: {}", e.message()));
  return failed(path_error_text(e));
}

Removal remove_file(const Object& o) {
  if (o.kind == Kind::unix_socket && (!o.name || !unix_file(o)))
    return refused(!o.name || o.name->empty() || o.name->front() == '@'
                       ? "it has no file to remove: the socket goes when its holders close it"
                       : "it is bound to a relative path: remove the file by its absolute path");
  if (!o.name) return failed("its name is unknown");
  if (o.kind == Kind::fifo && o.find(model::key::deleted) && *o.find(model::key::deleted) == model::Value{true})
    return failed("its file is already deleted: the FIFO goes when its holders close it");
  FileOf f = file_of(o);
  // A bound socket's listed inode is the socket's; its file's is file_inode.
  const std::int64_t inode = o.kind == Kind::unix_socket ? o.number(model::key::file_inode).value_or(-1)
                             : o.inode                    ? static_cast<std::int64_t>(*o.inode)
                                                          : -1;
  // The directory, reached without following a symlink, and the entry in
  // it: every step below is relative to this one descriptor.
  UniqueFd dir;
  if (!f.dir.empty()) {
    if (f.name.empty() || f.name.find('/') != std::string::npos) return failed("its name is not a file name");
    auto opened = open_dir_nofollow(f.dir);
    if (!opened) return unreachable(opened.error());
    dir = std::move(*opened);
  } else {
    auto parent = open_parent_nofollow(f.path);
    if (!parent) return unreachable(parent.error());
    dir = std::move(parent->dir);
    f.name = std::move(parent->name);
  }
  auto now = file_id_at(dir.get(), f.name.c_str());
  if (!now) {
    if (now.error().code == ENOENT) return failed("it no longer exists");
    errno = now.error().code;
    return failed_errno("stat");
  }
  if (auto why = file_changed(o, f, inode, *now)) return refused(*why);
  if (o.kind == Kind::posix_mq)
    if (auto why = mqueue_not_ours(o, dir.get(), f.name, *now))
      return *why == "it no longer exists" ? failed(*why) : refused(*why);
  if (::unlinkat(dir.get(), f.name.c_str(), 0) != 0) {
    // A read-only mount of this namespace's mqueue: mq_unlink reaches the
    // same queue, as the check above showed.
    if (!(o.kind == Kind::posix_mq && errno == EROFS && ::mq_unlink(o.name->c_str()) == 0))
      return errno == ENOENT ? failed("it no longer exists") : failed_errno("unlink");
  }
  return {Status::removed, {}};
}

Removal remove_here(const Object& o, bool force) {
  switch (model::describe(o.kind).removal) {
  case model::Removal::sysv: return remove_sysv(o, force);
  case model::Removal::file: return remove_file(o);
  case model::Removal::none:
  case model::Removal::handle: break;
  }
  return refused(not_removable(o.kind));
}

} // namespace

Removal remove(const Object& o, bool force) {
  // An object of another IPC namespace is removed from a thread inside it
  // (the identity guard runs there too): its id means another object here.
  if (!o.ns || o.ns->own || o.ns->type != model::NsType::ipc) return remove_here(o, force);
  Removal r;
  auto entered = sys::run_in_namespace(*o.ns, [&](const std::string& mqueue_error) {
    if (o.kind == Kind::posix_mq && !mqueue_error.empty()) r = failed(mqueue_error);
    else r = remove_here(o, force);
  });
  if (!entered) {
    const Error& e = entered.error();
    if (e.denied()) return refused(fmt::format("entering its IPC namespace: {}", e.message()));
    return failed(fmt::format("entering its IPC namespace: {}{}", e.message(), e.detail.empty() ? "" : ": " + e.detail));
  }
  return r;
}

} // namespace ipcctl::ops
