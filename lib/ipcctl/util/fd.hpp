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

// Reads a whole file relative to `dirfd` (AT_FDCWD for a plain path) into `out`,
// reusing its capacity. /proc files report size 0, so this reads until EOF.
Result<void> read_file_at(int dirfd, const char* path, std::string& out);
Result<std::string> read_file(const std::string& path);

} // namespace ipcctl
