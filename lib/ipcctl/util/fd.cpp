#include <ipcctl/util/fd.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace ipcctl {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = std::exchange(other.m_fd, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (m_fd >= 0) ::close(m_fd);
}

Result<void> read_file_at(int dirfd, const char* path, std::string& out, Read mode) {
  out.clear();
  UniqueFd fd(::openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) return fail(sys_error("open", path));
  constexpr std::size_t k_chunk = 16384;
  for (;;) {
    const std::size_t used = out.size();
    out.resize(used + k_chunk);
    const ssize_t n = ::read(fd.get(), out.data() + used, k_chunk);
    if (n < 0) {
      if (errno == EINTR) {
        out.resize(used);
        continue;
      }
      const Error e = sys_error("read", path);
      out.resize(used);
      return fail(e);
    }
    out.resize(used + static_cast<std::size_t>(n));
    if (n == 0 || mode == Read::once) return {};
  }
}

Result<void> read_dir_chunk(int dirfd, char* buf, std::size_t size, std::size_t& used) {
  const ssize_t n = ::getdents64(dirfd, buf, size);
  if (n < 0) return fail(sys_error("getdents64", ""));
  used = static_cast<std::size_t>(n);
  return {};
}

Result<std::string> read_file(const std::string& path) {
  std::string out;
  auto r = read_file_at(AT_FDCWD, path.c_str(), out);
  if (!r) return fail(r.error());
  return out;
}

Result<void> write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Error{errno, "write", {}, {}});
    if (n == 0) return fail(Error{EIO, "write", {}, {}});
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

} // namespace ipcctl
