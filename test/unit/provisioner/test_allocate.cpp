// test_allocate.cpp: the R-PSH-1 compare-and-swap allocation loop against a fake counter:
// a lost race re-reads and retries, a number is never handed out twice, the region's end
// and a broken counter are errors, other failures pass through unchanged.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "provisioner/allocate.hpp"

using namespace mailwarden;
using provisioner::allocate_next;
using provisioner::counter_ops;
using provisioner::counter_read;

namespace {

// A counter in memory; `steal` writers bump it between our read and our swap.
struct fake_counter {
    std::string value = "1";
    int steal = 0;
    int swaps = 0;
    counter_ops ops() {
        return {
            .read =
                [this] {
                    return counter_read{ldap::make_result(0), value};
                },
            .swap =
                [this](const std::string& old_value, const std::string& next_value) {
                    ++swaps;
                    if (steal > 0) {  // another provisioner wins this round
                        --steal;
                        value = std::to_string(std::stoul(value) + 1);
                    }
                    if (value != old_value) return ldap::make_result(16, "no such value");
                    value = next_value;
                    return ldap::make_result(0);
                },
            .pause = [](int) {},
        };
    }
};

}  // namespace

TEST_CASE("R-PSH-1: allocation takes the counter's value and advances it by one") {
    fake_counter c;
    c.value = "123";
    const auto got = allocate_next(mail::region::minsk_city, c.ops());
    REQUIRE(got.outcome.is_ok());
    CHECK(got.id->to_string() == "7000123");
    CHECK(c.value == "124");
    CHECK(got.attempts == 1);
}

TEST_CASE("R-PSH-1: a lost compare-and-swap re-reads and never reuses the winner's number") {
    fake_counter c;
    c.steal = 3;  // three other writers take 1, 2, 3 first
    const auto got = allocate_next(mail::region::brest, c.ops());
    REQUIRE(got.outcome.is_ok());
    CHECK(got.id->to_string() == "1000004");
    CHECK(got.attempts == 4);
    CHECK(c.value == "5");
}

TEST_CASE("R-PSH-1: consecutive allocations give distinct consecutive numbers") {
    fake_counter c;
    std::set<std::string> ids;
    for (int i = 0; i < 100; ++i) {
        c.steal = i % 3;
        const auto got = allocate_next(mail::region::gomel, c.ops());
        REQUIRE(got.outcome.is_ok());
        CHECK(ids.insert(got.id->to_string()).second);
    }
    CHECK(ids.size() == 100);
}

TEST_CASE("R-PSH-1: the region's end is an error, never a wrap to 000001") {
    fake_counter c;
    c.value = "999999";
    auto got = allocate_next(mail::region::minsk_city, c.ops());
    REQUIRE(got.outcome.is_ok());
    CHECK(got.id->to_string() == "7999999");
    got = allocate_next(mail::region::minsk_city, c.ops());
    CHECK(got.outcome.what == ldap::status::conflict);
    CHECK(got.outcome.message.find("full") != std::string::npos);
    CHECK(c.value == "1000000");
}

TEST_CASE("R-PSH-1: a counter that holds no number is refused, not guessed") {
    for (const char* bad : {"", "0", "-1", "01", "abc", "12a", "99999999"}) {
        CAPTURE(bad);
        fake_counter c;
        c.value = bad;
        const auto got = allocate_next(mail::region::minsk_city, c.ops());
        CHECK(got.outcome.what == ldap::status::invalid);
        CHECK(c.swaps == 0);
    }
}

TEST_CASE("R-PSH-1: endless contention gives up as a temporary failure") {
    fake_counter c;
    c.steal = 1000;
    const auto got = allocate_next(mail::region::minsk_city, c.ops(), 5);
    CHECK(got.outcome.what == ldap::status::temporary);
    CHECK(got.attempts == 5);
    CHECK_FALSE(got.id.has_value());
}

TEST_CASE("R-PSH-1: a read or swap failure other than a conflict is passed through") {
    fake_counter c;
    auto ops = c.ops();
    ops.read = [] { return counter_read{ldap::make_result(-1, "server down"), std::nullopt}; };
    CHECK(allocate_next(mail::region::minsk_city, ops).outcome.what == ldap::status::temporary);
    ops = c.ops();
    ops.swap = [](const std::string&, const std::string&) { return ldap::make_result(50); };
    CHECK(allocate_next(mail::region::minsk_city, ops).outcome.what == ldap::status::permission);
}

TEST_CASE("R-PSH-1: a block of K numbers costs one compare-and-swap") {
    fake_counter c;
    c.value = "41";
    const auto b = provisioner::allocate_block(mail::region::minsk_city, 10, c.ops());
    REQUIRE(b.outcome.is_ok());
    CHECK(b.first == 41);
    CHECK(b.count == 10);
    CHECK(c.value == "51");
    CHECK(c.swaps == 1);
    // Capped at max_block; a lost race re-reads and takes the numbers after the winner's.
    c.steal = 2;
    const auto big = provisioner::allocate_block(mail::region::minsk_city, 100'000, c.ops());
    REQUIRE(big.outcome.is_ok());
    CHECK(big.first == 53);
    CHECK(big.count == provisioner::max_block);
    CHECK(c.value == std::to_string(53 + provisioner::max_block));
}

TEST_CASE("R-PSH-1: a block stops at the region's end; unused numbers go back only if unseen") {
    fake_counter c;
    c.value = "999995";
    auto b = provisioner::allocate_block(mail::region::brest, 10, c.ops());
    REQUIRE(b.outcome.is_ok());
    CHECK(b.count == 5);
    CHECK(c.value == "1000000");
    CHECK(provisioner::allocate_block(mail::region::brest, 1, c.ops()).outcome.what ==
          ldap::status::conflict);
    // Give back: only when nobody took a number since.
    c.value = "100";
    b = provisioner::allocate_block(mail::region::brest, 50, c.ops());
    CHECK(provisioner::give_back(b, 20, c.ops()).is_ok());
    CHECK(c.value == "120");
    b = provisioner::allocate_block(mail::region::brest, 50, c.ops());  // 120..169
    c.value = "171";                                                    // someone took 170
    CHECK(provisioner::give_back(b, 5, c.ops()).what == ldap::status::conflict);
    CHECK(c.value == "171");                                // a gap, never a reuse
    CHECK(provisioner::give_back(b, 50, c.ops()).is_ok());  // all used: nothing to do
}
