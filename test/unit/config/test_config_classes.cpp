// test_config_classes.cpp: the repeated sections class_limits and domain_limits (limits per
// account class and per domain) load with the bounds and units of the global keys they
// override, report every error with file, line and the dotted path
// (class_limits.NAME.KEY), dump and load back to the same settings; and the keys added for
// issue 4 (ldap.write_bind_*, sender.submit_networks, classes.attribute) are cross-checked.
// Rules: R-PSH-5, R-SAV-4, R-PSH-6, R-SAV-9 (overrides), R-PSH-3 (write credential), R-PSH-9
// (submit networks); style guide 13/25 (errors with file:line:key).
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "core/config/config.hpp"
#include "core/config/config_keys.hpp"
#include "core/policy/sender_identity.hpp"
#include "test/unit/config/config_test_util.hpp"

using namespace mailwarden::config;
using mailwarden::config::test::errors_of;
using mailwarden::config::test::loaded;

namespace {

std::string errors_text(std::string_view yaml) {
    std::string out;
    for (const auto& e : errors_of(yaml)) out += e + "\n";
    return out;
}

void check_round_trip(const settings& s) {
    const std::string text = dump(s);
    CAPTURE(text);
    const auto r = load_string(text, s.source_file);
    for (const auto& e : r.errors) FAIL_CHECK(e.to_string());
    REQUIRE(r.ok());
    CHECK(*r.value == s);
    CHECK(dump(*r.value) == text);
}

}  // namespace

TEST_CASE("R-PSH-5 R-SAV-4 R-PSH-6: class_limits and domain_limits load in file order") {
    const settings s = loaded(R"(
classes:
  attribute: employeeType
class_limits:
  phd-student:
    max_message_size_outgoing: 3 MB
    daily_limit: 50
  Staff:
    max_recipients: 0
  guest:
domain_limits:
  unix.savba.sk:
    max_message_size_incoming: 5MB
  Пример.рф: {daily_limit: 7}
)");
    CHECK(s.classes.attribute == "employeeType");
    REQUIRE(s.class_limits.size() == 3);
    CHECK(s.class_limits[0].name == "phd-student");
    CHECK(s.class_limits[0].limits.max_message_size_outgoing == 3'000'000);
    CHECK(s.class_limits[0].limits.daily_limit == 50);
    CHECK_FALSE(s.class_limits[0].limits.max_message_size_incoming.has_value());
    CHECK(s.class_limits[1].name == "Staff");
    CHECK(s.class_limits[1].limits.max_recipients == 0);  // written 0: lifts the limit
    CHECK(s.class_limits[2].name == "guest");
    CHECK(s.class_limits[2].limits == limit_overrides{});
    REQUIRE(s.domain_limits.size() == 2);
    CHECK(s.domain_limits[0].limits.max_message_size_incoming == 5'000'000);
    CHECK(s.domain_limits[1].name == "Пример.рф");
    CHECK(s.domain_limits[1].limits.daily_limit == 7);
    check_round_trip(s);
    // Empty sections, written or left out, are the defaults.
    CHECK(loaded("class_limits: {}\ndomain_limits:\n") == loaded(""));
}

TEST_CASE("R-PSH-5 R-PSH-6: override errors name file, line and class_limits.NAME.KEY") {
    CHECK(errors_text(R"(classes:
  attribute: employeeType
class_limits:
  staff:
    daily_limt: 5
    max_message_size_outgoing: 2G
    max_recipients: -1
    daily_limit: 20000000
    frobnicate: 1
  STAFF:
    daily_limit: 1
  "bad\x01name": {}
  other: 5
  third:
    daily_limit:
    daily_limit: 3
domain_limits:
  not a domain!: {}
  Example.ORG: {}
  example.org: {}
  x.test: [1]
)") == "t.yaml:5: class_limits.staff.daily_limt: unknown key; did you mean daily_limit?\n"
       "t.yaml:6: class_limits.staff.max_message_size_outgoing: \"2G\" is ambiguous: write 2GB "
       "(powers of 1000) or 2GiB (powers of 1024)\n"
       "t.yaml:7: class_limits.staff.max_recipients: must not be negative, got \"-1\"\n"
       "t.yaml:8: class_limits.staff.daily_limit: must be at most 10000000 messages, got "
       "20000000\n"
       "t.yaml:9: class_limits.staff.frobnicate: unknown key; an entry may set: "
       "max_message_size_outgoing, max_message_size_incoming, max_recipients, daily_limit\n"
       "t.yaml:10: class_limits.STAFF: the same class as line 4; remove one\n"
       "t.yaml:12: class_limits.bad?name: not a class name: contains a control character "
       "(byte 4 of the value)\n"
       "t.yaml:13: class_limits.other: expected a mapping of limits (max_message_size_outgoing, "
       "max_message_size_incoming, max_recipients, daily_limit), got \"5\"\n"
       "t.yaml:15: class_limits.third.daily_limit: has no value: write a whole number of "
       "messages, or remove the line to keep send_cap.daily_limit\n"
       "t.yaml:16: class_limits.third.daily_limit: duplicate key (first at line 15); remove "
       "one\n"
       "t.yaml:18: domain_limits.not a domain!: not a domain name: " +
              mailwarden::policy::parse_domain_list("not a domain!").error +
              "\n"
              "t.yaml:20: domain_limits.example.org: the same domain as line 19; remove one\n"
              "t.yaml:21: domain_limits.x.test: expected a mapping of limits "
              "(max_message_size_outgoing, max_message_size_incoming, max_recipients, "
              "daily_limit), got a list\n");
    CHECK(errors_text("class_limits: 5\n") ==
          "t.yaml:1: class_limits: expected a mapping of class names to limits "
          "(max_message_size_outgoing, max_message_size_incoming, max_recipients, daily_limit), "
          "got \"5\"\n");
    CHECK(errors_text("class_limit: {}\n") ==
          "t.yaml:1: class_limit: unknown key; did you mean class_limits?\n");
    // Only at the top level.
    CHECK(errors_text("limits:\n  class_limits: {}\n").find("unknown key") != std::string::npos);
}

