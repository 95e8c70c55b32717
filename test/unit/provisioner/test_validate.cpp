// test_validate.cpp: hostile values get a message naming the field and rule, never a
// crash; JSON output escapes whatever a directory value holds.
#include <doctest/doctest.h>

#include "provisioner/context.hpp"
#include "provisioner/validate.hpp"

using namespace mailwarden::provisioner;

TEST_CASE("R-MYO-1: tenant ids") {
    CHECK(check_tenant_id("minfin").empty());
    CHECK(check_tenant_id("org-12").empty());
    for (const char* bad : {"", "-x", "MinFin", "a b", "*)(objectClass=*", "a,b", "é"}) {
        CAPTURE(bad);
        CHECK(check_tenant_id(bad).find("R-MYO-1") != std::string::npos);
    }
    CHECK_FALSE(check_tenant_id(std::string(65, 'a')).empty());
}

TEST_CASE("R-MYO-2: profile texts: clean UTF-8, bounded, no control characters") {
    CHECK(check_text("--cn", "Ľubomír Šťastný").empty());
    CHECK(check_text("--cn", "Іван Пятроў").empty());
    CHECK(check_text("--cn", "*)(uid=*").empty());  // metacharacters are data, escaped later
    CHECK(check_text("--cn", "") == "--cn is required and may not be empty");
    CHECK(check_text("--title", "", false).empty());
    CHECK(check_text("--cn", "a\nb").find("not clean UTF-8") != std::string::npos);
    CHECK(check_text("--cn", std::string("a\0b", 3)).find("not clean") != std::string::npos);
    CHECK(check_text("--cn", "\xc3\x28").find("not clean") != std::string::npos);
    CHECK(check_text("--cn", "\xed\xa0\x80").find("not clean") != std::string::npos);
    CHECK(check_text("--cn", "\xc2\x85").find("not clean") != std::string::npos);  // C1 NEL
    CHECK(check_text("--cn", " lead").find("space") != std::string::npos);
    CHECK(check_text("--cn", std::string(257, 'a')).find("256") != std::string::npos);
}

TEST_CASE("R-SAV-8: the six relationships, or none") {
    for (const char* ok : {"", "employee", "contractor", "phd-student", "project-collaborator",
                           "intern", "external-collaborator"})
        CHECK(check_relationship(ok).empty());
    for (const char* bad : {"Employee", "student", "employee ", "*"})
        CHECK(check_relationship(bad).find("R-SAV-8") != std::string::npos);
}

TEST_CASE("R-PSH-1: regions 1..7") {
    CHECK(check_region(1).empty());
    CHECK(check_region(7).empty());
    CHECK(check_region(0).find("R-PSH-1") != std::string::npos);
    CHECK(check_region(8).find("R-PSH-1") != std::string::npos);
}

TEST_CASE("provisioner: JSON strings escape quotes, backslashes and control bytes") {
    CHECK(json_string("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\n\\u0001\"");
    report r;
    r.changed = true;
    entry_report e("uid=7000001,ou=users,dc=x", "add");
    e.changes = {"+cn: \"q\""};
    r.entries.push_back(e);
    CHECK(to_json(r, false) ==
          "{\"changed\":true,\"check\":false,\"entries\":[{\"dn\":\"uid=7000001,ou=users,dc=x\","
          "\"action\":\"add\",\"changes\":[\"+cn: \\\"q\\\"\"]}],\"notes\":[]}");
}

TEST_CASE("provisioner: exit codes follow sysexits") {
    using mailwarden::ldap::make_result;
    CHECK(exit_code_for(make_result(0)) == 0);
    CHECK(exit_code_for(make_result(-1)) == 75);
    CHECK(exit_code_for(make_result(-1), true) == 69);
    CHECK(exit_code_for(make_result(49)) == 77);
    CHECK(exit_code_for(make_result(68)) == 65);
    CHECK(exit_code_for(make_result(34)) == 65);
}

TEST_CASE("R-SAV-8 R-SAV-7: the configured lists of relationships and mailbox hosts") {
    CHECK(check_relationship("intern", "intern employee").empty());
    CHECK(check_relationship("contractor", "intern employee").find("intern, employee") !=
          std::string::npos);
    CHECK(check_relationship("anything", "").empty());  // "" = any value
    CHECK(check_mailbox_host("", "savba usav unix").empty());
    CHECK(check_mailbox_host("UNIX", "savba usav unix").empty());  // host names: no case
    const std::string bad = check_mailbox_host("mail9", "savba usav unix");
    CHECK(bad.find("savba, usav, unix") != std::string::npos);
    CHECK(bad.find("R-SAV-7") != std::string::npos);
    CHECK(check_mailbox_host("any.host", "").empty());
}
