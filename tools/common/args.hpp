#pragma once
// The arguments of -p and -t, on every platform.
#include <ipcctl/model/kind.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace ipcctl::tools {

// "1,2,3" -> pids; throws UsageError on junk.
std::vector<int> parse_pid_list(const std::string& text);
// -t list; throws UsageError naming the unknown word.
model::KindSet parse_type_list(const std::string& text);
// Every word -t takes: the kinds, then the families.
std::vector<std::string> type_words();

// "; did you mean 'NAME'?" for the name of `names` nearest `word` (edit
// distance, letter case ignored, two swapped letters counting one edit),
// or "" when none is near enough to be a slip of the keyboard.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& names);

} // namespace ipcctl::tools
