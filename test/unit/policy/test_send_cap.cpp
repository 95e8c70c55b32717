// test_send_cap.cpp: the R-PSH-6 decision with a fake clock: the 101st message of a day is
// refused and starts a 24-hour block, the block holds and lifts by itself, refused sends
// are not counted, the window rolls per 5-minute bucket, recipients mode, limit 0, the
// reply text says until when (UTC), and records survive encode/decode.
#include <doctest/doctest.h>

#include "core/policy/send_cap.hpp"
#include "core/util/clock.hpp"

using namespace mailwarden;
using namespace mailwarden::policy;

namespace {

std::int64_t epoch(const fake_clock& c) { return c.now().time_since_epoch().count(); }

}  // namespace

TEST_CASE("R-PSH-6: 101st message in 24h is refused and blocks sending for 24 hours") {
    fake_clock clock;  // 2027-01-15 08:00:00 UTC
    const cap_params p{};  // 100 a day, 5-minute buckets, 24-hour block
    cap_record r;
    for (int i = 1; i <= 100; ++i) {
        const auto d = apply(r, p, epoch(clock), 1);
        REQUIRE(d.outcome == cap_outcome::allowed);
        clock.advance(seconds{60});
    }
    const auto over = apply(r, p, epoch(clock), 1);
    CHECK(over.outcome == cap_outcome::over_limit);
    CHECK(over.used == 100);
    CHECK(over.blocked_until == epoch(clock) + 86400);
    const verdict v = cap_verdict(over, p);
    CHECK(v.to_smtp_string() ==
          "450 4.7.1 Sending blocked until " + format_utc(over.blocked_until) +
              ": more than 100 messages sent in the last 24 hours");
    CHECK(v.rule_id == "R-PSH-6");

    // Held for 24 hours, refused attempts not counted, even after the window emptied.
    clock.advance(seconds{86399});
    CHECK(apply(r, p, epoch(clock), 1).outcome == cap_outcome::blocked);
    CHECK(peek(r, p, epoch(clock)).used == 0);
    clock.advance(seconds{1});
    const auto lifted = apply(r, p, epoch(clock), 1);
    CHECK(lifted.outcome == cap_outcome::allowed);
    CHECK(lifted.used == 1);
    CHECK(r.blocked_until == 0);
}

TEST_CASE("R-PSH-6: the rolling window is exact to a 5-minute bucket") {
    cap_params p;
    p.limit = 2;
    p.block_duration = 0;
    const std::int64_t t0 = 1'800'000'000;  // a bucket start
    cap_record r;
    CHECK(apply(r, p, t0 + 299, 1).outcome == cap_outcome::allowed);  // bucket t0
    CHECK(apply(r, p, t0 + 300, 1).outcome == cap_outcome::allowed);  // bucket t0+300
    CHECK(apply(r, p, t0 + 86399, 1).outcome == cap_outcome::over_limit);
    CHECK(cap_verdict(apply(r, p, t0 + 86399, 1), p).to_smtp_string() ==
          "450 4.7.1 Send limit reached: 2 of 2 messages in the last 24 hours");
    // At t0 + 24h the first bucket leaves the window; the second is still in it.
    const auto d = apply(r, p, t0 + 86400, 1);
    CHECK(d.outcome == cap_outcome::allowed);
    CHECK(d.used == 2);
}

TEST_CASE("R-PSH-6: recipients mode, limit 0, boundaries of the cap") {
    cap_params p;
    p.limit = 5;
    cap_record r;
    CHECK(apply(r, p, 1000, 5).outcome == cap_outcome::allowed);  // exactly the cap
    cap_record r2;
    CHECK(apply(r2, p, 1000, 6).outcome == cap_outcome::over_limit);  // one over
    cap_record r3;
    CHECK(apply(r3, p, 1000, 0).used == 1);  // a message counts at least 1
    p.limit = 0;
    cap_record r4;
    CHECK(apply(r4, p, 1000, 1'000'000).outcome == cap_outcome::allowed);
    CHECK(r4.buckets.empty());
}

TEST_CASE("R-PSH-6: records round-trip through bytes; bad bytes are refused") {
    cap_record r;
    r.blocked_until = 1'900'000'000;
    r.buckets[1'800'000'000] = 7;
    r.buckets[-300] = 1;
    cap_record back;
    REQUIRE(decode(encode(r), back));
    CHECK(back == r);
    CHECK_FALSE(decode("", back));
    CHECK_FALSE(decode(std::string(9, 'x'), back));
    CHECK(format_utc(0) == "1970-01-01 00:00:00 UTC");
}
