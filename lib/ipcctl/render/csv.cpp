// CSV as ipcbench --csv writes it (a heading line, "\n" line ends, a quote
// inside a field doubled), for the same readers. Cells are not altered for
// spreadsheets (no quote before a leading '=', '+', '-' or '@'): the CSV
// is data, and "-1" or "-" must reach a script as they are; the columns
// and their text are the table's, escaped as the table escapes them.
#include <ipcctl/render/csv.hpp>

#include <ipcctl/util/escape.hpp>

#include <fmt/format.h>

namespace ipcctl::render {

std::string csv_field(std::string_view text) {
  const bool quote = text.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!quote) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string render_csv(std::span<const model::Object> objects, std::span<const query::Column* const> columns,
                       const CsvOptions& opts) {
  std::string out;
  auto record = [&](auto&& field) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) out += ',';
      out += csv_field(field(*columns[i]));
    }
    out += '\n';
  };
  if (opts.headings) record([](const query::Column& c) { return c.name; });
  for (const auto& o : objects)
    record([&](const query::Column& c) { return terminal_safe(query::cell_text(c.get(o))); });
  return out;
}

} // namespace ipcctl::render
