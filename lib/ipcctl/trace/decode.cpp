// A tracee's memory is read with process_vm_readv: one system call for any
// size, no word-at-a-time PEEKDATA. Everything read is bounded (iovec
// counts, strings, control data) because a tracee may pass any pointer and
// any length. Descriptor classification is cached by the tracer: it costs a
// readlink and at most two more calls, once per descriptor.
#include <ipcctl/trace/decode.hpp>

#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace ipcctl::trace {

// The mqueue filesystem's magic number (ipc/mqueue.c; not in <linux/magic.h>).
constexpr long k_mqueue_magic = 0x19800202;

bool TraceeMemory::read(std::uint64_t addr, void* out, std::size_t n) const {
  if (n == 0) return true;
  iovec local{out, n};
  iovec remote{reinterpret_cast<void*>(addr), n};
  return ::process_vm_readv(m_tid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(n);
}

namespace {

bool read_iovs(const Memory& mem, std::uint64_t iov, std::uint64_t count, std::vector<iovec>& out) {
  if (count > k_max_iov) return false;
  out.resize(count);
  return mem.read(iov, out.data(), count * sizeof(iovec));
}

} // namespace

std::optional<std::uint64_t> iov_total(const Memory& mem, std::uint64_t iov, std::uint64_t count) {
  std::vector<iovec> v;
  if (!read_iovs(mem, iov, count, v)) return std::nullopt;
  std::uint64_t total = 0;
  for (const auto& e : v) total += e.iov_len;
  return total;
}

std::string iov_read(const Memory& mem, std::uint64_t iov, std::uint64_t count, std::size_t max,
                     std::uint64_t limit) {
  std::vector<iovec> v;
  std::string out;
  if (!read_iovs(mem, iov, count, v)) return out;
  const std::uint64_t want = std::min<std::uint64_t>(max, limit);
  for (const auto& e : v) {
    if (out.size() >= want) break;
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(e.iov_len, want - out.size()));
    const std::size_t at = out.size();
    out.resize(at + n);
    if (!mem.read(reinterpret_cast<std::uint64_t>(e.iov_base), out.data() + at, n)) {
      out.resize(at);
      break;
    }
  }
  return out;
}

std::optional<std::string> read_cstring(const Memory& mem, std::uint64_t addr, std::size_t max) {
  // Page by page: a string near the end of a mapping must not fail as a whole.
  std::string out;
  while (out.size() < max) {
    const std::uint64_t here = addr + out.size();
    const std::size_t chunk = std::min<std::size_t>(max - out.size(), 4096 - (here % 4096));
    char buf[4096];
    if (!mem.read(here, buf, chunk)) return out.empty() ? std::nullopt : std::optional(out);
    const auto* nul = static_cast<const char*>(std::memchr(buf, '\0', chunk));
    if (nul) return out.append(buf, static_cast<std::size_t>(nul - buf));
    out.append(buf, chunk);
  }
  return out;
}

std::optional<MsgHdr> read_msghdr(const Memory& mem, std::uint64_t addr) {
  msghdr h{};
  if (!mem.read(addr, &h, sizeof h)) return std::nullopt;
  MsgHdr out;
  out.iov = reinterpret_cast<std::uint64_t>(h.msg_iov);
  out.iovlen = h.msg_iovlen;
  if (auto total = iov_total(mem, out.iov, out.iovlen)) out.bytes = *total;
  if (h.msg_name && h.msg_namelen > 0) {
    std::string raw(std::min<std::size_t>(h.msg_namelen, sizeof(sockaddr_storage)), '\0');
    if (mem.read(reinterpret_cast<std::uint64_t>(h.msg_name), raw.data(), raw.size())) out.addr = sockaddr_text(raw);
  }
  if (h.msg_control && h.msg_controllen > 0) {
    std::string control(std::min<std::size_t>(h.msg_controllen, 4096), '\0');
    if (mem.read(reinterpret_cast<std::uint64_t>(h.msg_control), control.data(), control.size()))
      out.fds = parse_scm_rights(control);
  }
  return out;
}

std::vector<int> parse_scm_rights(std::string_view control) {
  std::vector<int> fds;
  std::size_t off = 0;
  while (off + sizeof(cmsghdr) <= control.size()) {
    cmsghdr c;
    std::memcpy(&c, control.data() + off, sizeof c);
    if (c.cmsg_len < sizeof(cmsghdr) || c.cmsg_len > control.size() - off) break;
    if (c.cmsg_level == SOL_SOCKET && c.cmsg_type == SCM_RIGHTS) {
      const std::size_t n = (c.cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < n; ++i) {
        int fd;
        std::memcpy(&fd, control.data() + off + CMSG_LEN(0) + i * sizeof(int), sizeof fd);
        fds.push_back(fd);
      }
    }
    off += CMSG_ALIGN(c.cmsg_len);
  }
  return fds;
}

