// The zero-copy hand-off (as Wayland and Android pass buffers): each message
// is a fresh memfd, filled through a mapping and passed over a unix socket
// with SCM_RIGHTS; the receiver maps it and reads it. Nothing is copied
// through the kernel, but every message pays memfd_create, two mmaps and fd
// passing: the figure says when that beats copying.
#include <ipcctl/bench/io.hpp>
#include <ipcctl/bench/transports.hpp>

#include <ipcctl/util/fd.hpp>

#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace ipcctl::bench {

namespace {

// The message both sides pass: one byte of data and room for one descriptor.
struct FdMessage {
  char byte = 'm';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};

  FdMessage() {
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
  }
  FdMessage(const FdMessage&) = delete;
  FdMessage& operator=(const FdMessage&) = delete;
};

class MemfdTransport : public Transport {
public:
  Result<void> setup(const ChannelOptions& opts) override {
    m_poll = opts.poll;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return fail(sys_error("socketpair", "unix"));
    m_ends[0] = UniqueFd{sv[0]};
    m_ends[1] = UniqueFd{sv[1]};
    return {};
  }

  Result<void> attach(Side side, pid_t) override {
    m_fd = std::move(m_ends[side == Side::a ? 0 : 1]);
    m_ends[0] = UniqueFd{};
    m_ends[1] = UniqueFd{};
    return {};
  }

  Result<std::unique_ptr<Transport>> split() override {
    auto b = std::make_unique<MemfdTransport>();
    b->m_poll = m_poll;
    b->m_ends[1] = std::move(m_ends[1]);
    return b;
  }

  Result<void> send(const std::byte* data, std::size_t size) override {
    UniqueFd mfd{::memfd_create("ipcbench-msg", MFD_CLOEXEC)};
    if (!mfd) return fail(sys_error("memfd_create", "message"));
    if (::ftruncate(mfd.get(), static_cast<off_t>(size)) != 0) return fail(sys_error("ftruncate", "memfd"));
    void* map = ::mmap(nullptr, size, PROT_WRITE, MAP_SHARED, mfd.get(), 0);
    if (map == MAP_FAILED) return fail(sys_error("mmap", "memfd"));
    std::memcpy(map, data, size);
    ::munmap(map, size);
    FdMessage m;
    cmsghdr* c = CMSG_FIRSTHDR(&m.msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    const int fd = mfd.get();
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    for (;;) {
      if (::sendmsg(m_fd.get(), &m.msg, MSG_NOSIGNAL) == 1) return {};
      if (errno == EINTR && !aborted()) continue;
      return fail(sys_error("sendmsg(SCM_RIGHTS)", "unix"));
    }
  }

  Result<void> recv(std::byte* data, std::size_t size) override {
    FdMessage m;
    Backoff backoff;
    for (;;) {
      const ssize_t n = ::recvmsg(m_fd.get(), &m.msg, MSG_CMSG_CLOEXEC | (m_poll == Poll::spin ? MSG_DONTWAIT : 0));
      if (n == 1) break;
      if (n == 0) return fail(Error{EPIPE, "recvmsg", "unix", "end of file: the other side is gone"});
      if (errno == EINTR && !aborted()) continue;
      if (errno == EAGAIN && backoff.wait()) continue;
      return fail(aborted() ? aborted_error("recvmsg") : sys_error("recvmsg", "unix"));
    }
    cmsghdr* c = CMSG_FIRSTHDR(&m.msg);
    if (!c || c->cmsg_type != SCM_RIGHTS) return fail(Error{EPROTO, "recvmsg", "unix", "no descriptor passed"});
    int fd;
    std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
    UniqueFd mfd{fd};
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, mfd.get(), 0);
    if (map == MAP_FAILED) return fail(sys_error("mmap", "received memfd"));
    std::memcpy(data, map, size);
    ::munmap(map, size);
    return {};
  }

private:
  Poll m_poll = Poll::block;
  UniqueFd m_ends[2], m_fd;
};

} // namespace

std::unique_ptr<Transport> make_memfd_scm() { return std::make_unique<MemfdTransport>(); }

} // namespace ipcctl::bench
