// test_size_limit.cpp: R-PSH-5 / R-SAV-4 / R-MYO-7 size decisions at the boundaries
// (limit-1, limit, limit+1, 0 = unlimited, UINT64_MAX) and the direction split.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "core/policy/size_limit.hpp"

using namespace mailwarden::policy;

TEST_CASE("R-SAV-4: size limits refuse only above the limit, 552 5.3.4") {
    constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    const std::uint64_t limit = 3'500'000;  // SAV outgoing 3.5 MB
    CHECK(check_size(limit, limit - 1, true).is_accept());
    CHECK(check_size(limit, limit, true).is_accept());
    const auto over = check_size(limit, limit + 1, true);
    CHECK(over.to_smtp_string() == "552 5.3.4 Message size exceeds fixed limit");
    CHECK(over.rule_id == "R-SAV-4");
    CHECK(check_size(0, max, false).is_accept());  // 0 = no limit
    CHECK(check_size(limit, max, false).what == action::reject);
}

TEST_CASE("R-SAV-4: outgoing and incoming limits are chosen by direction") {
    CHECK(size_limit_for(true, 3'500'000, 5'000'000) == 3'500'000);
    CHECK(size_limit_for(false, 3'500'000, 5'000'000) == 5'000'000);
}
