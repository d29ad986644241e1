#pragma once
// One IPC limit of the machine and its use: plain data, read on Linux by
// linux/limits and reported by ipcctl limits, audit (near_limit) and export,
// which need not know where it came from.
#include <ipcctl/api.hpp>

#include <cstdint>
#include <optional>
#include <string>

IPCCTL_API_BEGIN

namespace ipcctl::model {

// Use above this share of a limit is high: `limits` marks it, audit reports it.
inline constexpr double k_high_percent = 80.0;

// One limit. `value` is nullopt when it could not be read (a warning says
// why) or when it is unlimited (`unlimited` is then set); `used` is nullopt
// where the kernel offers no count of what is in use.
struct Limit {
  std::string name;         // the sysctl's own name: "shmmni", "queues_max", "RLIMIT_MSGQUEUE"
  std::string group;        // the kind it limits: "sysv-shm", "posix-mq", "pipe", "fd", "unix"
  std::string sysctl;       // "kernel.shmmni"; empty for limits that are not sysctls
  std::optional<std::uint64_t> value, used;
  std::string unit;         // "bytes", "pages", "segments"...
  std::string description;  // what it limits, and what `used` counts when that is not obvious
  bool unlimited = false;

  // used / value in percent, when both are known and value is not 0.
  std::optional<double> percent() const {
    if (!value || !used || *value == 0 || unlimited) return std::nullopt;
    return static_cast<double>(*used) * 100.0 / static_cast<double>(*value);
  }
  // Whether the use is above k_high_percent.
  bool high() const {
    const auto p = percent();
    return p && *p > k_high_percent;
  }
};

} // namespace ipcctl::model

IPCCTL_API_END
