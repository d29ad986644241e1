// The one table of Linux's mechanisms: --list prints it, the default run
// walks it in this order, and a new mechanism is one file plus one line here.
#include <ipcctl/bench/transport.hpp>
#include <ipcctl/bench/transports.hpp>

#include <array>

namespace ipcctl::bench {

namespace {

constexpr std::string_view k_counter = "a counter, not a message stream: writes add up";

const std::array k_table = {
  TransportInfo{"pipe", "pipe", "two anonymous pipes, one per direction", "", false, true, make_pipe},
  TransportInfo{"fifo", "pipe", "two named pipes (mkfifo), names removed once open", "", false, true, make_fifo},
  TransportInfo{"unix-stream", "socket", "AF_UNIX SOCK_STREAM socketpair", "", false, true, make_unix_stream},
  TransportInfo{"unix-dgram", "socket", "AF_UNIX SOCK_DGRAM socketpair", "", false, true, make_unix_dgram},
  TransportInfo{"unix-seqpacket", "socket", "AF_UNIX SOCK_SEQPACKET socketpair", "", false, true, make_unix_seqpacket},
  TransportInfo{"tcp4", "socket", "TCP over 127.0.0.1, TCP_NODELAY", "", false, true, make_tcp4},
  TransportInfo{"tcp6", "socket", "TCP over [::1], TCP_NODELAY", "", false, true, make_tcp6},
  TransportInfo{"udp4", "socket", "UDP over 127.0.0.1, connected sockets; losses counted", "", true, true, make_udp4},
  TransportInfo{"udp6", "socket", "UDP over [::1], connected sockets; losses counted", "", true, true, make_udp6},
  TransportInfo{"sysv-msg", "queue", "one private SysV message queue, mtype per direction", "", false, true, make_sysv_msg},
  TransportInfo{"posix-mq", "queue", "two POSIX message queues, unlinked once open", "", false, true, make_posix_mq},
  TransportInfo{"eventfd", "event", "two eventfds carrying an 8-byte value", k_counter, false, true, make_eventfd},
  TransportInfo{"signal", "signal", "sigqueue(SIGRTMIN) + sigwaitinfo, 8-byte sigval", "", false, true, make_signal_wait},
  TransportInfo{"signal-handler", "signal", "sigqueue(SIGRTMIN) + SA_SIGINFO handler and sigsuspend", "", false, true, make_signal_handler},
  TransportInfo{"shm-spin", "shm", "shared memory ring, busy-waiting on each slot's sequence word (the floor)", "", false, false, make_shm_spin},
  TransportInfo{"shm-futex", "shm", "shared memory ring, futex wait/wake", "", false, true, make_shm_futex},
  TransportInfo{"shm-posix-sem", "shm", "shared memory ring, process-shared sem_t", "", false, true, make_shm_posix_sem},
  TransportInfo{"shm-sysv-sem", "shm", "shared memory ring, SysV semaphore set", "", false, true, make_shm_sysv_sem},
  TransportInfo{"shm-condvar", "shm", "shared memory ring, process-shared pthread mutex + condvar", "", false, true, make_shm_condvar},
  TransportInfo{"shm-eventfd", "shm", "shared memory ring, eventfd (EFD_SEMAPHORE) doorbell", "", false, true, make_shm_eventfd},
  TransportInfo{"shm-pipe", "shm", "shared memory ring, one-byte pipe doorbell", "", false, true, make_shm_pipe},
  TransportInfo{"pipe-vmsplice", "pipe", "vmsplice of page-aligned user buffers into a pipe, read() out", "", false, true, make_pipe_vmsplice},
  TransportInfo{"splice", "pipe", "splice from a memfd's page cache into a pipe, read() out", "", false, true, make_splice},
  TransportInfo{"memfd-scm", "fd-pass", "a fresh memfd per message, passed over a unix socket (SCM_RIGHTS) and mapped", "", false, true, make_memfd_scm},
};

} // namespace

std::span<const TransportInfo> all_transports() { return k_table; }

} // namespace ipcctl::bench
