#include "common/args.hpp"

#include <ipcctl/util/error.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

namespace ipcctl::tools {

std::vector<int> parse_pid_list(const std::string& text) {
  std::vector<int> pids;
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto word = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto pid = to_i64(word);
    if (!pid || *pid <= 0 || *pid > 4194304) throw UsageError(fmt::format("-p: '{}' is not a process id", word));
    pids.push_back(static_cast<int>(*pid));
  }
  if (pids.empty()) throw UsageError("-p: no process id given");
  return pids;
}

model::KindSet parse_type_list(const std::string& text) {
  const auto parsed = model::parse_kinds(text);
  if (!parsed.unknown.empty())
    throw UsageError(fmt::format("-t: unknown type '{}' (see 'ipcctl ls --list-types')", parsed.unknown));
  if (parsed.kinds.empty()) throw UsageError("-t: no type given");
  return parsed.kinds;
}

} // namespace ipcctl::tools
