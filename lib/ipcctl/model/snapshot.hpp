#pragma once
// Snapshot: everything one collection saw. The processes and their
// descriptors and mappings (from the one walk of /proc), the objects the
// collectors built from them, and the warnings about what could not be seen.
#include <ipcctl/api.hpp>
#include <ipcctl/model/object.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

IPCCTL_API_BEGIN

namespace ipcctl::model {

struct SignalMasks {
  std::uint64_t pending = 0;         // SigPnd: sent to the thread
  std::uint64_t shared_pending = 0;  // ShdPnd: sent to the process
  std::uint64_t blocked = 0, ignored = 0, caught = 0;
};

struct Process {
  int pid = 0;
  int ppid = 0;
  std::string comm;
  std::uint32_t uid = 0, gid = 0;
  SignalMasks signals;
  bool kernel_thread = false;
  std::uint64_t ipc_ns = 0;  // its IPC namespace's inode, read only for -A; 0: unknown
  std::uint64_t net_ns = 0;  // its network namespace's, likewise
};

enum class FdType : std::uint8_t { path, pipe, socket, anon, other };

// One open descriptor of one process, as the walk saw it.
struct FdEntry {
  int pid = 0;
  int fd = 0;
  FdType type = FdType::other;
  std::string target;        // the link text: "pipe:[123]", "/dev/shm/x", "anon_inode:[eventfd]"
  std::uint64_t inode = 0;   // from the link (pipe, socket) or the target's st_ino (path)
  std::uint64_t dev = 0;     // the target's st_dev (path only)
  std::uint32_t file_mode = 0;  // the target's st_mode (path only)
  std::int64_t file_size = 0;   // the target's st_size (path only)
  std::string access;        // "r", "w", "rw" from the link's permission bits; "" when not read
};

// One shared mapping of interest (/SYSV*, /dev/shm/*, /memfd:*) of one process.
struct MapEntry {
  int pid = 0;
  std::string path;          // as the kernel prints it, " (deleted)" removed
  bool deleted = false;
  std::uint64_t inode = 0;   // for /SYSV mappings this is the shmid
  std::uint64_t dev = 0;     // makedev(major, minor) of the maps line
  std::string access;        // "r", "rw"
  std::uint64_t length = 0;  // end - start: the mapping's length in bytes
};

// Positions of a walk's entries by inode: one sorted array, built once,
// searched by halves; a key's positions come in walk order.
class InodeIndex {
public:
  using Entry = std::pair<std::uint64_t, std::size_t>;  // inode, position
  void build(std::vector<Entry> entries);
  std::pair<const Entry*, const Entry*> equal_range(std::uint64_t inode) const;
  std::size_t size() const { return m_entries.size(); }

private:
  std::vector<Entry> m_entries;
};

// What the one walk of /proc saw: read-only once built, shared by every
// source (which may run on several threads at once).
struct Walk {
  std::unordered_map<int, Process> processes;
  std::vector<FdEntry> fds;
  std::vector<MapEntry> maps;
  bool maps_read = false;
  // Processes whose descriptors, or maps, could not be read (sorted pids):
  // while one is, "nobody holds it" cannot be known.
  std::vector<int> fds_denied, maps_denied;
  // fd positions by inode (pipe, socket, path), and map positions by
  // inode (the shmid for /SYSV): built by index(), so that joining an
  // object to its holders costs its holders, not the machine's descriptors.
  InodeIndex fds_by_inode;
  InodeIndex maps_by_inode;
  void index();
};

// The processes (sorted pids) and objects (refs) a warning counts ("2
// processes were not readable"), so that a front end can name them and JSON
// list them.
struct WarningSubjects {
  std::vector<int> pids;
  std::vector<std::string> refs;
};

struct Snapshot {
  std::vector<Object> objects;
  std::vector<std::string> warnings;
  // What some of the warnings count, by their text.
  std::map<std::string, WarningSubjects> subjects;
  std::shared_ptr<Walk> walk = std::make_shared<Walk>();
  // The namespaces read, ipcctl's own first; empty when only its own were
  // (the default).
  std::vector<Namespace> namespaces;
  // Those that could not be entered: ref suffix ("@ipc:4026532281") -> why.
  std::map<std::string, std::string> unentered;

  void warn(std::string text);
  void warn(std::string text, WarningSubjects about);
  const Process* process(int pid) const;
  Holder holder(const FdEntry& e) const;
  Holder holder(const MapEntry& m) const;
};

} // namespace ipcctl::model

IPCCTL_API_END
