// Moving pages instead of bytes into a pipe: vmsplice(2) maps the sender's
// user pages into the pipe, splice(2) moves page-cache pages of a memfd into
// it; the reader still read()s. The pipe holds references to those pages, not
// copies, so a page may only be reused once the reader has consumed it: the
// sender writes each message into the next buffer of a ring larger than the
// pipe, page-aligned, and the runner's payload checks would catch any reuse.
#include <ipcctl/bench/io.hpp>
#include <ipcctl/bench/transports.hpp>

#include <ipcctl/util/fd.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace ipcctl::bench {

namespace {

enum class Move { vmsplice, splice };

class SpliceTransport : public Transport {
public:
  explicit SpliceTransport(Move move) : m_move(move) {}
  ~SpliceTransport() override {
    if (m_ring && m_unmaps) ::munmap(m_ring, m_ring_size);
  }

  Result<void> setup(const ChannelOptions& opts) override {
    m_poll = opts.poll;
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    m_slot = (opts.size + page - 1) / page * page;
    std::size_t capacity = 0;
    for (auto& dir : m_fds) {
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC) != 0) return fail(sys_error("pipe2", "pipe"));
      dir[0] = UniqueFd{fds[0]};
      dir[1] = UniqueFd{fds[1]};
      // Room for one message where the system allows (fs.pipe-max-size); smaller is fine.
      const auto want = static_cast<int>(std::min<std::size_t>(std::max<std::size_t>(m_slot, 65536), 1 << 20));
      ::fcntl(fds[1], F_SETPIPE_SZ, want);
      const int got = ::fcntl(fds[1], F_GETPIPE_SZ);
      capacity = std::max(capacity, static_cast<std::size_t>(got > 0 ? got : 65536));
    }
    m_slots = capacity / m_slot + 2;  // more than the pipe can hold, so a reused buffer was read
    m_ring_size = m_slots * m_slot;
    if (m_move == Move::splice) {
      m_memfd = UniqueFd{::memfd_create("ipcbench-splice", MFD_CLOEXEC)};
      if (!m_memfd) return fail(sys_error("memfd_create", "splice source"));
      if (::ftruncate(m_memfd.get(), static_cast<off_t>(m_ring_size)) != 0) return fail(sys_error("ftruncate", "memfd"));
      m_ring = ::mmap(nullptr, m_ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, m_memfd.get(), 0);
    } else {
      m_ring = ::mmap(nullptr, m_ring_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    if (m_ring == MAP_FAILED) {
      m_ring = nullptr;
      return fail(sys_error("mmap", "buffer ring"));
    }
    return {};
  }

  Result<void> attach(Side side, pid_t) override {
    const int in = side == Side::a ? 1 : 0, out = 1 - in;
    m_read = std::move(m_fds[in][0]);
    m_write = std::move(m_fds[out][1]);
    m_fds[in][1] = UniqueFd{};
    m_fds[out][0] = UniqueFd{};
    if (m_poll == Poll::spin) return set_nonblocking(m_read.get(), true);
    return {};
  }

  // Side b's ends move to side b's transport, which shares the ring: the two
  // sides never send at once (a round trip, or side a alone).
  Result<std::unique_ptr<Transport>> split() override {
    auto b = std::make_unique<SpliceTransport>(m_move);
    b->m_poll = m_poll;
    b->m_fds[0][0] = std::move(m_fds[0][0]);
    b->m_fds[1][1] = std::move(m_fds[1][1]);
    auto memfd = dup_fd(m_memfd);
    if (!memfd) return fail(memfd.error());
    b->m_memfd = std::move(*memfd);
    b->m_ring = m_ring;
    b->m_ring_size = m_ring_size;
    b->m_slot = m_slot;
    b->m_slots = m_slots;
    b->m_unmaps = false;
    return b;
  }

  Result<void> send(const std::byte* data, std::size_t size) override {
    const std::size_t at = (m_next++ % m_slots) * m_slot;
    std::byte* buf = static_cast<std::byte*>(m_ring) + at;
    std::memcpy(buf, data, size);
    std::size_t done = 0;
    while (done < size) {
      ssize_t n;
      if (m_move == Move::vmsplice) {
        iovec iov{buf + done, size - done};
        n = ::vmsplice(m_write.get(), &iov, 1, 0);
      } else {
        loff_t off = static_cast<loff_t>(at + done);
        n = ::splice(m_memfd.get(), &off, m_write.get(), nullptr, size - done, SPLICE_F_MOVE);
      }
      if (n < 0) {
        if (errno == EINTR && !aborted()) continue;
        return fail(sys_error(m_move == Move::vmsplice ? "vmsplice" : "splice", "pipe"));
      }
      done += static_cast<std::size_t>(n);
    }
    return {};
  }

  Result<void> recv(std::byte* data, std::size_t size) override {
    return read_all(m_read.get(), data, size, m_poll, "read(pipe)");
  }

private:
  Move m_move;
  Poll m_poll = Poll::block;
  UniqueFd m_fds[2][2], m_read, m_write, m_memfd;
  void* m_ring = nullptr;
  bool m_unmaps = true;  // false in split()'s second transport
  std::size_t m_ring_size = 0, m_slot = 0, m_slots = 0;
  std::uint64_t m_next = 0;
};

} // namespace

std::unique_ptr<Transport> make_pipe_vmsplice() { return std::make_unique<SpliceTransport>(Move::vmsplice); }
std::unique_ptr<Transport> make_splice() { return std::make_unique<SpliceTransport>(Move::splice); }

} // namespace ipcctl::bench
