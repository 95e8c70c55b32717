// test_verdict.cpp: SMTP replies always carry matching basic and enhanced codes.
#include <doctest/doctest.h>

#include <stdexcept>

#include "core/policy/verdict.hpp"

using namespace mailwarden::policy;

TEST_CASE("verdict: reject and tempfail format as Postfix does") {
    auto v = reject(552, "5.3.4", "Message size exceeds fixed limit", "R-PSH-5");
    CHECK(v.to_smtp_string() == "552 5.3.4 Message size exceeds fixed limit");
    CHECK(v.rule_id == "R-PSH-5");
    CHECK_FALSE(v.is_accept());
    auto t = dependency_failure("LDAP");
    CHECK(t.what == action::tempfail);
    CHECK(t.smtp_code == 451);
    CHECK(t.enhanced_code == "4.3.0");
    CHECK(accept().is_accept());
}

TEST_CASE("verdict: mismatched or malformed codes are refused") {
    CHECK_THROWS_AS(reject(451, "4.3.0", "x"), std::invalid_argument);
    CHECK_THROWS_AS(tempfail(550, "5.7.1", "x"), std::invalid_argument);
    CHECK_THROWS_AS(reject(550, "4.7.1", "x"), std::invalid_argument);
    CHECK_THROWS_AS(reject(550, "5.7", "x"), std::invalid_argument);
    CHECK_THROWS_AS(reject(550, "5.7.1234", "x"), std::invalid_argument);
    CHECK_THROWS_AS(reject(550, "5.7.1", "two\r\nlines"), std::invalid_argument);
    CHECK(valid_enhanced_code(553, "5.7.1"));
    CHECK(valid_enhanced_code(452, "4.5.3"));
    CHECK(valid_enhanced_code(550, "5.123.999"));
    CHECK_FALSE(valid_enhanced_code(550, "5..1"));
}
