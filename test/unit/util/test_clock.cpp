// test_clock.cpp: the fake clock moves only when told (basis of every time-rule test).
#include <doctest/doctest.h>

#include "core/util/clock.hpp"

using namespace mailwarden;

TEST_CASE("clock: fake clock advances exactly") {
    fake_clock c(time_point{seconds{1000}});
    CHECK(c.now().time_since_epoch() == seconds{1000});
    c.advance(seconds{24 * 3600});
    CHECK(c.now().time_since_epoch() == seconds{1000 + 86400});
    const mailwarden::clock& base = c;
    CHECK(base.now() == c.now());
}

TEST_CASE("clock: system clock is past 2020") {
    system_clock c;
    CHECK(c.now().time_since_epoch() > seconds{1'577'836'800});
}
