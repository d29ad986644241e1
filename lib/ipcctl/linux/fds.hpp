#pragma once
// Objects that exist only as descriptors: anonymous pipes, FIFOs, eventfds,
// memfds and signalfds. All come from the walk's descriptor table.
#include <ipcctl/linux/source.hpp>

#include <optional>
#include <string_view>

namespace ipcctl::sys {

// The fields of /proc/PID/fdinfo/FD that these kinds use.
struct FdInfo {
  std::optional<unsigned> flags;          // "flags:" (octal)
  std::optional<std::int64_t> eventfd_id;       // "eventfd-id:"
  std::optional<std::uint64_t> eventfd_count;   // "eventfd-count:" (hex)
  std::optional<bool> eventfd_semaphore;        // "eventfd-semaphore:"
  std::optional<std::uint64_t> sigmask;         // "sigmask:" (hex), signalfd
};
FdInfo parse_fdinfo(std::string_view text);
// "r", "w" or "rw" from the O_ACCMODE bits of fdinfo's flags.
std::string access_from_flags(unsigned flags);
// "/memfd:name (deleted)" -> "name"; nullopt when not a memfd link.
std::optional<std::string> memfd_name(std::string_view target);
// F_SEAL_* bits -> {"seal", "shrink", "grow", "write", "future_write", "exec"}.
std::vector<std::string> seal_names(unsigned seals);

const Source& pipe_source();
const Source& fifo_source();
const Source& eventfd_source();
const Source& memfd_source();
const Source& signalfd_source();

} // namespace ipcctl::sys
