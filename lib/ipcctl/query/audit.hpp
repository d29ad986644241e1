#pragma once
// ipcctl audit: what is wrong with the IPC objects of a machine, each
// finding with its severity, why it matters and the command that fixes it.
// Checks read the Snapshot, the limits and what the caller found out of the
// system (AuditInputs): audit makes no system call of its own and knows the
// rules of rm --orphaned only through the verdict it is given.
#include <ipcctl/api.hpp>
#include <ipcctl/model/limit.hpp>
#include <ipcctl/model/snapshot.hpp>
#include <ipcctl/query/finding.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

IPCCTL_API_BEGIN

namespace ipcctl::query {

struct Check {
  std::string_view name;  // "world_writable"
  Severity severity;      // the usual one; a check may raise it (a full queue)
  std::string_view help;  // one line, for --list-checks
};
std::span<const Check> all_checks();
const Check* find_check(std::string_view name);

// Why an object is orphaned (rm --orphaned's rules), for the orphaned check.
struct Orphan {
  std::string why;                         // "nobody is attached and its creator 5 is gone"
  std::optional<std::int64_t> changed_at;  // its last change, seconds since the epoch, if known
};

// What a file is, as stat or lstat tells.
struct FileFacts {
  std::uint32_t mode = 0;  // permission bits, with setuid, setgid and sticky (07777)
  bool socket = false;     // S_ISSOCK
};

// What audit learns of the system, from its caller (on Linux,
// ops::audit_inputs). A function left empty skips what needs it.
struct AuditInputs {
  // The orphan verdict: nullopt when `o` is not orphaned (or is of a kind
  // rm never removes). Empty: the orphaned check does not run.
  std::function<std::optional<Orphan>(const model::Object& o)> orphaned;
  // The file at `path`, following a symbolic link or not (lstat); nullopt
  // when it cannot be looked at. Empty: socket files and the directories of
  // FIFOs and socket files are not looked at (a captured tree).
  std::function<std::optional<FileFacts>(const std::string& path, bool follow)> stat_file;
};

struct AuditOptions {
  std::set<std::string> checks;             // the checks to run; empty: all
  std::int64_t now = 0;                     // seconds since the epoch
  std::int64_t stale_after = 3600;          // queue_stale: seconds without a read
  std::int64_t lock_wait_after = 60;        // lock_contention: seconds a waiter has slept
  const std::vector<model::Limit>* limits = nullptr;  // near_limit; null: skipped
  AuditInputs inputs;                       // orphaned, and the file probes
};

// Every finding, most severe first, then by check and ref.
std::vector<Finding> audit(const model::Snapshot& snap, const AuditOptions& opts);

} // namespace ipcctl::query

IPCCTL_API_END
