// test_resource.cpp: the pure parts of resources (resource.hpp): the type words, the
// profile add/ensure/modify write, and the whole entry of a new resource's mailbox.
// Rules: R-MYO-1.
#include <doctest/doctest.h>

#include "provisioner/resource.hpp"

using namespace mailwarden;
using namespace mailwarden::provisioner;

TEST_CASE("R-MYO-1: a resource is a room or equipment") {
    CHECK(check_resource_type("room").empty());
    CHECK(check_resource_type("equipment").empty());
    CHECK(check_resource_type("car").find("R-MYO-1") != std::string::npos);
    CHECK_FALSE(check_resource_type("").empty());
    CHECK_FALSE(check_resource_type("*)(x=*").empty());
}

TEST_CASE("R-MYO-1: ensure writes the whole profile, modify only what is given") {
    resource_options o;
    o.display_name = "Room 101";
    o.type = "room";
    const auto all = resource_profile(o, true);
    CHECK(all.at("cn") == ldap::values{"Room 101"});
    CHECK(all.at("sn") == ldap::values{"Room 101"});  // inetOrgPerson needs an sn
    CHECK(all.at("displayName") == ldap::values{"Room 101"});
    CHECK(all.at("mwResourceType") == ldap::values{"room"});
    CHECK(all.at("l").empty());  // absent: removed by ensure
    CHECK(all.at("description").empty());
    resource_options m;
    m.locality = "Minsk";
    const auto some = resource_profile(m, false);
    CHECK(some.size() == 1);
    CHECK(some.at("l") == ldap::values{"Minsk"});
}

TEST_CASE("R-MYO-1: a new resource is an active mailbox with the default quota") {
    config::settings s;
    s.quota.storage_bytes = 2000000000;
    s.quota.messages = 0;
    resource_options o;
    o.tenant = "minfin";
    o.display_name = "Projector";
    o.type = "equipment";
    o.description = "in room 7";
    const auto m = new_resource(s, o, "projector-1@x.example");
    CHECK(m.at("objectClass") == ldap::values{"top", "person", "organizationalPerson",
                                              "inetOrgPerson", "mailwardenAccount",
                                              "mailwardenResource"});
    CHECK(m.at("mail") == ldap::values{"projector-1@x.example"});
    CHECK(m.at("mwTenant") == ldap::values{"minfin"});
    CHECK(m.at("mwAccountStatus") == ldap::values{"active"});
    CHECK(m.at("mwResourceType") == ldap::values{"equipment"});
    CHECK(m.at("description") == ldap::values{"in room 7"});
    CHECK(m.at("mwQuotaBytes") == ldap::values{"2000000000"});
    CHECK(m.count("mwQuotaMessages") == 0);  // 0 = no limit: not written
    CHECK(m.count("l") == 0);
    CHECK(m.count("uid") == 0);  // no login, no NXXXXXX
}
