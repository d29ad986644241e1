// The -Q filter language, evaluated through the real column table on
// hand-built objects.
#include <ipcctl/query/filter.hpp>

#include <doctest/doctest.h>

#include <cerrno>
#include <string>
#include <vector>

using namespace ipcctl;
using model::Kind;
using model::Object;

namespace {

// A small machine: two segments, a queue, a pipe and a listening socket.
std::vector<Object> objects() {
  std::vector<Object> out;

  Object shm;
  shm.ref = "sysv-shm:32769";
  shm.kind = Kind::sysv_shm;
  shm.id = 32769;
  shm.key = 0x1234;
  shm.owner = {1000, 1000, "ana", "ana"};
  shm.mode = 0600;
  shm.size = 4096;
  shm.holders = {{812, "postgres", std::nullopt, "rw", model::Via::map, 1000}};
  shm.set(model::key::nattch, std::int64_t{1});
  out.push_back(shm);

  Object big;
  big.ref = "sysv-shm:5";
  big.kind = Kind::sysv_shm;
  big.id = 5;
  big.key = 0;
  big.owner = {0, 0, "root", "root"};
  big.mode = 0644;
  big.size = std::int64_t{3} << 20;
  big.set(model::key::nattch, std::int64_t{0});
  big.set(model::key::dest, true);
  big.set(model::key::rss_bytes, std::int64_t{8192});
  out.push_back(big);

  Object mq;
  mq.ref = "posix-mq:/orders";
  mq.kind = Kind::posix_mq;
  mq.name = "/orders";
  mq.inode = 900;
  mq.owner = {1000, 1000, "ana", "ana"};
  mq.mode = 0600;
  mq.size = 80;
  mq.set(model::key::messages, std::int64_t{3});
  out.push_back(mq);

  Object pipe;
  pipe.ref = "pipe:48213";
  pipe.kind = Kind::pipe;
  pipe.inode = 48213;
  pipe.holders = {{100, "sh", 1, "w", model::Via::fd, 0}, {101, "cat", 0, "r", model::Via::fd, 0}};
  out.push_back(pipe);

  Object sock;
  sock.ref = "unix:51234";
  sock.kind = Kind::unix_socket;
  sock.inode = 51234;
  sock.name = "/run/app.sock";
  sock.owner = {0, 0, "root", "root"};
  sock.holders = {{1, "systemd", 12, "rw", model::Via::fd, 0}};
  sock.set(model::key::state, std::string("LISTEN"));
  out.push_back(sock);
  return out;
}

// The refs of the objects the filter keeps, in order; the filter must parse.
std::string pick(const char* text) {
  const auto f = query::parse_filter(text);
  if (!f) FAIL_CHECK("parse failed: ", f.error().detail);
  std::string refs;
  if (!f) return "<error>";
  for (const auto& o : objects()) {
    if (!f->matches(o)) continue;
    if (!refs.empty()) refs += ' ';
    refs += o.ref;
  }
  return refs;
}

// The error detail of a filter that must not parse.
std::string error_of(const char* text) {
  const auto f = query::parse_filter(text);
  if (f) return "<parsed>";
  CHECK(f.error().op == "-Q");
  CHECK(f.error().code == 0);
  return f.error().detail;
}

} // namespace

