// test_syslog_line.cpp: mail-log timestamps and headers for `mailwarden trace` (R-TJP-4):
// traditional stamps get the year that keeps them at or before the file's mtime, RFC 3339
// stamps their own zone; garbage, cut and NUL-laden lines are refused, never misread.
#include <doctest/doctest.h>

#include "core/audit/syslog_line.hpp"

using namespace mailwarden::audit;

namespace {

micros utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0, int us = 0) {
    return micros_from_civil(civil_time{y, mo, d, h, mi, s, us});
}

stamp_context reference(micros t) {
    stamp_context c;
    c.reference = t;
    return c;
}

}  // namespace

TEST_CASE("R-TJP-4: civil time round trip") {
    CHECK(days_from_civil(1970, 1, 1) == 0);
    CHECK(days_from_civil(2000, 3, 1) == 11017);
    const micros t = utc(2026, 11, 22, 10, 0, 1, 123456);
    const civil_time c = civil_from_micros(t);
    CHECK(c.year == 2026);
    CHECK(c.month == 11);
    CHECK(c.day == 22);
    CHECK(c.hour == 10);
    CHECK(c.second == 1);
    CHECK(c.micro == 123456);
    CHECK(civil_from_micros(-1).year == 1969);
    CHECK(valid_date(2028, 2, 29));
    CHECK_FALSE(valid_date(2026, 2, 29));
    CHECK_FALSE(valid_date(2100, 2, 29));
    CHECK_FALSE(valid_date(2026, 4, 31));
    CHECK(format_rfc3339(t) == "2026-11-22T10:00:01Z");
    CHECK(format_rfc3339(t, 3600) == "2026-11-22T11:00:01+01:00");
    CHECK(format_rfc3339(t, -(5 * 3600 + 1800)) == "2026-11-22T04:30:01-05:30");
}

TEST_CASE("R-TJP-4: a traditional syslog line: host, program, pid, text") {
    const auto l = parse_syslog_line(
        "Nov 22 10:00:01 mx postfix/smtpd[18411]: C3044A76164: client=localhost[127.0.0.1]",
        reference(utc(2026, 11, 23)));
    REQUIRE(l);
    CHECK(l->time == utc(2026, 11, 22, 10, 0, 1));
    CHECK(l->host == "mx");
    CHECK(l->program == "postfix/smtpd");
    CHECK(l->pid == "18411");
    CHECK(l->text == "C3044A76164: client=localhost[127.0.0.1]");

    // Space-padded day, no pid (postlog without -i), a level word left in the text.
    const auto p = parse_syslog_line("Nov  2 09:08:07 mx mailwarden-milter: info: x",
                                     reference(utc(2026, 11, 23)));
    REQUIRE(p);
    CHECK(p->time == utc(2026, 11, 2, 9, 8, 7));
    CHECK(p->pid.empty());
    CHECK(p->program == "mailwarden-milter");
    CHECK(p->text == "info: x");
}

TEST_CASE("R-TJP-4: the year of a traditional stamp comes from the file's mtime") {
    // Written in January: December lines are last year's, January lines this year's.
    const stamp_context jan = reference(utc(2027, 1, 3, 12));
    CHECK(parse_syslog_line("Dec 31 23:59:59 h p[1]: t", jan)->time ==
          utc(2026, 12, 31, 23, 59, 59));
    CHECK(parse_syslog_line("Jan  3 11:00:00 h p[1]: t", jan)->time == utc(2027, 1, 3, 11));
    // A day of slack for zones and clocks, no more.
    CHECK(parse_syslog_line("Jan  4 11:00:00 h p[1]: t", jan)->time == utc(2027, 1, 4, 11));
    CHECK(parse_syslog_line("Jan  5 11:00:00 h p[1]: t", jan)->time == utc(2026, 1, 5, 11));
    // mtime just before midnight UTC, local zone already in the new year.
    stamp_context ahead = reference(utc(2026, 12, 31, 23, 30));
    ahead.local_to_utc = [](const civil_time& c) {
        return micros_from_civil(c) - 3600 * micros_per_second;  // UTC+1
    };
    CHECK(parse_syslog_line("Jan  1 00:29:00 h p[1]: t", ahead)->time == utc(2026, 12, 31, 23, 29));
    // Feb 29 goes back to the last leap year.
    CHECK(parse_syslog_line("Feb 29 10:00:00 h p[1]: t", reference(utc(2029, 3, 1)))->time ==
          utc(2028, 2, 29, 10));
}

