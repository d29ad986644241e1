#include <ipcctl/linux/proc_root.hpp>

#include <fcntl.h>

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

} // namespace ipcctl::sys
