// test_entry.cpp: attribute names are validated (never escaped) and compared without case.
#include <doctest/doctest.h>

#include <string>

#include "core/ldap/entry.hpp"

using namespace mailwarden::ldap;

TEST_CASE("ldap attribute names: descr or numeric OID, with options") {
    struct row {
        std::string name;
        bool valid;
    };
    const row table[] = {
        {"mail", true},
        {"m", true},
        {"mailAlternateAddress", true},
        {"x-custom-1", true},
        {"2.5.4.3", true},
        {"0.9", true},
        {"2.25.329800735698586629295641978511506172918", true},
        {"cn;lang-sk", true},
        {"userCertificate;binary", true},
        {"cn;a;b", true},
        {"", false},
        {"1mail", false},     // a descr starts with a letter
        {"-mail", false},
        {"ma il", false},
        {"mail ", false},
        {"cn=x", false},
        {"mail)(uid=*", false},
        {"ma*l", false},
        {"mail_x", false},    // '_' is not a keychar
        {"Šťastný", false},
        {std::string("ma\0il", 5), false},
        {"2", false},         // an OID has at least two parts
        {"2.", false},
        {".2", false},
        {"2..5", false},
        {"2.05.4", false},    // no leading zeros
        {"2.5.a", false},
        {"cn;", false},
        {";x", false},
        {"cn;la ng", false},
        {"*", false},         // selectors are not names (search allows them separately)
    };
    for (const row& r : table) {
        CAPTURE(r.name);
        CHECK(is_valid_attribute_name(r.name) == r.valid);
    }
}

TEST_CASE("ldap entry: attribute lookup ignores case, single() refuses ambiguity") {
    entry e;
    e.dn = "uid=alice,dc=example,dc=org";
    e.attributes["mail"] = {"alice@example.org"};
    e.attributes["objectClass"] = {"top", "inetOrgPerson"};
    CHECK(e.get("MAIL").size() == 1);
    CHECK(e.get("objectclass").size() == 2);
    CHECK(e.get("sn").empty());
    CHECK(e.single("Mail") == std::optional<std::string>("alice@example.org"));
    CHECK_FALSE(e.single("objectClass").has_value());  // two values
    CHECK_FALSE(e.single("sn").has_value());           // none
    e.attributes["MAIL"].push_back("second@example.org");  // same key, other case
    CHECK(e.attributes.size() == 2);
    CHECK(e.get("mail").size() == 2);
}