TEST_CASE("query::parse_filter comparisons") {
  SUBCASE("every operator on numbers") {
    CHECK(pick("id == 5") == "sysv-shm:5");
    CHECK(pick("id != 5") == "sysv-shm:32769 posix-mq:/orders pipe:48213 unix:51234");
    CHECK(pick("size < 4096") == "posix-mq:/orders");
    CHECK(pick("size <= 4096") == "sysv-shm:32769 posix-mq:/orders");
    CHECK(pick("size > 4096") == "sysv-shm:5");
    CHECK(pick("size >= 4096") == "sysv-shm:32769 sysv-shm:5");
    CHECK(pick("nholders > 1") == "pipe:48213");
    CHECK(pick("uid == -1") == "");
  }
  SUBCASE("every operator on text") {
    CHECK(pick("user == 'ana'") == "sysv-shm:32769 posix-mq:/orders");
    CHECK(pick("user != \"ana\"") == "sysv-shm:5 pipe:48213 unix:51234");
    CHECK(pick("name < \"/p\"") == "posix-mq:/orders");
    CHECK(pick("name <= \"/orders\"") == "posix-mq:/orders");
    CHECK(pick("name > \"/orders\"") == "unix:51234");
    CHECK(pick("name >= \"/orders\"") == "posix-mq:/orders unix:51234");
    CHECK(pick("state == 'LISTEN'") == "unix:51234");
    CHECK(pick("state == 'listen'") == "");
  }
  SUBCASE("column names are case-insensitive") {
    CHECK(pick("NATTCH == 1") == "sysv-shm:32769");
    CHECK(pick("NaTtCh == 1") == "sysv-shm:32769");
  }
  SUBCASE("sizes take binary suffixes") {
    CHECK(pick("size > 1M") == "sysv-shm:5");
    CHECK(pick("size == 3M") == "sysv-shm:5");
    CHECK(pick("size == 4K") == "sysv-shm:32769");
    CHECK(pick("size == 4k") == "sysv-shm:32769");
    CHECK(pick("size < 1G and size > 1K") == "sysv-shm:32769 sysv-shm:5");
    CHECK(pick("size < 1T") == "sysv-shm:32769 sysv-shm:5 posix-mq:/orders");
    CHECK(pick("rss_bytes >= 8K") == "sysv-shm:5");  // detail columns are named with '_'
  }
  SUBCASE("a number matches a text cell that holds a number") {
    CHECK(pick("key == 0x1234") == "sysv-shm:32769");
    CHECK(pick("key == 4660") == "sysv-shm:32769");
    CHECK(pick("key == 0X1234") == "sysv-shm:32769");
    CHECK(pick("key == 0") == "sysv-shm:5");
    CHECK(pick("key > 0x1000") == "sysv-shm:32769");
    CHECK(pick("key == '0x00001234'") == "sysv-shm:32769");
    CHECK(pick("key == '0x1234'") == "");  // text against text: as written
    CHECK(pick("perms == 0600") == "sysv-shm:32769 posix-mq:/orders");
    CHECK(pick("perms == '0644'") == "sysv-shm:5");
    CHECK(pick("id == 0x5") == "sysv-shm:5");
  }
  SUBCASE("a number cell against text compares text") {
    CHECK(pick("id == '5'") == "sysv-shm:5");
    CHECK(pick("id == '05'") == "");
    CHECK(pick("size < '5'") == "sysv-shm:32769 sysv-shm:5");  // "3145728" and "4096" sort before "5", "80" after
  }
  SUBCASE("a text cell that is not a number against a number compares text") {
    CHECK(pick("user == 1") == "");
    CHECK(pick("user != 1") == "sysv-shm:32769 sysv-shm:5 posix-mq:/orders pipe:48213 unix:51234");
  }
  SUBCASE("true and false compare presence") {
    CHECK(pick("nattch == true") == "sysv-shm:32769");
    CHECK(pick("nattch == false") == "sysv-shm:5");
    CHECK(pick("name == TRUE") == "posix-mq:/orders unix:51234");
    CHECK(pick("state == true") == "unix:51234");
    CHECK(pick("dest == true") == "sysv-shm:5");  // a detail flag
    CHECK(pick("dest") == "sysv-shm:5");
    CHECK(pick("not dest and type == 'sysv-shm'") == "sysv-shm:32769");
    CHECK(pick("state != true") == "sysv-shm:32769 sysv-shm:5 posix-mq:/orders pipe:48213");  // null: != holds
  }
}

TEST_CASE("query::parse_filter regex") {
  CHECK(pick("ref =~ '^sysv-'") == "sysv-shm:32769 sysv-shm:5");
  CHECK(pick("ref !~ '^sysv-'") == "posix-mq:/orders pipe:48213 unix:51234");
  CHECK(pick("comms =~ 'post'") == "sysv-shm:32769");  // a search, not a whole match
  CHECK(pick("name =~ '\\.sock$'") == "unix:51234");   // the backslash reaches the regex
  CHECK(pick("name =~ 'a.sock'") == "");
  CHECK(pick("id =~ '^32'") == "sysv-shm:32769");     // numbers match as text
  CHECK(pick("name =~ \"^/(orders|run)\"") == "posix-mq:/orders unix:51234");
  CHECK(pick("user =~ '[a-z]+' && user !~ 'root'") == "sysv-shm:32769 posix-mq:/orders");
}

