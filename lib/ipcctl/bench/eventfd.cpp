// An eventfd per direction carries one 8-byte counter value, not a message:
// writes add up until read. It is measured for latency only (one value in
// flight), and its 8-byte message size is stated in every result.
#include <ipcctl/bench/io.hpp>
#include <ipcctl/bench/transports.hpp>

#include <ipcctl/util/fd.hpp>

#include <sys/eventfd.h>

#include <cstring>

namespace ipcctl::bench {

namespace {

class EventfdTransport : public Transport {
public:
  std::size_t max_size() const override { return 8; }
  std::string max_size_source() const override { return "one 8-byte counter"; }
  std::size_t fixed_size() const override { return 8; }

  Result<void> setup(const ChannelOptions& opts) override {
    m_poll = opts.poll;
    for (auto& fd : m_fds) {
      fd = UniqueFd{::eventfd(0, EFD_CLOEXEC)};
      if (!fd) return fail(sys_error("eventfd", "channel"));
    }
    return {};
  }

  Result<void> attach(Side side, pid_t) override {
    m_send = m_fds[side == Side::a ? 0 : 1].get();
    m_recv = m_fds[side == Side::a ? 1 : 0].get();
    if (m_poll == Poll::spin) return set_nonblocking(m_recv, true);
    return {};
  }

  Result<std::unique_ptr<Transport>> split() override {
    auto b = std::make_unique<EventfdTransport>();
    b->m_poll = m_poll;
    for (int i = 0; i < 2; ++i) {
      auto fd = dup_fd(m_fds[i]);
      if (!fd) return fail(fd.error());
      b->m_fds[i] = std::move(*fd);
    }
    return b;
  }

  // The counter cannot carry 0: the value sent is the message's first word + 1.
  Result<void> send(const std::byte* data, std::size_t) override {
    std::uint64_t v;
    std::memcpy(&v, data, 8);
    ++v;
    return write_all(m_send, reinterpret_cast<const std::byte*>(&v), 8, "write(eventfd)");
  }
  Result<void> recv(std::byte* data, std::size_t) override {
    std::uint64_t v = 0;
    if (auto r = read_all(m_recv, reinterpret_cast<std::byte*>(&v), 8, m_poll, "read(eventfd)"); !r) return r;
    --v;
    std::memcpy(data, &v, 8);
    return {};
  }

private:
  Poll m_poll = Poll::block;
  UniqueFd m_fds[2];
  int m_send = -1, m_recv = -1;
};

} // namespace

std::unique_ptr<Transport> make_eventfd() { return std::make_unique<EventfdTransport>(); }

} // namespace ipcctl::bench
