#include <ipcctl/util/error.hpp>
#include <ipcctl/util/escape.hpp>
#include <ipcctl/util/parse.hpp>
#include <ipcctl/util/result.hpp>

#include <doctest/doctest.h>

using namespace ipcctl;

TEST_CASE("parse_size") {
  CHECK(parse_size("4096") == 4096);
  CHECK(parse_size("4K") == 4096);
  CHECK(parse_size("1m") == 1048576);
  CHECK(parse_size("2G") == std::int64_t{2} << 30);
  CHECK_FALSE(parse_size("").has_value());
  CHECK_FALSE(parse_size("K").has_value());
  CHECK_FALSE(parse_size("-1").has_value());
  CHECK_FALSE(parse_size("12Q").has_value());
  SUBCASE("overflow is refused") { CHECK_FALSE(parse_size("9999999999999T").has_value()); }
}

TEST_CASE("split_ws and for_each_line") {
  const auto f = split_ws("  a\tbb   c ");
  REQUIRE(f.size() == 3);
  CHECK(f[0] == "a");
  CHECK(f[2] == "c");
  std::vector<std::string_view> lines;
  for_each_line("x\ny\n\nz", [&](std::string_view l) { lines.push_back(l); });
  CHECK(lines == std::vector<std::string_view>{"x", "y", "", "z"});
}

TEST_CASE("to_i64 and to_u64 reject junk") {
  CHECK(to_i64("-42") == -42);
  CHECK_FALSE(to_i64("42x").has_value());
  CHECK(to_u64("ff", 16) == 255u);
  CHECK_FALSE(to_u64("").has_value());
}

TEST_CASE("field_value") {
  const std::string_view text = "Name:\tcat\nUid:\t0\t0\t0\t0\nSigPnd:\t0000000000000200\n";
  CHECK(field_value(text, "Name") == "cat");
  CHECK(field_value(text, "SigPnd") == "0000000000000200");
  CHECK_FALSE(field_value(text, "Sig").has_value());
}

TEST_CASE("unescape_octal") {
  CHECK(unescape_octal("/run/a\\040b") == "/run/a b");
  CHECK(unescape_octal("x\\012y") == "x\ny");
  CHECK(unescape_octal("trailing\\04") == "trailing\\04");
}

TEST_CASE("Error::message") {
  errno = ENOENT;
  const Error e = sys_error("open", "/proc/1/maps");
  CHECK(e.message() == "open /proc/1/maps: No such file or directory");
  CHECK(e.gone());
  CHECK_FALSE(e.denied());
  const Error p{0, "-Q", "", "unknown column 'x' at position 1"};
  CHECK(p.message() == "-Q: unknown column 'x' at position 1");
}

