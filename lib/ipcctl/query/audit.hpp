#pragma once
// ipcctl audit: what is wrong with the IPC objects of a machine, each
// finding with its severity, why it matters and the command that fixes it.
// Checks read the Snapshot and the limits; the only system calls are
// lstat of socket files and of the directories of FIFOs and socket files.
#include <ipcctl/api.hpp>
#include <ipcctl/model/limit.hpp>
#include <ipcctl/model/snapshot.hpp>
#include <ipcctl/query/finding.hpp>
#include <ipcctl/ops/remove.hpp>

#include <cstdint>
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

struct AuditOptions {
  std::set<std::string> checks;             // the checks to run; empty: all
  std::int64_t now = 0;                     // seconds since the epoch
  std::int64_t stale_after = 3600;          // queue_stale: seconds without a read
  const std::vector<model::Limit>* limits = nullptr;  // near_limit; null: skipped
  ops::Alive alive = ops::process_alive;    // orphaned
  bool ignore_unreadable = false;           // orphaned, as rm --orphaned
  bool stat_files = true;                   // lstat socket files and directories (live systems)
};

// Every finding, most severe first, then by check and ref.
std::vector<Finding> audit(const model::Snapshot& snap, const AuditOptions& opts);

} // namespace ipcctl::query

IPCCTL_API_END
