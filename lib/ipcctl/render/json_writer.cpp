// One writer, so that every document ipcctl prints has the same layout, the
// same string escaping and the same number formats, and so that none is
// built as a tree first: nlohmann::json would build a tree of every object
// and holder (for 30,000 descriptors, about 100 MB and most of the run time)
// only to print it once. The tests still parse the output with nlohmann.
#include <ipcctl/render/json_writer.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iterator>

namespace ipcctl::render {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  unsigned min = 0;
  if (c >= 0xc2 && c <= 0xdf) n = 2, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef) n = 3, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4) n = 4, min = 0x10000;
  else return 0;
  if (i + n > s.size()) return 0;
  unsigned cp = c & (0xff >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

constexpr std::size_t k_flush_bytes = 1 << 16;

// Printable ASCII other than '"' and '\\': copied as it is, a run at a time.
bool plain(unsigned char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }

} // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::size_t run = i;
    while (run < s.size() && plain(static_cast<unsigned char>(s[run]))) ++run;
    if (run > i) {
      out.append(s.data() + i, run - i);
      if (run == s.size()) break;
      i = run;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
    case '"': out += "\\\""; continue;
    case '\\': out += "\\\\"; continue;
    case '\n': out += "\\n"; continue;
    case '\t': out += "\\t"; continue;
    case '\r': out += "\\r"; continue;
    default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (const std::size_t n = utf8_length(s, i)) {
      out.append(s.substr(i, n));
      i += n - 1;
    } else {
      out += "\\ufffd";
    }
  }
  out += '"';
}

void append_json_string_nlohmann(std::string& out, std::string_view s) {
  static constexpr std::string_view k_replacement = "\xef\xbf\xbd";
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c <= 0x1f) fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        else out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // The continuation bytes a lead byte takes, and the range of the first
    // one (which excludes overlong forms, surrogates and code points past
    // U+10FFFF), as the decoder nlohmann uses (Hoehrmann's) has them.
    std::size_t more = 0;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) more = 1;
    else if (c == 0xe0) more = 2, lo = 0xa0;
    else if (c == 0xed) more = 2, hi = 0x9f;
    else if (c >= 0xe1 && c <= 0xef) more = 2;
    else if (c == 0xf0) more = 3, lo = 0x90;
    else if (c == 0xf4) more = 3, hi = 0x8f;
    else if (c >= 0xf1 && c <= 0xf3) more = 3;
    if (more == 0) {  // not a lead byte: one replacement for it
      out += k_replacement;
      ++i;
      continue;
    }
    std::size_t k = 1;
    for (; k <= more && i + k < s.size(); ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if (cc < lo || cc > hi) break;
      lo = 0x80, hi = 0xbf;
    }
    if (k > more) {
      out.append(s.substr(i, k));
    } else {
      // A sequence cut short (by the end or by a byte that cannot follow):
      // one replacement, and that byte starts again.
      out += k_replacement;
    }
    i += k;
  }
  out += '"';
}

void append_json_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  if (std::signbit(d)) {
    out += '-';
    d = -d;
  }
  if (d == 0) {
    out += "0.0";
    return;
  }
  // Shortest digits, as "D.DDDDe+XX"; then laid out as nlohmann's
  // format_buffer does (min_exp -4, max_exp 15).
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
  const auto e = sci.find('e');
  std::string digits;
  for (char ch : sci.substr(0, e))
    if (ch != '.') digits += ch;
  const int exp10 = std::atoi(std::string(sci.substr(e + 1)).c_str());
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;  // where the decimal point falls in the digits
  if (k <= n && n <= 15) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
    out += ".0";
  } else if (0 < n && n <= 15) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out += '.';
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-4 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1);
    }
    const int x = n - 1;
    fmt::format_to(std::back_inserter(out), "e{}{:02}", x < 0 ? '-' : '+', std::abs(x));
  }
}

JsonWriter::JsonWriter(std::string& out, bool pretty, Strings strings)
    : m_out(out), m_strings(strings), m_layout(pretty ? Layout::pretty : Layout::compact) {}

JsonWriter::JsonWriter(Sink sink, bool pretty, Strings strings)
    : m_out(m_own), m_sink(std::move(sink)), m_strings(strings),
      m_layout(pretty ? Layout::pretty : Layout::compact) {
  m_own.reserve(k_flush_bytes * 2);
}

JsonWriter& JsonWriter::begin_object() {
  open('{', m_layout);
  return *this;
}
JsonWriter& JsonWriter::begin_object(Layout inside) {
  open('{', inside);
  return *this;
}
JsonWriter& JsonWriter::end_object() {
  close('}');
  return *this;
}
JsonWriter& JsonWriter::begin_array() {
  open('[', m_layout);
  return *this;
}
JsonWriter& JsonWriter::begin_array(Layout inside) {
  open('[', inside);
  return *this;
}
JsonWriter& JsonWriter::end_array() {
  close(']');
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  item();
  string(k);
  m_out += m_layout == Layout::compact ? ":" : ": ";
  m_after_key = true;
  return *this;
}

JsonWriter& JsonWriter::null() {
  item();
  m_out += "null";
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  item();
  m_out += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  item();
  string(s);
  return *this;
}

JsonWriter& JsonWriter::value(double d) {
  item();
  append_json_double(m_out, d);
  return *this;
}

JsonWriter& JsonWriter::integer(std::int64_t n) {
  item();
  fmt::format_to(std::back_inserter(m_out), "{}", n);
  return *this;
}

JsonWriter& JsonWriter::unsigned_integer(std::uint64_t n) {
  item();
  fmt::format_to(std::back_inserter(m_out), "{}", n);
  return *this;
}

JsonWriter& JsonWriter::close_document_inline() {
  m_close_inline = true;
  return *this;
}

JsonWriter& JsonWriter::end_line() {
  m_out += '\n';
  m_first = true;
  m_after_key = false;
  if (m_sink && m_out.size() >= k_flush_bytes) flush();
  return *this;
}

void JsonWriter::flush() {
  if (!m_sink || m_out.empty()) return;
  m_sink(m_out);
  m_out.clear();
}

void JsonWriter::string(std::string_view s) {
  if (m_strings == Strings::nlohmann) append_json_string_nlohmann(m_out, s);
  else append_json_string(m_out, s);
}

// Separator and indentation before a value or key.
void JsonWriter::item() {
  if (m_after_key) {
    m_after_key = false;
    return;
  }
  if (!m_first) {
    m_out += ',';
    if (m_layout == Layout::spaced) m_out += ' ';
  }
  m_first = false;
  if (m_depth > 0) newline();
}

void JsonWriter::open(char c, Layout inside) {
  item();
  m_out += c;
  ++m_depth;
  m_outer.push_back(m_layout);
  m_layout = inside;
  m_first = true;
}

void JsonWriter::close(char c) {
  --m_depth;
  if (!m_first && (m_depth > 0 || !m_close_inline)) newline();
  m_out += c;
  m_first = false;
  if (!m_outer.empty()) {
    m_layout = m_outer.back();
    m_outer.pop_back();
  }
  if (m_sink && m_out.size() >= k_flush_bytes) flush();
}

// A new line and indentation, inside a pretty container.
void JsonWriter::newline() {
  if (m_layout != Layout::pretty) return;
  m_out += '\n';
  m_out.append(static_cast<std::size_t>(m_depth) * 2, ' ');
}

} // namespace ipcctl::render
