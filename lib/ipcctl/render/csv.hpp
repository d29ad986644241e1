#pragma once
// CSV (RFC 4180) of a listing, for spreadsheets and scripts: ipcctl ls --csv.
#include <ipcctl/api.hpp>
#include <ipcctl/model/object.hpp>
#include <ipcctl/query/column.hpp>

#include <span>
#include <string>
#include <string_view>

IPCCTL_API_BEGIN

namespace ipcctl::render {

struct CsvOptions {
  bool headings = true;  // a first line of column names
};

// One record per object, the columns' cells in order, each line ended by
// "\n" (as ipcbench --csv). A null cell is an empty field; numbers are
// exact (4096, not 4K); text goes through terminal_safe (util/escape.hpp),
// so a record is always one line of valid UTF-8, and is quoted as
// csv_field says.
std::string render_csv(std::span<const model::Object> objects, std::span<const query::Column* const> columns,
                       const CsvOptions& opts);

// A field as RFC 4180 writes it: in double quotes, each '"' doubled, when it
// holds a comma, a quote, a line break or a space at either end; else as is.
// The text is not otherwise changed: a field that begins with '=' stays so.
std::string csv_field(std::string_view text);

} // namespace ipcctl::render

IPCCTL_API_END
