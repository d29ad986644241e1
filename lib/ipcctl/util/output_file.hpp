#pragma once
// Opening a file that a tool writes its output to (ipcbench --svg, ipctrace
// -o, ipcctl graph --svg and export -o), when the tools run as root in
// directories other users can write to: a name another user planted must
// not make root write somewhere else. Linux only (not in the Windows build).
//
// The rules, the same for every tool:
// - The last component is opened with O_NOFOLLOW. A symlink there is followed
//   only when it is the caller's own (its owner is the effective uid) or
//   root's; one of another user is refused ("is a symlink owned by uid 1000,
//   not followed"), whatever fs.protected_symlinks says. The symlink checked
//   is the one followed: its target is read from a descriptor of the link
//   itself and resolved against its directory, held open, one link at a time.
//   A link of procfs (/dev/stdout -> /proc/self/fd/1) is followed by the
//   kernel; one of ipcctl's own descriptor table is a dup() of that
//   descriptor, as a shell does.
// - A regular file or FIFO in a sticky directory that others can write to
//   (/tmp) is refused when neither the caller nor the directory's owner owns
//   it (fs.protected_regular and protected_fifos, whatever they say).
// - A file that exists and is not a regular file (/dev/null, a FIFO, a
//   terminal) is written directly, never replaced or truncated.
// - A regular file is truncated only after these checks, on the descriptor
//   that was checked (never O_TRUNC by name); a new one is made with
//   O_CREAT|O_EXCL and mode 0666 less the umask.
#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/result.hpp>

#include <string>
#include <string_view>

namespace ipcctl {

enum class OutputMode {
  in_place,  // open it: a regular file is truncated, a new one created
  replace,   // a regular file or a new name is left to replace_file()
};

struct OutputFile {
  UniqueFd fd;        // open for writing; invalid when replace_file() must write it
  UniqueFd dir;       // O_PATH descriptor of the directory that holds `name`
  std::string name;   // the last component, after the symlinks followed
  bool regular = false;
  bool needs_replace() const { return !fd.valid(); }
};

// Errors name `path` as the subject: "PATH: is a symlink owned by uid 1000,
// not followed" (code 0), "PATH: Is a directory" (EISDIR), ENOENT for a
// missing directory, EACCES.
Result<OutputFile> open_output_file(const std::string& path, OutputMode mode = OutputMode::in_place);

// For a target that needs_replace(): writes `text` to a new file in its
// directory (a random name, O_CREAT|O_EXCL), gives it `mode`, syncs it and
// renames it onto the name: a reader sees the old file or the new one,
// never half of one. The new file is removed on failure.
Result<void> replace_file(const OutputFile& out, std::string_view text, unsigned mode);

} // namespace ipcctl
