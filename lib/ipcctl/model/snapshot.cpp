#include <ipcctl/model/snapshot.hpp>

#include <algorithm>
#include <cstdint>
#include <utility>

namespace ipcctl::model {

void InodeIndex::build(std::vector<Entry> entries) {
  std::sort(entries.begin(), entries.end());
  m_entries = std::move(entries);
}

std::pair<const InodeIndex::Entry*, const InodeIndex::Entry*> InodeIndex::equal_range(std::uint64_t inode) const {
  const auto lo = std::lower_bound(m_entries.begin(), m_entries.end(), Entry{inode, 0});
  const auto hi = std::upper_bound(lo, m_entries.end(), Entry{inode, SIZE_MAX});
  return {m_entries.data() + (lo - m_entries.begin()), m_entries.data() + (hi - m_entries.begin())};
}

void Walk::index() {
  std::vector<InodeIndex::Entry> entries;
  entries.reserve(fds.size());
  for (std::size_t i = 0; i < fds.size(); ++i)
    if (fds[i].inode != 0) entries.emplace_back(fds[i].inode, i);
  fds_by_inode.build(std::move(entries));
  entries.clear();
  entries.reserve(maps.size());
  for (std::size_t i = 0; i < maps.size(); ++i) entries.emplace_back(maps[i].inode, i);
  maps_by_inode.build(std::move(entries));
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
