#pragma once
// The CPUs this process may run on (its affinity mask), which ipcbench pins
// to and ipctrace's tracer counts, and the CPU lists users type. Knows
// nothing of IPC.
#include <optional>
#include <string_view>
#include <vector>

namespace ipcctl {

#ifndef _WIN32
// In order; empty when the mask cannot be read. (Windows: bench's usable_cpus.)
std::vector<int> allowed_cpus();
#endif

// "0,3" -> {0, 3}: CPU numbers in decimal, comma-separated, spaces around
// each allowed. nullopt for an empty list or element ("0,1,", "0,,1"),
// anything but digits (signs, "0x1", "1.0"), or a number of 1 << 20 or more
// (no kernel has that many CPUs). Does not check that the CPUs exist.
std::optional<std::vector<int>> parse_cpu_list(std::string_view text);

} // namespace ipcctl
