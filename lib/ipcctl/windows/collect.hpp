#pragma once
// Collection on Windows: the object manager's named objects (listed from
// \BaseNamedObjects, \Sessions\N\BaseNamedObjects and \RPC Control), the
// named pipes and mailslots, and their holders from the system handle
// table, into the same Snapshot the Linux sources fill. Windows only.
#include <ipcctl/model/snapshot.hpp>
#include <ipcctl/util/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ipcctl::win {

struct CollectOptions {
  model::KindSet kinds = model::KindSet::all();
  std::vector<std::uint64_t> pids;  // only objects these processes hold; empty: all
  bool holders = true;              // read the handle table (slow on a busy machine)
};

// Fails only when nothing at all can be read; every gap is a warning, and
// gaps known in Wine are named as such.
Result<model::Snapshot> collect(const CollectOptions& opts);

class FileNamer;

// The ref ls lists the object of a handle under (the handle duplicated into
// this process), or nullopt when it is of no listed kind or unnamed; a pipe
// or mailslot handle is named through `namer`, waiting at most `ms`.
std::optional<std::string> ref_of_handle(void* h, FileNamer& namer, unsigned ms);

// Closes handle `handle` in process `pid`, as Process Explorer's "Close
// Handle" does, but only if it still refers to the object `ref` names: the
// handle value may have been closed and reused since it was listed. (It can
// still be, in the moment between that check and the close: Windows offers
// no way to close a handle of another process only if it is the same.)
// Refused, with the reason, when it refers to something else.
Result<void> close_handle_of(std::uint64_t pid, std::uint64_t handle, const std::string& ref, FileNamer& namer);

// The NT path of the directory this process's named objects go in:
// "\Sessions\1\BaseNamedObjects" (or "\BaseNamedObjects" in session 0).
std::string session_directory();

} // namespace ipcctl::win