TEST_CASE("query::parse_filter regex without backtracking") {
  // A backtracking matcher tries every way the nested stars can split the
  // run of a's before it fails on the missing 'c': 2^n ways and more, which
  // would not end within the test's time limit. The linear matcher answers.
  Object o;
  o.ref = "posix-shm:/aaa";
  o.kind = Kind::posix_shm;
  o.name = "/" + std::string(200, 'a');
  const auto slow = query::parse_filter("name =~ '^/((((((((a*)*)*)*)*)*)*)*)*c'");
  REQUIRE(slow);
  CHECK_FALSE(slow->matches(o));
  *o.name += 'c';
  CHECK(slow->matches(o));
  const auto alternation = query::parse_filter("name !~ '(a|aa)+b'");
  REQUIRE(alternation);
  CHECK(alternation->matches(o));
  // Back-references need backtracking: refused, like any other bad pattern;
  // so are counts that libstdc++ would read into an overflowing long.
  CHECK(error_of("name =~ '(a)\\1'").rfind("bad regex '(a)\\1' at position 9: ", 0) == 0);
  CHECK(error_of("name =~ 'x{30000000000000000000}'") ==
        "bad regex 'x{30000000000000000000}' at position 9: repetition count 30000000000000000000 is above 1000");
  CHECK(error_of("name =~ 'x{2,1001}'") == "bad regex 'x{2,1001}' at position 9: repetition count 1001 is above 1000");
  CHECK(pick("name =~ 'q{1,1000}|[{]99999|\\{99999'") == "");  // the limit, and literal braces
  CHECK(error_of("name =~ 'a{600}b{600}'") == "bad regex 'a{600}b{600}' at position 9: repetition counts add up to more than 1000");
  // \cX is a control character, as ECMAScript says (libstdc++ read it as X);
  // it takes a letter.
  CHECK(error_of("name =~ 'a\\c[x'") == "bad regex 'a\\c[x' at position 9: \\c takes a letter, as \\cA");
  CHECK(error_of("name =~ 'a\\c\\1'").find("\\c takes a letter") != std::string::npos);
  CHECK(error_of("name =~ 'x(?=y)'").find("lookahead (?= (not supported)") != std::string::npos);
}

namespace {

using Engine = query::Regex::Engine;

// The engines built here: RE2 and the fallback everywhere but Windows.
std::vector<Engine> engines() {
  std::vector<Engine> out;
  for (auto e : {Engine::re2, Engine::std_regex})
    if (query::Regex::has(e)) out.push_back(e);
  return out;
}

const char* name(Engine e) { return e == Engine::re2 ? "re2" : "std_regex"; }

// Whether `pattern` is found in `text`; "error: ..." when it is refused.
std::string search(Engine e, std::string_view pattern, std::string_view text) {
  auto re = query::Regex::compile(pattern, e);
  if (!re) return "error: " + re.error().detail;
  return re->search(text) ? "yes" : "no";
}

} // namespace

