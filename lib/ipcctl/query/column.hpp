#pragma once
// Columns: named, typed views of an Object, the same for the table, -o,
// --sort and the -Q filter. Pure functions of the Object: never touch /proc.
#include <ipcctl/api.hpp>
#include <ipcctl/model/object.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

IPCCTL_API_BEGIN

namespace ipcctl::query {

// A cell: null, a number, or text. Numbers stay numbers for sorting and filters.
using Cell = std::variant<std::monostate, std::int64_t, std::string>;

enum class Align { left, right };

struct Column {
  std::string name;  // upper case: "NATTCH"
  std::string help;
  Align align = Align::left;
  std::function<Cell(const model::Object&)> get;
  bool wide = false;   // may be truncated to fit the terminal
  bool bytes = false;  // a size in bytes: people see 4K, scripts see 4096
};

// Every column there is: the common ones, then each kind's detail columns.
std::span<const Column> all_columns();
// Case-insensitive lookup; nullptr when unknown.
const Column* find_column(std::string_view name);
// Default columns for a listing of the given kinds: a single kind gets its
// own view. With `namespaces` (ls -A, -N), NS and CONTAINER follow REF.
std::vector<const Column*> default_columns(const model::KindSet& kinds, bool namespaces = false);

// Text of a cell for people ("" for null).
std::string cell_text(const Cell& c);
// A detail value as a cell: times in local time, lists comma separated.
Cell value_cell(const model::Value& v);

} // namespace ipcctl::query

IPCCTL_API_END
