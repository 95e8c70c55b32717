// test_sendcap.cpp: the pure parts of `mailwarden sendcap` (R-PSH-6): the LDAP limit
// override read as the milter reads it, and the status shown (remaining allowance, block).
#include <doctest/doctest.h>

#include "provisioner/sendcap.hpp"

using namespace mailwarden;
using provisioner::cap_status_of;
using provisioner::send_limit_override;

TEST_CASE("R-PSH-6: sendcap reads the LDAP limit override as the milter does") {
    CHECK(send_limit_override({}) == std::nullopt);
    CHECK(send_limit_override({"1"}) == std::optional<std::uint64_t>{1});
    CHECK(send_limit_override({"250"}) == std::optional<std::uint64_t>{250});
    CHECK(send_limit_override({"0"}) == std::nullopt);  // the default applies
    CHECK(send_limit_override({"12x"}) == std::nullopt);
    CHECK(send_limit_override({"-3"}) == std::nullopt);
    CHECK(send_limit_override({""}) == std::nullopt);
}

TEST_CASE("R-PSH-6: sendcap show: remaining allowance and block") {
    policy::cap_decision d;
    d.used = 2;
    auto s = cap_status_of(d, 3);
    CHECK(s.count == 2);
    CHECK(s.remaining == std::optional<std::uint64_t>{1});
    CHECK(s.blocked_until == 0);

    d.used = 3;
    d.blocked_until = 1'800'086'400;
    s = cap_status_of(d, 3);
    CHECK(s.remaining == std::optional<std::uint64_t>{0});  // blocked: nothing left
    auto attrs = provisioner::cap_status_attributes("alice@example.org", s, "ldap");
    CHECK(attrs["blocked_until"] == ldap::values{policy::format_utc(1'800'086'400)});
    CHECK(attrs["remaining"] == ldap::values{"0"});
    CHECK(attrs["limit_source"] == ldap::values{"ldap"});

    d = {};
    d.used = 5;  // the limit was lowered below what was already sent
    CHECK(cap_status_of(d, 3).remaining == std::optional<std::uint64_t>{0});

    s = cap_status_of(d, 0);  // limit 0: no cap
    CHECK(s.remaining == std::nullopt);
    attrs = provisioner::cap_status_attributes("alice@example.org", s, "default");
    CHECK(attrs["limit"] == ldap::values{"unlimited"});
    CHECK(attrs["remaining"] == ldap::values{"unlimited"});
    CHECK(attrs["blocked_until"] == ldap::values{"not blocked"});
}
