#pragma once
// Helpers the Linux transports share: whole-message reads and writes on
// descriptors (spin.hpp has the busy-wait policy). Internal to lib/ipcctl/bench.
#include <ipcctl/bench/spin.hpp>
#include <ipcctl/bench/transport.hpp>
#include <ipcctl/util/fd.hpp>

#include <cstdint>

namespace ipcctl::bench {

// write() until all is written; EINTR after abort ends it. `op` names the call.
Result<void> write_all(int fd, const std::byte* data, std::size_t size, const char* op);
// read() until `size` bytes; end of file is an EPIPE error. Under Poll::spin the
// descriptor must be non-blocking: EAGAIN is spun on.
Result<void> read_all(int fd, std::byte* data, std::size_t size, Poll poll, const char* op);
Result<void> set_nonblocking(int fd, bool on);
// A descriptor of its own for the same open file (split()); empty stays empty.
Result<UniqueFd> dup_fd(const UniqueFd& fd);
// send() / recv() of whole messages on a socket (MSG_NOSIGNAL; MSG_DONTWAIT
// for Poll::spin). Stream sockets loop; message sockets check the length.
Result<void> send_all(int fd, const std::byte* data, std::size_t size, bool stream);
Result<void> recv_all(int fd, std::byte* data, std::size_t size, bool stream, Poll poll);

// Reads one number from a /proc/sys file; `fallback` when unreadable.
std::uint64_t read_sysctl(const char* path, std::uint64_t fallback);

} // namespace ipcctl::bench
