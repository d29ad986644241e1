// One escaping for every text output, so that no renderer can forget a
// case: a name with "\x1b[2J" or "\nREF x y" in it was printed raw by
// audit, graph and ipctrace while ls escaped it. Terminals act on C0 and
// C1 controls (ESC, CSI 0x9b, NEL U+0085) and reorder text around bidi
// controls (U+202E makes "gpj.exe" read "exe.jpg"), so all of them are
// written visibly, and so are bytes that are not UTF-8, which a terminal
// in another encoding may read as C1. ls prints tens of thousands of
// names: printable ASCII, nearly all of them, costs one table lookup a byte.
#include <ipcctl/util/escape.hpp>

#include <array>

namespace ipcctl {

namespace {

// Bytes that leave the fast path: every byte but printable ASCII, and for
// a field also space and backslash.
constexpr std::array<bool, 256> stop_table(Escape how) {
  std::array<bool, 256> t{};
  for (std::size_t c = 0; c < 256; ++c) t[c] = c < 0x20 || c >= 0x7f;
  if (how == Escape::field) t[' '] = t['\\'] = true;
  return t;
}
constexpr auto k_text_stop = stop_table(Escape::text);
constexpr auto k_field_stop = stop_table(Escape::field);

const std::array<bool, 256>& stops(Escape how) { return how == Escape::field ? k_field_stop : k_text_stop; }

constexpr char k_hex[] = "0123456789abcdef";

void append_byte_escape(std::string& out, unsigned char c) {
  const char e[4] = {'\\', 'x', k_hex[c >> 4], k_hex[c & 0xf]};
  out.append(e, 4);
}

void append_code_point_escape(std::string& out, char32_t cp) {
  const char e[6] = {'\\', 'u', k_hex[(cp >> 12) & 0xf], k_hex[(cp >> 8) & 0xf], k_hex[(cp >> 4) & 0xf],
                     k_hex[cp & 0xf]};
  out.append(e, 6);
}

struct Decoded {
  std::size_t length = 0;  // 0: not valid UTF-8
  char32_t cp = 0;
};

Decoded decode(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return {1, c};
  std::size_t n = 0;
  char32_t min = 0;
  if (c >= 0xc2 && c <= 0xdf) n = 2, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef) n = 3, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4) n = 4, min = 0x10000;
  else return {};
  if (n > s.size() - i) return {};
  char32_t cp = c & (0xffu >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return {};
    cp = (cp << 6) | (cc & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return {};
  return {n, cp};
}

// Valid characters a terminal acts on, or that reorder or break a line.
bool dangerous(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f)         // C1 controls
         || cp == 0x061c                     // ARABIC LETTER MARK
         || cp == 0x200e || cp == 0x200f     // LRM, RLM
         || (cp >= 0x202a && cp <= 0x202e)   // LRE RLE PDF LRO RLO
         || (cp >= 0x2066 && cp <= 0x2069)   // LRI RLI FSI PDI
         || cp == 0x2028 || cp == 0x2029;    // line and paragraph separators
}

// Where the fast path stops: the index of the first byte of `s` from `i`
// that is in `stop`, or s.size().
std::size_t next_stop(std::string_view s, std::size_t i, const std::array<bool, 256>& stop) {
  while (i < s.size() && !stop[static_cast<unsigned char>(s[i])]) ++i;
  return i;
}

// Bytes that need no quoting at all in a shell word.
bool shell_plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '/' || c == ':' || c == ',' || c == '+' || c == '=' || c == '@' || c == '%' || c == '-';
}

} // namespace

void append_terminal_safe(std::string& out, std::string_view s, Escape how) {
  const auto& stop = stops(how);
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t j = next_stop(s, i, stop);
    out.append(s.data() + i, j - i);
    if (j == s.size()) break;
    const auto c = static_cast<unsigned char>(s[j]);
    const Decoded d = c < 0x80 ? Decoded{1, c} : decode(s, j);
    if (d.length == 0 || d.cp < 0x80) {
      append_byte_escape(out, c);
      i = j + 1;
      continue;
    }
    if (dangerous(d.cp)) append_code_point_escape(out, d.cp);
    else out.append(s.data() + j, d.length);
    i = j + d.length;
  }
}

std::string terminal_safe(std::string_view s, Escape how) {
  const auto& stop = stops(how);
  const std::size_t first = next_stop(s, 0, stop);
  if (first == s.size()) return std::string(s);
  std::string out;
  out.reserve(s.size() + 16);
  out.append(s.data(), first);
  append_terminal_safe(out, s.substr(first), how);
  return out;
}

bool is_terminal_safe(std::string_view s, Escape how) {
  const auto& stop = stops(how);
  for (std::size_t i = next_stop(s, 0, stop); i < s.size(); i = next_stop(s, i, stop)) {
    const Decoded d = decode(s, i);
    if (d.length == 0 || d.cp < 0x80 || dangerous(d.cp)) return false;
    i += d.length;
  }
  return true;
}

std::string shell_quote(std::string_view s) {
  if (s.empty()) return "''";
  // zsh expands a word that starts with '=' to a command's path.
  bool plain = s.front() != '=';
  for (const char c : s) plain = plain && shell_plain(c);
  if (plain) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  if (is_terminal_safe(s)) {
    out += '\'';
    for (const char c : s) {
      if (c == '\'') out += "'\\''";
      else out += c;
    }
    out += '\'';
    return out;
  }
  // $'...': bash, zsh and ksh read \xHH as that byte. '!' is escaped too, so
  // that an interactive bash's history expansion cannot touch the word.
  out += "$'";
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c >= 0x20 && c < 0x7f && c != '!') {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    const Decoded d = c < 0x80 ? Decoded{} : decode(s, i);
    if (d.length == 0 || dangerous(d.cp)) {
      const std::size_t n = d.length == 0 ? 1 : d.length;
      for (std::size_t k = 0; k < n; ++k) append_byte_escape(out, static_cast<unsigned char>(s[i + k]));
      i += n;
      continue;
    }
    out.append(s.data() + i, d.length);
    i += d.length;
  }
  out += '\'';
  return out;
}

std::size_t utf8_length(std::string_view s, std::size_t i) { return i < s.size() ? decode(s, i).length : 0; }

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = decode(s, i).length;
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string repair_utf8(std::string_view s, std::size_t* replaced) {
  if (valid_utf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = decode(s, i).length;
    if (n == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD
      ++bad;
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  if (replaced != nullptr) *replaced += bad;
  return out;
}

} // namespace ipcctl