std::string sockaddr_text(std::string_view raw) {
  if (raw.size() < sizeof(sa_family_t)) return {};
  sa_family_t family;
  std::memcpy(&family, raw.data(), sizeof family);
  char buf[INET6_ADDRSTRLEN];
  if (family == AF_INET && raw.size() >= sizeof(sockaddr_in)) {
    sockaddr_in a;
    std::memcpy(&a, raw.data(), sizeof a);
    ::inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
    return fmt::format("{}:{}", buf, ntohs(a.sin_port));
  }
  if (family == AF_INET6 && raw.size() >= sizeof(sockaddr_in6)) {
    sockaddr_in6 a;
    std::memcpy(&a, raw.data(), sizeof a);
    ::inet_ntop(AF_INET6, &a.sin6_addr, buf, sizeof buf);
    return fmt::format("[{}]:{}", buf, ntohs(a.sin6_port));
  }
  if (family == AF_UNIX && raw.size() > sizeof(sa_family_t)) {
    std::string_view path = raw.substr(sizeof(sa_family_t));
    if (path[0] == '\0') {
      std::string out = "@";
      for (char c : path.substr(1)) out += c == '\0' ? '@' : c;
      return out;
    }
    return std::string(path.substr(0, path.find('\0')));
  }
  return {};
}

LinkType classify_link(std::string_view link, std::uint64_t& inode) {
  auto bracketed = [&](std::string_view prefix) {
    if (!starts_with(link, prefix) || link.back() != ']') return false;
    inode = to_u64(link.substr(prefix.size(), link.size() - prefix.size() - 1)).value_or(0);
    return true;
  };
  if (link.empty()) return LinkType::other;
  if (bracketed("pipe:[")) return LinkType::pipe;
  if (bracketed("socket:[")) return LinkType::socket;
  if (link == "anon_inode:[eventfd]") return LinkType::eventfd;
  if (starts_with(link, "/memfd:")) return LinkType::memfd;
  if (link[0] == '/') return LinkType::path;
  return LinkType::other;
}

std::optional<model::Kind> kind_from_protoname(std::string_view proto, std::uint8_t& sock_type) {
  sock_type = 0;
  if (starts_with(proto, "UNIX")) {
    if (proto == "UNIX-STREAM") sock_type = SOCK_STREAM;
    else if (proto == "UNIX-DGRAM" || proto == "UNIX") sock_type = SOCK_DGRAM;
    else if (proto == "UNIX-SEQPACKET") sock_type = SOCK_SEQPACKET;
    return model::Kind::unix_socket;
  }
  if (proto == "TCP" || proto == "TCPv6" || proto == "MPTCP") return model::Kind::tcp;
  if (proto == "UDP" || proto == "UDPv6" || proto == "UDP-Lite" || proto == "UDPLITEv6") return model::Kind::udp;
  return std::nullopt;
}

FdClass classify_fd(int tid, int fd) {
  FdClass c;
  const std::string path = fmt::format("/proc/{}/fd/{}", tid, fd);
  char buf[4096];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n <= 0) return c;
  const std::string_view link(buf, static_cast<std::size_t>(n));
  switch (classify_link(link, c.id)) {
  case LinkType::pipe:
    c.ipc = true;
    c.kind = model::Kind::pipe;
    break;
  case LinkType::socket: {
    char proto[64];
    const ssize_t p = ::getxattr(path.c_str(), "system.sockprotoname", proto, sizeof proto - 1);
    if (p <= 0) break;
    std::string_view name(proto, static_cast<std::size_t>(p));
    if (!name.empty() && name.back() == '\0') name.remove_suffix(1);
    if (auto kind = kind_from_protoname(name, c.sock_type)) {
      c.ipc = true;
      c.kind = *kind;
    }
    break;
  }
  case LinkType::eventfd: {
    std::string info;
    const std::string fdinfo = fmt::format("/proc/{}/fdinfo/{}", tid, fd);
    if (!read_file_at(AT_FDCWD, fdinfo.c_str(), info, Read::once)) break;
    c.ipc = true;
    c.kind = model::Kind::eventfd;
    c.id = to_u64(trim(field_value(info, "eventfd-id").value_or(""))).value_or(0);
    break;
  }
  case LinkType::memfd: {
    struct stat st {};
    c.ipc = true;
    c.kind = model::Kind::memfd;
    if (::stat(path.c_str(), &st) == 0) c.id = st.st_ino;
    break;
  }
  case LinkType::path: {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) break;
    if (S_ISFIFO(st.st_mode)) {
      c.ipc = true;
      c.kind = model::Kind::fifo;
      c.id = st.st_ino;
      c.name = std::string(link);
    } else if (starts_with(link, "/dev/shm/")) {
      c.ipc = true;
      c.kind = model::Kind::posix_shm;
      c.id = st.st_ino;
      c.name = std::string(link.substr(8));
    } else if (S_ISREG(st.st_mode)) {
      struct statfs fs {};
      if (::statfs(path.c_str(), &fs) == 0 && fs.f_type == k_mqueue_magic) {
        c.ipc = true;
        c.kind = model::Kind::posix_mq;
        c.id = st.st_ino;
        c.name = std::string(link);
      }
    }
    break;
  }
  case LinkType::other: break;
  }
  return c;
}

int pidfd_target(int tid, int fd) {
  std::string info;
  const std::string path = fmt::format("/proc/{}/fdinfo/{}", tid, fd);
  if (!read_file_at(AT_FDCWD, path.c_str(), info, Read::once)) return 0;
  return static_cast<int>(to_i64(trim(field_value(info, "Pid").value_or(""))).value_or(0));
}

} // namespace ipcctl::trace