TEST_CASE("R-TJP-4: RFC 3339 and rsyslog high-precision stamps") {
    const stamp_context any = reference(0);  // not used: the stamp has its year
    auto l = parse_syslog_line(
        "2026-11-22T10:00:01.123456+01:00 mx mailwarden-milter[7]: ABCDE12345: x", any);
    REQUIRE(l);
    CHECK(l->time == utc(2026, 11, 22, 9, 0, 1, 123456));
    CHECK(l->program == "mailwarden-milter");
    CHECK(l->text == "ABCDE12345: x");
    CHECK(parse_syslog_line("2026-11-22T10:00:01Z mx p[1]: t", any)->time ==
          utc(2026, 11, 22, 10, 0, 1));
    CHECK(parse_syslog_line("2026-11-22T10:00:01+0000 mx p[1]: t", any)->time ==
          utc(2026, 11, 22, 10, 0, 1));
    CHECK(parse_syslog_line("2026-11-22T10:00:01.5-05:30 mx p[1]: t", any)->time ==
          utc(2026, 11, 22, 15, 30, 1, 500000));
    CHECK(parse_rfc3339("2026-11-22T10:00:01.123456789Z") == utc(2026, 11, 22, 10, 0, 1, 123456));
    CHECK_FALSE(parse_rfc3339("2026-11-22T10:00:01"));   // no zone
    CHECK_FALSE(parse_rfc3339("2026-02-30T10:00:01Z"));  // no such day
    CHECK_FALSE(parse_rfc3339("2026-11-22T25:00:01Z"));
    CHECK_FALSE(parse_rfc3339("2026-11-22T10:00:01.Z"));
    CHECK_FALSE(parse_rfc3339("2026-11-22T10:00:01+24:00"));
}

TEST_CASE("R-TJP-4: garbage, cut and hostile headers are refused") {
    const stamp_context ctx = reference(utc(2026, 11, 23));
    for (std::string_view bad :
         {"", "Nov", "Nov 22 10:00:01", "Nov 22 10:00:01 ", "Nov 22 10:00:01 mx",
          "Nov 22 10:00:01 mx postfix/smtpd[12", "Nov 22 10:00:01 mx postfix/smtpd[1x]: t",
          "Foo 22 10:00:01 mx p[1]: t", "Nov 32 10:00:01 mx p[1]: t", "Nov 22 10:61:01 mx p[1]: t",
          "Nov 22 10:00:01 mx p[1] t", "\t continuation line", "2026-11-22 10:00:01 mx p[1]: t",
          "2026-11-22T10:00:01Zmx p[1]: t"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_syslog_line(bad, ctx));
    }
    // A NUL byte in the text is data (the printer sanitises it), not the end of the line.
    const std::string with_nul("Nov 22 10:00:01 mx p[1]: a\0b", 28);
    const auto l = parse_syslog_line(with_nul, ctx);
    REQUIRE(l);
    CHECK(l->text.size() == 3);
    // In the host name it is data too; in the timestamp it is not a timestamp.
    CHECK(parse_syslog_line(std::string("Nov 22 10:00:01 m\0x p[1]: t", 27), ctx));
    CHECK_FALSE(parse_syslog_line(std::string("Nov 22 1\0:00:01 mx p[1]: t", 26), ctx));
}
