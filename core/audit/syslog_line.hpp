// syslog_line.hpp: the header of one mail-log line, "<time> <host> <program>[<pid>]: <text>",
// with either timestamp a Debian host writes: traditional "Nov 22 10:00:01" (local time, no
// year: the year comes from a reference time no line of the file is later than, its mtime)
// or RFC 3339 / rsyslog high precision "2026-11-22T10:00:01.123456+01:00" (also "Z" and
// journald's "+0100"). Pure: no clock, no time zone database; the caller says how local
// time maps to UTC.
// Rules: R-TJP-4 (mailwarden trace reads the last 30 days of the mail log).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mailwarden::audit {

// Microseconds since 1970-01-01T00:00:00Z.
using micros = std::int64_t;
inline constexpr micros micros_per_second = 1'000'000;
inline constexpr micros micros_per_day = 86'400 * micros_per_second;

struct civil_time {
    int year = 1970;
    int month = 1;  // 1..12
    int day = 1;    // 1..31
    int hour = 0;
    int minute = 0;
    int second = 0;  // 0..60 (a leap second is kept as written)
    int micro = 0;
};

// Days since 1970-01-01 of a proleptic Gregorian date.
std::int64_t days_from_civil(int year, int month, int day);
// The UTC calendar time of t.
civil_time civil_from_micros(micros t);
// Reads c as UTC.
micros micros_from_civil(const civil_time& c);
bool valid_date(int year, int month, int day);

// How a traditional (zone-less, year-less) stamp becomes UTC.
struct stamp_context {
    // No line is later than this (the file's mtime); the year is the one that puts the
    // line at or before it (a December line in a file written in January is last year's).
    micros reference = 0;
    // Local calendar time -> UTC; empty: the stamps are UTC.
    std::function<micros(const civil_time&)> local_to_utc;
};

struct syslog_line {
    micros time = 0;
    std::string_view host;
    std::string_view program;  // "postfix/smtpd", "postfix-out/qmgr", "mailwarden-milter"
    std::string_view pid;      // empty when the line has none
    std::string_view text;     // after "]: " (or ": ")
};

// The header of line; nullopt when it has no recognisable timestamp, host and program
// (a truncated line, a continuation, garbage). Never throws; string views point into line.
std::optional<syslog_line> parse_syslog_line(std::string_view line, const stamp_context& ctx);

// "2026-11-22T10:00:01.123456+01:00" / "...Z" / "...+0100" -> UTC; nullopt otherwise.
// rest (when given) receives what follows the stamp.
std::optional<micros> parse_rfc3339(std::string_view text, std::string_view* rest = nullptr);

// RFC 3339 with the given offset from UTC in seconds: "2026-11-22T10:00:01+01:00"
// ("Z" for 0).
std::string format_rfc3339(micros t, int offset_seconds = 0);

}  // namespace mailwarden::audit
