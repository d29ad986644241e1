#include <ipcctl/util/cpus.hpp>

#ifndef _WIN32
#include <sched.h>
#endif

namespace ipcctl {

#ifndef _WIN32
std::vector<int> allowed_cpus() {
  cpu_set_t set;
  std::vector<int> out;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return out;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) out.push_back(c);
  return out;
}
#endif

std::optional<std::vector<int>> parse_cpu_list(std::string_view text) {
  constexpr int k_limit = 1 << 20;
  std::vector<int> out;
  for (;;) {
    const auto comma = text.find(',');
    std::string_view word = text.substr(0, comma);
    while (!word.empty() && word.front() == ' ') word.remove_prefix(1);
    while (!word.empty() && word.back() == ' ') word.remove_suffix(1);
    if (word.empty()) return std::nullopt;
    int n = 0;
    for (char c : word) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
      if (n >= k_limit) return std::nullopt;
    }
    out.push_back(n);
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

} // namespace ipcctl
