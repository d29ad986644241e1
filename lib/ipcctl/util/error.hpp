#pragma once
// Error: what failed (the operation), on what (the subject), and the errno it
// failed with, so callers can tell "gone" from "denied" from "broken".
#include <ipcctl/api.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <stdexcept>
#include <string>

IPCCTL_API_BEGIN

namespace ipcctl {

struct Error {
  int code = 0;         // errno, or 0 for errors that are not system errors
  std::string op;       // "open", "shmctl(IPC_STAT)", "parse"
  std::string subject;  // "/proc/812/maps", "shm id 32769"
  std::string detail;   // extra text for code == 0 ("expected 14 fields")

  // "open /proc/812/maps: Permission denied"
  std::string message() const;
  // The object or process went away while we looked: not worth reporting.
  bool gone() const { return code == ENOENT || code == ESRCH || code == EIDRM || code == EINVAL; }
  bool denied() const { return code == EACCES || code == EPERM; }
};

// Builds an Error from the current errno. Read errno first: formatting may clobber it.
Error sys_error(std::string op, std::string subject);

// Thrown only in tools/: a failed operation that ends the command with status 1.
class Fatal : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Thrown only in tools/: bad usage that ends the command with status 2.
class UsageError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace ipcctl

IPCCTL_API_END

template <>
struct fmt::formatter<ipcctl::Error> : fmt::formatter<std::string> {
  template <class Ctx>
  auto format(const ipcctl::Error& e, Ctx& ctx) const {
    return fmt::formatter<std::string>::format(e.message(), ctx);
  }
};
