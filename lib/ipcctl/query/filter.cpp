// The -Q filter: a recursive-descent parser over a lexer that reads one token
// at a time, so the first mistake from the left is the one reported, with its
// position. Columns are resolved and regexes compiled once, at parse time;
// matches() only reads cells and compares.
//
// "and" and "or" nodes hold a list of operands rather than a binary tree, and
// nesting by parentheses or "not" is capped, so neither the parser, nor
// evaluation, nor destruction recurses deeper than k_max_depth whatever the
// input.
//
// Regexes: cells hold names that other users chose, so no pattern may take
// more than linear time in the cell's length. A backtracking matcher (any
// std::regex's default) takes exponential time on "(a*)*b", and even
// libstdc++'s polynomial mode, which regex_search restarts at every
// position, took 47 s for "(.?){999}#" on one 2 KB cell. So:
//  - translate() reads the ECMAScript pattern once and writes it in the part
//    of the syntax that RE2 and libstdc++'s ECMAScript grammar read alike
//    ('.' becomes [^\n\r], \cA and \u0041 become \x01 and \x41, ...), and
//    refuses what neither engine can match without backtracking
//    (back-references, lookarounds), what they read differently (\z, (?i)),
//    and patterns too large to match quickly: repetition counts above 1000,
//    adding up to more than 1000, or nested ones multiplying to more (RE2's
//    own limit), or more than k_max_size characters and classes once the
//    repetitions are written out. Both engines accept the same patterns, so
//    -Q means the same on Linux and Windows.
//  - RE2 (a DFA, falling back to a Thompson NFA when the DFA would need more
//    than max_mem) matches in time linear in the cell, in Latin-1 mode:
//    every byte is a character, so invalid UTF-8 in a cell matches as what
//    it is instead of failing to match, as std::regex on char did.
//  - Where RE2 is not built (Windows: MinGW has no package), std::regex in
//    libstdc++'s polynomial mode matches "[\s\S]*(?:P)[\s\S]*" whole, once:
//    its breadth-first executor keeps one set of NFA states per byte, so a
//    match costs the cell's length times the NFA's size, bounded by
//    k_max_size; nosubs keeps no submatches to copy. Its epsilon closure
//    recurses about once per NFA state: k_max_size keeps that within a 1 MB
//    stack (measured). This needs no engine of our own to maintain, and is
//    built and tested on Linux too.
#include <ipcctl/query/filter.hpp>

#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

// RE2 is in every build but the Windows one (see the top of the file).
#ifndef _WIN32
#define IPCCTL_HAVE_RE2 1
#include <re2/re2.h>
#else
#define IPCCTL_HAVE_RE2 0
#endif

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
// g++ 12 with -fsanitize reports a false -Wmaybe-uninitialized inside <regex>.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include <string>
#include <utility>
#include <vector>

// Without RE2, only libstdc++'s polynomial mode keeps std::regex linear.
#if !IPCCTL_HAVE_RE2 && !defined(__GLIBCXX__)
#error "-Q regexes need RE2, or libstdc++'s std::regex"
#endif

namespace ipcctl::query {

struct Filter::Node {
  enum class Type { any, all, negate, truthy, compare };
  enum class Op { eq, ne, lt, le, gt, ge, match, no_match };
  struct Literal {
    enum class Type { null, number, text, boolean } type = Type::null;
    std::int64_t number = 0;  // numbers; 1 or 0 for true and false
    std::string text;         // a string's contents, or a number as written
  };

