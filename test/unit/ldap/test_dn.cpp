// test_dn.cpp: RFC 4514 DN escaping keeps every hostile value one value, and libldap's own
// parser reads back exactly what went in (style rule 18).
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "core/ldap/dn.hpp"

using namespace mailwarden::ldap;

namespace {
std::string bytes(const char* s, std::size_t n) { return std::string(s, n); }
}  // namespace

TEST_CASE("ldap dn: values are escaped per RFC 4514") {
    struct row {
        std::string value;
        std::string escaped;
    };
    const row table[] = {
        {"alice", "alice"},
        {"", ""},
        {"a,b=c", "a\\,b\\=c"},
        {"a+b", "a\\+b"},
        {"\"q\"", "\\\"q\\\""},
        {"<e>;", "\\<e\\>\\;"},
        {"back\\slash", "back\\\\slash"},
        {"a,b+c=\"d\" <e>;", "a\\,b\\+c\\=\\\"d\\\" \\<e\\>\\;"},
        {" lead", "\\ lead"},
        {"trail ", "trail\\ "},
        {" ", "\\ "},            // leading and trailing at once: one escape
        {"  ", "\\ \\ "},
        {"in side", "in side"},  // inner spaces stay
        {"#x", "\\#x"},
        {"x#", "x#"},            // '#' only matters first
        {"*", "*"},              // not special in a DN
        {")(uid=*", ")(uid\\=*"},
        {bytes("a\0b", 3), "a\\00b"},
        {bytes("\0", 1), "\\00"},
        {"tab\there", "tab\\09here"},
        {"nl\n", "nl\\0A"},
        {"del\x7f", "del\\7F"},
        {"Šťastný", "Šťastný"},   // well-formed UTF-8 kept
        {"日本", "日本"},
        {"😀", "😀"},
        {"\xff", "\\FF"},          // invalid UTF-8 bytes as hex
        {"a\xc3", "a\\C3"},        // truncated sequence
        {"\xc0\xaf", "\\C0\\AF"},  // overlong '/'
        {"\xed\xa0\x80", "\\ED\\A0\\80"},  // UTF-16 surrogate
        {"\xf4\x90\x80\x80", "\\F4\\90\\80\\80"},  // above U+10FFFF
    };
    for (const row& r : table) {
        CAPTURE(r.value);
        CHECK(escape_dn_value(r.value) == r.escaped);
    }
}

TEST_CASE("ldap dn: every hostile value round-trips through libldap's parser") {
    const std::string values[] = {
        "alice", "*", ")(uid=*", "\\", "a,b=c", " lead", "trail ", "#x", "a,b+c=\"d\" <e>;",
        bytes("nul\0inside", 10), "Šťastný", "\xff\xfe", " # ", "=", ",", "+", "ctl\x01",
    };
    for (const std::string& v : values) {
        CAPTURE(v);
        const std::string dn = make_dn({{"cn", v}, {"ou", "people"}}, "dc=example,dc=org");
        const auto parsed = parse_dn(dn);
        REQUIRE(parsed.has_value());
        REQUIRE(parsed->size() == 4);
        REQUIRE((*parsed)[0].size() == 1);
        CHECK((*parsed)[0][0].attribute == "cn");
        CHECK((*parsed)[0][0].value == v);
        CHECK((*parsed)[1][0].value == "people");
        CHECK((*parsed)[3][0].attribute == "dc");
        CHECK((*parsed)[3][0].value == "org");
    }
}

TEST_CASE("ldap dn: make_dn joins RDNs and base, bad names are bugs") {
    CHECK(make_dn({{"uid", "alice"}, {"ou", "people"}}, "dc=example,dc=org") ==
          "uid=alice,ou=people,dc=example,dc=org");
    CHECK(make_dn({{"cn", "a,b"}}, "dc=x") == "cn=a\\,b,dc=x");
    CHECK(make_dn({{"cn", "x"}}, "") == "cn=x");
    CHECK_THROWS_AS(make_dn({}, "dc=x"), std::invalid_argument);
    CHECK_THROWS_AS(make_dn({{"c n", "x"}}, "dc=x"), std::invalid_argument);
    CHECK_THROWS_AS(make_dn({{"cn=x,uid", "y"}}, "dc=x"), std::invalid_argument);
    CHECK_THROWS_AS(make_dn({{"", "y"}}, "dc=x"), std::invalid_argument);
}

TEST_CASE("ldap dn: parse_dn splits multi-valued RDNs and refuses garbage") {
    const auto p = parse_dn("cn=a\\,b+sn=c,dc=x");
    REQUIRE(p.has_value());
    REQUIRE(p->size() == 2);
    REQUIRE((*p)[0].size() == 2);
    CHECK((*p)[0][0].value == "a,b");
    CHECK((*p)[0][1].attribute == "sn");
    CHECK((*p)[0][1].value == "c");
    CHECK(parse_dn("")->empty());
    CHECK_FALSE(parse_dn("no equals sign").has_value());
    CHECK_FALSE(parse_dn("cn=a,").has_value());
    CHECK_FALSE(parse_dn("cn=a\\").has_value());
    CHECK_FALSE(parse_dn("cn=a\\zz").has_value());
    CHECK_FALSE(parse_dn(bytes("cn=a\0b", 6)).has_value());  // NUL cannot hide a suffix
    CHECK_FALSE(parse_dn("cn=#0403616263").has_value());     // BER form: not decoded
}
