// The one table of Windows' mechanisms: --list prints it, the default run
// walks it in this order, and a new mechanism is one file plus one line here.
#include <ipcctl/bench/transport.hpp>
#include <ipcctl/bench/transports.hpp>

#include <array>

namespace ipcctl::bench {

namespace {

// A section has one slot each way: a sender must wait for the slot to be
// read before it writes again, so its one-way rate is its round trip.
constexpr std::string_view k_one_slot = "one slot each way, so its one-way rate is its round trip";
constexpr std::string_view k_one_way = "one way only: a mailslot has no reply path";

const std::array k_table = {
  TransportInfo{"anon-pipe", "pipe", "two anonymous pipes (CreatePipe), one per direction, inherited by side b", "", false, true, make_win_anon_pipe},
  TransportInfo{"named-pipe", "pipe", "named pipe, byte mode (CreateNamedPipe, one instance), duplex", "", false, true, make_win_named_pipe},
  TransportInfo{"named-pipe-msg", "pipe", "named pipe, message mode, duplex", "", false, true, make_win_named_pipe_msg},
  TransportInfo{"section-event", "shm", "shared section, each message signalled by an auto-reset event", k_one_slot, false, true, make_win_section_event},
  TransportInfo{"section-spin", "shm", "shared section, busy-waiting on a sequence word (the floor)", k_one_slot, false, false, make_win_section_spin},
  TransportInfo{"tcp", "socket", "TCP over 127.0.0.1, TCP_NODELAY", "", false, true, make_win_tcp},
  TransportInfo{"udp", "socket", "UDP over 127.0.0.1, connected sockets; losses counted", "", true, true, make_win_udp},
  TransportInfo{"unix", "socket", "AF_UNIX stream socket (Windows 10 1803 and later)", "", false, true, make_win_unix},
  TransportInfo{"mailslot", "queue", "mailslot, one way, at most 64 messages in flight (a writer never waits)", "", false, true, make_win_mailslot, k_one_way},
};

} // namespace

std::span<const TransportInfo> all_transports() { return k_table; }

} // namespace ipcctl::bench
