// Why a walk and not open(path): root's rm and mk act in directories that
// other users can write. A user who swaps a directory of theirs for a
// symlink between ipcctl's check and its change (renameat2 RENAME_EXCHANGE
// wins such a race in a few tries) would otherwise make root unlink or
// create in the directory the link points to. So the directory is opened
// once, refusing symlinks on the way (openat2 RESOLVE_NO_SYMLINKS, or a
// walk of O_NOFOLLOW opens as coreutils' rm and systemd's chase do), and
// every later call is relative to that descriptor.
#include <ipcctl/util/dirfd.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace ipcctl {

namespace {

constexpr int k_dir_flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

Error symlink_error(std::string shown) {
  return Error{ELOOP, "open", std::move(shown),
               "is a symbolic link, and ipcctl follows none in the path of a file it removes or creates"};
}

// A component that was no directory when opened and is one now: someone
// renames things there, a symlink one moment and a directory the next.
Error changing_error(std::string shown) {
  return Error{ELOOP, "open", std::move(shown),
               "changed while it was opened (a symbolic link or another file one moment, a directory the next), "
               "and ipcctl follows no symlink in the path of a file it removes or creates"};
}

// One openat2 call below `start`. Invalid when it fails for any reason: no
// openat2 (ENOSYS before Linux 5.6, EPERM from a seccomp filter), a flag
// the kernel lacks (EINVAL, E2BIG), a rename racing a ".." (EAGAIN), a
// ".." above "/" (EXDEV), a symlink (ELOOP) or a missing directory: the
// walk then does the work and names the component that failed.
UniqueFd open_resolved([[maybe_unused]] int start, [[maybe_unused]] const std::string& rel,
                       [[maybe_unused]] bool absolute) {
#ifdef SYS_openat2
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  // Beneath "/" nothing can escape; RESOLVE_BENEATH still refuses a ".."
  // above it, which the walk then takes as the kernel does.
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | (absolute ? RESOLVE_BENEATH : 0);
  return UniqueFd(static_cast<int>(::syscall(SYS_openat2, start, rel.c_str(), &how, sizeof how)));
#else
  return UniqueFd();
#endif
}

// One openat(O_NOFOLLOW) per component; `path` as the user gave it, for
// the errors ("/tmp/app/run is a symbolic link").
Result<UniqueFd> walk(UniqueFd cur, std::string_view path) {
  std::size_t pos = 0;
  while (pos < path.size()) {
    const std::size_t end = std::min(path.find('/', pos), path.size());
    const std::string name(path.substr(pos, end - pos));
    const std::string shown(path.substr(0, end));
    pos = end + 1;
    if (name.empty() || name == ".") continue;
    UniqueFd next(::openat(cur.get(), name.c_str(), k_dir_flags));
    if (!next) {
      const int err = errno;
      struct stat st {};
      if ((err == ENOTDIR || err == ELOOP) && ::fstatat(cur.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode)) return fail(symlink_error(shown));
        if (S_ISDIR(st.st_mode)) return fail(changing_error(shown));
      }
      return fail(Error{err, "open", shown, {}});
    }
    cur = std::move(next);
  }
  return cur;
}

} // namespace

Result<UniqueFd> open_dir_nofollow(std::string_view path) {
  if (path.empty()) return fail(Error{ENOENT, "open", "", {}});
  const bool absolute = path.front() == '/';
  const char* top = absolute ? "/" : ".";
  UniqueFd start(::open(top, k_dir_flags));
  if (!start) return fail(sys_error("open", top));
  const std::size_t first = path.find_first_not_of('/');
  if (first == std::string_view::npos) return start;
  if (UniqueFd fd = open_resolved(start.get(), std::string(path.substr(first)), absolute)) return fd;
  return walk(std::move(start), path);
}

Result<ParentDir> open_parent_nofollow(std::string_view path) {
  const Error no_name{0, {}, fmt::format("path '{}'", path), "names no file: it must end in a file name"};
  if (path.empty() || path.back() == '/') return fail(no_name);
  const std::size_t slash = path.rfind('/');
  std::string name(slash == std::string_view::npos ? path : path.substr(slash + 1));
  if (name == "." || name == "..") return fail(no_name);
  std::string_view dir = slash == std::string_view::npos ? std::string_view(".") : path.substr(0, slash);
  if (dir.empty()) dir = "/";
  auto fd = open_dir_nofollow(dir);
  if (!fd) return fail(fd.error());
  return ParentDir{std::move(*fd), std::move(name)};
}

std::string path_error_text(const Error& e) {
  if (e.code != 0 && !e.detail.empty() && !e.subject.empty()) return e.subject + " " + e.detail;
  return e.message();
}

Result<FileId> file_id_at(int dirfd, const char* name, bool follow) {
  struct statx stx {};
  int flags = AT_STATX_SYNC_AS_STAT | (follow ? 0 : AT_SYMLINK_NOFOLLOW);
  if (*name == '\0') flags |= AT_EMPTY_PATH;
  if (::statx(dirfd, name, flags, STATX_BASIC_STATS | STATX_BTIME, &stx) != 0) return fail(sys_error("statx", name));
  FileId id;
  id.mode = stx.stx_mode;
  id.dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
  id.ino = stx.stx_ino;
  id.uid = stx.stx_uid;
  id.gid = stx.stx_gid;
  id.nlink = stx.stx_nlink;
  if ((stx.stx_mask & STATX_BTIME) != 0 && (stx.stx_btime.tv_sec != 0 || stx.stx_btime.tv_nsec != 0))
    id.btime = FileTime{stx.stx_btime.tv_sec, stx.stx_btime.tv_nsec};
  id.ctime = FileTime{stx.stx_ctime.tv_sec, stx.stx_ctime.tv_nsec};
  return id;
}

std::string dev_text(std::uint64_t dev) { return fmt::format("{}:{}", major(dev), minor(dev)); }

} // namespace ipcctl
