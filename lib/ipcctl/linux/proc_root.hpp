#pragma once
// ProcRoot: where collectors read the system from. "/" is the running
// machine; tests point it at a captured tree under tests/data/proc/ (as
// lscpu --sysroot does). Collectors build every path through it.
#include <ipcctl/util/fd.hpp>

#include <ipcctl/util/result.hpp>

#include <sys/stat.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ipcctl::sys {

class ProcRoot {
public:
  explicit ProcRoot(std::string root = "/");

  // root + rel, where rel starts with '/': path("/proc/locks").
  std::string path(std::string_view rel) const;
  const std::string& root() const { return m_root; }
  // True for "/": only then may collectors ask the running kernel directly
  // (netlink, semctl, mq_getattr), because a captured tree has no kernel.
  bool live() const { return m_live; }
  // An open descriptor of the /proc directory (-1 when it cannot be
  // opened), for openat(proc_fd(), "PID/fd/N"): one path lookup instead of
  // four, on calls made once per descriptor.
  int proc_fd() const { return m_proc->get(); }

private:
  std::string m_root;
  bool m_live;
  std::shared_ptr<const UniqueFd> m_proc;
};

// The pids under /proc, in directory order, read through a descriptor of
// their own (getdents64 moves a shared descriptor's offset).
Result<std::vector<int>> list_pids(const ProcRoot& root);

// Calls fn(path, st) for each file of `type` (S_IFIFO, S_IFSOCK) under
// `dir` (below the root), recursively, never following symlinks and
// skipping directories it may not read; `dir` may also name one such file.
// `path` is as the user knows it, without the root. Fails when `dir`
// itself cannot be read.
Result<void> for_each_file_under(const ProcRoot& root, const std::string& dir, mode_t type,
                                 const std::function<void(std::string path, const struct stat& st)>& fn);

} // namespace ipcctl::sys
