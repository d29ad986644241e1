// Pipes and stream sockets may return part of a message; every transport needs
// the same loops around read/write/send/recv, and the same answer to EINTR
// (retry, unless the watchdog aborted the run) and to EAGAIN under busy-poll.
#include <ipcctl/bench/io.hpp>

#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace ipcctl::bench {

Result<void> write_all(int fd, const std::byte* data, std::size_t size, const char* op) {
  Backoff backoff;
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR && !aborted()) continue;
      if (errno == EAGAIN) {
        if (!backoff.wait()) return fail(aborted_error(op));
        continue;
      }
      return fail(sys_error(op, "write"));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

Result<void> read_all(int fd, std::byte* data, std::size_t size, Poll poll, const char* op) {
  Backoff backoff;
  while (size > 0) {
    const ssize_t n = ::read(fd, data, size);
    if (n > 0) {
      data += n;
      size -= static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) return fail(Error{EPIPE, op, "read", "end of file: the other side is gone"});
    if (errno == EINTR && !aborted()) continue;
    if (errno == EAGAIN && poll == Poll::spin) {
      if (!backoff.wait()) return fail(aborted_error(op));
      continue;
    }
    return fail(sys_error(op, "read"));
  }
  return {};
}

Result<UniqueFd> dup_fd(const UniqueFd& fd) {
  if (!fd) return UniqueFd{};
  UniqueFd out{::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0)};
  if (!out) return fail(sys_error("fcntl(F_DUPFD_CLOEXEC)", "channel"));
  return out;
}

Result<void> set_nonblocking(int fd, bool on) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) < 0)
    return fail(sys_error("fcntl(O_NONBLOCK)", "channel"));
  return {};
}

Result<void> send_all(int fd, const std::byte* data, std::size_t size, bool stream) {
  Backoff backoff;
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR && !aborted()) continue;
      if (errno == ENOBUFS || errno == EAGAIN) {  // a full socket buffer: wait and retry
        if (!backoff.wait()) return fail(aborted_error("send"));
        continue;
      }
      return fail(sys_error("send", "socket"));
    }
    if (!stream && static_cast<std::size_t>(n) != size)
      return fail(Error{EMSGSIZE, "send", "socket", "message sent in part"});
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

Result<void> recv_all(int fd, std::byte* data, std::size_t size, bool stream, Poll poll) {
  const int flags = poll == Poll::spin ? MSG_DONTWAIT : 0;
  Backoff backoff;
  while (size > 0) {
    // MSG_TRUNC: a message socket reports the real length of a longer message.
    const ssize_t n = ::recv(fd, data, size, stream ? flags : flags | MSG_TRUNC);
    if (n > 0) {
      if (!stream && static_cast<std::size_t>(n) != size)
        return fail(Error{EMSGSIZE, "recv", "socket",
                          fmt::format("message of {} bytes, expected {}", n, size)});
      data += n;
      size -= static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0 && stream) return fail(Error{EPIPE, "recv", "socket", "end of file: the other side is gone"});
    if (n == 0) return fail(Error{EMSGSIZE, "recv", "socket", "empty message"});
    if (errno == EINTR && !aborted()) continue;
    if (errno == EAGAIN && poll == Poll::spin) {
      if (!backoff.wait()) return fail(aborted_error("recv"));
      continue;
    }
    if (errno == EAGAIN) return fail(Error{ETIMEDOUT, "recv", "socket", "no message for 0.5 s"});
    return fail(sys_error("recv", "socket"));
  }
  return {};
}

std::uint64_t read_sysctl(const char* path, std::uint64_t fallback) {
  const auto text = read_file(path);
  if (!text) return fallback;
  return to_u64(trim(*text)).value_or(fallback);
}

} // namespace ipcctl::bench
