#pragma once
// Collection: the one /proc walk, then every selected Source in turn, each
// adding its kind's objects to the Snapshot. The table of sources lives in
// collect.cpp and is the only place that knows them all.
#include <ipcctl/linux/namespaces.hpp>
#include <ipcctl/linux/proc_root.hpp>
#include <ipcctl/model/snapshot.hpp>
#include <ipcctl/util/result.hpp>

#include <span>
#include <string>
#include <vector>

namespace ipcctl {

struct CollectOptions {
  model::KindSet kinds = model::KindSet::all();
  std::vector<int> pids;               // only objects these processes hold; empty: all
  std::vector<std::string> scan_dirs;  // also list the FIFOs and stale socket files under these paths
  bool all_signals = false;            // every process's signal state, not only pending ones
  bool probe_pipes = true;             // unread bytes via a non-blocking reader (see fds.cpp)
  // Read each POSIX queue's file for its bytes and notification: the read
  // sets the queue's atime and ctime (see posixipc.cpp), so only on request.
  bool queue_status = false;
  // Namespaces: by default, ipcctl's own IPC and network namespaces. -A
  // reads every one the machine's processes are in; -N only those named
  // (and then only the kinds that live in a namespace).
  bool all_namespaces = false;
  std::vector<sys::NsTarget> namespaces;
  // Set by collect() for each run of the sources: the IPC namespace being
  // read (0: unknown), so a segment's holders are processes of that
  // namespace only: its id may mean another segment in another one.
  std::uint64_t ipc_ns = 0;

  // Whether -p selects this pid (true when no pid is selected).
  bool selects(std::int64_t pid) const;
  // Whether -p keeps this object: one of its holders, or one of `also`
  // (a SysV object's creator or last user), is a selected pid.
  bool keeps(const model::Object& o, std::initializer_list<std::int64_t> also = {}) const;
};

class Source {
public:
  virtual ~Source() = default;
  virtual model::Kind kind() const = 0;
  // Adds this kind's objects to `snap`, joining holders from the walk's
  // index. Objects that cannot be fully read carry .error; an error comes
  // back only when the kind itself is unavailable (mqueue not mounted).
  virtual Result<void> collect(const sys::ProcRoot& root, const CollectOptions& opts,
                               model::Snapshot& snap) const = 0;
  // What this kind needs of the walk: descriptors, /proc/PID/maps.
  virtual bool needs_fds() const { return true; }
  virtual bool needs_maps() const { return false; }
};

std::span<const Source* const> all_sources();

// Walks /proc once, runs the selected sources, resolves user and group
// names, and applies the pid selection. Fails only when /proc is unreadable.
Result<model::Snapshot> collect(const sys::ProcRoot& root, const CollectOptions& opts);

} // namespace ipcctl
