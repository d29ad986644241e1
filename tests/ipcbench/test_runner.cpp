#include <ipcctl/bench/runner.hpp>

#include <doctest/doctest.h>

#include <vector>

using namespace ipcctl;
using namespace ipcctl::bench;

TEST_CASE("bench::parse_size_list") {
  SUBCASE("units") {
    const auto sizes = parse_size_list("64,4K,64K,1M");
    REQUIRE(sizes.has_value());
    CHECK(*sizes == std::vector<std::size_t>{64, 4096, 65536, 1048576});
    CHECK(parse_size_list(" 8 , 2k ") == std::vector<std::size_t>{8, 2048});
  }
  SUBCASE("junk names the word") {
    std::string bad;
    CHECK_FALSE(parse_size_list("64,12Q", &bad).has_value());
    CHECK(bad == "12Q");
    CHECK_FALSE(parse_size_list("64,,4K", &bad).has_value());
    CHECK(bad.empty());
    CHECK_FALSE(parse_size_list("0", &bad).has_value());
    CHECK_FALSE(parse_size_list("-64").has_value());
    CHECK_FALSE(parse_size_list("").has_value());
  }
  SUBCASE("at most k_max_message") {
    std::string bad;
    CHECK(parse_size_list("64M") == std::vector<std::size_t>{k_max_message});
    CHECK_FALSE(parse_size_list("4K,65M", &bad).has_value());
    CHECK(bad == "65M");
    CHECK_FALSE(parse_size_list("1T").has_value());
    CHECK_FALSE(parse_size_list("99999999999999999999999").has_value());
  }
}

TEST_CASE("bench::format_size") {
  CHECK(format_size(64) == "64B");
  CHECK(format_size(4096) == "4K");
  CHECK(format_size(65536) == "64K");
  CHECK(format_size(65507) == "65507B");
  CHECK(format_size(1 << 20) == "1M");
  CHECK(format_size(std::size_t{3} << 30) == "3G");
}

TEST_CASE("bench::message layout") {
  std::vector<std::byte> m(256);
  fill_message(m.data(), m.size(), 12345);
  CHECK(message_seq(m.data()) == 12345);
  CHECK(message_intact(m.data(), m.size()));
  m[200] ^= std::byte{1};
  CHECK_FALSE(message_intact(m.data(), m.size()));
  std::vector<std::byte> tiny(8);
  fill_message(tiny.data(), tiny.size(), 7);
  CHECK(message_seq(tiny.data()) == 7);
  CHECK(message_intact(tiny.data(), tiny.size()));
}

namespace {

class Limited : public Transport {
public:
  Limited(std::size_t max, std::size_t fixed) : m_max(max), m_fixed(fixed) {}
  std::size_t max_size() const override { return m_max; }
  std::string max_size_source() const override { return "test.limit"; }
  std::size_t fixed_size() const override { return m_fixed; }
  Result<void> setup(const ChannelOptions&) override { return {}; }
  Result<void> attach(Side, pid_t) override { return {}; }
  Result<void> send(const std::byte*, std::size_t) override { return {}; }
  Result<void> recv(std::byte*, std::size_t) override { return {}; }

private:
  std::size_t m_max, m_fixed;
};

} // namespace

TEST_CASE("bench::effective_size states every cap") {
  std::string note;
  CHECK(effective_size(Limited(0, 0), 65536, note) == 65536);
  CHECK(note.empty());
  CHECK(effective_size(Limited(8192, 0), 65536, note) == 8192);
  CHECK(note == "capped at 8K (test.limit is 8192 bytes)");
  note.clear();
  CHECK(effective_size(Limited(8, 8), 64, note) == 8);
  CHECK(note.find("8 bytes only") != std::string::npos);
  note.clear();
  CHECK(effective_size(Limited(0, 0), 4, note) == 8);
  CHECK_FALSE(note.empty());
}
