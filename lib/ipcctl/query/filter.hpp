#pragma once
// The -Q filter language, on columns:
//   expr   := or
//   or     := and ( ("or" | "||") and )*
//   and    := unary ( ("and" | "&&") unary )*
//   unary  := ("not" | "!") unary | "(" expr ")" | cmp
//   cmp    := COLUMN OP literal | COLUMN           (a bare column: non-null and non-zero/non-empty)
//   OP     := == != < <= > >= =~ !~
//   literal:= NUMBER[K|M|G|T] | 0xHEX | "string" | 'string' | null | true | false
// Column names and keywords are case-insensitive. A number compares as a
// number with a number cell and with a text cell that holds one ("0x00001234"
// in KEY, "0600" in PERMS); anything else compares text. =~ and !~ take a
// quoted ECMAScript regex and search the cell's text. true and false compare
// the truth of a bare column. Strings take the escapes \\ \" \' \n \t; any
// other backslash is kept, for regexes. A null cell makes every comparison
// false except "!= value" and "== null".
#include <ipcctl/query/column.hpp>
#include <ipcctl/util/result.hpp>

#include <memory>
#include <string_view>

namespace ipcctl::query {

class Filter {
public:
  struct Node;
  Filter();
  Filter(Filter&&) noexcept;
  Filter& operator=(Filter&&) noexcept;
  ~Filter();

  bool matches(const model::Object& o) const;
  // The columns the expression names, in order of first use.
  const std::vector<const Column*>& columns() const { return m_columns; }

  std::unique_ptr<Node> m_root;
  std::vector<const Column*> m_columns;
};

// Errors have code 0, op "-Q", and a detail that names the position:
// "unknown column 'nattchh' at position 1".
Result<Filter> parse_filter(std::string_view text);

} // namespace ipcctl::query
