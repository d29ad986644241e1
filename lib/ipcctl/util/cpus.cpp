#include <ipcctl/util/cpus.hpp>

#include <sched.h>

namespace ipcctl {

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  std::vector<int> out;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return out;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) out.push_back(c);
  return out;
}

} // namespace ipcctl
