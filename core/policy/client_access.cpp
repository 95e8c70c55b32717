// client_access.cpp: which client networks may submit or relay (see client_access.hpp).
// Rules: R-PSH-9.
#include "core/policy/client_access.hpp"

#include <fmt/format.h>

namespace mailwarden::policy {

namespace {

constexpr std::string_view rule = "R-PSH-9";

// Reply text may not hold CR/LF/NUL (the verdict factories refuse them): client names and
// recipients come from the network.
std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 256)) {
        const auto b = static_cast<unsigned char>(c);
        out += (b < 0x20 || b == 0x7F) ? '?' : c;
    }
    return out;
}

bool is_postmaster(std::string_view address) {
    constexpr std::string_view pm = "postmaster";
    if (address.size() != pm.size()) return false;
    for (std::size_t i = 0; i < pm.size(); ++i) {
        const char c = address[i] >= 'A' && address[i] <= 'Z' ? static_cast<char>(address[i] + 32)
                                                              : address[i];
        if (c != pm[i]) return false;
    }
    return true;
}

}  // namespace

verdict check_submit_network(const sender_policy& p, const std::optional<std::string>& client_addr,
                             std::string_view client_name) {
    if (!client_access_checked(p) || !client_addr) return accept();
    if (p.submit_networks.contains(*client_addr) || p.trusted_networks.contains(*client_addr))
        return accept();
    return reject(550, "5.7.1",
                  fmt::format("<{}[{}]>: Client host rejected: submission from this network is "
                              "not allowed",
                              printable(client_name.empty() ? "unknown" : client_name),
                              printable(*client_addr)),
                  rule);
}

verdict check_relay(const sender_policy& p, client_kind who, std::string_view recipient) {
    if (!client_access_checked(p) || who != client_kind::outside) return accept();
    // RFC 5321 4.5.1: <postmaster> without a domain must be accepted (it is ours).
    if (is_postmaster(recipient)) return accept();
    if (const auto key = address_key(recipient); key && is_local_address(p, *key)) return accept();
    return reject(554, "5.7.1", fmt::format("<{}>: Relay access denied", printable(recipient)),
                  rule);
}

}  // namespace mailwarden::policy
