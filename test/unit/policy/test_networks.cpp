// test_networks.cpp: client network lists for trusted relays (R-PSH-9) and the
// unauthenticated-sender rule (R-SAV-9): boundaries of prefixes, IPv4-mapped IPv6, and
// malformed input as errors (config) or non-matches (client addresses).
#include <doctest/doctest.h>

#include "core/policy/networks.hpp"

using namespace mailwarden::policy;

TEST_CASE("R-PSH-9: network lists match addresses at the prefix boundaries") {
    const auto r = parse_network_list("10.0.0.0/8 192.0.2.7, 2001:db8::/32 0.0.0.0/0x");
    CHECK_FALSE(r.value.has_value());
    CHECK(r.error.find("0.0.0.0/0x") != std::string::npos);

    const auto list = parse_network_list("10.0.0.0/8 192.0.2.7, 2001:db8::/32").value.value();
    CHECK(list.items.size() == 3);
    CHECK(list.contains("10.0.0.0"));
    CHECK(list.contains("10.255.255.255"));
    CHECK_FALSE(list.contains("11.0.0.0"));
    CHECK_FALSE(list.contains("9.255.255.255"));
    CHECK(list.contains("192.0.2.7"));
    CHECK_FALSE(list.contains("192.0.2.8"));
    CHECK(list.contains("::ffff:10.1.2.3"));  // IPv4 client on an IPv6 socket
    CHECK(list.contains("2001:db8:ffff::1"));
    CHECK_FALSE(list.contains("2001:db9::1"));
    // Hostile or malformed client addresses match nothing.
    CHECK_FALSE(list.contains(""));
    CHECK_FALSE(list.contains("10.0.0.1\n"));
    CHECK_FALSE(list.contains("unknown"));
    CHECK_FALSE(list.contains(std::string(1000, '1')));
}

TEST_CASE("R-PSH-9: network list syntax errors") {
    CHECK(parse_network_list("").value->empty());
    CHECK(parse_network_list("  ,  ").value->empty());
    CHECK(parse_network_list("0.0.0.0/0").value->contains("203.0.113.1"));
    CHECK(parse_network_list("::/0").value->contains("::1"));
    CHECK_FALSE(parse_network_list("10.0.0.0/33").value);
    CHECK_FALSE(parse_network_list("::/129").value);
    CHECK_FALSE(parse_network_list("10.1.2.3/8").value);  // host bits set: a typo
    CHECK(parse_network_list("10.1.2.3/8").error.find("host bits") != std::string::npos);
    CHECK_FALSE(parse_network_list("10.0.0/8").value);
    CHECK_FALSE(parse_network_list("example.org").value);
    CHECK_FALSE(parse_network_list("10.0.0.0/").value);
}
