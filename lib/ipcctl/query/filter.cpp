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
// std::regex reports a bad pattern only by throwing: compile_regex() is the one
// place here that catches, and turns it into an Error like any other. Its
// default matcher backtracks, so a pattern like "((a*)*)*c" takes exponential
// time; libstdc++'s polynomial mode (a breadth-first, Thompson-style matcher
// with no back-references) never backtracks, so a match costs at most the
// cell's length squared times the pattern's size. To keep that size small,
// back-references and lookaheads are refused as bad regexes, and so are
// repetition counts above 1000 (RE2's limit) or adding up to more.
#include <ipcctl/query/filter.hpp>

#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
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
  std::optional<std::regex> re;  // match, no_match
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

#if defined(__GLIBCXX__)
constexpr auto k_regex_flags = std::regex::ECMAScript | std::regex_constants::__polynomial;
#else
constexpr auto k_regex_flags = std::regex::ECMAScript;
#endif

constexpr std::size_t k_max_repeat = 1000;

// Why the pattern is refused before std::regex sees it, if it is: a
// back-reference (the polynomial matcher has none, and libstdc++ reads its
// number into an overflowing long), a lookahead (each runs a matcher of its
// own at every position), or counts in {n} or {n,m} adding up to more than
// k_max_repeat. The scan reads escapes as libstdc++ does: \cX is one
// character, X included. Bracket expressions are skipped (a brace there is
// literal), but not escapes in them: libstdc++ reads \N as a back-reference
// there too.
std::optional<std::string> refused_regex(std::string_view p) {
  const auto digits_at = [&](std::size_t from) {
    std::size_t end = from;
    while (end < p.size() && std::isdigit(static_cast<unsigned char>(p[end]))) ++end;
    return p.substr(from, end - from);
  };
  bool in_bracket = false;
  std::uint64_t repeats = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 1 < p.size()) {
      if (p[i + 1] >= '1' && p[i + 1] <= '9')
        return fmt::format("back-reference \\{} (not supported)", digits_at(i + 1));
      i += p[i + 1] == 'c' ? 2 : 1;  // \cX: a control character
    } else if (in_bracket) {
      in_bracket = p[i] != ']';  // in ECMAScript "[]" is an empty class
    } else if (p[i] == '[') {
      in_bracket = true;
    } else if (p.substr(i, 3) == "(?=" || p.substr(i, 3) == "(?!") {
      return fmt::format("lookahead {} (not supported)", p.substr(i, 3));
    } else if (p[i] == '{') {
      std::uint64_t largest = 0;  // of {n} or {n,m}: what the pattern grows by
      for (std::size_t j = i + 1; j < p.size(); ++j) {  // each count, after the brace or a comma
        const auto count = digits_at(j);
        const auto n = to_u64(count);
        if (!count.empty() && (!n || *n > k_max_repeat))
          return fmt::format("repetition count {} is above {}", count, k_max_repeat);
        if (n) largest = std::max(largest, *n);
        j += count.size();
        if (j == p.size() || p[j] != ',') break;
      }
      if ((repeats += largest) > k_max_repeat)
        return fmt::format("repetition counts add up to more than {}", k_max_repeat);
    }
  }
  return std::nullopt;
}

std::optional<std::regex> compile_regex(const std::string& pattern, std::string& why) {
  if (auto refused = refused_regex(pattern)) {
    why = std::move(*refused);
    return std::nullopt;
  }
  try {
    return std::regex(pattern, k_regex_flags);
  } catch (const std::regex_error& e) {
    why = e.what();
    while (!why.empty() && (why.back() == '.' || why.back() == ' ')) why.pop_back();
    return std::nullopt;
  }
}

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
      std::string why;
      n->re = compile_regex(m_tok.value.text, why);
      if (!n->re) return error_at(m_tok, fmt::format("bad regex {}", m_tok.spelling), ": " + why);
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
    const bool found = std::regex_search(cell_string(cell), *n.re);
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