TEST_CASE("R-PSH-5 R-PSH-3 R-PSH-9: cross-key checks of the issue 4 keys") {
    CHECK(errors_text("class_limits:\n  staff: {daily_limit: 5}\n") ==
          "t.yaml:1: class_limits: names 1 class(es) but classes.attribute is empty: set the "
          "LDAP attribute that holds an account's class\n");
    CHECK(errors_text("classes:\n  attribute: \"employee Type\"\n") ==
          "t.yaml:2: classes.attribute: \"employee Type\" is not an LDAP attribute name: a "
          "letter then letters, digits and '-', or a numeric OID\n");
    CHECK(errors_text("ldap:\n  base_dn: dc=x\n  write_bind_dn: cn=w,dc=x\n") ==
          "t.yaml:3: ldap.write_bind_dn: is set but ldap.write_bind_password_file is empty (a "
          "DN without a password binds unauthenticated)\n");
    CHECK(errors_text("ldap:\n  write_bind_password_file: /etc/mailwarden/w.secret\n") ==
          "t.yaml:2: ldap.write_bind_dn: is empty but ldap.write_bind_password_file is set (no "
          "write credential without a DN)\n");
    CHECK(errors_text("ldap:\n  write_bind_dn: cn=w,dc=x\n  write_bind_password_file: /w\n") ==
          "t.yaml:2: ldap.write_bind_dn: is set but ldap.base_dn is empty (the milter finds no "
          "accounts to activate)\n");
    CHECK(errors_text("sender:\n  submit_networks: 10.0.0.0/8\n") ==
          "t.yaml:2: sender.submit_networks: is set but sender.local_domains is empty (the "
          "milter cannot tell our recipients from relaying)\n");
    CHECK(errors_text("sender:\n  submit_networks: 10.1.0.0/8\n  local_domains: x.test\n") ==
          "t.yaml:2: sender.submit_networks: \"10.1.0.0/8\" has host bits set below /8\n");
    const settings ok = loaded(
        "sender:\n  submit_networks: \"192.0.2.0/24 2001:db8::/32\"\n  local_domains: x.test\n"
        "ldap:\n  base_dn: dc=x\n  write_bind_dn: cn=w,dc=x\n  write_bind_password_file: /w\n"
        "  status_cache_ttl: 0\n");
    CHECK(ok.sender.submit_networks == "192.0.2.0/24 2001:db8::/32");
    CHECK(ok.ldap.status_cache_ttl == seconds{0});
    check_round_trip(ok);
}

TEST_CASE("R-PSH-5 R-PSH-6: validate() checks overrides built in code") {
    settings s;
    s.classes.attribute = "employeeType";
    s.class_limits.push_back({"staff", {}});
    s.class_limits.back().limits.daily_limit = 20'000'000;
    s.class_limits.push_back({"STAFF", {}});
    s.domain_limits.push_back({"", {}});
    std::string all;
    for (const auto& e : validate(s)) all += e.to_string() + "\n";
    CHECK(all ==
          "<config>: class_limits.staff.daily_limit: must be at most 10000000 messages, got "
          "20000000\n"
          "<config>: class_limits.STAFF: the same class twice\n"
          "<config>: domain_limits.: not a domain name: \"\" is not one domain\n");
    s.class_limits.resize(1);
    s.class_limits[0].limits.daily_limit = 10;
    s.domain_limits.clear();
    CHECK(validate(s).empty());
    check_round_trip(s);
}

TEST_CASE("R-PSH-5: names YAML would misread dump quoted and load back") {
    settings s;
    s.classes.attribute = "employeeType";
    for (const char* name : {"yes", "1", "a: b", "#x", "~", "Минск", "- item"})
        s.class_limits.push_back({name, {}});
    s.class_limits[0].limits.max_message_size_outgoing = 3'500'000;
    check_round_trip(s);
    CHECK(dump(s).find("  \"yes\":\n    max_message_size_outgoing: " + format_size(3'500'000) +
                       "\n") != std::string::npos);
}
