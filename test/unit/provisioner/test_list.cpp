// test_list.cpp: the pure decisions of distribution lists (list.hpp): the address of a new
// list (tenant domains, plain local parts, hostile text refused), outside member addresses,
// the policy words, the member values of a groupOfNames (the empty-DN placeholder) and
// member changes as one modify, and the whole wanted state of a list.
// Rules: R-MYO-1, R-MYO-6.
#include <doctest/doctest.h>

#include "provisioner/list.hpp"

using namespace mailwarden;
using namespace mailwarden::provisioner;

namespace {

tenant_info minfin() {
    tenant_info t;
    t.id = "minfin";
    t.default_domain = "new.example";
    t.domains = {"new.example", "old.example", "xn--e1afmkfd.xn--p1ai"};
    return t;
}

std::string address_of(std::string_view given) {
    std::string error;
    const std::string a = new_group_address(given, minfin(), error);
    CHECK(a.empty() == !error.empty());
    return a.empty() ? "error: " + error : a;
}

}  // namespace

TEST_CASE("R-MYO-1: a list address is in a domain of its tenant, the default for a local part") {
    CHECK(address_of("all-staff") == "all-staff@new.example");
    CHECK(address_of("All.Staff@OLD.example") == "all.staff@old.example");
    CHECK(address_of("room_101@Пример.РФ") == "room_101@xn--e1afmkfd.xn--p1ai");
    CHECK(address_of("x@other.example") ==
          "error: other.example is not a domain of tenant minfin (R-MYO-1)");
}

TEST_CASE("R-MYO-6: hostile or unreadable list addresses are refused, never escaped") {
    for (const char* bad :
         {"*)(mail=*", "a,b=c", "a+b", "\"a b\"", ".a", "a.", "a..b", "a-", "", "@new.example",
          "ivan\xd0\xb8", "a@b@new.example", "a\nb", "a@-bad-.example"}) {
        CAPTURE(bad);
        CHECK(address_of(bad).starts_with("error: "));
    }
}

TEST_CASE("R-MYO-6: outside member addresses are normalised; other text is not one") {
    CHECK(member_address("Partner@Outside.Example") == "partner@outside.example");
    CHECK(member_address("a.b-c@xn--e1afmkfd.xn--p1ai") == "a.b-c@xn--e1afmkfd.xn--p1ai");
    for (const char* bad :
         {"7000001", "@x.example", "a b@x.example", "a@[127.0.0.1]", "a@", "*)(uid=*"}) {
        CAPTURE(bad);
        CHECK_FALSE(member_address(bad).has_value());
    }
}

TEST_CASE("R-MYO-6: the list policy is internal or open") {
    CHECK(check_list_policy("internal").empty());
    CHECK(check_list_policy("open").empty());
    CHECK(check_list_policy("public").find("R-MYO-6") != std::string::npos);
    CHECK_FALSE(check_list_policy("").empty());
    CHECK_FALSE(check_list_policy("Open").empty());  // the milter compares "open" only
}

TEST_CASE("R-MYO-6: an empty groupOfNames holds the empty DN, which is no member") {
    CHECK(member_values({}) == ldap::values{""});
    CHECK(member_values({"uid=1,ou=users"}) == ldap::values{"uid=1,ou=users"});
    CHECK(real_members({""}).empty());
    CHECK(real_members({"uid=1", "", "uid=2"}) == ldap::values{"uid=1", "uid=2"});
}

TEST_CASE("R-MYO-6: the first member replaces the placeholder in the same modify") {
    const auto c = change_values("member", {""}, {"uid=1,ou=users"}, {}, true);
    REQUIRE(c.mods.size() == 2);
    CHECK(c.mods[0].op == ldap::mod_op::add);
    CHECK(c.mods[0].vals == ldap::values{"uid=1,ou=users"});
    CHECK(c.mods[1].op == ldap::mod_op::remove);
    CHECK(c.mods[1].vals == ldap::values{""});
    CHECK(c.lines == std::vector<std::string>{"+member: uid=1,ou=users", "-member: "});
}

TEST_CASE("R-MYO-6: removing the last member brings the placeholder back") {
    const auto c = change_values("member", {"uid=1,ou=users"}, {}, {"UID=1,OU=users"}, true);
    REQUIRE(c.mods.size() == 2);
    CHECK(c.mods[0].op == ldap::mod_op::add);
    CHECK(c.mods[0].vals == ldap::values{""});
    CHECK(c.mods[1].op == ldap::mod_op::remove);
    CHECK(c.mods[1].vals == ldap::values{"uid=1,ou=users"});  // the stored spelling
    const auto some = change_values("member", {"uid=1", "uid=2"}, {}, {"uid=1"}, true);
    REQUIRE(some.mods.size() == 1);
    CHECK(some.mods[0].op == ldap::mod_op::remove);
}

TEST_CASE("R-MYO-9: members already in (or out) change nothing; duplicates count once") {
    CHECK(change_values("member", {"uid=1"}, {"UID=1"}, {}, true).mods.empty());
    CHECK(change_values("member", {"uid=1"}, {}, {"uid=2"}, true).mods.empty());
    CHECK(change_values("member", {""}, {}, {"uid=2"}, true).mods.empty());
    const auto c = change_values("mwExternalMember", {}, {"a@x", "A@x"}, {}, false);
    REQUIRE(c.mods.size() == 1);
    CHECK(c.mods[0].vals == ldap::values{"a@x"});
    // Outside members have no placeholder: the last one simply goes.
    const auto gone = change_values("mwExternalMember", {"a@x"}, {}, {"a@x"}, false);
    REQUIRE(gone.mods.size() == 1);
    CHECK(gone.mods[0].op == ldap::mod_op::remove);
}

TEST_CASE("R-MYO-6: a list is internal by default and carries its members and tenant") {
    const config::attribute_settings a;
    list_state s;
    s.tenant = "minfin";
    s.address = "all@new.example";
    auto m = list_attributes(a, s);
    CHECK(m["mwListPolicy"] == ldap::values{"internal"});
    CHECK(m["cn"] == ldap::values{"all@new.example"});  // groupOfNames needs a cn
    CHECK(m["displayName"].empty());
    CHECK(m["member"] == ldap::values{""});
    CHECK(m["mwTenant"] == ldap::values{"minfin"});
    CHECK(m["mail"] == ldap::values{"all@new.example"});
    s.display_name = "All staff";
    s.policy = "open";
    s.member_dns = {"uid=1"};
    s.external = {"p@outside.example"};
    s.owner_dns = {"uid=2"};
    m = list_attributes(a, s);
    CHECK(m["cn"] == ldap::values{"All staff"});
    CHECK(m["displayName"] == ldap::values{"All staff"});
    CHECK(m["mwListPolicy"] == ldap::values{"open"});
    CHECK(m["member"] == ldap::values{"uid=1"});
    CHECK(m["mwExternalMember"] == ldap::values{"p@outside.example"});
    CHECK(m["owner"] == ldap::values{"uid=2"});
}

TEST_CASE("R-MYO-8: a list uses the configured attribute names") {
    config::attribute_settings a;
    a.mail = "mailPrimaryAddress";
    a.tenant = "tenant-id";
    a.list_policy = "accessTo";
    list_state s;
    s.tenant = "t";
    s.address = "l@x";
    const auto m = list_attributes(a, s);
    CHECK(m.count("mailPrimaryAddress") == 1);
    CHECK(m.count("tenant-id") == 1);
    CHECK(m.count("accessTo") == 1);
    CHECK(m.count("mail") == 0);
}
