#pragma once
// The make_* function of every mechanism, for the tables in table_linux.cpp
// and table_windows.cpp. Internal to lib/ipcctl/bench.
#include <ipcctl/bench/transport.hpp>

namespace ipcctl::bench {

std::unique_ptr<Transport> make_pipe();
std::unique_ptr<Transport> make_fifo();
std::unique_ptr<Transport> make_unix_stream();
std::unique_ptr<Transport> make_unix_dgram();
std::unique_ptr<Transport> make_unix_seqpacket();
std::unique_ptr<Transport> make_tcp4();
std::unique_ptr<Transport> make_tcp6();
std::unique_ptr<Transport> make_udp4();
std::unique_ptr<Transport> make_udp6();
std::unique_ptr<Transport> make_sysv_msg();
std::unique_ptr<Transport> make_posix_mq();
std::unique_ptr<Transport> make_eventfd();
std::unique_ptr<Transport> make_signal_wait();
std::unique_ptr<Transport> make_signal_handler();
std::unique_ptr<Transport> make_shm_spin();
std::unique_ptr<Transport> make_shm_futex();
std::unique_ptr<Transport> make_shm_posix_sem();
std::unique_ptr<Transport> make_shm_sysv_sem();
std::unique_ptr<Transport> make_shm_condvar();
std::unique_ptr<Transport> make_shm_eventfd();
std::unique_ptr<Transport> make_shm_pipe();
std::unique_ptr<Transport> make_pipe_vmsplice();
std::unique_ptr<Transport> make_splice();
std::unique_ptr<Transport> make_memfd_scm();

// Windows (win_handles.cpp, win_section.cpp, win_socket.cpp).
std::unique_ptr<Transport> make_win_anon_pipe();
std::unique_ptr<Transport> make_win_named_pipe();
std::unique_ptr<Transport> make_win_named_pipe_msg();
std::unique_ptr<Transport> make_win_mailslot();
std::unique_ptr<Transport> make_win_section_event();
std::unique_ptr<Transport> make_win_section_spin();
std::unique_ptr<Transport> make_win_tcp();
std::unique_ptr<Transport> make_win_udp();
std::unique_ptr<Transport> make_win_unix();

} // namespace ipcctl::bench
