// One private SysV message queue carries both directions, told apart by mtype
// (1: a -> b, 2: b -> a). A queue outlives its processes, so it is tracked
// (lifecycle.hpp) from msgget to IPC_RMID. Messages are bounded by
// kernel.msgmax and a queue by kernel.msgmnb; as root the queue is raised to
// hold four of the largest messages.
#include <ipcctl/bench/io.hpp>
#include <ipcctl/bench/transports.hpp>

#include <sys/ipc.h>
#include <sys/msg.h>

#include <cstring>
#include <vector>

namespace ipcctl::bench {

namespace {

class SysvMsgTransport : public Transport {
public:
  ~SysvMsgTransport() override {
    if (m_id >= 0 && m_owner) {
      ::msgctl(m_id, IPC_RMID, nullptr);
      forget_sysv(m_id);
    }
  }

  std::size_t max_size() const override { return read_sysctl("/proc/sys/kernel/msgmax", 8192); }
  std::string max_size_source() const override { return "kernel.msgmax"; }

  Result<void> setup(const ChannelOptions& opts) override {
    m_poll = opts.poll;
    m_id = ::msgget(IPC_PRIVATE, IPC_CREAT | IPC_EXCL | 0600);
    if (m_id < 0) return fail(sys_error("msgget", "IPC_PRIVATE"));
    m_owner = true;
    track_sysv(SysvKind::msg, m_id);
    msqid_ds ds{};
    if (::msgctl(m_id, IPC_STAT, &ds) == 0 && ds.msg_qbytes < 4 * opts.size) {
      ds.msg_qbytes = 4 * opts.size;
      ::msgctl(m_id, IPC_SET, &ds);  // needs CAP_SYS_RESOURCE above msgmnb: best effort
    }
    m_buf.resize(sizeof(long) + opts.size);
    return {};
  }

  Result<void> attach(Side side, pid_t) override {
    m_send_type = side == Side::a ? 1 : 2;
    m_recv_type = side == Side::a ? 2 : 1;
    if (side == Side::b) m_owner = false;
    return {};
  }

  Result<std::unique_ptr<Transport>> split() override {
    auto b = std::make_unique<SysvMsgTransport>();
    b->m_id = m_id;
    b->m_poll = m_poll;
    b->m_buf.resize(m_buf.size());
    return b;
  }

  Result<void> send(const std::byte* data, std::size_t size) override {
    std::memcpy(m_buf.data(), &m_send_type, sizeof(long));
    std::memcpy(m_buf.data() + sizeof(long), data, size);
    for (;;) {
      if (::msgsnd(m_id, m_buf.data(), size, 0) == 0) return {};
      if (errno == EINTR && !aborted()) continue;
      return fail(sys_error("msgsnd", "queue"));
    }
  }

  Result<void> recv(std::byte* data, std::size_t size) override {
    const int flags = m_poll == Poll::spin ? IPC_NOWAIT : 0;
    Backoff backoff;
    for (;;) {
      const ssize_t n = ::msgrcv(m_id, m_buf.data(), size, m_recv_type, flags);
      if (n >= 0) {
        if (static_cast<std::size_t>(n) != size)
          return fail(Error{EMSGSIZE, "msgrcv", "queue", "short message"});
        std::memcpy(data, m_buf.data() + sizeof(long), size);
        return {};
      }
      if (errno == EINTR && !aborted()) continue;
      if (errno == ENOMSG && backoff.wait()) continue;
      return fail(aborted() ? aborted_error("msgrcv") : sys_error("msgrcv", "queue"));
    }
  }

private:
  int m_id = -1;
  bool m_owner = false;
  long m_send_type = 1, m_recv_type = 2;
  Poll m_poll = Poll::block;
  std::vector<std::byte> m_buf;  // long mtype, then the message
};

} // namespace

std::unique_ptr<Transport> make_sysv_msg() { return std::make_unique<SysvMsgTransport>(); }

} // namespace ipcctl::bench
