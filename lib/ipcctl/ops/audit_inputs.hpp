#pragma once
// What ipcctl audit learns of the system, gathered here so that the audit
// itself (query/audit) stays a function of its inputs: the orphan verdict by
// the rules of rm --orphaned, and the stat of socket files and directories.
#include <ipcctl/api.hpp>
#include <ipcctl/model/snapshot.hpp>
#include <ipcctl/ops/remove.hpp>
#include <ipcctl/query/audit.hpp>

IPCCTL_API_BEGIN

namespace ipcctl::ops {

// The inputs for auditing `snap` (which must outlive them): orphaned() as
// rm --orphaned judges (with `alive` and `ignore_unreadable`), and, when
// `stat_files` (a live Linux system), stat_file() by lstat and stat. On
// Windows no file is looked at, and no object is orphaned (windows/remove.cpp).
query::AuditInputs audit_inputs(const model::Snapshot& snap, Alive alive = process_alive,
                                bool ignore_unreadable = false, bool stat_files = true);

} // namespace ipcctl::ops

IPCCTL_API_END