  Type type = Type::truthy;
  std::vector<std::unique_ptr<Node>> operands;  // any, all (two or more), negate (one)
  const Column* column = nullptr;               // truthy, compare
  Op op = Op::eq;
  Literal value;
  std::optional<Regex> re;  // match, no_match
};

namespace {

using Node = Filter::Node;
using Op = Node::Op;
using Literal = Node::Literal;

constexpr int k_max_depth = 200;

enum class Tok { end, error, word, number, text, op, and_, or_, not_, lparen, rparen };

struct Token {
  Tok type = Tok::end;
  std::string_view spelling;  // as written, for messages
  std::size_t offset = 0;     // bytes from the start of the input
  Op op = Op::eq;
  Literal value;  // number and text tokens
};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// "0x1234" (hex) or a decimal with an optional binary suffix ("4K", "1M"), with an
// optional leading '-'.
std::optional<std::int64_t> parse_number(std::string_view s) {
  const bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  std::optional<std::int64_t> n;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    n = to_i64(s.substr(2), 16);
    if (n && *n < 0) n.reset();
  } else if (!s.empty() && is_digit(s.front())) {
    n = parse_size(s);
  }
  if (n && negative) *n = -*n;
  return n;
}

// A text cell that holds a number: "0x00001234", "4096", "-1".
std::optional<std::int64_t> text_number(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) return to_i64(s.substr(2), 16);
  return to_i64(s);
}

class Lexer {
public:
  explicit Lexer(std::string_view in) : m_in(in) {}

  // The next token; Tok::error when the input cannot be read, with what is wrong
  // and a hint for the message ("unexpected '='", " (use '==')").
  Token next(std::string& error, std::string& hint);

private:
  Token make(Tok type, std::size_t start, std::size_t len) {
    m_pos = start + len;
    return Token{type, m_in.substr(start, len), start, Op::eq, {}};
  }
  Token make_op(Op op, std::size_t start, std::size_t len) {
    Token t = make(Tok::op, start, len);
    t.op = op;
    return t;
  }
  Token read_string(std::size_t start, std::string& error);

  std::string_view m_in;
  std::size_t m_pos = 0;
};

Token Lexer::next(std::string& error, std::string& hint) {
  while (m_pos < m_in.size() && is_space(m_in[m_pos])) ++m_pos;
  const std::size_t s = m_pos;
  if (s == m_in.size()) return make(Tok::end, s, 0);
  const char c = m_in[s];
  const char c2 = s + 1 < m_in.size() ? m_in[s + 1] : '\0';

  if (is_alpha(c)) {
    std::size_t e = s;
    while (e < m_in.size() && (is_alpha(m_in[e]) || is_digit(m_in[e]))) ++e;
    Token t = make(Tok::word, s, e - s);
    if (iequals(t.spelling, "and")) t.type = Tok::and_;
    else if (iequals(t.spelling, "or")) t.type = Tok::or_;
    else if (iequals(t.spelling, "not")) t.type = Tok::not_;
    return t;
  }
  if (is_digit(c) || (c == '-' && is_digit(c2))) {
    std::size_t e = s + 1;
    while (e < m_in.size() && (is_alpha(m_in[e]) || is_digit(m_in[e]) || m_in[e] == '.')) ++e;
    Token t = make(Tok::number, s, e - s);
    const auto n = parse_number(t.spelling);
    if (!n) {
      error = fmt::format("bad number '{}'", t.spelling);
      t.type = Tok::error;
      return t;
    }
    t.value = Literal{Literal::Type::number, *n, std::string(t.spelling)};
    return t;
  }
  if (c == '"' || c == '\'') return read_string(s, error);

  switch (c) {
  case '(': return make(Tok::lparen, s, 1);
  case ')': return make(Tok::rparen, s, 1);
  case '<': return c2 == '=' ? make_op(Op::le, s, 2) : make_op(Op::lt, s, 1);
  case '>': return c2 == '=' ? make_op(Op::ge, s, 2) : make_op(Op::gt, s, 1);
  case '!':
    if (c2 == '=') return make_op(Op::ne, s, 2);
    if (c2 == '~') return make_op(Op::no_match, s, 2);
    return make(Tok::not_, s, 1);
  case '=':
    if (c2 == '=') return make_op(Op::eq, s, 2);
    if (c2 == '~') return make_op(Op::match, s, 2);
    error = "unexpected '='";
    hint = " (use '==')";
    return make(Tok::error, s, 1);
  case '&':
    if (c2 == '&') return make(Tok::and_, s, 2);
    error = "unexpected '&'";
    hint = " (use '&&' or 'and')";
    return make(Tok::error, s, 1);
  case '|':
    if (c2 == '|') return make(Tok::or_, s, 2);
    error = "unexpected '|'";
    hint = " (use '||' or 'or')";
    return make(Tok::error, s, 1);
  default: break;
  }
  // Name the whole character, not its first byte, when it is UTF-8.
  std::size_t e = s + 1;
  while (e < m_in.size() && (static_cast<unsigned char>(m_in[e]) & 0xc0) == 0x80) ++e;
  Token t = make(Tok::error, s, e - s);
  const auto u = static_cast<unsigned char>(c);
  error = u < 0x20 || u == 0x7f ? fmt::format("unexpected character 0x{:02x}", unsigned{u})
                                : fmt::format("unexpected character '{}'", t.spelling);
  return t;
}

