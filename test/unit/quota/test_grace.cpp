// test_grace.cpp: the grace period of R-SAV-2 as a state machine driven by a fake clock:
// over the soft limit deliveries continue for the grace, then stop until usage is back under
// the soft limit, which resets the grace; the hard ceiling is never passed; no grace = stock
// enforcement (R-SAV-1 20 MB / 5000 messages, R-PSH-4 2 GB).
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "core/quota/grace.hpp"
#include "core/util/clock.hpp"

namespace q = mailwarden::quota;
using mailwarden::fake_clock;
using mailwarden::seconds;

namespace {
constexpr std::uint64_t mb = 1'000'000;
constexpr seconds day{86400};
q::grace_policy sav() {
    q::grace_policy p;
    p.soft = {20 * mb, 5000};
    p.hard = {30 * mb, 0};
    p.grace = 7 * day;
    return p;
}
}  // namespace

TEST_CASE("R-SAV-1: without grace the delivery that crosses either limit is refused") {
    q::grace_policy p;
    p.soft = {20 * mb, 5000};
    q::grace_state st;
    fake_clock clk;
    struct row {
        q::usage current, incoming;
        q::verdict expect;
    } rows[] = {
        {{20 * mb - 100, 10}, {100, 1}, q::verdict::allow},              // exactly at the limit
        {{20 * mb - 100, 10}, {101, 1}, q::verdict::refuse_over_quota},  // one byte over
        {{1000, 4999}, {10, 1}, q::verdict::allow},                      // 5000th message
        {{1000, 5000}, {10, 1}, q::verdict::refuse_over_quota},          // 5001st message
    };
    for (const auto& r : rows) {
        const auto d = q::decide(p, st, r.current, r.incoming, clk.now());
        CHECK(d.result == r.expect);
        CHECK_FALSE(d.state_changed);
    }
    CHECK_FALSE(st.over_since);
}

TEST_CASE("R-PSH-4 R-MYO-8: 0 is unlimited, 2 GB is a limit") {
    q::grace_state st;
    fake_clock clk;
    q::grace_policy unlimited;
    const auto huge = std::numeric_limits<std::uint64_t>::max();
    CHECK(q::decide(unlimited, st, {huge - 1, huge - 1}, {huge, 1}, clk.now()).result ==
          q::verdict::allow);
    q::grace_policy psh;
    psh.soft = {2'000'000'000, 0};
    CHECK(q::decide(psh, st, {1'999'999'000, 1}, {1000, 1}, clk.now()).result == q::verdict::allow);
    CHECK(q::decide(psh, st, {1'999'999'000, 1}, {1001, 1}, clk.now()).result ==
          q::verdict::refuse_over_quota);
}

TEST_CASE("R-SAV-2: grace lets mail in for 7 days, then refuses until under the soft limit") {
    const auto p = sav();
    q::grace_state st;
    fake_clock clk;
    const auto start = clk.now();

    // crossing the soft limit starts the grace
    auto d = q::decide(p, st, {19 * mb, 10}, {2 * mb, 1}, clk.now());
    CHECK(d.result == q::verdict::allow_in_grace);
    CHECK(d.state_changed);
    REQUIRE(st.over_since);
    CHECK(*st.over_since == start);
    REQUIRE(d.grace_end);
    CHECK(*d.grace_end == start + 7 * day);

    // later deliveries during the grace: allowed, nothing to persist
    clk.advance(7 * day - seconds{1});
    d = q::decide(p, st, {21 * mb, 11}, {mb, 1}, clk.now());
    CHECK(d.result == q::verdict::allow_in_grace);
    CHECK_FALSE(d.state_changed);

    // the grace has run out: refused, the start stays
    clk.advance(seconds{1});
    d = q::decide(p, st, {22 * mb, 12}, {1, 1}, clk.now());
    CHECK(d.result == q::verdict::refuse_grace_expired);
    CHECK(*st.over_since == start);

    // deleting down to the soft limit (not under it by a delivery that crosses again)
    d = q::decide(p, st, {20 * mb, 12}, {0, 0}, clk.now());
    CHECK(d.result == q::verdict::allow);
    CHECK(d.state_changed);
    CHECK_FALSE(st.over_since);

    // a new crossing starts a new, full grace
    clk.advance(day);
    d = q::decide(p, st, {20 * mb, 12}, {1, 1}, clk.now());
    CHECK(d.result == q::verdict::allow_in_grace);
    CHECK(*st.over_since == start + 8 * day);
}

TEST_CASE("R-SAV-2: the hard ceiling is never passed, even during the grace") {
    const auto p = sav();
    q::grace_state st;
    fake_clock clk;
    CHECK(q::decide(p, st, {29 * mb, 1}, {mb, 1}, clk.now()).result == q::verdict::allow_in_grace);
    CHECK(q::decide(p, st, {29 * mb, 1}, {mb + 1, 1}, clk.now()).result ==
          q::verdict::refuse_hard_limit);
    // the message count has no hard ceiling here: only the grace bounds it
    CHECK(q::decide(p, st, {mb, 9000}, {1, 1}, clk.now()).result == q::verdict::allow_in_grace);
}

TEST_CASE("R-SAV-2: a limit lowered under existing mail starts the grace at first sight") {
    const auto p = sav();
    q::grace_state st;
    fake_clock clk;
    const auto d = q::decide(p, st, {25 * mb, 1}, {1, 1}, clk.now());
    CHECK(d.result == q::verdict::allow_in_grace);
    CHECK(st.over_since == clk.now());
}

TEST_CASE("R-SAV-2: percent_of gives the hard ceiling without overflow") {
    CHECK(q::percent_of(20'000'000, 150) == 30'000'000);
    CHECK(q::percent_of(0, 150) == 0);
    CHECK(q::percent_of(20'000'000, 50) == 20'000'000);  // never below the soft limit
    CHECK(q::percent_of(std::numeric_limits<std::uint64_t>::max(), 200) ==
          std::numeric_limits<std::uint64_t>::max());
    CHECK(q::percent_of(199, 150) == 298);
}
