#include <ipcctl/model/snapshot.hpp>

#include <algorithm>
#include <utility>

namespace ipcctl::model {

void Walk::index() {
  fds_by_inode.clear();
  fds_by_inode.reserve(fds.size());
  for (std::size_t i = 0; i < fds.size(); ++i)
    if (fds[i].inode != 0) fds_by_inode.emplace(fds[i].inode, i);
  maps_by_inode.clear();
  maps_by_inode.reserve(maps.size());
  for (std::size_t i = 0; i < maps.size(); ++i) maps_by_inode.emplace(maps[i].inode, i);
}

void Snapshot::warn(std::string text) {
  if (std::find(warnings.begin(), warnings.end(), text) == warnings.end()) warnings.push_back(std::move(text));
}

void Snapshot::warn(std::string text, WarningSubjects about) {
  subjects[text] = std::move(about);
  warn(std::move(text));
}

const Process* Snapshot::process(int pid) const {
  const auto it = walk->processes.find(pid);
  return it == walk->processes.end() ? nullptr : &it->second;
}

Holder Snapshot::holder(const FdEntry& e) const {
  Holder h{e.pid, {}, e.fd, e.access, Via::fd, std::nullopt};
  if (const Process* p = process(e.pid)) {
    h.comm = p->comm;
    h.uid = p->uid;
  }
  return h;
}

Holder Snapshot::holder(const MapEntry& m) const {
  Holder h{m.pid, {}, std::nullopt, m.access, Via::map, std::nullopt};
  if (const Process* p = process(m.pid)) {
    h.comm = p->comm;
    h.uid = p->uid;
  }
  return h;
}

} // namespace ipcctl::model