// "..." or '...'. \\, \", \', \n and \t are escapes; any other backslash stays,
// so a regex like "a\.b" means what it says.
Token Lexer::read_string(std::size_t start, std::string& error) {
  const char quote = m_in[start];
  std::string out;
  for (std::size_t i = start + 1; i < m_in.size(); ++i) {
    const char c = m_in[i];
    if (c == quote) {
      Token t = make(Tok::text, start, i + 1 - start);
      t.value = Literal{Literal::Type::text, 0, std::move(out)};
      return t;
    }
    if (c == '\\' && i + 1 < m_in.size()) {
      const char n = m_in[++i];
      switch (n) {
      case '\\': case '"': case '\'': out += n; break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      default: out += '\\'; out += n; break;
      }
      continue;
    }
    out += c;
  }
  error = "unterminated string";
  return make(Tok::error, start, m_in.size() - start);
}

// Messages quote the input: keep control characters from breaking the line.
std::string one_line(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", unsigned{u});
    else out += c;
  }
  return out;
}

constexpr std::uint64_t k_max_repeat = 1000;  // one count, all counts added up, nested counts multiplied
constexpr std::uint64_t k_max_size = 5000;    // characters and classes, repetitions written out

std::string hex_byte(unsigned char c) { return fmt::format("\\x{:02x}", unsigned{c}); }

bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// See the top of the file. Reads pattern p and writes its translation, or
// says why it is refused.
class Translator {
public:
  explicit Translator(std::string_view p) : m_p(p) { m_groups.push_back(Group{}); }

  std::optional<std::string> run(std::string& why) {
    for (m_i = 0; m_i < m_p.size() && m_why.empty(); ++m_i) step();
    while (m_why.empty() && m_groups.size() > 1) close_group();  // unbalanced: the engine says so
    if (m_why.empty() && m_groups.back().size > k_max_size)
      m_why = fmt::format("the pattern is too large: {} characters and classes once its repetitions are "
                          "written out, above {}", m_groups.back().size, k_max_size);
    if (!m_why.empty()) {
      why = std::move(m_why);
      return std::nullopt;
    }
    return std::move(m_out);
  }

private:
  // What a repetition would repeat, and how large each group is so far.
  struct Group {
    std::uint64_t size = 0;          // characters and classes, repetitions written out
    std::uint64_t nested = 1;        // the largest product of counts inside
    std::uint64_t last_size = 0;     // of the last atom; 0: nothing to repeat
    std::uint64_t last_nested = 1;
  };

  char at(std::size_t i) const { return i < m_p.size() ? m_p[i] : '\0'; }
  std::string_view digits_from(std::size_t from) const {
    std::size_t end = from;
    while (end < m_p.size() && is_digit(m_p[end])) ++end;
    return m_p.substr(from, end - from);
  }

  void atom(std::string_view text) {
    m_out += text;
    Group& g = m_groups.back();
    g.size += 1;
    g.last_size = 1;
    g.last_nested = 1;
  }
  void no_atom(std::string_view text) {
    m_out += text;
    m_groups.back().last_size = 0;
  }
  void close_group() {
    const Group inner = m_groups.back();
    m_groups.pop_back();
    Group& g = m_groups.back();
    g.size += inner.size;
    g.nested = std::max(g.nested, inner.nested);
    g.last_size = inner.size;
    g.last_nested = inner.nested;
  }

