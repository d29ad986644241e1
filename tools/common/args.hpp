#pragma once
// The arguments of -p and -t, on every platform.
#include <ipcctl/model/kind.hpp>

#include <string>
#include <vector>

namespace ipcctl::tools {

// "1,2,3" -> pids; throws UsageError on junk.
std::vector<int> parse_pid_list(const std::string& text);
// -t list; throws UsageError naming the unknown word.
model::KindSet parse_type_list(const std::string& text);

} // namespace ipcctl::tools
