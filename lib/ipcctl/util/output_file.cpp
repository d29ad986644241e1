// Every step works on descriptors: the directory is held open (O_PATH), the
// last component is first opened as a path (O_PATH|O_NOFOLLOW: no side
// effect, never blocks on a FIFO, opens a symlink itself), judged by
// fstat, then opened for writing by name relative to the held directory and
// checked to be the same inode before anything is truncated or written.
#include <ipcctl/util/output_file.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstdint>
#include <deque>
#include <vector>

namespace ipcctl {

namespace {

constexpr int k_max_links = 40;  // as the kernel's MAXSYMLINKS
constexpr int k_max_tries = 8;   // a name that keeps changing under us is refused

Error sys_at(int code, const std::string& path) { return Error{code, "", path, {}}; }
Error refused(const std::string& path, std::string why) { return Error{0, "", path, std::move(why)}; }

bool trusted_owner(uid_t uid) { return uid == ::geteuid() || uid == 0; }

// As fs.protected_regular and protected_fifos: in a sticky directory others
// may write to, a file neither the caller nor the directory's owner owns
// was put there by someone else.
bool planted(const struct stat& dir, const struct stat& st) {
  if ((dir.st_mode & S_ISVTX) == 0 || (dir.st_mode & (S_IWOTH | S_IWGRP)) == 0) return false;
  return st.st_uid != ::geteuid() && st.st_uid != dir.st_uid;
}

struct Where {
  UniqueFd dir;
  std::string name;
};

bool on_procfs(int fd) {
  struct statfs fs {};
  return ::fstatfs(fd, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
}

// A symlink (st, of an O_PATH descriptor of the link itself) is followed only
// when it is the caller's own or root's. `dir` names one on the way.
Result<void> may_follow(const struct stat& st, const std::string& path, int& links, std::string_view dir = {}) {
  if (!trusted_owner(st.st_uid))
    return fail(refused(path, fmt::format("{}{}is a symlink owned by uid {}, not followed", dir, dir.empty() ? "" : " ",
                                          st.st_uid)));
  if (++links > k_max_links) return fail(sys_at(ELOOP, path));
  return {};
}

// The target of this very link (not of whatever its name means by now).
Result<std::string> link_target(int link, const std::string& path) {
  char buf[4096];
  const ssize_t n = ::readlinkat(link, "", buf, sizeof buf);
  if (n < 0) return fail(sys_at(errno, path));
  if (static_cast<std::size_t>(n) == sizeof buf) return fail(sys_at(ENAMETOOLONG, path));
  return std::string(buf, static_cast<std::size_t>(n));
}

// The directory `dir` names relative to `at`, walked one component at a
// time: a symlink on the way is judged as the last component's is (the
// caller's own or root's), then its target is walked from the directory it
// is in. Each directory is held once opened, so that renaming it afterwards
// changes nothing.
Result<UniqueFd> walk_dir(int at, std::string_view dir, const std::string& path, int& links) {
  const bool absolute = !dir.empty() && dir.front() == '/';
  UniqueFd cur(::openat(absolute ? AT_FDCWD : at, absolute ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!cur) return fail(sys_at(errno, path));
  std::deque<std::string> todo;
  auto push_front = [&todo](std::string_view text) {
    std::vector<std::string> parts;
    while (!text.empty()) {
      const auto slash = text.find('/');
      const std::string_view part = text.substr(0, slash);
      if (!part.empty() && part != ".") parts.emplace_back(part);
      text = slash == std::string_view::npos ? std::string_view{} : text.substr(slash + 1);
    }
    todo.insert(todo.begin(), parts.begin(), parts.end());
  };
  push_front(dir);
  while (!todo.empty()) {
    const std::string name = std::move(todo.front());
    todo.pop_front();
    UniqueFd next(::openat(cur.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!next) return fail(sys_at(errno, path));
    struct stat st {};
    if (::fstat(next.get(), &st) != 0) return fail(sys_at(errno, path));
    if (S_ISDIR(st.st_mode)) {
      cur = std::move(next);
      continue;
    }
    if (!S_ISLNK(st.st_mode)) return fail(sys_at(ENOTDIR, path));
    if (auto ok = may_follow(st, path, links, name); !ok) return fail(ok.error());
    if (on_procfs(next.get())) {  // /proc/self: only the kernel can follow it
      UniqueFd followed(::openat(cur.get(), name.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!followed) return fail(sys_at(errno, path));
      cur = std::move(followed);
      continue;
    }
    auto target = link_target(next.get(), path);
    if (!target) return fail(target.error());
    if (!target->empty() && target->front() == '/') {
      cur = UniqueFd(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!cur) return fail(sys_at(errno, path));
    }
    push_front(*target);
  }
  return cur;
}

// "a/b/c" relative to `at`: the directory "a/b" held open, and "c".
Result<Where> open_parent(int at, std::string_view target, const std::string& path, int& links) {
  if (target.empty()) return fail(sys_at(ENOENT, path));
  if (target.back() == '/') return fail(sys_at(EISDIR, path));
  const auto slash = target.rfind('/');
  const std::string_view dir = slash == std::string_view::npos ? std::string_view{}
                               : slash == 0                    ? std::string_view("/")
                                                               : target.substr(0, slash);
  std::string name(slash == std::string_view::npos ? target : target.substr(slash + 1));
  if (name == "." || name == "..") return fail(sys_at(EISDIR, path));
  auto fd = walk_dir(at, dir, path, links);
  if (!fd) return fail(fd.error());
  return Where{std::move(*fd), std::move(name)};
}

bool same_inode(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// A link of procfs: /proc/self/fd/N (ours) is dup()ed, so that the offset
// and O_APPEND of the shell's redirection hold; any other is opened by the
// kernel, which alone can follow it.
Result<OutputFile> open_proc_link(Where& at, const std::string& path) {
  struct stat dir {}, own {};
  if (::fstat(at.dir.get(), &dir) == 0 && ::stat("/proc/self/fd", &own) == 0 && same_inode(dir, own)) {
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(at.name.c_str(), &end, 10);
    if (errno == 0 && end != at.name.c_str() && *end == '\0' && n >= 0 && n <= 65535) {
      UniqueFd fd(::fcntl(static_cast<int>(n), F_DUPFD_CLOEXEC, 3));
      if (!fd) return fail(sys_at(errno, path));
      return OutputFile{std::move(fd), std::move(at.dir), std::move(at.name), false};
    }
  }
  UniqueFd fd(::openat(at.dir.get(), at.name.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) return fail(sys_at(errno, path));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail(sys_at(errno, path));
  if (S_ISREG(st.st_mode) && ::ftruncate(fd.get(), 0) != 0) return fail(sys_at(errno, path));
  return OutputFile{std::move(fd), std::move(at.dir), std::move(at.name), S_ISREG(st.st_mode)};
}

} // namespace

Result<OutputFile> open_output_file(const std::string& path, OutputMode mode) {
  int links = 0;
  auto where = open_parent(AT_FDCWD, path, path, links);
  if (!where) return fail(where.error());
  Where at = std::move(*where);
  for (int tries = 0;; ++tries) {
    if (tries == k_max_tries) return fail(refused(path, "changed while it was opened, not written"));
    UniqueFd probe(::openat(at.dir.get(), at.name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!probe) {
      if (errno != ENOENT) return fail(sys_at(errno, path));
      if (mode == OutputMode::replace) return OutputFile{{}, std::move(at.dir), std::move(at.name), true};
      UniqueFd fd(::openat(at.dir.get(), at.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                           0666));
      if (fd) return OutputFile{std::move(fd), std::move(at.dir), std::move(at.name), true};
      if (errno == EEXIST) continue;  // made meanwhile: judge it
      return fail(sys_at(errno, path));
    }
    struct stat st {};
    if (::fstat(probe.get(), &st) != 0) return fail(sys_at(errno, path));

    if (S_ISLNK(st.st_mode)) {
      if (auto ok = may_follow(st, path, links); !ok) return fail(ok.error());
      if (on_procfs(probe.get())) return open_proc_link(at, path);
      auto target = link_target(probe.get(), path);
      if (!target) return fail(target.error());
      auto next = open_parent(at.dir.get(), *target, path, links);
      if (!next) return fail(next.error());
      at = std::move(*next);
      tries = -1;
      continue;
    }
    if (S_ISDIR(st.st_mode)) return fail(sys_at(EISDIR, path));
    struct stat dir {};
    if (::fstat(at.dir.get(), &dir) != 0) return fail(sys_at(errno, path));
    if ((S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode)) && planted(dir, st))
      return fail(refused(path, fmt::format("is owned by uid {} in a sticky directory others can write to, not written",
                                            st.st_uid)));
    if (S_ISREG(st.st_mode) && mode == OutputMode::replace)
      return OutputFile{{}, std::move(at.dir), std::move(at.name), true};

    UniqueFd fd(::openat(at.dir.get(), at.name.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
    if (!fd) {
      if (errno == ENOENT || errno == ELOOP) continue;  // replaced meanwhile: judge the new one
      return fail(sys_at(errno, path));
    }
    struct stat now {};
    if (::fstat(fd.get(), &now) != 0) return fail(sys_at(errno, path));
    if (!same_inode(now, st)) continue;
    if (S_ISREG(now.st_mode) && ::ftruncate(fd.get(), 0) != 0) return fail(sys_at(errno, path));
    return OutputFile{std::move(fd), std::move(at.dir), std::move(at.name), S_ISREG(now.st_mode)};
  }
}

Result<void> replace_file(const OutputFile& out, std::string_view text, unsigned mode) {
  std::string tmp;
  UniqueFd fd;
  for (int tries = 0; !fd; ++tries) {
    std::uint32_t random = 0;
    if (::getrandom(&random, sizeof random, GRND_NONBLOCK) != sizeof random)
      random = static_cast<std::uint32_t>(::getpid()) * 2654435761u + static_cast<std::uint32_t>(tries);
    tmp = fmt::format("{}.tmp.{:08x}", out.name, random);
    fd = UniqueFd(::openat(out.dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd && (errno != EEXIST || tries == k_max_tries)) return fail(Error{errno, "create", tmp, {}});
  }
  Error err;
  if (auto w = write_all(fd.get(), text); !w) err = Error{w.error().code, "write error", {}, {}};
  else if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) err = sys_error("chmod", tmp);
  else if (::fsync(fd.get()) != 0) err = sys_error("fsync", tmp);
  // Made something else since it was judged (a FIFO, a directory): refused,
  // never replaced.
  struct stat st {};
  if (err.code == 0 && ::fstatat(out.dir.get(), out.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      !S_ISREG(st.st_mode))
    err = Error{0, {}, {}, "is no longer a regular file, not replaced"};
  if (err.code == 0 && err.detail.empty() &&
      ::renameat(out.dir.get(), tmp.c_str(), out.dir.get(), out.name.c_str()) == 0)
    return {};
  if (err.code == 0 && err.detail.empty()) err = sys_error("rename", tmp);
  ::unlinkat(out.dir.get(), tmp.c_str(), 0);
  return fail(err);
}

} // namespace ipcctl