  void step() {
    const char c = m_p[m_i];
    switch (c) {
    case '\\': {
      auto e = escape(false);
      if (e) atom(*e);
      return;
    }
    case '[': return bracket();
    case '(': return open_group();
    case ')':
      m_out += ')';
      if (m_groups.size() > 1) close_group();
      else m_groups.back().last_size = 0;  // unbalanced: the engine says so
      return;
    case '{': return brace();
    case '}': return atom("\\}");
    case ']': return atom("\\]");
    case '.': return atom("[^\\n\\r]");  // ECMAScript's '.': not RE2's, which matches \r
    case '|': case '^': case '$': return no_atom(std::string_view(&c, 1));
    case '*': case '+': case '?': m_out += c; return;  // lazy '?' too
    case '\0': return atom("\\x00");
    default: return atom(std::string_view(&c, 1));
    }
  }

  void open_group() {
    if (at(m_i + 1) == '?') {
      const std::string_view kind = m_p.substr(m_i, at(m_i + 2) == '<' ? 4 : 3);
      if (kind == "(?:") {
        m_out += "(?:";
        m_i += 2;
      } else if (kind == "(?=" || kind == "(?!") {
        m_why = fmt::format("lookahead {} (not supported)", kind);
        return;
      } else if (kind == "(?<=" || kind == "(?<!") {
        m_why = fmt::format("lookbehind {} (not supported)", kind);
        return;
      } else {
        m_why = fmt::format("'{}' (not supported: the only group that starts '(?' is '(?:')", kind);
        return;
      }
    } else {
      m_out += '(';
    }
    m_groups.push_back(Group{});
  }

  // {n}, {n,} or {n,m} after an atom; any other brace is a literal, as
  // ECMAScript's Annex B and RE2 read it (libstdc++ would refuse it).
  void brace() {
    const auto n = digits_from(m_i + 1);
    std::size_t j = m_i + 1 + n.size();
    std::string_view m;
    bool comma = false;
    if (!n.empty() && at(j) == ',') {
      comma = true;
      m = digits_from(j + 1);
      j += 1 + m.size();
    }
    if (n.empty() || at(j) != '}') return atom("\\{");
    for (const auto count : {n, m}) {
      const auto v = to_u64(count);
      if (!count.empty() && (!v || *v > k_max_repeat)) {
        m_why = fmt::format("repetition count {} is above {}", count, k_max_repeat);
        return;
      }
    }
    const std::uint64_t low = *to_u64(n);
    const std::uint64_t high = m.empty() ? low : *to_u64(m);
    if ((m_repeats += std::max(low, high)) > k_max_repeat) {
      m_why = fmt::format("repetition counts add up to more than {}", k_max_repeat);
      return;
    }
    // RE2's rule: a repetition counts as its upper bound, or its lower one if unbounded.
    const std::uint64_t count = comma && m.empty() ? low : high;
    Group& g = m_groups.back();
    if (count > 0) {
      const std::uint64_t nested = g.last_nested * count;
      if (nested > k_max_repeat) {
        m_why = fmt::format("nested repetition counts multiply to more than {}", k_max_repeat);
        return;
      }
      g.nested = std::max(g.nested, nested);
      g.last_nested = nested;
      g.size += g.last_size * (count - 1);
      g.last_size *= count;
    }
    m_out += m_p.substr(m_i, j + 1 - m_i);
    m_i = j;
  }

