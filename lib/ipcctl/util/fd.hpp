#pragma once
// File descriptor ownership and small whole-file reads, the I/O every
// collector shares. Knows nothing of IPC.
#include <ipcctl/util/result.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace ipcctl {

class UniqueFd {
public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : m_fd(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return m_fd; }
  bool valid() const { return m_fd >= 0; }
  explicit operator bool() const { return valid(); }

private:
  int m_fd = -1;
};

// Reads a file relative to `dirfd` (AT_FDCWD for a plain path) into `out`,
// reusing its capacity. /proc files report size 0, so this reads until EOF;
// Read::once stops after the first read() (16 KiB), for small /proc files
// whose fields of interest come first (status, fdinfo): a read of a
// seq_file returns at most one page of it, so a short read is no proof of
// the end, but it holds all of those.
enum class Read { until_eof, once };
Result<void> read_file_at(int dirfd, const char* path, std::string& out, Read mode = Read::until_eof);
Result<std::string> read_file(const std::string& path);
// Writes all of `text`, retrying short writes and EINTR. Error: op "write", errno.
Result<void> write_all(int fd, std::string_view text);

// Calls f(name) for every entry of the open directory `dirfd` but "." and
// "..", reading it with getdents64 directly: no DIR stream, no dup.
template <class F>
Result<void> for_each_entry(int dirfd, F&& f);
Result<void> read_dir_chunk(int dirfd, char* buf, std::size_t size, std::size_t& used);

template <class F>
Result<void> for_each_entry(int dirfd, F&& f) {
  alignas(8) char buf[32768];
  for (;;) {
    std::size_t used = 0;
    if (auto r = read_dir_chunk(dirfd, buf, sizeof buf, used); !r) return r;
    if (used == 0) return {};
    for (std::size_t off = 0; off < used;) {
      const char* rec = buf + off;
      unsigned short reclen;
      __builtin_memcpy(&reclen, rec + 16, sizeof reclen);  // struct dirent64: d_reclen at 16, d_name at 19
      const char* name = rec + 19;
      if (!(name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))) f(name);
      off += reclen;
    }
  }
}

} // namespace ipcctl
