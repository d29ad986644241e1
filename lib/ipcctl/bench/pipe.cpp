// Anonymous pipes and FIFOs: one per direction, so a round trip is two pipe
// hand-offs and nothing else (no signal back, as some suites do). A FIFO is a
// pipe with a name: it is made in a private 0700 directory, opened at both ends
// (read end non-blocking first, so that opening the write end cannot block),
// and its name and directory are removed before any message flows.
#include <ipcctl/bench/io.hpp>
#include <ipcctl/bench/transports.hpp>

#include <ipcctl/util/fd.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace ipcctl::bench {

namespace {

class PipeTransport : public Transport {
public:
  explicit PipeTransport(bool named) : m_named(named) {}

  Result<void> setup(const ChannelOptions& opts) override {
    m_poll = opts.poll;
    for (int dir = 0; dir < 2; ++dir) {
      auto r = m_named ? open_fifo(dir) : open_pipe(dir);
      if (!r) return r;
    }
    return {};
  }

  Result<void> attach(Side side, pid_t) override {
    // Direction 0 carries a -> b, direction 1 b -> a.
    const int in = side == Side::a ? 1 : 0, out = 1 - in;
    m_read = std::move(m_fds[in][0]);
    m_write = std::move(m_fds[out][1]);
    m_fds[in][1] = UniqueFd{};
    m_fds[out][0] = UniqueFd{};
    if (m_poll == Poll::spin) return set_nonblocking(m_read.get(), true);
    return {};
  }

  // Side b's ends move to side b's transport.
  Result<std::unique_ptr<Transport>> split() override {
    auto b = std::make_unique<PipeTransport>(m_named);
    b->m_poll = m_poll;
    b->m_fds[0][0] = std::move(m_fds[0][0]);
    b->m_fds[1][1] = std::move(m_fds[1][1]);
    return b;
  }

  Result<void> send(const std::byte* data, std::size_t size) override {
    return write_all(m_write.get(), data, size, m_named ? "write(fifo)" : "write(pipe)");
  }
  Result<void> recv(std::byte* data, std::size_t size) override {
    return read_all(m_read.get(), data, size, m_poll, m_named ? "read(fifo)" : "read(pipe)");
  }

private:
  Result<void> open_pipe(int dir) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return fail(sys_error("pipe2", "pipe"));
    m_fds[dir][0] = UniqueFd{fds[0]};
    m_fds[dir][1] = UniqueFd{fds[1]};
    return {};
  }

  Result<void> open_fifo(int dir) {
    const char* tmp = std::getenv("TMPDIR");
    std::string dirpath = fmt::format("{}/ipcbench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!::mkdtemp(dirpath.data())) return fail(sys_error("mkdtemp", dirpath));
    track_path(dirpath.c_str(), true);
    const std::string path = dirpath + "/fifo";
    track_path(path.c_str(), false);
    Result<void> r;
    if (::mkfifo(path.c_str(), 0600) != 0) {
      r = fail(sys_error("mkfifo", path));
    } else {
      m_fds[dir][0] = UniqueFd{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
      if (m_fds[dir][0]) m_fds[dir][1] = UniqueFd{::open(path.c_str(), O_WRONLY | O_CLOEXEC)};
      if (!m_fds[dir][0] || !m_fds[dir][1])
        r = fail(sys_error("open", path));
      else
        r = set_nonblocking(m_fds[dir][0].get(), false);
    }
    ::unlink(path.c_str());
    forget_path(path.c_str());
    ::rmdir(dirpath.c_str());
    forget_path(dirpath.c_str());
    return r;
  }

  bool m_named;
  Poll m_poll = Poll::block;
  UniqueFd m_fds[2][2];
  UniqueFd m_read, m_write;
};

} // namespace

std::unique_ptr<Transport> make_pipe() { return std::make_unique<PipeTransport>(false); }
std::unique_ptr<Transport> make_fifo() { return std::make_unique<PipeTransport>(true); }

} // namespace ipcctl::bench
