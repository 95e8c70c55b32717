// test_warnings.cpp: warning thresholds in bytes or percent, announced once per upward
// crossing and followed by one "back under quota" notice (R-SAV-1: warn at 25 MB).
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "core/quota/warnings.hpp"

namespace q = mailwarden::quota;

TEST_CASE("R-SAV-1: thresholds parse as sizes or percentages") {
    auto t = q::parse_threshold("25MB");
    REQUIRE(t.ok());
    CHECK(*t.value == q::threshold{false, 25'000'000});
    t = q::parse_threshold("90%");
    REQUIRE(t.ok());
    CHECK(*t.value == q::threshold{true, 90});
    for (const char* bad : {"", "0", "0%", "x", "-1%", "90 %", "%", "25M"}) {
        CAPTURE(bad);
        CHECK_FALSE(q::parse_threshold(bad).ok());
    }
    auto list = q::parse_thresholds("90%, 25MB");
    REQUIRE(list.ok());
    CHECK(list.value->size() == 2);
    CHECK_FALSE(q::parse_thresholds("90% nonsense").ok());
    CHECK(q::parse_thresholds("").value->empty());
}

TEST_CASE("R-SAV-1: percentages resolve against the limit; an unlimited limit drops them") {
    const auto list = *q::parse_thresholds("90% 25MB 100%").value;
    CHECK(q::resolve(list, 20'000'000) ==
          std::vector<std::uint64_t>{18'000'000, 20'000'000, 25'000'000});
    CHECK(q::resolve(list, 0) == std::vector<std::uint64_t>{25'000'000});
    CHECK(q::resolve(*q::parse_thresholds("25MB 25MB").value, 0).size() == 1);
}

TEST_CASE("R-SAV-1: a warning goes out once per crossing, then once back under") {
    const std::vector<std::uint64_t> th{25'000'000};
    unsigned level = 0;
    auto d = q::check_warnings(24'999'999, th, level);
    CHECK(d.send == q::notice::none);
    d = q::check_warnings(25'000'000, th, level);  // reaching it counts
    CHECK(d.send == q::notice::warning);
    CHECK(d.threshold == 25'000'000);
    level = d.level;
    d = q::check_warnings(26'000'000, th, level);  // next delivery: no second warning
    CHECK(d.send == q::notice::none);
    d = q::check_warnings(10'000'000, th, level);  // deleted: back under
    CHECK(d.send == q::notice::back_under);
    level = d.level;
    CHECK(level == 0);
    d = q::check_warnings(10'000'000, th, level);
    CHECK(d.send == q::notice::none);
    d = q::check_warnings(30'000'000, th, level);  // a new crossing warns again
    CHECK(d.send == q::notice::warning);
}

TEST_CASE("R-SAV-1: several thresholds: only the highest crossed one is announced") {
    const std::vector<std::uint64_t> th{18'000'000, 25'000'000};
    auto d = q::check_warnings(26'000'000, th, 0);
    CHECK(d.send == q::notice::warning);
    CHECK(d.threshold == 25'000'000);
    CHECK(d.level == 2);
    d = q::check_warnings(20'000'000, th, 2);  // down a level: stored silently
    CHECK(d.send == q::notice::none);
    CHECK(d.level == 1);
    d = q::check_warnings(25'000'000, th, 1);
    CHECK(d.send == q::notice::warning);
}
