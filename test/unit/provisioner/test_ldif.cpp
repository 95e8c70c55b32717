// test_ldif.cpp: R-MYO-9 restore: the LDIF reader (base64, folded lines, comments, the
// line of every error) reads back what export writes, and the restore plan adds missing
// entries, updates differing ones, leaves the rest and refuses hostile files naming the
// line (a DN outside the base, an unknown object class).
#include <doctest/doctest.h>

#include "provisioner/commands.hpp"
#include "provisioner/ldif.hpp"
#include "provisioner/restore.hpp"

using namespace mailwarden;
using namespace mailwarden::provisioner;

TEST_CASE("R-MYO-9: LDIF with base64, folded lines, comments and CRLF") {
    const auto p = parse_ldif(
        "version: 1\r\n"
        "# a comment\r\n"
        "#  folded into the comment\r\n"
        "\r\n"
        "dn: uid=7000001,ou=users,dc=x\r\n"
        "cn:: 0IbQstCw0L0=\r\n"
        "description: a long value that\r\n"
        "  continues here\r\n"
        "title:\r\n"
        "objectClass: top\r\n"
        "\r\n"
        "\r\n"
        "dn:: dWlkPTcwMDAwMDIsb3U9dXNlcnMsZGM9eA==\n"
        "objectClass: top\n");
    REQUIRE(p.error.empty());
    REQUIRE(p.records.size() == 2);
    CHECK(p.records[0].line == 5);
    CHECK(p.records[0].dn == "uid=7000001,ou=users,dc=x");
    CHECK(p.records[0].attributes.at("cn") == ldap::values{"\xd0\x86\xd0\xb2\xd0\xb0\xd0\xbd"});
    CHECK(p.records[0].attributes.at("description") ==
          ldap::values{"a long value that continues here"});
    CHECK(p.records[0].attributes.at("title") == ldap::values{""});
    CHECK(p.records[0].lines.at("objectClass") == std::vector<int>{10});
    CHECK(p.records[1].dn == "uid=7000002,ou=users,dc=x");
}

TEST_CASE("R-MYO-9: hostile LDIF is refused with its line") {
    const auto error = [](std::string_view text) { return parse_ldif(text).error; };
    CHECK(error("dn: cn=a,dc=x\nchangetype: delete\n").find("line 2: changetype") == 0);
    CHECK(error("dn: cn=a,dc=x\ncn:< file:///etc/shadow\n").find("line 2:") == 0);
    CHECK(error("dn: cn=a,dc=x\ncn:: ***\n").find("line 2: the base64") == 0);
    CHECK(error("cn: a\n").find("line 1: a record must start with dn:") == 0);
    CHECK(error("dn: cn=a,dc=x\nc n: a\n").find("line 2:") == 0);
    CHECK(error("dn: cn=a,dc=x\nno colon here\n").find("line 2:") == 0);
    CHECK(error("version: 2\n").find("line 1: LDIF version") == 0);
    CHECK(error("dn: cn=a,dc=x\ndn: cn=b,dc=x\n").find("line 2: a second dn") == 0);
    CHECK(parse_ldif("dn: a\n\ndn: b\n\ndn: c\n", 2).error.find("more than 2") !=
          std::string::npos);
}

TEST_CASE("R-MYO-9: what export writes, the reader reads back") {
    ldap::entry e;
    e.dn = "uid=7000001,ou=users,dc=x";
    e.attributes = {{"cn", {"Ľubomír Šťastný", " lead"}},
                    {"description", {std::string("bin\0ary\n", 8)}},
                    {"objectClass", {"top"}}};
    const auto p = parse_ldif(to_ldif({e}));
    REQUIRE(p.error.empty());
    REQUIRE(p.records.size() == 1);
    CHECK(p.records[0].attributes.at("cn") == ldap::values{" lead", "Ľubomír Šťastný"});
    CHECK(p.records[0].attributes.at("description") == ldap::values{std::string("bin\0ary\n", 8)});
}

namespace {

const std::string base = "ou=mail,dc=x";

ldif_record record(int line, const std::string& dn, ldap::attribute_map attrs) {
    ldif_record r{line, dn, std::move(attrs), {}};
    for (const auto& [name, vals] : r.attributes)
        r.lines[name] = std::vector<int>(vals.size(), line + 1);
    return r;
}

ldap::attribute_map account(const std::string& title) {
    ldap::attribute_map a{{"objectClass", {"top", "inetOrgPerson", "mailwardenAccount"}},
                          {"uid", {"7000001"}},
                          {"cn", {"A B"}},
                          {"sn", {"B"}},
                          {"mail", {"7000001@x.example"}}};
    if (!title.empty()) a["title"] = {title};
    return a;
}

}  // namespace

