#include <ipcctl/bench/runner.hpp>
#include <ipcctl/util/cpus.hpp>

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
    CHECK_FALSE(parse_size_list("7", &bad).has_value());  // below the sequence number's 8 bytes
    CHECK(bad == "7");
    CHECK_FALSE(parse_size_list("64,", &bad).has_value());
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

TEST_CASE("bench::planned_seconds and watchdog_seconds scale with the work") {
  RunSpec s;
  s.test = Test::latency;
  s.warmup = 200;
  s.duration_s = 0.3;
  CHECK(planned_seconds(s) == doctest::Approx(0.3));
  s.rate = 5;  // the duration mode under --rate: one interval more
  CHECK(planned_seconds(s) == doctest::Approx(0.5));
  s.iterations = 10;  // the warm-up is not paced: 10 round trips span 9 intervals
  CHECK(planned_seconds(s) == doctest::Approx(1.8));
  CHECK(watchdog_seconds(s, 64) > planned_seconds(s) + k_watchdog_margin_s);
  CHECK(watchdog_seconds(s, 64) < planned_seconds(s) + k_watchdog_margin_s + 1);
  s.rate = 0.01;
  s.iterations = 36;
  CHECK(watchdog_seconds(s, 64) > 3500);  // 35 intervals of 100 s
  s.rate = 0;  // a closed loop of -n: 100 us and 10 ns a byte per round trip, the warm-up's too
  s.iterations = 1'000'000;
  CHECK(planned_seconds(s) == 0);
  CHECK(watchdog_seconds(s, 64) == doctest::Approx(k_watchdog_margin_s + 1'000'200 * (100e-6 + 128 * 10e-9)));
  s.test = Test::throughput;  // never paced
  s.rate = 5;
  CHECK(planned_seconds(s) == 0);
  s.iterations = 0;
  s.warmup = 1'000'000'000;  // a long warm-up is allowed for, not cut short at 20 s
  CHECK(watchdog_seconds(s, 8) > 1e5);
}

TEST_CASE("bench::check_rate refuses measurements that cannot end in time") {
  CHECK(check_rate(0, 0, 0.3).empty());  // closed loop
  CHECK(check_rate(20000, 200, 0.3).empty());
  CHECK(check_rate(5, 10, 0.3).empty());
  CHECK(check_rate(0.01, 1, 0.3).empty());  // one round trip: nothing to wait for
  CHECK(check_rate(0.01, 37, 0.3).empty());  // 36 intervals of 100 s
  CHECK_FALSE(check_rate(0.01, 38, 0.3).empty());
  CHECK_FALSE(check_rate(5, 1'000'000'000, 0.3).empty());
  CHECK(check_rate(3.4, 0, 0.3).empty());  // the duration mode: one interval must fit
  CHECK_FALSE(check_rate(3, 0, 0.3).empty());
  const std::string why = check_rate(0.01, 0, 0.3);
  CHECK(why.find("--rate 0.01") == 0);
  CHECK(why.find('\n') == std::string::npos);
  CHECK(check_rate(0.01, 0, 3600).empty());
}

TEST_CASE("util::parse_cpu_list") {
  CHECK(parse_cpu_list("0,1") == std::vector<int>{0, 1});
  CHECK(parse_cpu_list(" 3 , 12 ") == std::vector<int>{3, 12});
  CHECK(parse_cpu_list("7") == std::vector<int>{7});
  for (const char* bad : {"", ",", "0,1,", ",0,1", "0,,1", "0, ,1", "-1,0", "+1,0", "0x1", "1.0", "a,b", "1048576",
                          "99999999999999999999999"})
    CHECK_MESSAGE(!parse_cpu_list(bad), bad);
}
