// What every system's table of mechanisms shares: finding one by name, and
// telling "absent here" from a failure.
#include <ipcctl/bench/transport.hpp>

#include <cerrno>

namespace ipcctl::bench {

Result<void> Transport::adopt(std::string_view, const ChannelOptions&) {
  return fail(Error{ENOSYS, "adopt", "channel", "this mechanism's side b is forked, not started afresh"});
}

const TransportInfo* find_transport(std::string_view name) {
  for (const auto& t : all_transports())
    if (t.name == name) return &t;
  return nullptr;
}

bool is_absent(const Error& e) {
  return e.code == ENOENT || e.code == ENOSYS || e.code == EAFNOSUPPORT || e.code == EADDRNOTAVAIL ||
         e.code == EPROTONOSUPPORT;
}

} // namespace ipcctl::bench
