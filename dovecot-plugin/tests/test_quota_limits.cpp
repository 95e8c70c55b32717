// test_quota_limits.cpp: the plugin's limit parsers accept the project's size and count
// syntax exactly (core/config/units.hpp), refuse everything else with a reason, and never
// overflow or truncate (R-PSH-4 2 GB, R-SAV-1 20 MB / 5000 messages, R-MYO-8 bytes from
// LDAP, 0 = unlimited).
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "core/config/config.hpp"
#include "dovecot-plugin/quota_limits.hpp"

namespace qp = mailwarden::quota_plugin;

namespace {
constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();
}

TEST_CASE("quota limits: defaults are the configuration's defaults") {
    const mailwarden::config::quota_settings cfg{};
    const qp::limits d = qp::default_limits();
    CHECK(d.storage_bytes == cfg.storage_bytes);
    CHECK(d.messages == cfg.messages);
}

TEST_CASE("R-PSH-4 R-SAV-1 R-MYO-8: storage limits parse exactly") {
    struct row {
        const char* text;
        std::uint64_t bytes;
    };
    const row rows[] = {
        {"0", 0},                             // unlimited
        {"2000000000", 2'000'000'000},        // R-MYO-8: bytes from LDAP
        {"2GB", 2'000'000'000},               // R-PSH-4
        {"20MB", 20'000'000},                 // R-SAV-1
        {"25MB", 25'000'000},                 // R-SAV-1 warning level
        {"3.5MB", 3'500'000},
        {"1KiB", 1024},
        {"2GiB", 2'147'483'648},
        {"1.5KiB", 1536},
        {"18446744073709551615", u64_max},    // max uint64
        {"18446744073709551614", u64_max - 1},
    };
    for (const row& r : rows) {
        CAPTURE(r.text);
        const qp::parse_result p = qp::parse_storage_limit(r.text);
        REQUIRE(p.ok());
        CHECK(*p.value == r.bytes);
    }
}

TEST_CASE("storage limits: malformed text is refused with a reason") {
    const std::string rows[] = {
        "",
        "garbage",
        "20M",                       // ambiguous: 10^6 or 2^20?
        "20XB",
        "-1",
        "1.5",                       // not a whole number of bytes
        "18446744073709551616",      // max uint64 + 1
        "18446744073709551615KB",
        std::string("20\0MB", 5),
        "20MB\nwarning: forged",
    };
    for (const std::string& text : rows) {
        CAPTURE(text);
        const qp::parse_result p = qp::parse_storage_limit(text);
        CHECK_FALSE(p.ok());
        CHECK_FALSE(p.error.empty());
        // hostile text never reaches a log line raw
        CHECK(p.error.find('\n') == std::string::npos);
        CHECK(p.error.find('\0') == std::string::npos);
    }
}

TEST_CASE("quota limits: overlong values are refused, never cut") {
    // 65 digits: cutting to 64 would still be "a number"; it must be an error instead
    const std::string long_digits(qp::max_limit_text + 1, '1');
    for (const auto& p : {qp::parse_storage_limit(long_digits),
                          qp::parse_message_limit(long_digits)}) {
        CHECK_FALSE(p.ok());
        CHECK(p.error.find("too long") != std::string::npos);
        CHECK(p.error.find(long_digits) == std::string::npos);
    }
    // 64 bytes is not too long (it fails for another reason: a space is no digit)
    const std::string at_limit = std::string(qp::max_limit_text - 1, ' ') + "1";
    CHECK(qp::parse_storage_limit(at_limit).error.find("too long") == std::string::npos);
}

TEST_CASE("R-SAV-1: message limits are plain counts") {
    struct row {
        const char* text;
        std::uint64_t count;
    };
    const row rows[] = {
        {"5000", 5000}, {"4999", 4999}, {"5001", 5001}, {"0", 0},
        {"18446744073709551615", u64_max},
    };
    for (const row& r : rows) {
        CAPTURE(r.text);
        const qp::parse_result p = qp::parse_message_limit(r.text);
        REQUIRE(p.ok());
        CHECK(*p.value == r.count);
    }
    for (const char* bad : {"", "5k", "-1", "+5", " 5", "5 ", "5000messages", "0x10",
                            "18446744073709551616", "1e3", "1.5"}) {
        CAPTURE(bad);
        const qp::parse_result p = qp::parse_message_limit(bad);
        CHECK_FALSE(p.ok());
        CHECK_FALSE(p.error.empty());
    }
}
