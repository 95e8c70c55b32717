// test_import_plan.cpp: the import decided from one read of the directory: existing
// external ids get only their differences, new rows are grouped by region, every row is
// checked before anything is written (a mailbox never moves, the tenant's limit over the
// whole file, first.last unique against the directory and the file), numbers whose login
// or any address is taken are not handed out.
// Rules: R-MYO-9, R-PSH-1, R-PSH-2, R-SAV-6, R-TJP-1.
#include <doctest/doctest.h>

#include "provisioner/import_plan.hpp"

using namespace mailwarden;
using namespace mailwarden::provisioner;

namespace {

const std::string users = "ou=users,ou=mail,dc=x";

ldap::entry account(const std::string& uid, const std::string& ext, const std::string& status,
                    const std::string& tenant = "court") {
    ldap::entry e;
    e.dn = "uid=" + uid + "," + users;
    e.attributes = {{"objectClass", {"top", "inetOrgPerson", "mailwardenAccount"}},
                    {"uid", {uid}},
                    {"cn", {"Anna Kim"}},
                    {"sn", {"Kim"}},
                    {"mail", {uid + "@new.example"}},
                    {"mwAlias", {"Anna.Kim@new.example"}},
                    {"mwAccountStatus", {status}},
                    {"mwRegion", {uid.substr(0, 1)}},
                    {"mwTenant", {tenant}}};
    if (!ext.empty()) e.attributes["mwExternalId"] = {ext};
    return e;
}

import_row row(int line, const std::string& ext, int region, const std::string& cn,
               const std::string& sn, bool alias = false) {
    import_row r;
    r.line = line;
    r.user.external_id = ext;
    r.user.region = region;
    r.user.tenant = "court";
    r.user.cn = cn;
    r.user.sn = sn;
    r.user.with_alias = alias;
    return r;
}

std::map<std::string, tenant_info> tenants(std::optional<std::uint64_t> max = std::nullopt) {
    tenant_info t;
    t.id = "court";
    t.default_domain = "new.example";
    t.domains = {"new.example", "old.example"};
    t.max_mailboxes = max;
    return {{"court", t}};
}

}  // namespace

TEST_CASE("R-MYO-9: the snapshot: accounts by external id, every address, live per tenant") {
    config::settings s;
    ldap::entry list;
    list.dn = "cn=staff,ou=lists,ou=mail,dc=x";
    list.attributes = {{"objectClass", {"groupOfNames", "mailwardenList"}},
                       {"mail", {"Staff@new.example"}},
                       {"mwExternalId", {"L-1"}}};
    ldap::entry elsewhere = account("7000009", "E-9", "active");
    elsewhere.dn = "uid=7000009,ou=resources,ou=mail,dc=x";
    const auto snap = make_snapshot(
        s, users,
        {account("7000001", "HR-1", "active"), account("7000002", "", "deleted"), list, elsewhere});
    CHECK(snap.accounts.size() == 1);  // lists and entries outside ou=users are not accounts
    CHECK(snap.accounts.contains("HR-1"));
    CHECK(snap.addresses.contains("staff@new.example"));  // lowercase, lists too
    CHECK(snap.addresses.contains("anna.kim@new.example"));
    CHECK(snap.addresses.contains("7000002@new.example"));  // tombstones reserve (R-MYO-4)
    CHECK(snap.addresses.contains("7000009@new.example"));
    CHECK(snap.live.at("court") == 1);  // the tombstone does not count (R-PSH-2)
    CHECK(snap.uids == std::set<std::string>{"7000001", "7000002"});
    // R-TJP-1: a number is free when its login and all its addresses are.
    const auto t = tenants().at("court");
    CHECK_FALSE(number_free(snap, "7000001", t));
    CHECK_FALSE(number_free(snap, "7000009", t));  // its address is someone's
    CHECK(number_free(snap, "7000003", t));
}