TEST_CASE("query::Regex engines") {
#ifndef _WIN32
  CHECK(query::Regex::has(Engine::re2));
#endif
  CHECK_FALSE(engines().empty());
  for (const auto e : engines()) {
    CAPTURE(name(e));
    SUBCASE("what ECMAScript means, on both engines") {
      using namespace std::string_literals;
      CHECK(search(e, "a.b", "a\rb") == "no");  // '.' is not a line terminator
      CHECK(search(e, "a.b", "a\nb") == "no");
      CHECK(search(e, "a.b", "a\0b"s) == "yes");
      CHECK(search(e, "a.b", "a\xff" "b") == "yes");  // invalid UTF-8 is a byte like any other
      CHECK(search(e, "^x.*y$", "x\xc3\x28\xa0y") == "yes");
      CHECK(search(e, "\xc3\xa9", "caf\xc3\xa9") == "yes");  // non-ASCII: its bytes
      CHECK(search(e, "caf\xc3\xa9$", "caf\xc3\xa9") == "yes");
      CHECK(search(e, "[]", "abc") == "no");      // ECMAScript's empty class
      CHECK(search(e, "[]a]", "a]") == "no");
      CHECK(search(e, "[^]", "\n") == "yes");    // and its class of everything
      CHECK(search(e, "\\cA", "\x01") == "yes");
      CHECK(search(e, "\\cA", "A") == "no");
      CHECK(search(e, "\\u0041\\x42", "AB") == "yes");
      CHECK(search(e, "\\0", "\0"s) == "yes");
      CHECK(search(e, "\\s", "\v") == "yes");
      CHECK(search(e, "\\S", "\v") == "no");
      CHECK(search(e, "[\\b]", "\b") == "yes");    // a backspace in a class
      CHECK(search(e, "\\bx\\b", "a x b") == "yes");  // a word boundary outside
      CHECK(search(e, "\\d+\\.\\w", "v12.x") == "yes");
      CHECK(search(e, "a{", "a{") == "yes");     // a brace that is no count is a brace
      CHECK(search(e, "a{,3}}", "a{,3}}") == "yes");
      CHECK(search(e, "a{2,3}", "caab") == "yes");
      CHECK(search(e, "^b", "a\nb") == "no");   // ^ and $: the cell's ends, not its lines
      CHECK(search(e, "a$", "a\n") == "no");
      CHECK(search(e, "[[:digit:]]x", "1x") == "yes");
      CHECK(search(e, "(?:ab)+|z", "xabab") == "yes");
      CHECK(search(e, "[a\\-z]", "-") == "yes");
    }
    SUBCASE("refused alike on both engines") {
      CHECK(search(e, "(a)\\1", "aa") == "error: back-reference \\1 (not supported)");
      CHECK(search(e, "x(?=y)", "xy") == "error: lookahead (?= (not supported)");
      CHECK(search(e, "(?<!y)x", "x") == "error: lookbehind (?<! (not supported)");
      CHECK(search(e, "(?i)x", "X") == "error: '(?i' (not supported: the only group that starts '(?' is '(?:')");
      CHECK(search(e, "a\\z", "a") == "error: unknown escape \\z");
      CHECK(search(e, "\\u00e9", "x") ==
            "error: \\u00e9 is not ASCII: cells are matched byte by byte, so write the character itself");
      CHECK(search(e, "[[=a=]]", "a") == "error: '[=' in a class (not supported)");
      CHECK(search(e, "((a{10}){10}){11}", "a") == "error: nested repetition counts multiply to more than 1000");
      CHECK(search(e, "((a{10}){10}){10}", "a") == "no");
      CHECK(search(e, "(ab){500}(cd){500}", "a") == "no");
      CHECK(search(e, "(abcdef){999}", "a") ==
            "error: the pattern is too large: 5994 characters and classes once its repetitions are written out, above 5000");
      CHECK(search(e, "[a-", "a") == "error: missing ']'");
      CHECK(search(e, "a\\", "a") == "error: trailing backslash");
      CHECK(search(e, "(x", "x").rfind("error: ", 0) == 0);
      CHECK(search(e, "x)", "x").rfind("error: ", 0) == 0);
      if (e == Engine::re2) {  // RE2's words, with the text the user wrote, not its translation
        CHECK(search(e, "(x", "x") == "error: missing ): (x");
        CHECK(search(e, "(a.", "x") == "error: missing )");
      }
    }
    SUBCASE("linear time on long cells") {
      // Each of these takes a backtracking matcher exponential time, and
      // libstdc++'s polynomial regex_search the cell's length squared: 47 s
      // for the first on a 2 KB cell. RE2 takes milliseconds on 256 KB; the
      // fallback about 70 us a byte for the first, the largest NFA here.
      const std::size_t length = e == Engine::re2 ? 256 * 1024 : 16 * 1024;
      std::string holders;
      while (holders.size() < length) holders += "worker[" + std::to_string(holders.size()) + "]:3,rw ";
      const std::string as(length, 'a');
      const std::pair<const char*, const std::string*> cases[] = {
          {"(.?){999}#", &holders}, {"(a*)*b", &as},     {"(a|a)*c", &as},
          {"(.*){20}x", &holders},  {"((a+)+)+$b", &as}, {"^(\\w+\\s?)*$#", &holders},
      };
      // An engine that backtracks does not end here (meson's timeout fails
      // the test); tests/reliability/regex.sh bounds each pattern's time.
      for (const auto& c : cases) {
        const char* pattern = c.first;
        CAPTURE(pattern);
        CHECK(search(e, pattern, *c.second) == "no");
      }
      CHECK(search(e, "(.?){999}]:3", holders.substr(0, 2048)) == "yes");
    }
  }
  SUBCASE("an engine that is not built in") {
    for (auto e : {Engine::re2, Engine::std_regex}) {
      if (query::Regex::has(e)) continue;
      const auto re = query::Regex::compile("x", e);
      REQUIRE_FALSE(re);
      CHECK(re.error().code == ENOSYS);
    }
  }
}

