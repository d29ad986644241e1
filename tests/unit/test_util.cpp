#include <ipcctl/util/error.hpp>
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
