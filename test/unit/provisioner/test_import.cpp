// test_import.cpp: R-MYO-9 import rows from CSV and YAML: quoting, every bad row reported
// with its row number and rule, duplicates of the external id; deterministic LDIF export.
#include <doctest/doctest.h>

#include "provisioner/commands.hpp"
#include "provisioner/import_rows.hpp"

using namespace mailwarden;
using namespace mailwarden::provisioner;

TEST_CASE("R-MYO-9: CSV rows with quotes, commas and newlines inside quotes") {
    const auto p = parse_import_csv(
        "external_id,region,tenant,cn,sn,title,quota_bytes,alias\r\n"
        "HR-1,7,minfin,\"Petrov, Ivan\",Petrov,\"says \"\"hi\"\"\",20000000,yes\r\n"
        "\n"
        "HR-2,1,minfin,Anna Kim,Kim,\"two, parts\",,no\n");
    REQUIRE(p.errors.empty());
    REQUIRE(p.rows.size() == 2);
    CHECK(p.rows[0].line == 2);
    CHECK(p.rows[0].user.cn == "Petrov, Ivan");
    CHECK(p.rows[0].user.title == "says \"hi\"");
    CHECK(p.rows[0].user.quota_bytes == std::optional<std::uint64_t>(20'000'000));
    CHECK(p.rows[0].user.with_alias);
    CHECK(p.rows[1].line == 4);
    CHECK(p.rows[1].user.region == 1);
    CHECK_FALSE(p.rows[1].user.quota_bytes.has_value());
    CHECK(p.rows[1].user.title == "two, parts");
    // A newline inside quotes is parsed, and then refused as a control character.
    const auto nl = parse_import_csv("external_id,region,tenant,cn,sn\nX,7,t,\"a\nb\",c\n");
    CHECK(nl.errors ==
          std::vector<std::string>{"row 2: cn 'a?b' is not clean UTF-8 text (control characters or "
                                   "invalid bytes) (R-MYO-2)"});
}

TEST_CASE("R-MYO-9: every bad row is reported with its row number and rule") {
    const auto p = parse_import_csv(
        "external_id,region,tenant,cn,sn\n"
        "HR-1,9,minfin,A,B\n"
        "HR-2,7,Bad Tenant,A,B\n"
        "HR-3,7,minfin,,B\n"
        "HR-4,7,minfin,A\n"
        "HR-1,7,minfin,A,B\n"
        "HR-6,7,minfin,A,B\n"
        "HR-6,7,minfin,A,B\n");
    CHECK(p.errors == std::vector<std::string>{
                          "row 2: region: '9' is unknown: regions are 1..7 (R-PSH-1)",
                          "row 3: tenant id 'Bad Tenant' is not valid: 1..64 of a-z, 0-9 and "
                          "'-', not starting with '-' (R-MYO-1)",
                          "row 4: cn is required and may not be empty (R-MYO-2)",
                          "row 5: 4 fields, the header has 5",
                          "row 8: external_id 'HR-6' repeats row 7 (R-MYO-9)"});
}

TEST_CASE("R-MYO-9: hostile CSV: unknown columns, stray quotes, unclosed quotes") {
    CHECK(parse_import_csv("external_id,region,tenant,cn,sn,evil\nX,7,t,A,B,1\n").errors ==
          std::vector<std::string>{"row 2: unknown column 'evil'"});
    CHECK(parse_import_csv("a\nx\"y\n").errors ==
          std::vector<std::string>{"row 2: a quote inside an unquoted field"});
    CHECK(parse_import_csv("a\n\"open\n").errors ==
          std::vector<std::string>{"row 2: a quoted field is not closed"});
    CHECK(parse_import_csv("").errors ==
          std::vector<std::string>{"the file is empty: it needs a header row"});
    CHECK(parse_import_csv("external_id,region,tenant,cn,sn\nA,7,t,x,y\nB,7,t,x,y\n", 1).errors ==
          std::vector<std::string>{"more than 1 rows"});
}

TEST_CASE("R-MYO-9: YAML rows") {
    const auto p = parse_import_yaml(
        "- {external_id: HR-1, region: 7, tenant: minfin, cn: Ivan Petrov, sn: Petrov}\n"
        "- {external_id: HR-2, region: 8, tenant: minfin, cn: A, sn: B}\n"
        "- [not, a, map]\n"
        "- {external_id: HR-4, region: 7, tenant: minfin, cn: {x: 1}, sn: B}\n");
    REQUIRE(p.rows.size() == 1);
    CHECK(p.rows[0].user.cn == "Ivan Petrov");
    CHECK(p.errors ==
          std::vector<std::string>{"row 2: region: '8' is unknown: regions are 1..7 (R-PSH-1)",
                                   "row 3: not a mapping", "row 4: cn: not a single value"});
    CHECK(parse_import_yaml("a: [").errors.size() == 1);
    CHECK(parse_import_yaml("a: 1").errors ==
          std::vector<std::string>{"YAML: the document must be a list of accounts"});
}

TEST_CASE("R-MYO-9: LDIF export is deterministic and base64-encodes unsafe values") {
    std::vector<ldap::entry> a{
        {"uid=2,ou=users,dc=x", {{"sn", {"Šťastný"}}, {"cn", {"b", "a"}}}},
        {"ou=users,dc=x", {{"ou", {"users"}}}},
        {"uid=1,ou=users,dc=x", {{"description", {" lead"}}}},
    };
    std::vector<ldap::entry> b{a[2], a[0], a[1]};
    const std::string text = to_ldif(a);
    CHECK(text == to_ldif(b));
    CHECK(text ==
          "version: 1\n\ndn: ou=users,dc=x\nou: users\n\n"
          "dn: uid=1,ou=users,dc=x\ndescription:: IGxlYWQ=\n\n"
          "dn: uid=2,ou=users,dc=x\ncn: a\ncn: b\nsn:: xaDFpWFzdG7DvQ==\n");
    CHECK(ldif_safe("plain text"));
    CHECK_FALSE(ldif_safe(":x"));
    CHECK_FALSE(ldif_safe("a\nb"));
}

TEST_CASE("R-MYO-9: an import stopped half-way reports what it wrote, as JSON") {
    report r;
    r.changed = true;
    entry_report e("uid=7000001,ou=users,dc=x", "add");
    e.changes.emplace_back("+cn: A");
    e.extra.emplace("row", "2");
    r.entries.push_back(e);
    const std::string json = to_error_json(r, false, "row 3: adding ...: \"x\"", 65);
    CHECK(json ==
          "{\"changed\":true,\"check\":false,\"entries\":[{\"dn\":\"uid=7000001,ou=users,dc=x\","
          "\"action\":\"add\",\"changes\":[\"+cn: A\"],\"row\":\"2\"}],\"notes\":[],"
          "\"error\":\"row 3: adding ...: \\\"x\\\"\",\"exit_code\":65}");
    CHECK(to_error_json(report{}, true, "down", 69) ==
          "{\"changed\":false,\"check\":true,\"entries\":[],\"notes\":[],\"error\":\"down\","
          "\"exit_code\":69}");
}