TEST_CASE("query::parse_filter null") {
  SUBCASE("a null cell fails every comparison but != and == null") {
    // the pipe has no owner, the shm segments no name
    CHECK(pick("user == 'x' or user < 'x' or user <= 'x' or user > 'x' or user >= 'x'") ==
          "sysv-shm:32769 sysv-shm:5 posix-mq:/orders unix:51234");
    CHECK(pick("name =~ '.*'") == "posix-mq:/orders unix:51234");
    CHECK(pick("name !~ 'zzz'") == "posix-mq:/orders unix:51234");
    CHECK(pick("name != '/orders'") == "sysv-shm:32769 sysv-shm:5 pipe:48213 unix:51234");
    CHECK(pick("size != 0") == "sysv-shm:32769 sysv-shm:5 posix-mq:/orders pipe:48213 unix:51234");
    CHECK(pick("size == 0 or size < 0 or size > 0") == "sysv-shm:32769 sysv-shm:5 posix-mq:/orders");
  }
  SUBCASE("null literals") {
    CHECK(pick("name == null") == "sysv-shm:32769 sysv-shm:5 pipe:48213");
    CHECK(pick("name != NULL") == "posix-mq:/orders unix:51234");
    CHECK(pick("size > null or size < null") == "");
    CHECK(pick("peer == null") == "sysv-shm:32769 sysv-shm:5 posix-mq:/orders pipe:48213 unix:51234");
  }
  SUBCASE("a bare column is true when present and not 0 or empty") {
    CHECK(pick("nattch") == "sysv-shm:32769");          // 0 and null are false
    CHECK(pick("name") == "posix-mq:/orders unix:51234");
    CHECK(pick("key") == "sysv-shm:32769 sysv-shm:5");  // "0x00000000" is not empty
    CHECK(pick("not name") == "sysv-shm:32769 sysv-shm:5 pipe:48213");
    CHECK(pick("peer") == "");
  }
}

TEST_CASE("query::parse_filter logic") {
  SUBCASE("and, or, not and their symbols") {
    CHECK(pick("type == 'sysv-shm' and nattch == 0") == "sysv-shm:5");
    CHECK(pick("type == 'sysv-shm' && nattch == 0") == "sysv-shm:5");
    CHECK(pick("id == 5 or inode == 48213") == "sysv-shm:5 pipe:48213");
    CHECK(pick("id == 5 || inode == 48213") == "sysv-shm:5 pipe:48213");
    CHECK(pick("not id == 5") == "sysv-shm:32769 posix-mq:/orders pipe:48213 unix:51234");
    CHECK(pick("!(id == 5)") == "sysv-shm:32769 posix-mq:/orders pipe:48213 unix:51234");
    CHECK(pick("not not id == 5") == "sysv-shm:5");
    CHECK(pick("! ! id == 5") == "sysv-shm:5");
    CHECK(pick("id==5||id==32769") == "sysv-shm:32769 sysv-shm:5");
    CHECK(pick("  \tid == 5\n") == "sysv-shm:5");
    CHECK(pick("NOT id == 5 AND Id == 32769") == "sysv-shm:32769");
  }
  SUBCASE("and binds tighter than or") {
    // (id == 5) or (user == 'ana' and size > 1K)
    CHECK(pick("id == 5 or user == 'ana' and size > 1K") == "sysv-shm:32769 sysv-shm:5");
    CHECK(pick("user == 'ana' and size > 1K or id == 5") == "sysv-shm:32769 sysv-shm:5");
    CHECK(pick("(id == 5 or user == 'ana') and size > 1K") == "sysv-shm:32769 sysv-shm:5");
    CHECK(pick("(id == 5 or user == 'ana') and size < 1K") == "posix-mq:/orders");
  }
  SUBCASE("not binds tighter than and") {
    CHECK(pick("not nattch and size") == "sysv-shm:5 posix-mq:/orders");
    CHECK(pick("not (nattch and size)") == "sysv-shm:5 posix-mq:/orders pipe:48213 unix:51234");
  }
  SUBCASE("parentheses nest") {
    CHECK(pick("((id == 5))") == "sysv-shm:5");
    CHECK(pick("(((type == 'pipe') or (type == 'unix')) and (nholders == 2))") == "pipe:48213");
    CHECK(pick("not ((name) or (key))") == "pipe:48213");
  }
  SUBCASE("long chains") {
    std::string many = "id == 1";
    for (int i = 0; i < 5000; ++i) many += " or id == 1";
    many += " or id == 5";
    CHECK(pick(many.c_str()) == "sysv-shm:5");
  }
}

