#pragma once
// What the Windows transports and runner share: Windows' errors as Errors,
// the event an aborted run sets (blocking waits include it), and the handle
// lists side b's command line carries. Windows only; internal to lib/ipcctl/bench.
#include <ipcctl/util/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ipcctl::bench {

// GetLastError() as an Error, read before anything else can change it.
Error last_error(std::string op, std::string subject);
// WSAGetLastError() likewise; the operation is OP, or OP(WHAT).
Error socket_error(std::string_view op, std::string_view what = {});

// A manual-reset event, set while the run is aborted (the watchdog fired or
// side b ended): waits of side a include it, as Linux's blocking calls fail
// with EINTR.
void* abort_event();

// "12,34": handle values, for a command line; and back (nullopt-like: an
// empty vector on junk or when the count differs).
std::string handle_list(const std::vector<std::uintptr_t>& handles);
std::vector<std::uintptr_t> parse_handle_list(std::string_view text, std::size_t count);

// Winsock started, once per process.
void start_winsock();

} // namespace ipcctl::bench
