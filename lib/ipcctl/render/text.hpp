#pragma once
// Text output for people and for awk: aligned tables, --raw, --summary.
#include <ipcctl/api.hpp>
#include <ipcctl/model/object.hpp>
#include <ipcctl/query/column.hpp>

#include <span>
#include <string>

IPCCTL_API_BEGIN

namespace ipcctl::render {

struct TableOptions {
  bool raw = false;        // one space between cells, no alignment, whitespace escaped
  bool headings = true;
  bool exact_bytes = false;  // 4096, not 4K
  std::size_t width = 0;   // fit wide columns into this many characters; 0: no limit
};

std::string render_table(std::span<const model::Object> objects, std::span<const query::Column* const> columns,
                         const TableOptions& opts);

// Everything known about each object, for people (ipcctl show): one block
// of "field  value" lines per object, its detail, its holders, its peer.
std::string render_details(std::span<const model::Object> objects, const TableOptions& opts);

// Counts and bytes per type and per owner.
std::string render_summary(std::span<const model::Object> objects, const TableOptions& opts);

// 4096 -> "4K", 1536 -> "1.5K" (binary units, as lsipc).
std::string human_size(std::int64_t bytes);
// terminal_safe(s) (util/escape.hpp): controls, C1, bidi controls and
// bytes that are not UTF-8 escaped; for raw output also space and backslash.
std::string escape(std::string_view s, bool raw);

} // namespace ipcctl::render

IPCCTL_API_END
