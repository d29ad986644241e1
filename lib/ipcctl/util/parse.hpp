#pragma once
// Text helpers for the line-and-field formats of /proc. Knows nothing of IPC.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipcctl {

// Fields separated by runs of spaces or tabs; no empty fields.
std::vector<std::string_view> split_ws(std::string_view line);
// Calls f(line) for every line of text, without the '\n'.
template <class F>
void for_each_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    f(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}
std::string_view trim(std::string_view s);
// "a, b,,c" -> {"a", "b", "c"}: the words between commas, trimmed, empty ones dropped.
std::vector<std::string_view> split_commas(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
// ASCII letters compared without regard to case (Windows object names).
bool equal_ignoring_case(std::string_view a, std::string_view b);

// Whole-string conversions; nullopt on any junk or overflow.
std::optional<std::int64_t> to_i64(std::string_view s, int base = 10);
std::optional<std::uint64_t> to_u64(std::string_view s, int base = 10);

// "key:\tvalue" lines (status, fdinfo): the value of the first line with `key`.
std::optional<std::string_view> field_value(std::string_view text, std::string_view key);

// "1K", "4M", "2G", "4096": binary units; nullopt on junk or overflow.
std::optional<std::int64_t> parse_size(std::string_view s);

// Undoes the octal escapes the kernel writes in paths (\040 for space, \012 for newline).
std::string unescape_octal(std::string_view s);

} // namespace ipcctl
