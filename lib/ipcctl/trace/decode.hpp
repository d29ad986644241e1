#pragma once
// Decoding a tracee's arguments: reading its memory (iovecs, msghdrs,
// sockaddrs, SCM_RIGHTS), and classifying its descriptors into channels.
// The parsers are pure, over a Memory interface, so tests feed them bytes.
#include <ipcctl/model/kind.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipcctl::trace {

// A tracee's address space.
class Memory {
public:
  virtual ~Memory() = default;
  // Copies exactly n bytes at addr; false when any of them is unreadable.
  virtual bool read(std::uint64_t addr, void* out, std::size_t n) const = 0;
};

// process_vm_readv on a stopped thread (the tracer may read it).
class TraceeMemory : public Memory {
public:
  explicit TraceeMemory(int tid) : m_tid(tid) {}
  bool read(std::uint64_t addr, void* out, std::size_t n) const override;

private:
  int m_tid;
};

// The iovec array bound: the kernel refuses more (UIO_MAXIOV).
inline constexpr std::uint64_t k_max_iov = 1024;

// Sum of iov_len over `count` iovecs at `iov`; nullopt when unreadable or
// count > k_max_iov.
std::optional<std::uint64_t> iov_total(const Memory& mem, std::uint64_t iov, std::uint64_t count);
// Up to `max` bytes of the data the iovecs describe, in order, stopping at
// `limit` bytes in all (what was actually transferred).
std::string iov_read(const Memory& mem, std::uint64_t iov, std::uint64_t count, std::size_t max,
                     std::uint64_t limit);
// A NUL-terminated string of at most `max` bytes; nullopt when unreadable.
std::optional<std::string> read_cstring(const Memory& mem, std::uint64_t addr, std::size_t max = 4096);

// The parts of a struct msghdr ipctrace reports.
struct MsgHdr {
  std::uint64_t iov = 0, iovlen = 0;
  std::uint64_t bytes = 0;   // sum of iov_len
  std::string addr;          // msg_name as sockaddr_text; "" when none
  std::vector<int> fds;      // SCM_RIGHTS descriptors in the control data
};
std::optional<MsgHdr> read_msghdr(const Memory& mem, std::uint64_t addr);

// Descriptors carried by SCM_RIGHTS control messages in `control` (the
// bytes msg_control points to, msg_controllen long). Truncated messages end
// the walk.
std::vector<int> parse_scm_rights(std::string_view control);

// "127.0.0.1:80", "[::1]:80", "/run/x.sock", "@abstract", "" for anything
// else (unnamed unix sockets, other families, a short buffer).
std::string sockaddr_text(std::string_view raw);

// What a descriptor is, for tracing.
struct FdClass {
  bool ipc = false;          // false: a file, a terminal, netlink...: not traced
  model::Kind kind = model::Kind::pipe;
  std::uint64_t id = 0;      // inode, or eventfd-id
  std::string name;          // fifo path, posix-mq or posix-shm name
  std::uint8_t sock_type = 0;
};

// The first step, from the /proc/PID/fd link text alone: pipes, sockets
// (kind still unknown), eventfds (id still unknown), memfds, paths.
enum class LinkType { pipe, socket, eventfd, memfd, path, other };
LinkType classify_link(std::string_view link, std::uint64_t& inode);
// The kind named by a socket's system.sockprotoname ("UNIX-STREAM", "TCPv6",
// "UDP"); nullopt for netlink, packet and other families.
std::optional<model::Kind> kind_from_protoname(std::string_view proto, std::uint8_t& sock_type);

// Classifies descriptor `fd` of thread `tid` on the running system:
// readlink, then getxattr, stat, statfs or fdinfo as the link type needs.
// A descriptor that cannot be read is not IPC.
FdClass classify_fd(int tid, int fd);

// The pid a pidfd refers to (fdinfo "Pid:"), 0 when unknown.
int pidfd_target(int tid, int fd);

} // namespace ipcctl::trace