  // [...] and [^...]. "[]" is ECMAScript's empty class and "[^]" its class
  // of every character; both engines read "[]a]" otherwise.
  void bracket() {
    std::size_t j = m_i + 1;
    const bool negated = at(j) == '^';
    if (negated) ++j;
    if (at(j) == ']') {
      m_i = j;
      return atom(negated ? "[\\s\\S]" : "[^\\s\\S]");
    }
    std::string out = negated ? "[^" : "[";
    for (m_i = j; m_i < m_p.size(); ++m_i) {
      const char c = m_p[m_i];
      if (c == ']') {
        out += ']';
        return atom(out);
      }
      if (c == '\\') {
        auto e = escape(true);
        if (!e) return;
        out += *e;
      } else if (c == '[' && (at(m_i + 1) == '=' || at(m_i + 1) == '.')) {
        m_why = fmt::format("'[{}' in a class (not supported)", at(m_i + 1));
        return;
      } else if (c == '[' && at(m_i + 1) == ':') {
        const auto end = m_p.find(":]", m_i + 2);
        if (end == std::string_view::npos) {
          out += "\\[";
          continue;
        }
        out += m_p.substr(m_i, end + 2 - m_i);  // [:alpha:]: both engines know the POSIX names
        m_i = end + 1;
      } else if (c == '[') {
        out += "\\[";
      } else if (c == '\0') {
        out += "\\x00";
      } else {
        out += c;
      }
    }
    m_why = "missing ']'";
  }

  // The escape at m_i, as both engines read it; m_i ends on its last character.
  std::optional<std::string> escape(bool in_class) {
    if (m_i + 1 >= m_p.size()) {
      m_why = "trailing backslash";
      return std::nullopt;
    }
    const char c = m_p[++m_i];
    if (c >= '1' && c <= '9') {
      m_why = fmt::format("back-reference \\{} (not supported)", digits_from(m_i));
      return std::nullopt;
    }
    switch (c) {
    case '0':
      if (is_digit(at(m_i + 1))) break;
      return hex_byte(0);
    case 'c':
      if (!is_letter(at(m_i + 1))) {
        m_why = "\\c takes a letter, as \\cA";
        return std::nullopt;
      }
      return hex_byte(static_cast<unsigned char>(m_p[++m_i]) % 32);
    case 'x':
      if (!is_hex(at(m_i + 1)) || !is_hex(at(m_i + 2))) {
        m_why = "\\x takes two hexadecimal digits, as \\x41";
        return std::nullopt;
      }
      m_i += 2;
      return fmt::format("\\x{}", m_p.substr(m_i - 1, 2));
    case 'u': {
      const auto code = m_p.substr(m_i + 1, 4);
      if (code.size() != 4 || !std::all_of(code.begin(), code.end(), is_hex)) {
        m_why = "\\u takes four hexadecimal digits, as \\u0041";
        return std::nullopt;
      }
      const auto v = *to_u64(code, 16);
      if (v > 0x7f) {
        m_why = fmt::format("\\u{} is not ASCII: cells are matched byte by byte, so write the character itself", code);
        return std::nullopt;
      }
      m_i += 4;
      return hex_byte(static_cast<unsigned char>(v));
    }
    case 'f': return hex_byte('\f');
    case 'n': return hex_byte('\n');
    case 'r': return hex_byte('\r');
    case 't': return hex_byte('\t');
    case 'v': return hex_byte('\v');
    case 'd': case 'D': case 'w': case 'W': return std::string{'\\', c};
    // ECMAScript's \s holds \v, RE2's does not.
    case 's': return in_class ? "\\s\\x0b" : "[\\s\\x0b]";
    case 'S': return in_class ? "\\S" : "[^\\s\\x0b]";
    case 'b': return in_class ? hex_byte('\b') : "\\b";  // in a class, a backspace
    case 'B':
      if (!in_class) return "\\B";
      break;
    default:
      if (!is_letter(c)) return hex_byte(static_cast<unsigned char>(c));  // \. \\ \/ \-: the character
      break;
    }
    m_why = fmt::format("unknown escape \\{}", c == '0' ? m_p.substr(m_i, 2) : std::string_view(&m_p[m_i], 1));
    return std::nullopt;
  }

  std::string_view m_p;
  std::size_t m_i = 0;
  std::string m_out, m_why;
  std::vector<Group> m_groups;
  std::uint64_t m_repeats = 0;
};

} // namespace

