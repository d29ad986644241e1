#include <ipcctl/linux/proc_root.hpp>

#include <ipcctl/util/error.hpp>
#include <ipcctl/util/parse.hpp>

#include <fcntl.h>

#include <filesystem>

namespace ipcctl::sys {

ProcRoot::ProcRoot(std::string root) : m_root(std::move(root)) {
  while (m_root.size() > 1 && m_root.back() == '/') m_root.pop_back();
  if (m_root.empty()) m_root = "/";
  m_live = m_root == "/";
  m_proc = std::make_shared<const UniqueFd>(::open(path("/proc").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

std::string ProcRoot::path(std::string_view rel) const {
  if (m_live) return std::string(rel);
  return m_root + std::string(rel);
}

Result<std::vector<int>> list_pids(const ProcRoot& root) {
  const std::string proc = root.path("/proc");
  UniqueFd dir(::open(proc.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return fail(sys_error("open", proc));
  std::vector<int> pids;
  auto listed = for_each_entry(dir.get(), [&](const char* name) {
    if (auto pid = to_i64(name)) pids.push_back(static_cast<int>(*pid));
  });
  if (!listed) return fail(Error{listed.error().code, "getdents64", proc, {}});
  return pids;
}

Result<void> for_each_file_under(const ProcRoot& root, const std::string& dir, mode_t type,
                                 const std::function<void(std::string path, const struct stat& st)>& fn) {
  namespace fs = std::filesystem;
  struct stat top {};
  if (::lstat(root.path(dir).c_str(), &top) == 0 && !S_ISDIR(top.st_mode)) {
    if ((top.st_mode & S_IFMT) == type) fn(dir, top);  // a file named itself
    return {};
  }
  std::error_code ec;
  fs::recursive_directory_iterator it(root.path(dir), fs::directory_options::skip_permission_denied, ec);
  if (ec) return fail(Error{ec.value(), {}, {}, {}});
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) break;  // the tree changed under us: what was seen stands
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || (st.st_mode & S_IFMT) != type) continue;
    std::string path = it->path().string();
    if (!root.live()) path.erase(0, root.root().size());
    fn(std::move(path), st);
  }
  return {};
}

} // namespace ipcctl::sys
