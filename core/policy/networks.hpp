// networks.hpp: lists of client networks ("10.0.0.0/8 192.0.2.7 2001:db8::/32"), as the
// configuration writes them, and the test "is this client address in the list". Used for
// trusted relays (R-PSH-9: an organisation's own server may relay once the operator lists
// it) and for the unauthenticated-sender rule (R-SAV-9).
// Hostile input: a malformed network is an error at parse time (config), a malformed
// client address simply matches nothing.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailwarden::policy {

struct network {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};  // v4 uses the first 4
    unsigned prefix = 0;                   // 0..32 or 0..128
};

struct network_list {
    std::vector<network> items;
    bool empty() const { return items.empty(); }
    // Does the textual IP `address` ("192.0.2.1", "::1", "::ffff:192.0.2.1") fall in one of
    // the networks? IPv4-mapped IPv6 addresses match IPv4 networks. Malformed -> false.
    bool contains(std::string_view address) const;
};

// Space- (or comma-) separated networks; a bare address is a /32 or /128. Host bits set
// below the prefix are an error (10.1.2.3/8 is probably a typo).
// Examples: "" -> {}; "127.0.0.0/8 ::1" -> two networks; "10.0.0.0/33" -> error.
// Returns the list, or an error message naming the bad item.
struct network_parse_result {
    std::optional<network_list> value;
    std::string error;
};
network_parse_result parse_network_list(std::string_view text);

}  // namespace mailwarden::policy