TEST_CASE("R-MYO-9 R-PSH-1: existing ids get their differences, new rows by region") {
    config::settings s;
    auto snap = make_snapshot(s, users, {account("7000001", "HR-1", "active")});
    auto same = row(2, "HR-1", 7, "Anna Kim", "Kim");
    auto changed = row(3, "HR-1b", 7, "Anna Kim", "Kim");
    auto fresh5 = row(4, "HR-5", 5, "Olga Kim", "Kim");
    auto fresh7 = row(5, "HR-7", 7, "Ivan Kim", "Kim");
    std::vector<import_row> rows{same, fresh5, fresh7};
    auto plan = plan_import(s, rows, tenants(), snap);
    REQUIRE(plan.errors.empty());
    REQUIRE(plan.updates.size() == 1);
    CHECK(plan.updates[0].diff.mods.empty());  // already as the row says: nothing written
    CHECK(plan.new_rows == 2);
    CHECK(plan.adds.at(5).size() == 1);
    CHECK(plan.adds.at(7).front().row->line == 5);
    // A difference is exactly what is written.
    rows = {same};
    rows[0].user.title = "Judge";
    plan = plan_import(s, rows, tenants(), snap);
    REQUIRE(plan.updates.size() == 1);
    CHECK(plan.updates[0].diff.lines == std::vector<std::string>{"+title: Judge"});
    (void)changed;
}

TEST_CASE("R-PSH-1 R-MYO-1: an existing mailbox never moves region or tenant") {
    config::settings s;
    auto snap = make_snapshot(s, users, {account("7000001", "HR-1", "active")});
    std::vector<import_row> rows{row(2, "HR-1", 5, "Anna Kim", "Kim")};
    auto plan = plan_import(s, rows, tenants(), snap);
    REQUIRE(plan.errors.size() == 1);
    CHECK(plan.errors[0].find("row 2:") == 0);
    CHECK(plan.errors[0].find("R-PSH-1") != std::string::npos);
    snap = make_snapshot(s, users, {account("7000001", "HR-1", "active", "other")});
    rows = {row(2, "HR-1", 7, "Anna Kim", "Kim")};
    plan = plan_import(s, rows, tenants(), snap);
    REQUIRE(plan.errors.size() == 1);
    CHECK(plan.errors[0].find("R-MYO-1") != std::string::npos);
}

TEST_CASE("R-PSH-2: the limit counts live mailboxes plus the whole file's new rows") {
    config::settings s;
    auto snap = make_snapshot(
        s, users, {account("7000001", "HR-1", "active"), account("7000002", "HR-2", "deleted")});
    std::vector<import_row> rows{row(2, "HR-1", 7, "Anna Kim", "Kim"), row(3, "N-1", 7, "A B", "B"),
                                 row(4, "N-2", 7, "C D", "D")};
    CHECK(plan_import(s, rows, tenants(3), snap).errors.empty());  // 1 live + 2 new
    const auto plan = plan_import(s, rows, tenants(2), snap);
    REQUIRE(plan.errors.size() == 1);
    CHECK(plan.errors[0].find("tenant 'court'") != std::string::npos);
    CHECK(plan.errors[0].find("limit of 2") != std::string::npos);
    CHECK(plan.errors[0].find("2 new would make 3") != std::string::npos);
}

TEST_CASE("R-SAV-6: first.last is unique against the directory and within the file") {
    config::settings s;
    auto snap = make_snapshot(s, users, {account("7000001", "HR-1", "deleted")});
    std::vector<import_row> rows{
        row(2, "N-1", 7, "Anna Kim", "Kim", true), row(3, "N-2", 7, "Anna Kim", "Kim", true),
        row(4, "N-3", 7, "Ľubomír Šťastný", "Šťastný", true), row(5, "N-4", 7, "!!", "??", true)};
    auto plan = plan_import(s, rows, tenants(), snap);
    REQUIRE(plan.errors.size() == 1);
    CHECK(plan.errors[0].find("row 5:") == 0);
    rows.pop_back();
    snap = make_snapshot(s, users, {account("7000001", "HR-1", "deleted")});  // afresh
    plan = plan_import(s, rows, tenants(), snap);
    REQUIRE(plan.errors.empty());
    const auto& adds = plan.adds.at(7);
    // anna.kim is a tombstone's alias: reserved (R-MYO-4).
    CHECK(adds[0].first_last == "anna.kim2@new.example");
    CHECK(adds[1].first_last == "anna.kim3@new.example");
    CHECK(adds[2].first_last == "lubomir.stastny@new.example");
    CHECK(snap.addresses.contains("anna.kim3@new.example"));
}
