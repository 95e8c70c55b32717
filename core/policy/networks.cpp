// networks.cpp: client network lists (see networks.hpp). Rules: R-PSH-9, R-SAV-9.
#include "core/policy/networks.hpp"
#include "core/util/text.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace mailwarden::policy {

namespace {

std::optional<network> parse_address(std::string_view text) {
    if (text.empty() || text.size() > 64) return std::nullopt;
    const std::string s(text);
    network n;
    if (s.find(':') == std::string::npos) {
        in_addr a{};
        if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
        std::memcpy(n.bytes.data(), &a, 4);
        n.prefix = 32;
        return n;
    }
    in6_addr a6{};
    if (inet_pton(AF_INET6, s.c_str(), &a6) != 1) return std::nullopt;
    std::memcpy(n.bytes.data(), &a6, 16);
    // ::ffff:a.b.c.d is an IPv4 client seen through an IPv6 socket.
    static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(n.bytes.data(), mapped, 12) == 0) {
        std::memmove(n.bytes.data(), n.bytes.data() + 12, 4);
        std::memset(n.bytes.data() + 4, 0, 12);
        n.prefix = 32;
        return n;
    }
    n.v6 = true;
    n.prefix = 128;
    return n;
}

bool prefix_matches(const network& net, const network& addr) {
    if (net.v6 != addr.v6) return false;
    unsigned bits = net.prefix;
    for (std::size_t i = 0; bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
        const unsigned take = bits >= 8 ? 8 : bits;
        const auto mask = static_cast<std::uint8_t>(0xff << (8 - take));
        if ((net.bytes[i] & mask) != (addr.bytes[i] & mask)) return false;
    }
    return true;
}

}  // namespace

bool network_list::contains(std::string_view address) const {
    const auto addr = parse_address(address);
    if (!addr) return false;
    for (const network& n : items)
        if (prefix_matches(n, *addr)) return true;
    return false;
}

network_parse_result parse_network_list(std::string_view text) {
    network_list out;
    for (const std::string_view item : mailwarden::text::split_list(text)) {
        const std::size_t slash = item.find('/');
        auto n = parse_address(item.substr(0, slash));
        if (!n) return {std::nullopt, fmt::format("\"{}\" is not an IP address or network", item)};
        if (slash != std::string_view::npos) {
            const std::string_view digits = item.substr(slash + 1);
            unsigned prefix = 0;
            const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
            const unsigned max = n->v6 ? 128 : 32;
            if (digits.empty() || ec != std::errc{} || p != digits.data() + digits.size() ||
                prefix > max)
                return {std::nullopt,
                        fmt::format("\"{}\": the prefix length must be 0..{}", item, max)};
            // Host bits below the prefix must be zero.
            for (unsigned bit = prefix; bit < max; ++bit)
                if ((n->bytes[bit / 8] >> (7 - bit % 8)) & 1)
                    return {std::nullopt,
                            fmt::format("\"{}\" has host bits set below /{}", item, prefix)};
            n->prefix = prefix;
        }
        out.items.push_back(*n);
    }
    return {std::move(out), {}};
}

}  // namespace mailwarden::policy