TEST_CASE("query::parse_filter escapes") {
  Object o;
  o.ref = "posix-mq:/x";
  o.kind = Kind::posix_mq;
  o.name = "a\"b'c\\d\te";
  const auto f = query::parse_filter(R"(name == "a\"b'c\\d\te")");
  REQUIRE(f);
  CHECK(f->matches(o));
  const auto g = query::parse_filter(R"(name == 'a"b\'c\\d	e')");
  REQUIRE(g);
  CHECK(g->matches(o));
  // Any other backslash stays: "c\d" is three characters, as "c\\d" is.
  const auto h = query::parse_filter(R"(name == "a\"b'c\d\te")");
  REQUIRE(h);
  CHECK(h->matches(o));
  o.name = "a\"b'cd\te";
  CHECK_FALSE(h->matches(o));
  CHECK_FALSE(f->matches(o));
}

TEST_CASE("query::parse_filter columns") {
  const auto f = query::parse_filter("nattch > 0 and (KEY == 0x1 or Nattch == 2) or size");
  REQUIRE(f);
  REQUIRE(f->columns().size() == 3);
  CHECK(f->columns()[0] == query::find_column("NATTCH"));
  CHECK(f->columns()[1] == query::find_column("KEY"));
  CHECK(f->columns()[2] == query::find_column("SIZE"));
  CHECK(f->columns()[0]->name == "NATTCH");
}