TEST_CASE("terminal_safe") {
  SUBCASE("printable text is kept, UTF-8 included") {
    CHECK(terminal_safe("posix-shm:/orders") == "posix-shm:/orders");
    CHECK(terminal_safe("caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80") == "caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80");
    CHECK(terminal_safe("a\\x0ab") == "a\\x0ab");  // a backslash in a name is text
    CHECK(terminal_safe("") == "");
  }
  SUBCASE("C0 controls and DEL") {
    CHECK(terminal_safe("\x1b[2J") == "\\x1b[2J");
    CHECK(terminal_safe("a\nREF x y") == "a\\x0aREF x y");
    CHECK(terminal_safe("\t\r\x7f") == "\\x09\\x0d\\x7f");
    CHECK(terminal_safe(std::string_view("a\0b", 3)) == "a\\x00b");
  }
  SUBCASE("C1 controls, encoded or as raw bytes") {
    CHECK(terminal_safe("\xc2\x9b" "31m") == "\\u009b31m");  // CSI
    CHECK(terminal_safe("\xc2\x85") == "\\u0085");           // NEL
    CHECK(terminal_safe("\x9b" "2J") == "\\x9b2J");
    CHECK(terminal_safe("\xc2\xa0") == "\xc2\xa0");  // U+00A0 is printable
  }
  SUBCASE("bidi controls and line separators") {
    CHECK(terminal_safe("gpj.\xe2\x80\xae" "exe") == "gpj.\\u202eexe");
    for (const char* s : {"\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac", "\xe2\x80\xad", "\xe2\x81\xa6",
                          "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9", "\xe2\x80\x8e", "\xe2\x80\x8f",
                          "\xd8\x9c", "\xe2\x80\xa8", "\xe2\x80\xa9"}) {
      const std::string out = terminal_safe(s);
      CAPTURE(out);
      CHECK(out.size() == 6);
      CHECK(out.rfind("\\u", 0) == 0);
    }
    CHECK(terminal_safe("\xe2\x80\xaf") == "\xe2\x80\xaf");  // U+202F, a space, stays
  }
  SUBCASE("bytes that are not UTF-8") {
    CHECK(terminal_safe("\xff\xfe") == "\\xff\\xfe");
    CHECK(terminal_safe("\xc3") == "\\xc3");                  // truncated
    CHECK(terminal_safe("\xc0\xaf") == "\\xc0\\xaf");         // overlong '/'
    CHECK(terminal_safe("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
    CHECK(terminal_safe("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");  // beyond U+10FFFF
    CHECK(terminal_safe("\xe2\x80") == "\\xe2\\x80");
  }
  SUBCASE("a field for awk: also space and backslash") {
    CHECK(terminal_safe("a b\\c\n", Escape::field) == "a\\x20b\\x5cc\\x0a");
    CHECK(terminal_safe("a b\\c", Escape::text) == "a b\\c");
  }
  SUBCASE("the result is safe, and append and is_terminal_safe agree") {
    std::string all;
    for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
    all += "\xe2\x80\xae\xc2\x9b\xe2\x81\xa6";
    const std::string out = terminal_safe(all);
    CHECK(is_terminal_safe(out));
    CHECK_FALSE(is_terminal_safe(all));
    CHECK(valid_utf8(out));
    for (const char c : out) CHECK(static_cast<unsigned char>(c) >= 0x20);
    std::string appended = "x";
    append_terminal_safe(appended, all);
    CHECK(appended == "x" + out);
    CHECK(is_terminal_safe("caf\xc3\xa9"));
    CHECK_FALSE(is_terminal_safe("a b", Escape::field));
  }
}

TEST_CASE("shell_quote") {
  SUBCASE("plain words stay plain") {
    CHECK(shell_quote("/run/app/ctl") == "/run/app/ctl");
    CHECK(shell_quote("sysv-shm:32769") == "sysv-shm:32769");
    CHECK(shell_quote("") == "''");
  }
  SUBCASE("printable text in single quotes") {
    CHECK(shell_quote("/tmp/a;touch PWNED;b") == "'/tmp/a;touch PWNED;b'");
    CHECK(shell_quote("it's") == "'it'\\''s'");
    CHECK(shell_quote("$(reboot)`id`") == "'$(reboot)`id`'");
    CHECK(shell_quote("caf\xc3\xa9") == "'caf\xc3\xa9'");
    CHECK(shell_quote("~x") == "'~x'");
    CHECK(shell_quote("=ls") == "'=ls'");
    CHECK(shell_quote("a=b") == "a=b");
  }
  SUBCASE("anything a terminal acts on as $'...', which stays terminal_safe") {
    CHECK(shell_quote("a\nb") == "$'a\\x0ab'");
    CHECK(shell_quote("\x1b[2J'!\\") == "$'\\x1b[2J\\'\\x21\\\\'");
    CHECK(shell_quote("x\xe2\x80\xaey") == "$'x\\xe2\\x80\\xaey'");
    CHECK(shell_quote("\xff\xfe \xc3\xa9") == "$'\\xff\\xfe \xc3\xa9'");
    for (const char* s : {"a\nb", "\x1b[2J", "x\xe2\x80\xaey", "\xff\xfe", "\xc2\x9b"})
      CHECK(is_terminal_safe(shell_quote(s)));
  }
}

TEST_CASE("UTF-8 validation and repair") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  CHECK_FALSE(valid_utf8("\xff"));
  CHECK_FALSE(valid_utf8("\xc3"));
  CHECK_FALSE(valid_utf8("\xed\xa0\x80"));
  CHECK(utf8_length("a\xc3\xa9", 0) == 1);
  CHECK(utf8_length("a\xc3\xa9", 1) == 2);
  CHECK(utf8_length("a\xc3\xa9", 2) == 0);
  CHECK(utf8_length("a", 5) == 0);
  std::size_t replaced = 0;
  CHECK(repair_utf8("/\xff\xfe" "x", &replaced) == "/\xef\xbf\xbd\xef\xbf\xbdx");
  CHECK(replaced == 2);
  CHECK(repair_utf8("caf\xc3\xa9", &replaced) == "caf\xc3\xa9");
  CHECK(replaced == 2);
  CHECK(valid_utf8(repair_utf8("\xc3\x28\xe2\x82\xf0\x90")));
}
