// test_ldap_directory.cpp: LDAP entries -> accounts with the configured attribute names and
// status words (docs/SCHEMA.md, R-MYO-8), deleted entries as not found, and bad values
// ignored with a reason rather than trusted (R-PSH-6 override, R-TJP-2 flag); the DN and
// class values (R-PSH-3 write, classes.attribute) and the activation modify (R-PSH-3).
#include <doctest/doctest.h>

#include "milter/ldap_directory.hpp"

using namespace mailwarden;

TEST_CASE("R-PSH-3: LDAP entry to account with mapped names and status words") {
    config::settings s;
    ldap::entry e;
    e.dn = "uid=x,dc=example,dc=org";
    e.attributes["mail"] = {"7000001@example.org"};
    e.attributes["mwAlias"] = {"a@example.org", "b@example.org"};
    e.attributes["mwSendAs"] = {"office@example.org"};
    e.attributes["mwAccountStatus"] = {"pending"};
    e.attributes["mwDailySendLimit"] = {"250"};
    e.attributes["mwInternalOnly"] = {"TRUE"};
    e.attributes["mwAllowedRecipient"] = {"@partner.test"};
    std::string problem;
    const auto a = milter::to_account(e, s.attributes, s.account_status, &problem);
    REQUIRE(a);
    CHECK(problem.empty());
    CHECK(a->mail == "7000001@example.org");
    CHECK(a->aliases.size() == 2);
    CHECK(a->send_as == std::vector<std::string>{"office@example.org"});
    CHECK(a->status == policy::account_status::pending);
    CHECK(a->daily_limit == 250);
    CHECK(a->internal_only);
    CHECK(a->allowed_recipients == std::vector<std::string>{"@partner.test"});
    CHECK_FALSE(a->is_list);

    // MyOffice names and words (R-MYO-8): inetUserStatus 0 blocked.
    config::settings myo;
    myo.attributes.status = "inetUserStatus";
    myo.account_status.blocked = "0";
    ldap::entry m;
    m.attributes["mail"] = {"u@example.org"};
    m.attributes["inetUserStatus"] = {"0"};
    CHECK(milter::to_account(m, myo.attributes, myo.account_status)->status ==
          policy::account_status::blocked);

    e.attributes["mwAccountStatus"] = {"deleted"};
    CHECK_FALSE(milter::to_account(e, s.attributes, s.account_status));
}

TEST_CASE("R-PSH-6: malformed LDAP values are ignored with a reason") {
    config::settings s;
    ldap::entry e;
    e.attributes["mail"] = {"u@example.org"};
    e.attributes["mwDailySendLimit"] = {"-5"};
    e.attributes["mwInternalOnly"] = {"maybe"};
    std::string problem;
    const auto a = milter::to_account(e, s.attributes, s.account_status, &problem);
    REQUIRE(a);
    CHECK_FALSE(a->daily_limit);
    CHECK_FALSE(a->internal_only);
    CHECK(problem == "mwDailySendLimit is not a number");
}

TEST_CASE("R-PSH-5 R-PSH-3: the entry's DN and its class values reach the account") {
    config::settings s;
    ldap::entry e;
    e.dn = "uid=jan,ou=people,dc=savba,dc=sk";
    e.attributes["mail"] = {"jan@savba.sk"};
    e.attributes["employeeType"] = {"phd-student", "staff"};
    const auto none = milter::to_account(e, s.attributes, s.account_status);
    REQUIRE(none);
    CHECK(none->dn == "uid=jan,ou=people,dc=savba,dc=sk");
    CHECK(none->classes.empty());  // classes.attribute "": no classes
    const auto a = milter::to_account(e, s.attributes, s.account_status, nullptr, "employeeType");
    REQUIRE(a);
    CHECK(a->classes == std::vector<std::string>{"phd-student", "staff"});
}

TEST_CASE("R-PSH-3: an activation is delete-pending + add-active in one modify") {
    const auto changes = milter::activation_changes("inetUserStatus", "2", "1");
    REQUIRE(changes.size() == 2);
    CHECK(changes[0].op == ldap::mod_op::remove);  // rc 16 when no longer pending
    CHECK(changes[0].attribute == "inetUserStatus");
    CHECK(changes[0].vals == ldap::values{"2"});
    CHECK(changes[1].op == ldap::mod_op::add);
    CHECK(changes[1].vals == ldap::values{"1"});
}