struct Regex::Impl {
#if IPCCTL_HAVE_RE2
  std::unique_ptr<re2::RE2> re2;
#endif
#if defined(__GLIBCXX__)
  std::optional<std::regex> whole;  // "[\s\S]*(?:P)[\s\S]*"
#endif
};

bool Regex::has(Engine e) {
#if IPCCTL_HAVE_RE2
  if (e == Engine::re2) return true;
#endif
#if defined(__GLIBCXX__)
  if (e == Engine::std_regex) return true;
#endif
  return false;
}

Result<Regex> Regex::compile(std::string_view pattern) {
  return compile(pattern, has(Engine::re2) ? Engine::re2 : Engine::std_regex);
}

Result<Regex> Regex::compile(std::string_view pattern, Engine e) {
  if (!has(e)) return fail(Error{ENOSYS, "regex", "", "this regex engine is not built in"});
  std::string why;
  const auto translated = Translator(pattern).run(why);
  if (!translated) return fail(Error{0, "", "", std::move(why)});
  auto impl = std::make_shared<Impl>();
#if IPCCTL_HAVE_RE2
  if (e == Engine::re2) {
    re2::RE2::Options o;
    o.set_encoding(re2::RE2::Options::EncodingLatin1);
    o.set_log_errors(false);
    o.set_never_capture(true);
    // 8 MB (RE2's default) leaves the DFA of "(.?){999}#" short of memory, and
    // the NFA then took 4 s on a 200 KB cell; with 32 MB it takes 0.1 s.
    o.set_max_mem(std::int64_t{32} << 20);
    impl->re2 = std::make_unique<re2::RE2>(*translated, o);
    if (!impl->re2->ok()) {
      // "missing ): (x": the part after the colon is of the translation; keep
      // it only where it is what the user wrote.
      why = impl->re2->error();
      const std::string& arg = impl->re2->error_arg();
      if (pattern.find(arg) == std::string_view::npos && why.size() > arg.size() + 2 &&
          why.compare(why.size() - arg.size() - 2, std::string::npos, ": " + arg) == 0)
        why.resize(why.size() - arg.size() - 2);
      return fail(Error{0, "", "", std::move(why)});
    }
  }
#endif
#if defined(__GLIBCXX__)
  if (e == Engine::std_regex) {
    constexpr auto flags =
        std::regex::ECMAScript | std::regex::nosubs | std::regex_constants::__polynomial;
    try {
      std::regex alone(*translated, flags);  // balanced, so the wrapping cannot change what it means
      impl->whole.emplace("[\\s\\S]*(?:" + *translated + ")[\\s\\S]*", flags);
    } catch (const std::regex_error& x) {
      why = x.what();
      while (!why.empty() && (why.back() == '.' || why.back() == ' ')) why.pop_back();
      return fail(Error{0, "", "", std::move(why)});
    }
  }
#endif
  Regex r;
  r.m_impl = std::move(impl);
  return r;
}

bool Regex::search(std::string_view text) const {
  if (!m_impl) return false;
#if IPCCTL_HAVE_RE2
  if (m_impl->re2) return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *m_impl->re2);
#endif
#if defined(__GLIBCXX__)
  if (m_impl->whole) return std::regex_match(text.begin(), text.end(), *m_impl->whole);
#endif
  return false;
}

namespace {


class Parser {
public:
  explicit Parser(std::string_view in) : m_in(in), m_lexer(in) { advance(); }

  Result<Filter> run() {
    auto root = parse_or(0);
    if (root && m_tok.type != Tok::end) {
      if (m_tok.type == Tok::rparen) error_at(m_tok, "unexpected ')'", " (no '(' to close)");
      else unexpected(m_after_bare_column ? "an operator, 'and', 'or' or the end" : "'and', 'or' or the end");
    }
    if (m_error) return fail(Error{0, "-Q", "", std::move(*m_error)});
    Filter f;
    f.m_root = std::move(root);
    f.m_columns = std::move(m_columns);
    return f;
  }

private:
  void advance() {
    std::string what, hint;
    m_tok = m_lexer.next(what, hint);
    if (m_tok.type == Tok::error) error_at(m_tok, what, hint);
  }

