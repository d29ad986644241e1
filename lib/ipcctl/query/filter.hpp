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
// quoted ECMAScript regex (see Regex) and search the cell's text. true and false compare
// the truth of a bare column. Strings take the escapes \\ \" \' \n \t; any
// other backslash is kept, for regexes. A null cell makes every comparison
// false except "!= value" and "== null".
#include <ipcctl/api.hpp>
#include <ipcctl/query/column.hpp>
#include <ipcctl/util/result.hpp>

#include <memory>
#include <string_view>

IPCCTL_API_BEGIN

namespace ipcctl::query {

// A -Q regex: an ECMAScript pattern without back-references or lookarounds,
// compiled once and searched for in a cell in time linear in the cell's
// length, whatever the pattern and the cell (cells hold names other users
// chose). Cells are matched byte by byte, as Latin-1: invalid UTF-8 is text
// like any other, and a non-ASCII character in the pattern matches its own
// bytes. Copies share the compiled pattern; search() may run on many threads.
class Regex {
public:
  // re2 where it is built in (every build but Windows); std_regex is the
  // fallback, and is built everywhere with libstdc++ so that it is tested.
  enum class Engine { re2, std_regex };
  static bool has(Engine e);

  // With the build's best engine. Errors have code 0 and a detail that says
  // what is wrong: "back-reference \1 (not supported)".
  static Result<Regex> compile(std::string_view pattern);
  // With that engine; ENOSYS when it is not built in.
  static Result<Regex> compile(std::string_view pattern, Engine e);

  // Whether the pattern matches anywhere in the text.
  bool search(std::string_view text) const;

  struct Impl;

private:
  std::shared_ptr<const Impl> m_impl;
};

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

IPCCTL_API_END
