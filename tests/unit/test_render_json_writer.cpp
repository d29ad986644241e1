// render::JsonWriter: the one writer of every JSON document. Its layout must
// be nlohmann's (the documents were printed by nlohmann before and the tests
// parse them with it), so each case compares with nlohmann's own dump.
#include <ipcctl/render/json_writer.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include <doctest/doctest.h>

using namespace ipcctl;

namespace {

// A document with every kind of value and nesting, written by the writer.
std::string sample(bool pretty) {
  std::string out;
  render::JsonWriter w(out, pretty);
  w.begin_object();
  w.field("s", "a\"b");
  w.field("n", -3);
  w.field("u", std::uint64_t{18446744073709551615ULL});
  w.field("t", true);
  w.field("none", std::optional<int>{});
  w.field("some", std::optional<int>{7});
  w.key("empty_array").begin_array().end_array();
  w.key("empty_object").begin_object().end_object();
  w.key("list").begin_array();
  w.value(1).value("x").null();
  w.begin_object().field("k", 2.5).end_object();
  w.begin_array().value(false).end_array();
  w.end_array();
  w.end_object();
  return out;
}

nlohmann::ordered_json sample_dom() {
  using nlohmann::ordered_json;
  ordered_json j;
  j["s"] = "a\"b";
  j["n"] = -3;
  j["u"] = std::uint64_t{18446744073709551615ULL};
  j["t"] = true;
  j["none"] = nullptr;
  j["some"] = 7;
  j["empty_array"] = ordered_json::array();
  j["empty_object"] = ordered_json::object();
  j["list"] = ordered_json::array({1, "x", nullptr, ordered_json{{"k", 2.5}}, ordered_json::array({false})});
  return j;
}

std::string nlohmann_string(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string writer_string(std::string_view s) {
  std::string out;
  render::append_json_string_nlohmann(out, s);
  return out;
}

std::string writer_double(double d) {
  std::string out;
  render::JsonWriter(out).value(d);
  return out;
}

} // namespace

TEST_CASE("render::JsonWriter nests as nlohmann lays out, pretty and compact") {
  CHECK(sample(false) == sample_dom().dump());
  CHECK(sample(true) == sample_dom().dump(2));
  CHECK(sample(false) ==
        R"({"s":"a\"b","n":-3,"u":18446744073709551615,"t":true,"none":null,"some":7,)"
        R"("empty_array":[],"empty_object":{},"list":[1,"x",null,{"k":2.5},[false]]})");
  CHECK(sample(true).starts_with("{\n  \"s\": \"a\\\"b\",\n  \"n\": -3,"));
  CHECK(sample(true).find("\"list\": [\n    1,\n    \"x\",\n    null,\n    {\n      \"k\": 2.5\n    },") !=
        std::string::npos);
}

TEST_CASE("render::JsonWriter end_line starts another document (JSON Lines)") {
  std::string out;
  render::JsonWriter w(out, false);
  for (int i = 0; i < 3; ++i) w.begin_object().field("i", i).end_object().end_line();
  CHECK(out == "{\"i\":0}\n{\"i\":1}\n{\"i\":2}\n");
}

TEST_CASE("render::JsonWriter to a sink hands over every byte, in pieces past 64 KiB") {
  std::vector<std::string> pieces;
  std::string direct;
  {
    render::JsonWriter w([&](std::string_view s) { pieces.emplace_back(s); }, true);
    render::JsonWriter d(direct, true);
    w.begin_array(), d.begin_array();
    for (int i = 0; i < 5000; ++i) {
      w.begin_object().field("name", std::string(20, 'x')).field("i", i).end_object();
      d.begin_object().field("name", std::string(20, 'x')).field("i", i).end_object();
    }
    w.end_array().end_line(), d.end_array().end_line();
    CHECK(w.buffered() > 0);
    w.flush();
    CHECK(w.buffered() == 0);
  }
  std::string joined;
  for (const auto& p : pieces) joined += p;
  CHECK(pieces.size() > 1);
  CHECK(joined == direct);
  CHECK(nlohmann::json::parse(joined).size() == 5000);
}

TEST_CASE("render::JsonWriter escapes keys and strings; invalid UTF-8 becomes U+FFFD") {
  std::string out;
  render::JsonWriter w(out);
  w.begin_object().field(std::string("k\n\x01", 3), std::string("\x7f\xff\xc3\xa9\"", 5)).end_object();
  CHECK(out == "{\"k\\n\\u0001\":\"\\u007f\\ufffd\xc3\xa9\\\"\"}");
  const auto j = nlohmann::json::parse(out);
  CHECK(j.begin().key() == "k\n\x01");
  CHECK(j.begin().value() == "\x7f\xef\xbf\xbd\xc3\xa9\"");
}

TEST_CASE("render::append_json_string_nlohmann writes what nlohmann's dump writes") {
  const std::vector<std::string> cases{
      "",
      "plain",
      std::string("\b\f\n\r\t\"\\/\x01\x1f\x7f", 12),
      std::string("nul\0inside", 10),
      "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",  // é € 😀
      "\xff",                                  // never a lead byte
      "\x80\x80",                              // continuations alone
      "\xc0\xaf",                              // overlong
      "\xe0\x80\xaf",                          // overlong, rejected at its second byte
      "\xed\xa0\x80",                          // a surrogate
      "\xf4\x90\x80\x80",                      // past U+10FFFF
      "\xf5\x80",                              // no such lead byte
      "\xe2\x82",                              // cut short by the end
      "a\xe2\x82z",                            // cut short by an ASCII byte
      "\xe2\xe2\x82\xac",                      // cut short by another lead
      "\xf0\x9f\x98",                          // four-byte, cut short
      "x\xc3",                                 // lead at the end
  };
  for (const auto& s : cases) {
    CAPTURE(s);
    CHECK(writer_string(s) == nlohmann_string(s));
  }
  // Every byte pair and a sample of triples, against the same reference.
  for (int a = 0; a < 256; ++a)
    for (int b = 0; b < 256; ++b) {
      const std::string s{static_cast<char>(a), static_cast<char>(b)};
      REQUIRE(writer_string(s) == nlohmann_string(s));
      const std::string t{static_cast<char>(0xe0 | (a & 0x1f)), static_cast<char>(a), static_cast<char>(b)};
      REQUIRE(writer_string(t) == nlohmann_string(t));
    }
}

TEST_CASE("render::JsonWriter writes doubles as nlohmann does") {
  const std::vector<double> cases{0.0,     -0.0,    1.0,     12.0,    12.5,     -12.5,   0.1,     0.5,
                                  1.0 / 3, 100.0,   99.95,   1e-4,    1.5e-4,   1e-5,    1.25e-7, 1e14,
                                  1e15,    1.5e15,  1e16,    123456789012345.0, 1234567890123456.0,
                                  1e100,   -2e-300, 5e-324,  1.7976931348623157e308, 0.000123};
  for (double d : cases) {
    CAPTURE(d);
    CHECK(writer_double(d) == nlohmann::json(d).dump());
  }
  CHECK(writer_double(12.0) == "12.0");
  CHECK(writer_double(0.5) == "0.5");
  CHECK(writer_double(1e-5) == "1e-05");
  CHECK(writer_double(std::nan("")) == "null");
  CHECK(writer_double(std::numeric_limits<double>::infinity()) == "null");
}