  // 1-based, in characters: UTF-8 continuation bytes do not count.
  std::size_t position(std::size_t offset) const {
    std::size_t n = 1;
    for (std::size_t i = 0; i < offset; ++i)
      if ((static_cast<unsigned char>(m_in[i]) & 0xc0) != 0x80) ++n;
    return n;
  }

  // "<what> at position N<hint>". Keeps the first error only: later ones follow from it.
  std::nullptr_t error_at(const Token& t, std::string_view what, std::string_view hint = {}) {
    if (!m_error) m_error = one_line(fmt::format("{} at position {}{}", what, position(t.offset), hint));
    return nullptr;
  }
  std::nullptr_t unexpected(std::string_view expected) {
    const std::string found =
        m_tok.type == Tok::end ? "end of expression" : fmt::format("'{}'", m_tok.spelling);
    return error_at(m_tok, "unexpected " + found, fmt::format(" (expected {})", expected));
  }

  std::unique_ptr<Node> parse_or(int depth) {
    return parse_list(depth, Tok::or_, Node::Type::any, &Parser::parse_and);
  }
  std::unique_ptr<Node> parse_and(int depth) {
    return parse_list(depth, Tok::and_, Node::Type::all, &Parser::parse_unary);
  }
  std::unique_ptr<Node> parse_list(int depth, Tok sep, Node::Type type,
                                   std::unique_ptr<Node> (Parser::*operand)(int)) {
    auto first = (this->*operand)(depth);
    if (!first || m_tok.type != sep) return first;
    auto list = std::make_unique<Node>();
    list->type = type;
    list->operands.push_back(std::move(first));
    while (m_tok.type == sep) {
      advance();
      auto next = (this->*operand)(depth);
      if (!next) return nullptr;
      list->operands.push_back(std::move(next));
    }
    return list;
  }

  std::unique_ptr<Node> parse_unary(int depth) {
    m_after_bare_column = false;
    if (m_tok.type == Tok::not_ || m_tok.type == Tok::lparen) {
      if (depth >= k_max_depth) return error_at(m_tok, "too deeply nested");
    }
    if (m_tok.type == Tok::not_) {
      advance();
      auto inner = parse_unary(depth + 1);
      if (!inner) return nullptr;
      auto n = std::make_unique<Node>();
      n->type = Node::Type::negate;
      n->operands.push_back(std::move(inner));
      return n;
    }
    if (m_tok.type == Tok::lparen) {
      const Token open = m_tok;
      advance();
      auto inner = parse_or(depth + 1);
      if (!inner) return nullptr;
      if (m_tok.type != Tok::rparen) {
        return error_at(m_tok, "missing ')'",
                        fmt::format(" (to close the '(' at position {})", position(open.offset)));
      }
      advance();
      m_after_bare_column = false;
      return inner;
    }
    return parse_cmp();
  }

  std::unique_ptr<Node> parse_cmp() {
    if (m_tok.type != Tok::word) return unexpected("a column, 'not' or '('");
    if (literal_word(m_tok.spelling)) return unexpected("a column: a value goes after an operator");
    const Column* col = find_column(m_tok.spelling);
    if (!col) return error_at(m_tok, fmt::format("unknown column '{}'", m_tok.spelling), " (see --list-columns)");
    if (std::find(m_columns.begin(), m_columns.end(), col) == m_columns.end()) m_columns.push_back(col);
    advance();

    auto n = std::make_unique<Node>();
    n->column = col;
    if (m_tok.type != Tok::op) {
      n->type = Node::Type::truthy;
      m_after_bare_column = true;
      return n;
    }
    const Token op = m_tok;
    n->type = Node::Type::compare;
    n->op = op.op;
    advance();
    if (op.op == Op::match || op.op == Op::no_match) {
      if (m_tok.type != Tok::text)
        return unexpected(fmt::format("a quoted regular expression after '{}'", op.spelling));
      auto re = Regex::compile(m_tok.value.text);
      if (!re) return error_at(m_tok, fmt::format("bad regex {}", m_tok.spelling), ": " + re.error().detail);
      n->re = std::move(*re);
      n->value = std::move(m_tok.value);
      advance();
      return n;
    }
    if (m_tok.type == Tok::number || m_tok.type == Tok::text) {
      n->value = std::move(m_tok.value);
    } else if (m_tok.type == Tok::word && literal_word(m_tok.spelling)) {
      n->value = *literal_word(m_tok.spelling);
    } else if (m_tok.type == Tok::word) {
      return unexpected(fmt::format("a value after '{}'; quote text: \"{}\"", op.spelling, m_tok.spelling));
    } else {
      return unexpected(fmt::format("a value after '{}'", op.spelling));
    }
    advance();
    return n;
  }

