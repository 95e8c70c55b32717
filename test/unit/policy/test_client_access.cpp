// test_client_access.cpp: R-PSH-9 part 2, which client networks may submit at all
// (core/policy/client_access.hpp): off without sender.submit_networks; logins only from
// submit or trusted networks or a local submission (550 5.7.1); no relaying for clients
// that are neither logged in nor trusted (554 5.7.1 Relay access denied), <postmaster>
// excepted; hostile addresses.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "core/policy/client_access.hpp"

using namespace mailwarden::policy;

namespace {

sender_policy with_submit(std::string_view networks) {
    sender_policy p;
    p.local_domains = parse_domain_list("example.org").value;
    p.trusted_networks = *parse_network_list("198.51.100.0/24").value;
    p.submit_networks = *parse_network_list(networks).value;
    return p;
}

}  // namespace

TEST_CASE("R-PSH-9: without submit_networks, logins and relaying are not the milter's call") {
    const sender_policy p = with_submit("");
    CHECK_FALSE(client_access_checked(p));
    CHECK(check_submit_network(p, std::string("203.0.113.5"), "x").is_accept());
    CHECK(check_relay(p, client_kind::outside, "someone@elsewhere.test").is_accept());
}

TEST_CASE("R-PSH-9: logins only from the submit networks, trusted relays or locally") {
    const sender_policy p = with_submit("10.0.0.0/8 2001:db8::/32");
    CHECK(check_submit_network(p, std::string("10.1.2.3"), "vpn").is_accept());
    CHECK(check_submit_network(p, std::string("::ffff:10.1.2.3"), "vpn").is_accept());
    CHECK(check_submit_network(p, std::string("2001:db8::5"), "v6").is_accept());
    CHECK(check_submit_network(p, std::string("198.51.100.7"), "relay").is_accept());
    CHECK(check_submit_network(p, std::nullopt, "localhost").is_accept());  // sendmail
    const verdict v = check_submit_network(p, std::string("203.0.113.5"), "mail.evil.test");
    CHECK(v.to_smtp_string() ==
          "550 5.7.1 <mail.evil.test[203.0.113.5]>: Client host rejected: submission from "
          "this network is not allowed");
    CHECK(v.rule_id == "R-PSH-9");
    // Hostile: an address that is not one matches nothing; a name with CR LF is made safe.
    CHECK(check_submit_network(p, std::string("10.0.0.1\r\nX"), "").smtp_code == 550);
    CHECK(check_submit_network(p, std::string("203.0.113.5"), "a\r\nb").text.find("a??b") !=
          std::string::npos);
    CHECK(check_submit_network(p, std::string("203.0.113.5"), "").text.find("<unknown[") !=
          std::string::npos);
}

TEST_CASE("R-PSH-9: outsiders deliver only to our domains: 554 5.7.1 Relay access denied") {
    const sender_policy p = with_submit("10.0.0.0/8");
    CHECK(client_access_checked(p));
    CHECK(check_relay(p, client_kind::outside, "bob@example.org").is_accept());
    CHECK(check_relay(p, client_kind::outside, "Bob@EXAMPLE.org").is_accept());
    CHECK(check_relay(p, client_kind::outside, "postmaster").is_accept());
    CHECK(check_relay(p, client_kind::outside, "PostMaster").is_accept());
    const verdict v = check_relay(p, client_kind::outside, "someone@elsewhere.test");
    CHECK(v.to_smtp_string() == "554 5.7.1 <someone@elsewhere.test>: Relay access denied");
    CHECK(v.rule_id == "R-PSH-9");
    CHECK(check_relay(p, client_kind::outside, "bob@sub.example.org").smtp_code == 554);
    CHECK(check_relay(p, client_kind::outside, "no-at-sign").smtp_code == 554);
    CHECK(check_relay(p, client_kind::outside, std::string("a@example.org\0x", 15)).smtp_code ==
          554);
    // Logged-in users and trusted relays may write anywhere.
    CHECK(check_relay(p, client_kind::authenticated, "someone@elsewhere.test").is_accept());
    CHECK(check_relay(p, client_kind::trusted, "someone@elsewhere.test").is_accept());
}
