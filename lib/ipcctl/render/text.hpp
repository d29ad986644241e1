#pragma once
// Text output for people and for awk: aligned tables, --raw, --summary.
#include <ipcctl/api.hpp>
#include <ipcctl/model/object.hpp>
#include <ipcctl/query/column.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

IPCCTL_API_BEGIN

namespace ipcctl::render {

// What a table does with a row wider than TableOptions::width.
enum class Overflow : unsigned char {
  fit,   // cut NAME, DETAIL and the other wide columns, down to a legible
         // width; wrap the holder lists (HOLDERS, PEER_HOLDERS, COMMS) onto
         // continuation lines, never cutting one
  wrap,  // wrap every wide column: nothing is cut (ls -W)
  keep,  // neither cut nor wrap: one line per object, however long (ls --no-truncate)
};

struct TableOptions {
  bool raw = false;        // one space between cells, no alignment, whitespace escaped
  bool headings = true;
  bool exact_bytes = false;  // 4096, not 4K
  std::size_t width = 0;   // fit wide columns into this many characters; 0: no limit
  Overflow overflow = Overflow::fit;
  bool color = false;      // ANSI colours: REF and TYPE by type, socket states, errors
};

// The table: a line of headings, then a line per object (more where a
// wrapped cell needs them, its other cells then blank on the continuation
// lines). With a width, rows wider than it are fitted as opts.overflow says;
// no cell is cut below a legible width, so a table of many columns may
// still be wider.
std::string render_table(std::span<const model::Object> objects, std::span<const query::Column* const> columns,
                         const TableOptions& opts);

// `text` broken into lines of at most `width` characters, at spaces and
// after commas and ']' where it can, within a word where it must. Only the
// space at a break is dropped.
std::vector<std::string> wrap_text(std::string_view text, std::size_t width);

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
