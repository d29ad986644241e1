#pragma once
// Helpers the transports share: whole-message reads and writes on descriptors,
// and the busy-wait policy. Internal to lib/ipcctl/bench.
#include <ipcctl/bench/lifecycle.hpp>
#include <ipcctl/bench/transport.hpp>
#include <ipcctl/util/fd.hpp>

#include <sched.h>

#include <cstdint>

namespace ipcctl::bench {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// How many fruitless rounds a busy-wait pauses before it yields the CPU every
// round. Where both sides share a CPU, spinning only delays the peer: the
// runner sets 0 there; across CPUs it keeps the default of 4,000.
void set_spin_rounds(std::uint32_t rounds);
std::uint32_t spin_rounds();

// The busy-wait policy: pause for spin_rounds() fruitless rounds, then yield
// every round, so that a peer on the same CPU can run.
class Backoff {
public:
  // One fruitless round; false once the run is aborted.
  bool wait() {
    if (m_round < m_limit) {
      ++m_round;
      cpu_relax();
      return true;
    }
    if (aborted()) return false;
    ::sched_yield();
    return true;
  }

private:
  std::uint32_t m_round = 0, m_limit = spin_rounds();
};

// Busy-waits until ready() is true; false when the run is aborted.
template <class Ready>
bool spin_until(Ready&& ready) {
  Backoff backoff;
  while (!ready())
    if (!backoff.wait()) return false;
  return true;
}

Error aborted_error(const char* op);

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
