// Creation is exclusive for every type (IPC_EXCL, O_EXCL, mkfifo's EEXIST), so
// a name or key that is taken is reported, never opened: `mk` must not hand
// out somebody else's object as new. shm_open and mq_open apply the umask,
// so the mode is set again on their descriptor (fchmod; SysV ignores the
// umask): the object never has more bits than asked for, even for that
// moment. A FIFO and a semaphore's file have no descriptor to fchmod: they
// are made under umask 0, with exactly the mode asked for, and never
// chmod'ed by path (in a directory another user can write, the path may
// name that user's symlink by then). A FIFO is made in its directory opened
// without following symlinks (util/dirfd); what was made is then opened
// with O_PATH | O_NOFOLLOW and checked (a FIFO of ours, one link, born
// now) before anything is reported or changed through that descriptor.
// When a step after creation fails, the object is removed again, by
// unlinkat in the same directory and only while the name still means it.
//
// The kernel reports most limits as a bare EINVAL or ENOSPC; the error's
// detail names the sysctl involved and its current value, read only then.
#include <ipcctl/ops/create.hpp>

#include <ipcctl/linux/namespaces.hpp>

#include <ipcctl/util/dirfd.hpp>
#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <ctime>
#include <cstdlib>
#include <vector>

namespace ipcctl::ops {

using model::Kind;

namespace {

constexpr std::int64_t k_semvmx = 32767;  // SEMVMX: the largest SysV semaphore value

Error usage(std::string subject, std::string why) { return Error{0, {}, std::move(subject), std::move(why)}; }

// One number of a /proc/sys file ("32000 1024000000 500 32000": field 1 is SEMMNS).
std::optional<std::uint64_t> sysctl_value(const char* path, std::size_t field = 0) {
  auto text = read_file(path);
  if (!text) return std::nullopt;
  const auto fields = split_ws(trim(*text));
  if (field >= fields.size()) return std::nullopt;
  return to_u64(fields[field]);
}

std::string sysctl_text(const char* path, std::size_t field = 0) {
  const auto v = sysctl_value(path, field);
  return v ? std::to_string(*v) : std::string("unknown");
}

std::string key_subject(std::uint32_t key) {
  return key == IPC_PRIVATE ? std::string("key private") : fmt::format("key {:#010x}", key);
}

// `err` is the errno, read before the hint is made: reading sysctls may change errno.
Error sys_fail(int err, std::string op, std::string subject, std::string hint = {}) {
  return Error{err, std::move(op), std::move(subject), std::move(hint)};
}

model::Object base_object(const CreateRequest& r) {
  model::Object o;
  o.kind = r.kind;
  o.mode = r.mode;
  o.owner.uid = ::geteuid();
  o.owner.gid = ::getegid();
  return o;
}

// A POSIX object or FIFO, named "kind:name", with what its file says.
model::Object file_object(const CreateRequest& r, const struct stat& st) {
  model::Object o = base_object(r);
  o.inode = st.st_ino;
  o.owner.uid = st.st_uid;
  o.owner.gid = st.st_gid;
  o.mode = st.st_mode & 07777;
  o.name = r.name;
  o.ref = fmt::format("{}:{}", model::kind_name(r.kind), r.name);
  return o;
}

model::Object file_object(const CreateRequest& r, const FileId& id) {
  struct stat st {};
  st.st_ino = id.ino;
  st.st_uid = id.uid;
  st.st_gid = id.gid;
  st.st_mode = id.mode;
  return file_object(r, st);
}

// The umask for the one call that creates a FIFO or a semaphore's file: 0,
// so the mode asked for is the mode it gets. The umask is the process's:
// ipcctl makes one object and runs no other thread meanwhile.
class ExactMode {
public:
  ExactMode() : m_old(::umask(0)) {}
  ~ExactMode() { ::umask(m_old); }
  ExactMode(const ExactMode&) = delete;
  ExactMode& operator=(const ExactMode&) = delete;

private:
  mode_t m_old;
};

// The time before a creation, as the file system stamps files (coarse).
FileTime coarse_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return FileTime{ts.tv_sec, static_cast<std::uint32_t>(ts.tv_nsec)};
}

bool before(const FileTime& a, const FileTime& b) { return a.sec < b.sec || (a.sec == b.sec && a.nsec < b.nsec); }

// Opens what `name` in `dir` is now without following a symlink, and
// checks that it is what this process just made: of `type`, ours, with one
// link (no hard link of another file), and born at `since` or later where
// the file system records births. Else code 0 and why.
Result<std::pair<UniqueFd, FileId>> open_made(int dir, const std::string& name, mode_t type, const FileTime& since,
                                              const std::string& shown) {
  const Error replaced{0, {}, shown,
                       "was replaced by another file right after it was made (someone else can write to its "
                       "directory): it was left alone"};
  UniqueFd fd(::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return fail(errno == ENOENT ? replaced : sys_error("open", shown));
  auto id = file_id_at(fd.get(), "");
  if (!id) return fail(id.error());
  if ((id->mode & S_IFMT) != type || id->uid != ::geteuid() || id->nlink != 1 ||
      (id->btime && before(*id->btime, since)))
    return fail(replaced);
  return std::pair{std::move(fd), *id};
}

// chmod of the file an O_PATH descriptor holds, through /proc/self/fd as
// systemd's fchmod_opath does: fchmod refuses O_PATH descriptors, and the
// magic link names that very file, never a path.
Result<void> chmod_held(int fd, std::uint32_t mode, const std::string& shown) {
  const std::string proc = fmt::format("/proc/self/fd/{}", fd);
  if (::chmod(proc.c_str(), static_cast<mode_t>(mode)) == -1) return fail(sys_error("chmod", shown));
  return {};
}

// Removes `name` from `dir` if it is still the file `made`: the cleanup of
// a half-made object.
void unlink_made(int dir, const std::string& name, const FileId& made) {
  const auto now = file_id_at(dir, name.c_str());
  if (now && now->dev == made.dev && now->ino == made.ino) ::unlinkat(dir, name.c_str(), 0);
}

model::Object sysv_object(const CreateRequest& r, int id) {
  model::Object o = base_object(r);
  o.id = id;
  o.key = r.key;
  o.ref = fmt::format("{}:{}", model::kind_name(r.kind), id);
  return o;
}

Result<model::Object> create_sysv_msg(const CreateRequest& r) {
  const int id = ::msgget(static_cast<key_t>(r.key), IPC_CREAT | IPC_EXCL | static_cast<int>(r.mode));
  if (id == -1) {
    const int err = errno;
    const std::string hint = err == ENOSPC
        ? fmt::format("all queues: kernel.msgmni ({}) reached", sysctl_text("/proc/sys/kernel/msgmni"))
        : std::string();
    return fail(sys_fail(err, "msgget", key_subject(r.key), hint));
  }
  return sysv_object(r, id);
}

Result<model::Object> create_sysv_shm(const CreateRequest& r) {
  const char* k_shmmax = "/proc/sys/kernel/shmmax";
  const auto shmmax = sysctl_value(k_shmmax);
  const std::string too_big = fmt::format(
      "size {} is above kernel.shmmax ({}): raise it with sysctl -w kernel.shmmax=N", r.size, sysctl_text(k_shmmax));
  if (shmmax && static_cast<std::uint64_t>(r.size) > *shmmax)
    return fail(Error{EINVAL, "shmget", key_subject(r.key), too_big});
  const int id = ::shmget(static_cast<key_t>(r.key), static_cast<std::size_t>(r.size),
                          IPC_CREAT | IPC_EXCL | static_cast<int>(r.mode));
  if (id == -1) {
    const int err = errno;
    std::string hint;
    if (err == EINVAL) hint = too_big;
    if (err == ENOSPC)
      hint = fmt::format("kernel.shmall ({} pages) or kernel.shmmni ({} segments) reached: raise them with sysctl -w",
                         sysctl_text("/proc/sys/kernel/shmall"), sysctl_text("/proc/sys/kernel/shmmni"));
    return fail(sys_fail(err, "shmget", key_subject(r.key), hint));
  }
  model::Object o = sysv_object(r, id);
  o.size = r.size;
  return o;
}

Result<model::Object> create_sysv_sem(const CreateRequest& r) {
  const char* k_sem = "/proc/sys/kernel/sem";  // SEMMSL SEMMNS SEMOPM SEMMNI
  const auto semmsl = sysctl_value(k_sem, 0);
  const std::string too_many = fmt::format(
      "nsems {} is above SEMMSL ({}), the first field of kernel.sem: raise it with sysctl -w kernel.sem=...", r.nsems,
      sysctl_text(k_sem, 0));
  if (semmsl && static_cast<std::uint64_t>(r.nsems) > *semmsl)
    return fail(Error{EINVAL, "semget", key_subject(r.key), too_many});
  const int id = ::semget(static_cast<key_t>(r.key), static_cast<int>(r.nsems),
                          IPC_CREAT | IPC_EXCL | static_cast<int>(r.mode));
  if (id == -1) {
    const int err = errno;
    std::string hint;
    if (err == EINVAL) hint = too_many;
    if (err == ENOSPC)
      hint = fmt::format("SEMMNS ({} semaphores) or SEMMNI ({} sets) of kernel.sem reached", sysctl_text(k_sem, 1),
                         sysctl_text(k_sem, 3));
    return fail(sys_fail(err, "semget", key_subject(r.key), hint));
  }
  std::vector<unsigned short> values(static_cast<std::size_t>(r.nsems), static_cast<unsigned short>(r.value));
  if (r.value != 0 && ::semctl(id, 0, SETALL, values.data()) == -1) {
    Error e = sys_error("semctl(SETALL)", fmt::format("sem id {}", id));
    ::semctl(id, 0, IPC_RMID);
    return fail(std::move(e));
  }
  model::Object o = sysv_object(r, id);
  o.set(model::key::nsems, r.nsems);
  o.set(model::key::values, std::vector<std::int64_t>(values.begin(), values.end()));
  return o;
}

std::string mq_hint(int err, const mq_attr& attr) {
  const char* k_dir = "/proc/sys/fs/mqueue/";
  auto sysctl = [&](const char* name) { return sysctl_text((std::string(k_dir) + name).c_str()); };
  if (err == EINVAL)
    return fmt::format("maxmsg {} or msgsize {} is above fs.mqueue.msg_max ({}) or fs.mqueue.msgsize_max ({}), "
                       "the limits without CAP_SYS_RESOURCE: raise them with sysctl -w",
                       attr.mq_maxmsg, attr.mq_msgsize, sysctl("msg_max"), sysctl("msgsize_max"));
  if (err == ENOSPC) return fmt::format("fs.mqueue.queues_max ({}) reached", sysctl("queues_max"));
  if (err == EMFILE) {
    rlimit rl{};
    const std::string limit = ::getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
        ? fmt::format("{} bytes", rl.rlim_cur)
        : std::string("unlimited");
    return fmt::format("the queues of this user would exceed RLIMIT_MSGQUEUE ({}; ulimit -q), or no descriptor is free",
                       limit);
  }
  return {};
}

Result<model::Object> create_posix_mq(const CreateRequest& r) {
  mq_attr attr{};
  mq_attr* attr_arg = nullptr;
  if (r.maxmsg || r.msgsize) {
    attr.mq_maxmsg = static_cast<long>(
        r.maxmsg.value_or(sysctl_value("/proc/sys/fs/mqueue/msg_default").value_or(10)));
    attr.mq_msgsize = static_cast<long>(
        r.msgsize.value_or(sysctl_value("/proc/sys/fs/mqueue/msgsize_default").value_or(8192)));
    attr_arg = &attr;
  }
  const mqd_t mq = ::mq_open(r.name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(r.mode),
                             attr_arg);
  if (mq == static_cast<mqd_t>(-1)) {
    const int err = errno;
    return fail(sys_fail(err, "mq_open", r.name, mq_hint(err, attr)));
  }
  // On Linux an mqd_t is a descriptor of the queue's mqueue file.
  const UniqueFd fd(mq);
  struct stat st {};
  mq_attr got{};
  if (::fchmod(fd.get(), r.mode) == -1 || ::fstat(fd.get(), &st) == -1 || ::mq_getattr(mq, &got) == -1) {
    Error e = sys_error("set mode of", r.name);
    ::mq_unlink(r.name.c_str());
    return fail(std::move(e));
  }
  model::Object o = file_object(r, st);
  o.set(model::key::messages, std::int64_t{0});
  o.set(model::key::maxmsg, static_cast<std::int64_t>(got.mq_maxmsg));
  o.set(model::key::msgsize, static_cast<std::int64_t>(got.mq_msgsize));
  return o;
}

Result<model::Object> create_posix_shm(const CreateRequest& r) {
  const UniqueFd fd(::shm_open(r.name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(r.mode)));
  if (!fd) return fail(sys_error("shm_open", r.name));
  struct stat st {};
  if (::fchmod(fd.get(), r.mode) == -1 || ::ftruncate(fd.get(), static_cast<off_t>(r.size)) == -1 ||
      ::fstat(fd.get(), &st) == -1) {
    Error e = sys_error("size or mode of", r.name);
    // shm_unlink is unlink in /dev/shm: done there, only while the name is this file.
    if (auto made = file_id_at(fd.get(), ""))
      if (auto dir = open_dir_nofollow("/dev/shm")) unlink_made(dir->get(), r.name.substr(1), *made);
    return fail(std::move(e));
  }
  model::Object o = file_object(r, st);
  o.size = st.st_size;
  return o;
}

Result<model::Object> create_posix_sem(const CreateRequest& r) {
  const FileTime since = coarse_now();
  sem_t* sem = SEM_FAILED;
  {
    const ExactMode exact;
    sem = ::sem_open(r.name.c_str(), O_CREAT | O_EXCL, static_cast<mode_t>(r.mode), static_cast<unsigned>(r.value));
  }
  if (sem == SEM_FAILED) return fail(sys_error("sem_open", r.name));
  ::sem_close(sem);
  // glibc keeps a named semaphore in /dev/shm/sem.NAME.
  const std::string name = "sem." + r.name.substr(1);
  const std::string path = "/dev/shm/" + name;
  auto dir = open_dir_nofollow("/dev/shm");
  if (!dir) return fail(dir.error());
  auto made = open_made(dir->get(), name, S_IFREG, since, path);
  if (!made) return fail(made.error());
  auto& [fd, id] = *made;
  if ((id.mode & 07777) != r.mode) {
    auto set = chmod_held(fd.get(), r.mode, path);
    auto again = set ? file_id_at(fd.get(), "") : Result<FileId>(fail(set.error()));
    if (!again) {
      unlink_made(dir->get(), name, id);
      return fail(again.error());
    }
    id = *again;
  }
  model::Object o = file_object(r, id);
  o.set(model::key::value, r.value);
  return o;
}

Result<model::Object> create_fifo(const CreateRequest& r) {
  auto parent = open_parent_nofollow(r.name);
  if (!parent) {
    const Error& e = parent.error();
    // "/run/app is a symbolic link, and ipcctl follows none ...": one line.
    if (e.code == ELOOP) return fail(Error{0, {}, path_error_text(e) + ": nothing was created", {}});
    return fail(e);
  }
  const int dir = parent->dir.get();
  const std::string& name = parent->name;
  const FileTime since = coarse_now();
  {
    const ExactMode exact;
    if (::mkfifoat(dir, name.c_str(), static_cast<mode_t>(r.mode)) == -1) return fail(sys_error("mkfifo", r.name));
  }
  auto made = open_made(dir, name, S_IFIFO, since, r.name);
  if (!made) return fail(made.error());
  auto& [fd, id] = *made;
  // The mode is exact but where the directory's default ACL or its setgid
  // bit had a say: set it then, on the FIFO held, not by its path.
  if ((id.mode & 07777) != r.mode) {
    auto set = chmod_held(fd.get(), r.mode, r.name);
    auto again = set ? file_id_at(fd.get(), "") : Result<FileId>(fail(set.error()));
    if (!again) {
      unlink_made(dir, name, id);
      return fail(again.error());
    }
    id = *again;
  }
  return file_object(r, id);
}

} // namespace

bool creatable(Kind k) {
  switch (k) {
  case Kind::sysv_msg: case Kind::sysv_shm: case Kind::sysv_sem:
  case Kind::posix_mq: case Kind::posix_shm: case Kind::posix_sem:
  case Kind::fifo:
    return true;
  default:
    return false;
  }
}

Result<std::string> parse_posix_name(std::string_view text, Kind kind) {
  const std::string subject = fmt::format("name '{}'", text);
  std::string_view name = text;
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (name.empty()) return fail(usage(subject, "empty: give a name such as /orders"));
  if (name.find('/') != std::string_view::npos)
    return fail(usage(subject, "a POSIX name is one leading '/' and no other slash, e.g. /orders"));
  if (name == "." || name == "..") return fail(usage(subject, "'.' and '..' are not names"));
  if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    return fail(usage(fmt::format("name of {} bytes", text.size()), "control characters are not allowed in a name"));
  const std::size_t max = kind == Kind::posix_sem ? NAME_MAX - 4 : NAME_MAX;
  if (name.size() > max)
    return fail(usage(fmt::format("name of {} bytes", name.size()),
                      fmt::format("too long: a {} name has at most {} bytes", model::kind_name(kind), max)));
  return "/" + std::string(name);
}

Result<std::int64_t> parse_object_size(std::string_view text) {
  const auto n = parse_size(text);
  if (!n)
    return fail(usage(fmt::format("size '{}'", text),
                      "not a size: give bytes, or a number with K, M or G (binary units): 4096, 4K, 1M, 1G"));
  return *n;
}

Result<std::uint32_t> parse_mode(std::string_view text) {
  const auto n = text.find_first_not_of("01234567") == std::string_view::npos ? to_u64(text, 8) : std::nullopt;
  if (!n || *n > 07777)
    return fail(usage(fmt::format("mode '{}'", text), "not an octal mode: give 0 to 7777 in octal, e.g. 0600 or 640"));
  return static_cast<std::uint32_t>(*n);
}

Result<std::uint32_t> parse_key(std::string_view text) {
  if (text == "private") return std::uint32_t{IPC_PRIVATE};
  const std::string subject = fmt::format("key '{}'", text);
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const auto n = hex ? to_u64(text.substr(2), 16) : to_u64(text, 10);
  if (!n) return fail(usage(subject, "not a key: give 'private', a decimal number or 0x followed by hex digits"));
  if (*n > 0xffffffffu) return fail(usage(subject, "out of range: a key has 32 bits (at most 0xffffffff)"));
  return static_cast<std::uint32_t>(*n);
}

std::uint32_t ftok_key(std::uint64_t dev, std::uint64_t ino, int proj) {
  return static_cast<std::uint32_t>((ino & 0xffff) | ((dev & 0xff) << 16) |
                                    ((static_cast<std::uint32_t>(proj) & 0xff) << 24));
}

Result<void> check_request(const CreateRequest& r) {
  if (!creatable(r.kind))
    return fail(usage(fmt::format("type '{}'", model::kind_name(r.kind)), "cannot be created with mk"));
  const std::string type(model::kind_name(r.kind));
  if (r.kind != Kind::fifo && r.mode > 0777)
    return fail(usage(fmt::format("mode {:04o}", r.mode),
                      fmt::format("only permission bits (at most 0777) apply to a {}", type)));
  if (r.kind == Kind::sysv_shm && r.size < 1)
    return fail(usage(fmt::format("size {}", r.size), "a SysV segment has at least 1 byte: give --size"));
  if (r.kind == Kind::posix_shm && r.size < 0) return fail(usage(fmt::format("size {}", r.size), "is negative"));
  if (r.kind == Kind::sysv_sem) {
    if (r.nsems < 1 || r.nsems > INT_MAX)
      return fail(usage(fmt::format("nsems {}", r.nsems), "a semaphore set has at least 1 semaphore"));
    if (r.value < 0 || r.value > k_semvmx)
      return fail(usage(fmt::format("value {}", r.value), fmt::format("a SysV semaphore holds 0 to {}", k_semvmx)));
  }
  if (r.kind == Kind::posix_sem && (r.value < 0 || r.value > SEM_VALUE_MAX))
    return fail(
        usage(fmt::format("value {}", r.value), fmt::format("a POSIX semaphore holds 0 to {}", SEM_VALUE_MAX)));
  if (r.kind == Kind::posix_mq) {
    // The kernel keeps both as int.
    if (r.maxmsg && (*r.maxmsg < 1 || *r.maxmsg > INT_MAX))
      return fail(usage(fmt::format("maxmsg {}", *r.maxmsg), fmt::format("a queue holds 1 to {} messages", INT_MAX)));
    if (r.msgsize && (*r.msgsize < 1 || *r.msgsize > INT_MAX))
      return fail(usage(fmt::format("msgsize {}", *r.msgsize), fmt::format("a message has room for 1 to {} bytes", INT_MAX)));
  }
  return {};
}

Result<std::uint32_t> key_from_path(const std::string& path, int proj) {
  if (proj < 1 || proj > 255)
    return fail(usage(fmt::format("proj {}", proj), "give 1 to 255"));
  struct stat st {};
  if (::stat(path.c_str(), &st) == -1) return fail(sys_error("stat", path));
  return ftok_key(st.st_dev, st.st_ino, proj);
}

Result<std::string> fifo_path(std::string_view path) {
  const auto slash = path.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (base.empty() || base == "." || base == "..")
    return fail(usage(fmt::format("path '{}'", path), "give the path of the FIFO to create, e.g. /run/app/ctl"));
  std::string dir = slash == std::string_view::npos ? std::string(".") : std::string(path.substr(0, slash));
  if (dir.empty()) dir = "/";
  char* real = ::realpath(dir.c_str(), nullptr);
  if (real == nullptr) return fail(sys_error("directory", dir));
  std::string out(real);
  std::free(real);
  struct stat st {};
  if (::stat(out.c_str(), &st) == -1) return fail(sys_error("directory", dir));
  if (!S_ISDIR(st.st_mode)) return fail(Error{ENOTDIR, "directory", dir, {}});
  if (out.back() != '/') out += '/';
  return out + std::string(base);
}

namespace {

Result<model::Object> create_here(const CreateRequest& r) {
  switch (r.kind) {
  case Kind::sysv_msg: return create_sysv_msg(r);
  case Kind::sysv_shm: return create_sysv_shm(r);
  case Kind::sysv_sem: return create_sysv_sem(r);
  case Kind::posix_mq: return create_posix_mq(r);
  case Kind::posix_shm: return create_posix_shm(r);
  case Kind::posix_sem: return create_posix_sem(r);
  case Kind::fifo: return create_fifo(r);
  default: break;
  }
  return fail(usage(std::string(model::kind_name(r.kind)), "cannot be created with mk"));
}

} // namespace

Result<model::Object> create(const CreateRequest& r) {
  if (auto ok = check_request(r); !ok) return fail(ok.error());
  if (!r.ns || r.ns->own) {
    auto made = create_here(r);
    const auto t = model::ns_type_of(r.kind);
    if (made && t)
      if (const auto own = sys::ns_inode(sys::ProcRoot("/"), 0, *t))
        made->ns = model::Namespace{*t, *own, true, std::nullopt, {}};
    return made;
  }
  if (model::ns_type_of(r.kind) != model::NsType::ipc || r.ns->type != model::NsType::ipc)
    return fail(usage(std::string(model::kind_name(r.kind)), "does not live in an IPC namespace"));
  // In another IPC namespace: created by a thread inside it. mq_open needs
  // no mount there: it uses the namespace's own mqueue filesystem.
  Result<model::Object> made = fail(Error{});
  auto entered = sys::run_in_namespace(*r.ns, [&](const std::string&) { made = create_here(r); });
  if (!entered) return fail(entered.error());
  if (made) {
    made->ns = r.ns;
    made->ref += model::ns_suffix(r.ns->type, r.ns->inode);
  }
  return made;
}

} // namespace ipcctl::ops
