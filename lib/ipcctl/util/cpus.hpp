#pragma once
// The CPUs this process may run on (its affinity mask), which ipcbench pins
// to and ipctrace's tracer counts. Knows nothing of IPC.
#include <vector>

namespace ipcctl {

// In order; empty when the mask cannot be read.
std::vector<int> allowed_cpus();

} // namespace ipcctl
