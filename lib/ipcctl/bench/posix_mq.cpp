// Two POSIX message queues, one per direction, each unlinked right after
// mq_open: the descriptors (inherited over fork) keep them alive and nothing
// is left in /dev/mqueue, whatever happens next. Messages are bounded by
// fs.mqueue.msgsize_max, and a queue holds at most fs.mqueue.msg_max of them.
#include <ipcctl/bench/io.hpp>
#include <ipcctl/bench/transports.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <mqueue.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

namespace ipcctl::bench {

namespace {

class PosixMqTransport : public Transport {
public:
  ~PosixMqTransport() override {
    for (mqd_t q : m_q)
      if (q != -1) ::mq_close(q);
  }

  std::size_t max_size() const override { return read_sysctl("/proc/sys/fs/mqueue/msgsize_max", 8192); }
  std::string max_size_source() const override { return "fs.mqueue.msgsize_max"; }

  Result<void> setup(const ChannelOptions& opts) override {
    static std::atomic<unsigned> serial{0};
    const long depth = static_cast<long>(std::min<std::uint64_t>(10, read_sysctl("/proc/sys/fs/mqueue/msg_max", 10)));
    for (auto& q : m_q) {
      const std::string name = fmt::format("/ipcbench.{}.{}", ::getpid(), serial++);
      mq_attr attr{};
      attr.mq_maxmsg = depth;
      attr.mq_msgsize = static_cast<long>(opts.size);
      q = ::mq_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
      if (q == -1) return fail(sys_error("mq_open", name));
      ::mq_unlink(name.c_str());
    }
    m_poll = opts.poll;
    return {};
  }

  Result<void> attach(Side side, pid_t) override {
    m_send = m_q[side == Side::a ? 0 : 1];
    m_recv = m_q[side == Side::a ? 1 : 0];
    if (m_poll == Poll::spin) {
      mq_attr attr{};
      attr.mq_flags = O_NONBLOCK;
      // Flags belong to the open queue description, which the peer shares
      // (fork): its sends on this queue see EAGAIN too, and retry.
      if (::mq_setattr(m_recv, &attr, nullptr) != 0) return fail(sys_error("mq_setattr", "queue"));
    }
    return {};
  }

  Result<std::unique_ptr<Transport>> split() override {
    auto b = std::make_unique<PosixMqTransport>();
    b->m_poll = m_poll;
    for (int i = 0; i < 2; ++i) {
      b->m_q[i] = ::fcntl(m_q[i], F_DUPFD_CLOEXEC, 0);
      if (b->m_q[i] == -1) return fail(sys_error("fcntl(F_DUPFD_CLOEXEC)", "queue"));
    }
    return b;
  }

  Result<void> send(const std::byte* data, std::size_t size) override {
    Backoff backoff;
    for (;;) {
      if (::mq_send(m_send, reinterpret_cast<const char*>(data), size, 0) == 0) return {};
      if (errno == EINTR && !aborted()) continue;
      // Under --poll spin the peer made the shared queue description non-blocking.
      if (errno == EAGAIN && backoff.wait()) continue;
      return fail(sys_error("mq_send", "queue"));
    }
  }

  Result<void> recv(std::byte* data, std::size_t size) override {
    Backoff backoff;
    for (;;) {
      const ssize_t n = ::mq_receive(m_recv, reinterpret_cast<char*>(data), size, nullptr);
      if (n >= 0) {
        if (static_cast<std::size_t>(n) != size) return fail(Error{EMSGSIZE, "mq_receive", "queue", "short message"});
        return {};
      }
      if (errno == EINTR && !aborted()) continue;
      if (errno == EAGAIN && backoff.wait()) continue;
      return fail(aborted() ? aborted_error("mq_receive") : sys_error("mq_receive", "queue"));
    }
  }

private:
  mqd_t m_q[2] = {-1, -1};
  mqd_t m_send = -1, m_recv = -1;
  Poll m_poll = Poll::block;
};

} // namespace

std::unique_ptr<Transport> make_posix_mq() { return std::make_unique<PosixMqTransport>(); }

} // namespace ipcctl::bench