TEST_CASE("R-MYO-9: restore adds what is missing, updates what differs, leaves the rest") {
    config::settings s;
    const std::string users = "ou=users," + base;
    const std::string acct = "uid=7000001," + users;
    const std::vector<ldif_record> file{
        record(2, base, {{"objectClass", {"top", "organizationalUnit"}}, {"ou", {"mail"}}}),
        record(6, acct, account("Judge")),
        record(4, users, {{"objectClass", {"top", "organizationalUnit"}}, {"ou", {"users"}}})};
    // Empty directory: three adds, parents first.
    auto plan = plan_restore(s, base, file, {});
    REQUIRE(plan.errors.empty());
    REQUIRE(plan.steps.size() == 3);
    CHECK(plan.steps[0].dn == base);
    CHECK(plan.steps[1].dn == users);
    CHECK(plan.steps[2].add);
    // The account exists with another title, a foreign attribute and a password: only the
    // title changes; the password is kept (the file has none), carLicense is not ours.
    ldap::entry now{acct, account("Clerk")};
    now.attributes["userPassword"] = {"{SSHA}x"};
    now.attributes["carLicense"] = {"AB-1"};
    now.attributes["mwAlias"] = {"a.b@x.example"};  // ours, absent from the file: removed
    ldap::entry b{base, {{"objectClass", {"top", "organizationalUnit"}}, {"ou", {"mail"}}}};
    ldap::entry u{users, {{"objectClass", {"TOP", "organizationalUnit"}}, {"ou", {"users"}}}};
    plan = plan_restore(s, base, file, {b, u, now});
    REQUIRE(plan.errors.empty());
    CHECK(plan.unchanged == 2);  // object class names compare without case
    REQUIRE(plan.steps.size() == 1);
    CHECK_FALSE(plan.steps[0].add);
    CHECK(plan.steps[0].diff.lines ==
          std::vector<std::string>{"-mwAlias: a.b@x.example", "-title: Clerk", "+title: Judge"});
    // userPassword in the file is written, and never shown.
    auto with_pw = file;
    with_pw[1].attributes["userPassword"] = {"{SSHA}y"};
    plan = plan_restore(s, base, with_pw, {b, u, now});
    REQUIRE(plan.steps.size() == 1);
    bool hidden = false;
    for (const auto& l : plan.steps[0].diff.lines) {
        CHECK(l.find("{SSHA}") == std::string::npos);
        hidden = hidden || l == "+userPassword: (hidden)";
    }
    CHECK(hidden);
}

TEST_CASE("R-MYO-9 R-PSH-1: a restored counter never goes back") {
    config::settings s;
    const std::string dn = "cn=region-7,ou=counters," + base;
    ldap::attribute_map c{{"objectClass", {"top", "mailwardenCounter"}},
                          {"cn", {"region-7"}},
                          {"mwNextNumber", {"5"}}};
    ldap::entry now{dn, c};
    now.attributes["mwNextNumber"] = {"900"};
    ldap::entry parent{"ou=counters," + base, {{"objectClass", {"organizationalUnit"}}}};
    auto plan = plan_restore(s, base, {record(2, dn, c)}, {parent, now});
    REQUIRE(plan.errors.empty());
    CHECK(plan.steps.empty());
    REQUIRE(plan.notes.size() == 1);
    CHECK(plan.notes[0].find("never goes back") != std::string::npos);
    now.attributes["mwNextNumber"] = {"2"};
    plan = plan_restore(s, base, {record(2, dn, c)}, {parent, now});
    REQUIRE(plan.steps.size() == 1);
    CHECK(plan.steps[0].diff.lines ==
          std::vector<std::string>{"-mwNextNumber: 2", "+mwNextNumber: 5"});
}

TEST_CASE("R-MYO-9: hostile records are refused before anything is written") {
    config::settings s;
    const auto errors = [&](std::vector<ldif_record> r) {
        return plan_restore(s, base, r, {}).errors;
    };
    auto e = errors({record(3, "uid=x,ou=users,dc=other", account(""))});
    REQUIRE(e.size() == 1);
    CHECK(e[0].find("line 3:") == 0);
    CHECK(e[0].find("outside ldap.base_dn") != std::string::npos);
    auto bad_class = account("");
    bad_class["objectClass"].push_back("extensibleObject");
    e = errors({record(2, base, {{"objectClass", {"organizationalUnit"}}, {"ou", {"mail"}}}),
                record(7, "ou=users," + base,
                       {{"objectClass", {"organizationalUnit"}}, {"ou", {"users"}}}),
                record(10, "uid=7000001,ou=users," + base, bad_class)});
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "line 11: objectClass 'extensibleObject' is not one mailwarden manages");
    e = errors({record(2, "not a dn", account(""))});
    CHECK(e.at(0).find("is not a DN") != std::string::npos);
    e = errors({record(2, "uid=7000001,ou=users," + base, account(""))});
    CHECK(e.at(0).find("parent") != std::string::npos);  // no ou=users anywhere
    e = errors({record(2, "uid=7000002," + base, account(""))});
    CHECK(e.at(0).find("lacks its naming value uid=7000002") != std::string::npos);
    e = errors({record(2, base, {{"ou", {"mail"}}})});
    CHECK(e.at(0).find("no objectClass") != std::string::npos);
    e = errors(
        {record(2, base, {{"objectClass", {"organizationalUnit"}}, {"ou", {"mail"}}}),
         record(5, "OU=Mail,DC=x", {{"objectClass", {"organizationalUnit"}}, {"ou", {"mail"}}})});
    CHECK(e.at(0).find("line 5:") == 0);  // the same DN twice, however spelt
}
