// The audit asks; this file looks. The orphan verdict is rm's own (the same
// orphaned() and changed_at(), so that audit and rm --orphaned never
// disagree), and the only files looked at are socket files (lstat: their
// mode is the socket's) and the directories of FIFOs and socket files.
// Windows has neither FIFOs nor socket files in ipcctl's listing: there no
// file is looked at, and the file checks do not run.
#include <ipcctl/ops/audit_inputs.hpp>

#ifndef _WIN32
#include <sys/stat.h>
#endif

#include <utility>

namespace ipcctl::ops {

query::AuditInputs audit_inputs(const model::Snapshot& snap, Alive alive, bool ignore_unreadable, bool stat_files) {
  query::AuditInputs in;
  in.orphaned = [&snap, alive = std::move(alive),
                 ignore_unreadable](const model::Object& o) -> std::optional<query::Orphan> {
    if (!removable(o.kind)) return std::nullopt;
    auto v = orphaned(o, *snap.walk, alive, ignore_unreadable);
    if (!v.yes) return std::nullopt;
    return query::Orphan{std::move(v.why), changed_at(o)};
  };
#ifdef _WIN32
  (void)stat_files;
#else
  if (stat_files) {
    in.stat_file = [](const std::string& path, bool follow) -> std::optional<query::FileFacts> {
      struct stat st {};
      if ((follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st)) != 0) return std::nullopt;
      return query::FileFacts{static_cast<std::uint32_t>(st.st_mode & 07777), S_ISSOCK(st.st_mode)};
    };
  }
#endif
  return in;
}

} // namespace ipcctl::ops