TEST_CASE("query::parse_filter errors") {
  SUBCASE("unknown column") {
    CHECK(error_of("size > 1M and nattchh > 0") ==
          "unknown column 'nattchh' at position 15 (see --list-columns)");
    CHECK(error_of("nope") == "unknown column 'nope' at position 1 (see --list-columns)");
  }
  SUBCASE("unexpected token") {
    CHECK(error_of("") == "unexpected end of expression at position 1 (expected a column, 'not' or '(')");
    CHECK(error_of("   ") == "unexpected end of expression at position 4 (expected a column, 'not' or '(')");
    CHECK(error_of("id ==") == "unexpected end of expression at position 6 (expected a value after '==')");
    CHECK(error_of("id == and") == "unexpected 'and' at position 7 (expected a value after '==')");
    CHECK(error_of("state == LISTEN") ==
          "unexpected 'LISTEN' at position 10 (expected a value after '=='; quote text: \"LISTEN\")");
    CHECK(error_of("id == 5 and") == "unexpected end of expression at position 12 (expected a column, 'not' or '(')");
    CHECK(error_of("or id == 5") == "unexpected 'or' at position 1 (expected a column, 'not' or '(')");
    CHECK(error_of("5 == id") == "unexpected '5' at position 1 (expected a column, 'not' or '(')");
    CHECK(error_of("null == id") ==
          "unexpected 'null' at position 1 (expected a column: a value goes after an operator)");
    CHECK(error_of("id = 5") == "unexpected '=' at position 4 (use '==')");
    CHECK(error_of("id == 5 & size") == "unexpected '&' at position 9 (use '&&' or 'and')");
    CHECK(error_of("id == 5 | size") == "unexpected '|' at position 9 (use '||' or 'or')");
    CHECK(error_of("id == 5 $") == "unexpected character '$' at position 9");
    CHECK(error_of("id == 5 \x01") == "unexpected character 0x01 at position 9");
    CHECK(error_of("name == 'é' é") == "unexpected character 'é' at position 13");  // counts characters
    CHECK(error_of("id =~ 5") == "unexpected '5' at position 7 (expected a quoted regular expression after '=~')");
    CHECK(error_of("id !~ null") ==
          "unexpected 'null' at position 7 (expected a quoted regular expression after '!~')");
  }
  SUBCASE("bad number") {
    CHECK(error_of("size > 1Q") == "bad number '1Q' at position 8");
    CHECK(error_of("size > 1.5M") == "bad number '1.5M' at position 8");
    CHECK(error_of("size > 0x") == "bad number '0x' at position 8");
    CHECK(error_of("size > 0xfg") == "bad number '0xfg' at position 8");
    CHECK(error_of("size > 99999999999999999999") == "bad number '99999999999999999999' at position 8");
    CHECK(error_of("size > 9999999999T") == "bad number '9999999999T' at position 8");
  }
  SUBCASE("missing ')'") {
    CHECK(error_of("(id == 5") == "missing ')' at position 9 (to close the '(' at position 1)");
    CHECK(error_of("x or (id == 5 size") == "unknown column 'x' at position 1 (see --list-columns)");
    CHECK(error_of("id == 1 or (id == 5 size") == "missing ')' at position 21 (to close the '(' at position 12)");
    CHECK(error_of("((id == 5)") == "missing ')' at position 11 (to close the '(' at position 1)");
  }
  SUBCASE("trailing input") {
    CHECK(error_of("id == 5)") == "unexpected ')' at position 8 (no '(' to close)");
    CHECK(error_of("id == 5 size") == "unexpected 'size' at position 9 (expected 'and', 'or' or the end)");
    CHECK(error_of("nattch 5") == "unexpected '5' at position 8 (expected an operator, 'and', 'or' or the end)");
    CHECK(error_of("id == 5 'x'") == "unexpected ''x'' at position 9 (expected 'and', 'or' or the end)");
    CHECK(error_of("id == 5 'a\nb{}'") ==  // one line, and braces are not format fields
          "unexpected ''a\\nb{}'' at position 9 (expected 'and', 'or' or the end)");
  }
  SUBCASE("unterminated string") {
    CHECK(error_of("name == 'abc") == "unterminated string at position 9");
    CHECK(error_of("name == \"abc\\\"") == "unterminated string at position 9");
    CHECK(error_of("name == \"abc'") == "unterminated string at position 9");
  }
  SUBCASE("bad regex") {
    const std::string e = error_of("id == 1 or name =~ '[a-'");
    CHECK(e.rfind("bad regex '[a-' at position 20: ", 0) == 0);
    CHECK(e.find('\n') == std::string::npos);
    CHECK(error_of("name !~ '(x'").rfind("bad regex '(x' at position 9: ", 0) == 0);
  }
  SUBCASE("the first mistake from the left wins") {
    CHECK(error_of("nattchh == 'abc") == "unknown column 'nattchh' at position 1 (see --list-columns)");
    CHECK(error_of("id == 'abc") == "unterminated string at position 7");
  }
  SUBCASE("nesting is bounded") {
    const std::string deep(100000, '(');
    CHECK(error_of(deep.c_str()) == "too deeply nested at position 201");
    std::string nots;
    for (int i = 0; i < 100000; ++i) nots += "! ";
    CHECK(error_of(nots.c_str()) == "too deeply nested at position 401");
    std::string ok(150, '(');
    ok += "id == 5";
    ok.append(150, ')');
    CHECK(pick(ok.c_str()) == "sysv-shm:5");
  }
}

TEST_CASE("query::Filter default and moved") {
  query::Filter none;
  CHECK(none.matches(objects().front()));
  CHECK(none.columns().empty());
  auto f = query::parse_filter("id == 5");
  REQUIRE(f);
  query::Filter moved = std::move(*f);
  CHECK(moved.matches(objects()[1]));
  CHECK_FALSE(moved.matches(objects()[0]));
}
