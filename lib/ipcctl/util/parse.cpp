#include <ipcctl/util/parse.hpp>

#include <algorithm>
#include <cctype>

#include <charconv>
#include <limits>

namespace ipcctl {

std::vector<std::string_view> split_ws(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    const auto c = s.find(',');
    const auto word = trim(s.substr(0, c));
    if (!word.empty()) out.push_back(word);
    if (c == std::string_view::npos) return out;
    s.remove_prefix(c + 1);
  }
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

template <class T>
static std::optional<T> to_int(std::string_view s, int base) {
  if (s.empty()) return std::nullopt;
  T v{};
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::int64_t> to_i64(std::string_view s, int base) { return to_int<std::int64_t>(s, base); }
std::optional<std::uint64_t> to_u64(std::string_view s, int base) { return to_int<std::uint64_t>(s, base); }

std::optional<std::string_view> field_value(std::string_view text, std::string_view key) {
  std::optional<std::string_view> out;
  for_each_line(text, [&](std::string_view line) {
    if (out || line.size() <= key.size() || !starts_with(line, key) || line[key.size()] != ':') return;
    out = trim(line.substr(key.size() + 1));
  });
  return out;
}

std::optional<std::int64_t> parse_size(std::string_view s) {
  s = trim(s);
  std::int64_t mult = 1;
  if (!s.empty()) {
    switch (s.back()) {
    case 'k': case 'K': mult = std::int64_t{1} << 10; break;
    case 'm': case 'M': mult = std::int64_t{1} << 20; break;
    case 'g': case 'G': mult = std::int64_t{1} << 30; break;
    case 't': case 'T': mult = std::int64_t{1} << 40; break;
    default: break;
    }
    if (mult != 1) s.remove_suffix(1);
  }
  const auto n = to_i64(s);
  if (!n || *n < 0 || *n > std::numeric_limits<std::int64_t>::max() / mult) return std::nullopt;
  return *n * mult;
}

std::string unescape_octal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const auto v = to_int<unsigned>(s.substr(i + 1, 3), 8);
      if (v && *v < 256) {
        out += static_cast<char>(*v);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

} // namespace ipcctl
