// test_units.cpp: counts, sizes and durations parse and format exactly (core/config/units.hpp):
// the rulebooks' numbers, every unit, the uint64/int64 boundaries, each refused spelling
// with its message, and parse(format(x)) == x on boundaries and a million random values.
// Rules: R-PSH-4, R-PSH-5, R-PSH-6, R-SAV-1, R-SAV-2, R-SAV-4, R-MYO-7.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>

#include "core/config/units.hpp"

using mailwarden::config::format_duration;
using mailwarden::config::format_size;
using mailwarden::config::parse_count;
using mailwarden::config::parse_duration;
using mailwarden::config::parse_size;
using mailwarden::config::seconds;

namespace {

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();
constexpr std::int64_t s64_max = std::numeric_limits<std::int64_t>::max();

struct size_case {
    std::string_view text;
    std::uint64_t bytes;
    std::string_view canonical;  // format_size(bytes)
};

struct duration_case {
    std::string_view text;
    std::int64_t secs;
    std::string_view canonical;  // format_duration(secs)
};

struct refused {
    std::string_view text;
    std::string_view message;  // exact
};

}  // namespace

TEST_CASE("R-PSH-4 R-PSH-5 R-SAV-1 R-SAV-4: rulebook sizes parse to exact bytes and back") {
    const size_case cases[] = {
        {"2GB", 2'000'000'000, "2GB"},        // R-PSH-4 storage per mailbox
        {"2 GB", 2'000'000'000, "2GB"},       // as the rulebook writes it
        {"100MB", 100'000'000, "100MB"},      // R-PSH-5 message size
        {"100 MB", 100'000'000, "100MB"},
        {"2MB", 2'000'000, "2MB"},            // R-PSH-7 archive threshold
        {"20MB", 20'000'000, "20MB"},         // R-SAV-1 capacity
        {"25MB", 25'000'000, "25MB"},         // R-SAV-1 warning
        {"3MB", 3'000'000, "3MB"},            // R-SAV-4 outgoing, lower bound
        {"3.5MB", 3'500'000, "3.5MB"},        // R-SAV-4 outgoing
        {"3.5 MB", 3'500'000, "3.5MB"},
        {"5MB", 5'000'000, "5MB"},            // R-SAV-4 incoming
        {"2GiB", 2'147'483'648, "2GiB"},      // Dovecot's "2G"
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto r = parse_size(c.text);
        REQUIRE_MESSAGE(r.ok(), r.error);
        CHECK(*r.value == c.bytes);
        CHECK(format_size(c.bytes) == c.canonical);
        CHECK(*parse_size(format_size(c.bytes)).value == c.bytes);
    }
}

TEST_CASE("sizes: every unit, fractions and the uint64 boundaries") {
    const size_case cases[] = {
        {"0", 0, "0"},
        {"1", 1, "1"},
        {"999", 999, "999"},
        {"1B", 1, "1"},
        {"100B", 100, "100"},
        {"1KB", 1000, "1KB"},
        {"1kB", 1000, "1KB"},  // SI's own symbol
        {"1MB", 1'000'000, "1MB"},
        {"1GB", 1'000'000'000, "1GB"},
        {"1TB", 1'000'000'000'000, "1TB"},
        {"1KiB", 1024, "1KiB"},  // tie with "1024": the unit wins
        {"1MiB", 1'048'576, "1MiB"},
        {"1GiB", 1'073'741'824, "1GiB"},
        {"1TiB", 1'099'511'627'776, "1TiB"},
        {"1536", 1536, "1536"},  // "1.5KiB" is longer
        {"1.5KiB", 1536, "1536"},
        {"1.5MiB", 1'572'864, "1.5MiB"},
        {"0.5KiB", 512, "512"},
        {"0.001KB", 1, "1"},
        {"2.5KB", 2500, "2500"},  // "2.5KB" is longer
        {"3.50MB", 3'500'000, "3.5MB"},  // trailing zeros change nothing
        {"1.0B", 1, "1"},
        {"0.0009765625MiB", 1024, "1KiB"},  // 2^20 / 2^10: exact in binary
        {"1000TB", 1'000'000'000'000'000, "1000TB"},
        {"18446744073709551615", u64_max, "18446744073709551615"},
        {"18446744073709551615B", u64_max, "18446744073709551615"},
        {"18446744073.709551615GB", u64_max, "18446744073709551615"},
        {"16777215TiB", 16'777'215ULL << 40, "16777215TiB"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto r = parse_size(c.text);
        REQUIRE_MESSAGE(r.ok(), r.error);
        CHECK(*r.value == c.bytes);
        CHECK(format_size(c.bytes) == c.canonical);
    }
}

TEST_CASE("sizes: refused spellings say why") {
    const refused cases[] = {
        {"", "empty: write a size such as 100MB, 3.5MB or 2GiB"},
        {"abc", "expected a size such as 100MB, 3.5MB or 2GiB (a number and a unit), got \"abc\""},
        {"-1MB", "must not be negative, got \"-1MB\""},
        {"+1MB", "write the number without a sign, got \"+1MB\""},
        {".5MB",
         "expected a size such as 100MB, 3.5MB or 2GiB (a number and a unit), got \".5MB\""},
        {"1.MB", "\"1.MB\": a digit must follow the decimal point"},
        {"1.5B", "\"1.5B\" is not a whole number of bytes: use a smaller unit or fewer decimals"},
        {"1.5", "\"1.5\" is not a whole number of bytes: add a unit (e.g. 1.5MB)"},
        {"0.0001KB",
         "\"0.0001KB\" is not a whole number of bytes: use a smaller unit or fewer decimals"},
        {"0.00000000000000000001TB",
         "\"0.00000000000000000001TB\" is not a whole number of bytes: use a smaller unit or "
         "fewer decimals"},
        {"2G", "\"2G\" is ambiguous: write 2GB (powers of 1000) or 2GiB (powers of 1024)"},
        {"100M", "\"100M\" is ambiguous: write 100MB (powers of 1000) or 100MiB (powers of 1024)"},
        {"5k", "\"5k\" is ambiguous: write 5KB (powers of 1000) or 5KiB (powers of 1024)"},
        {"2t", "\"2t\" is ambiguous: write 2TB (powers of 1000) or 2TiB (powers of 1024)"},
        {"100mb",
         "unit \"mb\" is not accepted: units are case-sensitive (b is a bit, m is milli); "
         "write MB"},
        {"100Mb",
         "unit \"Mb\" is not accepted: units are case-sensitive (b is a bit, m is milli); "
         "write MB"},
        {"2gib",
         "unit \"gib\" is not accepted: units are case-sensitive (b is a bit, m is milli); "
         "write GiB"},
        {"1kb",
         "unit \"kb\" is not accepted: units are case-sensitive (b is a bit, m is milli); "
         "write KB"},
        {"100 megabytes",
         "unknown size unit \"megabytes\": use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, "
         "GiB, TiB (powers of 1024)"},
        {"1PB",
         "unknown size unit \"PB\": use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, "
         "TiB (powers of 1024)"},
        {"0100", "leading zero in \"0100\": write the number without it (YAML 1.1 reads 0100 "
                 "as octal 64)"},
        {"1e6", "\"1e6\" is not a size: write a number and a unit, e.g. 100MB, 3.5MB or 2GiB"},
        {"0x10", "\"0x10\" is not a size: write a number and a unit, e.g. 100MB, 3.5MB or 2GiB"},
        {"1,000", "\"1,000\" is not a size: write a number and a unit, e.g. 100MB, 3.5MB or 2GiB"},
        {"1 0MB", "\"1 0MB\" is not a size: write a number and a unit, e.g. 100MB, 3.5MB or 2GiB"},
        {" 100MB", "\" 100MB\": remove the space at the start or end"},
        {"100MB ", "\"100MB \": remove the space at the start or end"},
        {"18446744073709551616", "\"18446744073709551616\" is too large: at most "
                                 "18446744073709551615 bytes"},
        {"18446744073.709551616GB", "\"18446744073.709551616GB\" is too large: at most "
                                    "18446744073709551615 bytes"},
        {"18446744074GB", "\"18446744074GB\" is too large: at most 18446744073709551615 bytes"},
        {"16777216TiB", "\"16777216TiB\" is too large: at most 18446744073709551615 bytes"},
        {"99999999999999999999999MB",
         "\"99999999999999999999999MB\" is too large: at most 18446744073709551615 bytes"},
        {"1\nMB", "\"1?MB\" is not a size: write a number and a unit, e.g. 100MB, 3.5MB or 2GiB"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto r = parse_size(c.text);
        CHECK_FALSE(r.ok());
        CHECK(r.error == c.message);
    }
}

TEST_CASE("sizes: parse(format(x)) == x on boundaries and random values") {
    std::vector<std::uint64_t> values = {0, 1, u64_max, u64_max - 1, u64_max / 2};
    for (int bit = 0; bit < 64; ++bit) {
        const std::uint64_t p = std::uint64_t{1} << bit;
        values.insert(values.end(), {p - 1, p, p + 1});
    }
    for (std::uint64_t p = 1; p <= u64_max / 10; p *= 10)
        values.insert(values.end(), {p - 1, p, p + 1});
    std::mt19937_64 rng(20240601);
    for (int i = 0; i < 300'000; ++i) {
        const std::uint64_t raw = rng();
        values.push_back(raw >> (rng() % 64));  // every magnitude
    }
    // Values with short fractional spellings: k * unit / 2^j for a binary unit, k * unit /
    // 10^j for a decimal one ("3.5MB", "1.25GiB").
    const std::uint64_t decimal_units[] = {1000, 1'000'000, 1'000'000'000, 1'000'000'000'000};
    const std::uint64_t binary_units[] = {1024, 1ULL << 20, 1ULL << 30, 1ULL << 40};
    const std::uint64_t powers_of_ten[] = {1, 10, 100, 1000};
    for (int i = 0; i < 100'000; ++i) {
        const std::uint64_t k = rng() % 100'000;
        values.push_back(k * (decimal_units[rng() % 4] / powers_of_ten[rng() % 4]));
        values.push_back(k * (binary_units[rng() % 4] >> (rng() % 11)));
    }
    std::size_t failures = 0;
    for (std::uint64_t v : values) {
        const std::string text = format_size(v);
        const auto back = parse_size(text);
        if (!back.ok() || *back.value != v || text.size() > std::to_string(v).size()) {
            if (++failures <= 10)
                FAIL_CHECK("size " << v << " -> \"" << text << "\" -> " << back.error);
        }
    }
    CHECK(failures == 0);
}

TEST_CASE("R-PSH-6 R-SAV-2: rulebook durations parse to exact seconds and back") {
    const duration_case cases[] = {
        {"24h", 86'400, "1d"},        // R-PSH-6 block
        {"24 h", 86'400, "1d"},       // as the rulebook writes it
        {"1d", 86'400, "1d"},         // R-PSH-6 "a day"
        {"7d", 604'800, "1w"},        // R-SAV-2 grace; "1w" is as short and uses the larger unit
        {"7 d", 604'800, "1w"},
        {"30d", 2'592'000, "30d"},    // R-TJP-4 trace, R-MYO-4 deletion delay
        {"183d", 15'811'200, "183d"},  // R-SAV-3 "6 months", written in days
        {"5m", 300, "5m"},            // send-cap bucket
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto r = parse_duration(c.text);
        REQUIRE_MESSAGE(r.ok(), r.error);
        CHECK(r.value->count() == c.secs);
        CHECK(format_duration(seconds{c.secs}) == c.canonical);
        CHECK(parse_duration(format_duration(seconds{c.secs})).value->count() == c.secs);
    }
}

TEST_CASE("durations: units, compounds and the int64 boundary") {
    const duration_case cases[] = {
        {"0", 0, "0"},
        {"00", 0, "0"},
        {"0s", 0, "0"},
        {"0h0m", 0, "0"},
        {"1s", 1, "1s"},
        {"59s", 59, "59s"},
        {"60s", 60, "1m"},
        {"61s", 61, "61s"},  // "1m1s" is longer
        {"1m1s", 61, "61s"},
        {"90m", 5400, "90m"},
        {"1h30m", 5400, "90m"},
        {"1h 30m", 5400, "90m"},
        {"1h90m", 9000, "150m"},  // accepted as written; formatted normalised
        {"3599s", 3599, "3599s"},
        {"1h", 3600, "1h"},
        {"25h", 90'000, "25h"},
        {"1d1m", 86'460, "1d1m"},
        {"1d12h", 129'600, "36h"},
        {"2w", 1'209'600, "2w"},
        {"2w1d", 1'296'000, "15d"},
        {"365d", 31'536'000, "365d"},
        {"1w1d1h1m1s", 694'861, "694861s"},
        {"9223372036854775807s", s64_max, "9223372036854775807s"},
        {"15250284452471w", 15'250'284'452'471 * 604'800, "15250284452471w"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto r = parse_duration(c.text);
        REQUIRE_MESSAGE(r.ok(), r.error);
        CHECK(r.value->count() == c.secs);
        CHECK(format_duration(seconds{c.secs}) == c.canonical);
    }
}

TEST_CASE("durations: refused spellings say why") {
    const refused cases[] = {
        {"", "empty: write a duration such as 24h, 7d, 300s"},
        {"300", "\"300\" needs a unit: 24h, 7d, 300s (a bare number could mean seconds or "
                "minutes)"},
        {"1", "\"1\" needs a unit: 24h, 7d, 300s (a bare number could mean seconds or minutes)"},
        {"-1h", "must not be negative, got \"-1h\""},
        {"+1h", "\"+1h\" is not a duration: write e.g. 24h, 7d, 300s or 1h30m"},
        {"h", "\"h\" is not a duration: write e.g. 24h, 7d, 300s or 1h30m"},
        {"30m1h", "\"30m1h\": units must go from the largest to the smallest, each once "
                  "(1h30m, not 30m1h)"},
        {"1h1h", "\"1h1h\": units must go from the largest to the smallest, each once "
                 "(1h30m, not 30m1h)"},
        {"1.5h", "\"1.5h\": fractions are not accepted in durations; write 1h30m rather than "
                 "1.5h"},
        {"1h30", "\"1h30\": the last number needs a unit (s, m, h, d or w)"},
        {"1M", "unit \"M\" is ambiguous (minutes or months?): write m for minutes; months have "
               "no fixed length, write days (183d)"},
        {"6mo", "unit \"mo\" has no fixed length: write days (30d, 183d, 365d)"},
        {"1y", "unit \"y\" has no fixed length: write days (30d, 183d, 365d)"},
        {"100ms", "unit \"ms\" is below a second: durations are whole seconds"},
        {"1H", "unknown duration unit \"H\": use s, m, h, d or w (e.g. 90m, 1h30m, 7d)"},
        {"5min", "unknown duration unit \"min\": use s, m, h, d or w (e.g. 90m, 1h30m, 7d)"},
        {"2 days", "unknown duration unit \"days\": use s, m, h, d or w (e.g. 90m, 1h30m, 7d)"},
        {"1h-", "\"1h-\" is not a duration: write e.g. 24h, 7d, 300s or 1h30m"},
        {" 1h", "\" 1h\": remove the space at the start or end"},
        {"1h ", "\"1h \": remove the space at the start or end"},
        {"9223372036854775808s", "\"9223372036854775808s\" is too large: at most "
                                 "9223372036854775807s"},
        {"15250284452472w", "\"15250284452472w\" is too large: at most 9223372036854775807s"},
        {"15250284452471w1w", "\"15250284452471w1w\": units must go from the largest to the "
                              "smallest, each once (1h30m, not 30m1h)"},
        {"15250284452471w7d", "\"15250284452471w7d\" is too large: at most "
                              "9223372036854775807s"},
        {"99999999999999999999999s", "\"99999999999999999999999s\" is too large: at most "
                                     "9223372036854775807s"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto r = parse_duration(c.text);
        CHECK_FALSE(r.ok());
        CHECK(r.error == c.message);
    }
}

TEST_CASE("durations: parse(format(x)) == x on boundaries and random values") {
    std::vector<std::int64_t> values = {0, 1, s64_max, s64_max - 1};
    for (std::int64_t unit : {60LL, 3600LL, 86'400LL, 604'800LL}) {
        for (std::int64_t k : {1LL, 2LL, 7LL, 23LL, 24LL, 59LL, 60LL, 61LL, 1000LL})
            values.insert(values.end(), {k * unit - 1, k * unit, k * unit + 1});
    }
    std::mt19937_64 rng(7);
    for (int i = 0; i < 300'000; ++i) {
        values.push_back(static_cast<std::int64_t>((rng() >> 1) >> (rng() % 63)));
        // compounds: a few weeks, days, hours, minutes, and sometimes seconds
        const auto r = [&](std::uint64_t n) { return static_cast<std::int64_t>(rng() % n); };
        values.push_back(r(5) * 604'800 + r(7) * 86'400 + r(24) * 3600 + r(60) * 60 +
                         r(2) * r(60));
    }
    std::size_t failures = 0;
    for (std::int64_t v : values) {
        const std::string text = format_duration(seconds{v});
        const auto back = parse_duration(text);
        const bool no_longer_than_seconds = v == 0 || text.size() <= std::to_string(v).size() + 1;
        if (!back.ok() || back.value->count() != v || !no_longer_than_seconds) {
            if (++failures <= 10)
                FAIL_CHECK("duration " << v << " -> \"" << text << "\" -> " << back.error);
        }
    }
    CHECK(failures == 0);
}

TEST_CASE("durations: formatting a negative duration is a programming error") {
    CHECK_THROWS_AS(format_duration(seconds{-1}), std::invalid_argument);
}

TEST_CASE("R-SAV-1 R-PSH-6: counts are plain decimal whole numbers") {
    CHECK(*parse_count("0").value == 0);
    CHECK(*parse_count("100").value == 100);    // R-PSH-6 a day
    CHECK(*parse_count("5000").value == 5000);  // R-SAV-1 messages
    CHECK(*parse_count("18446744073709551615").value == u64_max);
    const refused cases[] = {
        {"", "expected a whole number, got \"\""},
        {"abc", "expected a whole number, got \"abc\""},
        {"1.5", "expected a whole number, got \"1.5\""},
        {"1e3", "expected a whole number, got \"1e3\""},
        {"0x10", "expected a whole number, got \"0x10\""},
        {" 1", "expected a whole number, got \" 1\""},
        {"-1", "must not be negative, got \"-1\""},
        {"+1", "write the number without a sign, got \"+1\""},
        {"0100", "leading zero in \"0100\": write the number without it (YAML 1.1 reads 0100 as "
                 "octal 64)"},
        {"18446744073709551616", "\"18446744073709551616\" is too large: at most "
                                 "18446744073709551615"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto r = parse_count(c.text);
        CHECK_FALSE(r.ok());
        CHECK(r.error == c.message);
    }
}
