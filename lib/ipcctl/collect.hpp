#pragma once
// Collection, the same on every system: the system's one walk (Linux: of
// /proc; Windows: of the handle table), then every selected Source in turn,
// each adding its kind's objects to the Snapshot. What a source reads the
// system through is its system's SourceContext (linux/source.hpp,
// windows/source.hpp); this header names no system. The table of sources
// lives in collect.cpp and is the only place that knows them all.
#include <ipcctl/api.hpp>
#include <ipcctl/model/snapshot.hpp>
#include <ipcctl/util/result.hpp>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

IPCCTL_API_BEGIN

namespace ipcctl {

// A namespace to read (-N, -A); ns.path enters it: /proc/PID/ns/ipc of a
// process in it, or a bind mount such as /run/netns/NAME.
struct NsTarget {
  model::Namespace ns;
  int pid = 0;  // the process ns.path belongs to; 0 for a bind mount and for ipcctl's own
};

// What the sources of one system read it through, prepared once for a
// collection: each system's header defines it (Linux: the /proc tree).
class SourceContext;

struct CollectOptions {
  // The system's root, as lscpu --sysroot: "/" is the running machine;
  // tests point Linux at a captured tree (tests/data/proc/). Windows reads
  // only the running machine.
  std::string root = "/";
  model::KindSet kinds = model::KindSet::defaults();
  // The kinds the user named (ls -t, a ref of show): some list more when
  // named, as anon-shm and mapped-file list what a single process maps.
  model::KindSet explicit_kinds = model::KindSet::none();
  std::vector<int> pids;               // only objects these processes hold; empty: all
  std::vector<std::string> scan_dirs;  // also list the FIFOs and stale socket files under these paths
  bool all_signals = false;            // every process's signal state, not only pending ones
  bool holders = true;                 // who holds each object (Windows: the handle table, slow on a busy machine)
  bool probe_pipes = true;             // unread bytes via a non-blocking reader (see fds.cpp)
  // Read each POSIX queue's file for its bytes and notification: the read
  // sets the queue's atime and ctime (see posixipc.cpp), so only on request.
  bool queue_status = false;
  // Namespaces: by default, ipcctl's own IPC and network namespaces. -A
  // reads every one the machine's processes are in; -N only those named
  // (and then only the kinds that live in a namespace).
  bool all_namespaces = false;
  std::vector<NsTarget> namespaces;
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
  virtual Result<void> collect(const SourceContext& ctx, const CollectOptions& opts,
                               model::Snapshot& snap) const = 0;
  // What this kind needs of the walk: descriptors (Windows: handles),
  // Linux's /proc/PID/maps.
  virtual bool needs_fds() const { return true; }
  virtual bool needs_maps() const { return false; }
  // Whether it reads a file per object on top of the walk (an fdinfo per
  // locked descriptor, say): such a source starts before the others, so
  // that it does not run alone at the end while the other cores idle. Its
  // objects still come in the table's order.
  virtual bool slow() const { return false; }
};

// This system's sources, in the order a collection lists their objects.
std::span<const Source* const> all_sources();

// The threads a collection's walk and its sources run on: IPCCTL_THREADS
// when it is a number from 1 to 64, else one per core, at most 4 (the walk
// is bound by system calls, which /proc serves from every core at once).
std::size_t collect_threads();

// Walks the system once, runs the selected sources, resolves user and
// group names, and applies the pid selection. Fails only when the system
// cannot be read at all (Linux: /proc under opts.root is unreadable).
Result<model::Snapshot> collect(const CollectOptions& opts);

// Where a collection hands its objects as it goes: some of them at a time,
// complete (holders joined, names resolved, peers' holders copied), each
// group one source's in all_sources()' order, so that a listing that sorts
// each group as query::sort_default does lists in collect()'s order. The
// group is freed once `each` returns; `each` may filter or reorder it.
using ObjectSink = std::function<void(std::vector<model::Object>&)>;

// As collect(), handing the objects to `each` rather than keeping them: a
// listing written as it goes then holds the walk and a few kinds at a time,
// not the machine. The Snapshot returned has everything else (the walk, the
// warnings, the namespaces) and no objects.
Result<model::Snapshot> collect(const CollectOptions& opts, const ObjectSink& each);

namespace collecting {
// What collect() leaves to each system (linux/collect.cpp,
// windows/collect.cpp): its walk, then `selected` on what it prepared,
// handing the objects to `each` when it is not null.
Result<model::Snapshot> collect_system(std::span<const Source* const> selected, const CollectOptions& opts,
                                       const ObjectSink* each = nullptr);
// Runs `sources` into one Snapshot sharing `walk`; a source that fails
// becomes a warning. With `threads` > 1 they run on several threads, each
// into a part of its own, joined in the table's order.
model::Snapshot run_sources(std::span<const Source* const> sources, const SourceContext& ctx, const CollectOptions& opts,
                            const std::shared_ptr<model::Walk>& walk, std::size_t threads);
// Runs `sources` as run_sources() does, but hands each source's part (its
// objects and warnings) to `each` on the calling thread, in the table's
// order, as soon as it and every part before it are done, then frees it.
// With `threads` > 1 the sources run on that many threads, a few parts
// ahead of `each` at most; with 1, on the calling thread (which may be in
// another namespace). If `each` throws, the sources still running finish,
// none starts, and the exception goes on.
void run_sources_each(std::span<const Source* const> sources, const SourceContext& ctx, const CollectOptions& opts,
                      const std::shared_ptr<model::Walk>& walk, std::size_t threads,
                      const std::function<void(model::Snapshot& part)>& each);
} // namespace collecting

} // namespace ipcctl

IPCCTL_API_END
