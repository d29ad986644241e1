// ipcctl's durations ("90s", "15m", "7d"), read by rm --older-than and audit
// --stale on both systems: kept apart from rm's Linux removal so that the
// Windows build has it too. Declared in ops/remove.hpp.
#include <ipcctl/ops/remove.hpp>

#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <cstdint>

namespace ipcctl::ops {

Result<std::int64_t> parse_duration(std::string_view text) {
  const Error bad{0, {}, {}, fmt::format("bad duration '{}': expected a number with s, m, h, d or w, as 90s, 15m, 7d",
                                         text)};
  if (text.empty()) return fail(bad);
  std::int64_t unit = 1;
  switch (text.back()) {
  case 's': unit = 1; break;
  case 'm': unit = 60; break;
  case 'h': unit = 3600; break;
  case 'd': unit = 86400; break;
  case 'w': unit = std::int64_t{7} * 86400; break;
  default: unit = 0; break;
  }
  if (unit != 0) text.remove_suffix(1);
  else unit = 1;
  const auto n = to_u64(text);
  if (!n || *n > static_cast<std::uint64_t>(INT64_MAX / unit)) return fail(bad);
  return static_cast<std::int64_t>(*n) * unit;
}

} // namespace ipcctl::ops
