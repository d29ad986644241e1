#pragma once
// Windows collection's helpers beside its sources (windows/source.hpp,
// listed with the rest in collect.cpp): a handle's ref, closing a handle in
// another process, and this session's object directory. Windows only.
#include <ipcctl/util/result.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace ipcctl::win {

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
