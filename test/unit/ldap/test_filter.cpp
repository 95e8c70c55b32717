// test_filter.cpp: filters are built from escaped values and validated names, so hostile
// input can never change a filter's structure (RFC 4515, style rule 18).
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "core/ldap/filter.hpp"

using namespace mailwarden::ldap;

TEST_CASE("ldap filter: values are escaped per RFC 4515") {
    struct row {
        std::string value;
        std::string escaped;
    };
    const row table[] = {
        {"alice@example.org", "alice@example.org"},
        {"", ""},
        {"*", "\\2A"},
        {")(uid=*", "\\29\\28uid=\\2A"},
        {")(|(objectClass=*", "\\29\\28|\\28objectClass=\\2A"},
        {"\\", "\\5C"},
        {"\\2A", "\\5C2A"},  // an escape sequence in the input is data, not an escape
        {std::string("a\0b", 3), "a\\00b"},
        {std::string("\0", 1), "\\00"},
        {"a,b=c", "a,b=c"},  // DN specials mean nothing in a filter
        {" lead", " lead"},
        {"trail ", "trail "},
        {"#x", "#x"},
        {"é", "\\C3\\A9"},
        {"\xff", "\\FF"},
        {"ctl\x01", "ctl\\01"},
    };
    for (const row& r : table) {
        CAPTURE(r.value);
        CHECK(escape_filter_value(r.value) == r.escaped);
    }
}

TEST_CASE("ldap filter: builders nest and keep hostile values inside one assertion") {
    CHECK(filter().text() == "(objectClass=*)");
    CHECK(eq("mail", "a@b").text() == "(mail=a@b)");
    CHECK(eq("mail", ")(|(objectClass=*").text() == "(mail=\\29\\28|\\28objectClass=\\2A)");
    CHECK(present("mail").text() == "(mail=*)");
    CHECK(not_(present("mail")).text() == "(!(mail=*))");
    CHECK(and_({eq("objectClass", "inetOrgPerson"), or_({eq("mail", "*"), eq("uid", "x")})})
              .text() == "(&(objectClass=inetOrgPerson)(|(mail=\\2A)(uid=x)))");
    CHECK(and_({eq("uid", "x")}).text() == "(&(uid=x))");
    CHECK(eq("2.5.4.3", "x").text() == "(2.5.4.3=x)");
    CHECK(eq("cn;lang-sk", "x").text() == "(cn;lang-sk=x)");
}

TEST_CASE("ldap filter: bad names, empty lists and malformed text are refused") {
    CHECK_THROWS_AS(eq("mail)(uid=*", "x"), std::invalid_argument);
    CHECK_THROWS_AS(eq("", "x"), std::invalid_argument);
    CHECK_THROWS_AS(present("ma il"), std::invalid_argument);
    CHECK_THROWS_AS(and_({}), std::invalid_argument);
    CHECK_THROWS_AS(or_({}), std::invalid_argument);

    CHECK(filter::from_text("(&(objectClass=inetOrgPerson)(!(mail=*)))").text() ==
          "(&(objectClass=inetOrgPerson)(!(mail=*)))");
    const std::string bad[] = {
        "", "mail=x", "(mail=x", "mail=x)", "(mail=x))", "((mail=x)", "(a=1)(b=2)", ")(",
        std::string("(mail=a\0b)", 10),
    };
    for (const std::string& text : bad) {
        CAPTURE(text);
        CHECK_THROWS_AS(filter::from_text(text), std::invalid_argument);
    }
}
