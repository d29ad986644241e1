#pragma once
// Collection on Windows: the object manager's named objects (listed from
// \BaseNamedObjects, \Sessions\N\BaseNamedObjects and \RPC Control), the
// named pipes and mailslots, and their holders from the system handle
// table, into the same Snapshot the Linux sources fill. Windows only.
#include <ipcctl/model/snapshot.hpp>
#include <ipcctl/util/result.hpp>

#include <cstdint>
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

// The NT path of the directory this process's named objects go in:
// "\Sessions\1\BaseNamedObjects" (or "\BaseNamedObjects" in session 0).
std::string session_directory();

} // namespace ipcctl::win
