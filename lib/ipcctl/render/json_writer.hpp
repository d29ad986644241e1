#pragma once
// The one JSON writer every output of ipcctl, ipcbench and ipctrace goes
// through. It streams: values are appended as they are given, so a listing
// of 30,000 descriptors never becomes a tree in memory, and nothing is
// formatted twice. Its layouts are nlohmann::json's (which the tests parse
// the output with): pretty is indented by 2 with "key": value, compact has
// no spaces at all, and an empty object or array is {} or []; a container
// may also be written on one line with spaces ({"a": 1, "b": [1, 2]}), as
// the graph document has its nodes and edges.
#include <ipcctl/api.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

IPCCTL_API_BEGIN

namespace ipcctl::render {

// Where a document goes, piece by piece.
using Sink = std::function<void(std::string_view)>;

// A JSON string literal: quotes, escapes, and invalid UTF-8 replaced by U+FFFD
// (names are bytes; the output must stay valid JSON). Control characters and
// DEL are written as \u00XX but for \n, \t and \r; each byte that does not
// begin a valid UTF-8 sequence becomes \ufffd.
void append_json_string(std::string& out, std::string_view s);
// The same literal as nlohmann::json's dump() with error_handler_t::replace
// writes it, which ipctrace's output has always had: \b, \f, \n, \r and \t
// short, other control characters as \u00XX, DEL as is, and one U+FFFD (as
// UTF-8, not escaped) for each invalid or truncated sequence.
void append_json_string_nlohmann(std::string& out, std::string_view s);
// A double as nlohmann::json prints it: the shortest digits that read back
// the same, a ".0" on whole numbers ("12.0"), an exponent below 1e-4 or from
// 1e15 ("1e-05", "1e+15"); NaN and infinities, which JSON lacks, as null.
void append_json_double(std::string& out, double d);

class JsonWriter {
public:
  enum class Layout {
    compact,  // {"a":1,"b":[1,2]}
    pretty,   // one member per line, indented by 2 per level
    spaced,   // {"a": 1, "b": [1, 2]}
  };
  enum class Strings {
    standard,  // append_json_string
    nlohmann,  // append_json_string_nlohmann (ipctrace's documents)
  };

  // Appends to `out`.
  explicit JsonWriter(std::string& out, bool pretty = false, Strings strings = Strings::standard);
  // Buffers, and hands the buffer to `sink` whenever a container closes with
  // 64 KiB or more in it, and on flush().
  explicit JsonWriter(Sink sink, bool pretty = false, Strings strings = Strings::standard);
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // A container whose contents (nested containers too) are laid out so,
  // whatever the layout around it.
  JsonWriter& begin_object(Layout inside);
  JsonWriter& begin_array(Layout inside);
  // The key of the next value, inside an object.
  JsonWriter& key(std::string_view k);

  JsonWriter& null();
  JsonWriter& value(std::nullptr_t) { return null(); }
  JsonWriter& value(bool b);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(double d);
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  JsonWriter& value(T n) {
    if constexpr (std::is_signed_v<T>) return integer(static_cast<std::int64_t>(n));
    else return unsigned_integer(static_cast<std::uint64_t>(n));
  }
  // The value, or null when there is none.
  template <class T>
  JsonWriter& value(const std::optional<T>& v) {
    if (!v) return null();
    return value(*v);
  }
  // key(k) then value(v).
  template <class T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  // Puts the closing brace of a pretty document right after its last value
  // ("  ]}"), not on a line of its own as nlohmann does: the layout ls, show,
  // rm and audit have always printed.
  JsonWriter& close_document_inline();
  // Ends the line after a whole top-level value (a document's last newline,
  // or one line of JSON Lines); the next value starts a new document.
  JsonWriter& end_line();
  // Hands what is buffered to the sink (nothing to do when writing to a string).
  void flush();
  // Bytes written and not yet flushed.
  std::size_t buffered() const { return m_out.size(); }

private:
  JsonWriter& integer(std::int64_t n);
  JsonWriter& unsigned_integer(std::uint64_t n);
  void string(std::string_view s);
  void item();
  void open(char c, Layout inside);
  void close(char c);
  void newline();

  std::string m_own;   // the buffer when writing to a sink
  std::string& m_out;
  Sink m_sink;
  Strings m_strings;
  Layout m_layout;                // of the innermost open container (at the top: of the document)
  std::vector<Layout> m_outer;    // of the containers around it
  int m_depth = 0;
  bool m_first = true;
  bool m_after_key = false;
  bool m_close_inline = false;
};

} // namespace ipcctl::render

IPCCTL_API_END
