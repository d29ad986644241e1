#include <ipcctl/bench/message.hpp>

#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <cstring>

namespace ipcctl::bench {

namespace {

std::byte pattern_byte(std::size_t i) { return static_cast<std::byte>((i * 131 + 7) & 0xff); }

} // namespace

void put_seq(std::byte* data, std::uint64_t seq) { std::memcpy(data, &seq, sizeof seq); }

void fill_message(std::byte* data, std::size_t size, std::uint64_t seq) {
  for (std::size_t i = k_seq_bytes; i < size; ++i) data[i] = pattern_byte(i);
  put_seq(data, seq);
}

std::uint64_t message_seq(const std::byte* data) {
  std::uint64_t seq;
  std::memcpy(&seq, data, sizeof seq);
  return seq;
}

bool message_intact(const std::byte* data, std::size_t size) {
  for (std::size_t i = k_seq_bytes; i < size; ++i)
    if (data[i] != pattern_byte(i)) return false;
  return true;
}

std::optional<std::vector<std::size_t>> parse_size_list(std::string_view text, std::string* bad) {
  std::vector<std::size_t> out;
  while (true) {
    const auto comma = text.find(',');
    const std::string_view word = trim(text.substr(0, comma));
    const auto n = parse_size(word);
    if (!n || static_cast<std::uint64_t>(*n) < k_min_message || static_cast<std::uint64_t>(*n) > k_max_message) {
      if (bad) *bad = std::string(word);
      return std::nullopt;
    }
    out.push_back(static_cast<std::size_t>(*n));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string format_size(std::size_t bytes) {
  static constexpr const char* k_units[] = {"K", "M", "G"};
  if (bytes < 1024 || bytes % 1024 != 0) return fmt::format("{}B", bytes);
  std::size_t v = bytes / 1024;
  int unit = 0;
  while (unit < 2 && v >= 1024 && v % 1024 == 0) {
    v /= 1024;
    ++unit;
  }
  return fmt::format("{}{}", v, k_units[unit]);
}

} // namespace ipcctl::bench
