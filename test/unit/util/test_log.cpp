// test_log.cpp: the logger keeps one line per event and never lets hostile text through
// unsanitised (R-TJP-4 audit lines must be trustworthy).
#include <doctest/doctest.h>

#include "core/util/log.hpp"

using namespace mailwarden;

TEST_CASE("log: sanitize replaces control characters and keeps UTF-8") {
    CHECK(log::sanitize("a\r\nb") == "a??b");
    CHECK(log::sanitize(std::string_view("a\0b", 3)) == "a?b");
    CHECK(log::sanitize("\xff\xfe") == "??");
    CHECK(log::sanitize("\xc0\xaf") == "??");            // overlong '/'
    CHECK(log::sanitize("\xed\xa0\x80") == "???");       // UTF-16 surrogate
    CHECK(log::sanitize("\xc2\x85") == "?");             // C1 NEL: one character, one ?
    const std::string stastny = "\xc5\xa0\xc5\xa5" "astn\xc3\xbd";  // Šťastný
    CHECK(log::sanitize(stastny) == stastny);
    CHECK(log::sanitize("%s%n{}") == "%s%n{}");
}

TEST_CASE("log: sanitize cuts explicitly, never mid-character") {
    CHECK(log::sanitize("abcdef", 4) == "abcd...");
    CHECK(log::sanitize("abcd", 4) == "abcd");
    CHECK(log::sanitize("ab\xc5\xa0", 3) == "ab...");
}

TEST_CASE("log: hostile values cannot start a second line or act as a format") {
    auto cap = std::make_shared<log::capture_sink>();
    log::logger lg(cap, log::level::info);
    lg.info("from={}", log::untrusted{"evil\nwarning: forged line {} %s"});
    lg.debug("not shown {}", 1);
    const auto lines = cap->lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "info: from=evil?warning: forged line {} %s");
}

TEST_CASE("log: levels parse and order") {
    log::level l{};
    CHECK(log::parse_level("warning", l));
    CHECK(l == log::level::warning);
    CHECK_FALSE(log::parse_level("WARN", l));
    CHECK(log::level::debug < log::level::error);
}
