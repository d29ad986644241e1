#pragma once
// Directories reached without following symlinks, and what identifies a
// file, for the code that changes the file system (rm and mk). Knows
// nothing of IPC. Linux only: not built for Windows.
//
// A path is walked from "/" (from the working directory when relative) with
// one openat2(RESOLVE_NO_SYMLINKS) call where the kernel has it (5.6), else
// one openat(O_PATH | O_NOFOLLOW | O_DIRECTORY) per component: a component
// that is a symlink is refused, never followed. The descriptor returned
// names the directory that was reached, whatever is renamed afterwards, so
// a check and the change after it (fstatat, then unlinkat or mkfifoat on
// the same descriptor) act in the same directory.
#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ipcctl {

// Opens the directory `path` names, as an O_PATH descriptor. Errors carry
// errno and the part of the path that failed as subject: ELOOP with a
// detail ("is a symbolic link: ...") when a component is a symlink,
// ENOENT, ENOTDIR, EACCES.
Result<UniqueFd> open_dir_nofollow(std::string_view path);

// The directory that holds the last component of `path`, opened as
// open_dir_nofollow does, and that component. Code 0 for a path without a
// last name: empty, ending in '/', ".", "..".
struct ParentDir {
  UniqueFd dir;
  std::string name;  // one component: not empty, not "." or "..", no '/'
};
Result<ParentDir> open_parent_nofollow(std::string_view path);

// "PATH is a symbolic link: ..." for an error of the two above that has a
// detail, else Error::message(): the one line to show a user.
std::string path_error_text(const Error& e);

// A time with its nanoseconds, as statx reports it.
struct FileTime {
  std::int64_t sec = 0;
  std::uint32_t nsec = 0;
  bool operator==(const FileTime&) const = default;
};

// What tells one file from another: its type and device and inode, and
// when it was made (its birth time, where the file system records one) and
// last changed. One statx call.
struct FileId {
  std::uint32_t mode = 0;  // st_mode: type and permission bits
  std::uint64_t dev = 0;   // st_dev (makedev(major, minor))
  std::uint64_t ino = 0;
  std::uint32_t uid = 0, gid = 0, nlink = 0;
  std::optional<FileTime> btime;  // null where the file system records none
  FileTime ctime;
};

// statx(dirfd, name) without following a final symlink; an empty name is
// dirfd itself (AT_EMPTY_PATH). `follow` follows one (for /proc/PID/fd/N).
Result<FileId> file_id_at(int dirfd, const char* name, bool follow = false);

// "254:1": a device number as lsfd and /proc/PID/mountinfo print it.
std::string dev_text(std::uint64_t dev);

} // namespace ipcctl
