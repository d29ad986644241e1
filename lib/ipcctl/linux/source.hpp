#pragma once
// What a Linux source reads: the /proc tree under one root (and /dev/shm,
// /dev/mqueue beside it), through a sys::ProcRoot. The walk's index of
// descriptors and mappings is in the Snapshot a source fills (its walk).
// collect.hpp includes this header on Linux; nothing outside linux/ and
// the Linux front ends needs a ProcRoot.
#include <ipcctl/collect.hpp>
#include <ipcctl/linux/proc_root.hpp>

namespace ipcctl {

class SourceContext {
public:
  // Not explicit: a /proc tree is all a Linux source reads, so a test may
  // run one source on a captured tree as source.collect(ProcRoot(dir), ...).
  SourceContext(sys::ProcRoot root) : m_root(std::move(root)) {}
  const sys::ProcRoot& root() const { return m_root; }

private:
  sys::ProcRoot m_root;
};

// collect(opts), or collect(opts, *each), on the tree `root` names,
// whatever opts.root says.
Result<model::Snapshot> collect(const sys::ProcRoot& root, const CollectOptions& opts,
                                const ObjectSink* each = nullptr);

} // namespace ipcctl