  static std::optional<Literal> literal_word(std::string_view w) {
    if (iequals(w, "null")) return Literal{Literal::Type::null, 0, "null"};
    if (iequals(w, "true")) return Literal{Literal::Type::boolean, 1, "true"};
    if (iequals(w, "false")) return Literal{Literal::Type::boolean, 0, "false"};
    return std::nullopt;
  }

  std::string_view m_in;
  Lexer m_lexer;
  Token m_tok;
  std::optional<std::string> m_error;
  std::vector<const Column*> m_columns;
  bool m_after_bare_column = false;
};

// Present, and not 0 or "".
bool truthy(const Cell& c) {
  if (const auto* n = std::get_if<std::int64_t>(&c)) return *n != 0;
  if (const auto* s = std::get_if<std::string>(&c)) return !s->empty();
  return false;
}

std::string cell_string(const Cell& c) {
  if (const auto* n = std::get_if<std::int64_t>(&c)) return std::to_string(*n);
  if (const auto* s = std::get_if<std::string>(&c)) return *s;
  return {};
}

template <class T>
bool apply(Op op, const T& a, const T& b) {
  switch (op) {
  case Op::eq: return a == b;
  case Op::ne: return a != b;
  case Op::lt: return a < b;
  case Op::le: return a <= b;
  case Op::gt: return a > b;
  case Op::ge: return a >= b;
  default: return false;
  }
}

bool compare(const Node& n, const Cell& cell) {
  const Literal& v = n.value;
  const bool cell_null = std::holds_alternative<std::monostate>(cell);
  if (cell_null || v.type == Literal::Type::null) {
    const bool both = cell_null && v.type == Literal::Type::null;
    if (n.op == Op::eq) return both;
    if (n.op == Op::ne) return !both;
    return false;
  }
  if (n.re) {
    const bool found = n.re->search(cell_string(cell));
    return n.op == Op::match ? found : !found;
  }
  if (v.type == Literal::Type::boolean) return apply(n.op, std::int64_t{truthy(cell)}, v.number);
  if (v.type == Literal::Type::number) {
    if (const auto* num = std::get_if<std::int64_t>(&cell)) return apply(n.op, *num, v.number);
    if (const auto num = text_number(std::get<std::string>(cell))) return apply(n.op, *num, v.number);
  }
  return apply(n.op, cell_string(cell), v.text);
}

bool eval(const Node& n, const model::Object& o) {
  switch (n.type) {
  case Node::Type::any:
    for (const auto& x : n.operands)
      if (eval(*x, o)) return true;
    return false;
  case Node::Type::all:
    for (const auto& x : n.operands)
      if (!eval(*x, o)) return false;
    return true;
  case Node::Type::negate: return !eval(*n.operands.front(), o);
  case Node::Type::truthy: return truthy(n.column->get(o));
  case Node::Type::compare: return compare(n, n.column->get(o));
  }
  return false;
}

} // namespace

Filter::Filter() = default;
Filter::Filter(Filter&&) noexcept = default;
Filter& Filter::operator=(Filter&&) noexcept = default;
Filter::~Filter() = default;

bool Filter::matches(const model::Object& o) const { return !m_root || eval(*m_root, o); }

Result<Filter> parse_filter(std::string_view text) { return Parser(text).run(); }

} // namespace ipcctl::query
