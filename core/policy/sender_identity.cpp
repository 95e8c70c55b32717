// sender_identity.cpp: R-SAV-9 sender identity decisions (see sender_identity.hpp).
#include "core/policy/sender_identity.hpp"
#include "core/util/text.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/mail/address.hpp"

namespace mailwarden::policy {

namespace {

constexpr std::string_view rule = "R-SAV-9";

bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        auto low = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        return low(x) == low(y);
    });
}

// Reply text may not hold CR/LF/NUL (verdict factories refuse them); addresses that
// reached here are parsed, so they have none, but be safe with the login.
std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 256)) out += (c == '\r' || c == '\n' || c == '\0') ? '?' : c;
    return out;
}

}  // namespace

std::optional<std::string> address_key(std::string_view address) {
    const std::size_t at = address.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return std::nullopt;
    auto m = mail::mailbox_address::make(address.substr(0, at), address.substr(at + 1));
    if (!m) return std::nullopt;
    return m.value().comparison_key();
}

domain_list_result parse_domain_list(std::string_view text) {
    domain_list_result out;
    for (const std::string_view item : mailwarden::text::split_list(text)) {
        auto d = mail::normalize_domain(item);
        if (!d) {
            out.error = fmt::format("\"{}\" is not a domain: {}", item, d.err().message);
            out.value.clear();
            return out;
        }
        out.value.push_back(d.value());
    }
    return out;
}

bool may_send_as(const account& a, std::string_view key) {
    auto same = [&](const std::string& v) {
        const auto k = address_key(v);
        return k && *k == key;
    };
    return same(a.mail) || std::any_of(a.aliases.begin(), a.aliases.end(), same) ||
           std::any_of(a.send_as.begin(), a.send_as.end(), same);
}

bool is_local_address(const sender_policy& p, std::string_view key) {
    const std::size_t at = key.rfind('@');
    if (at == std::string_view::npos) return false;
    const std::string_view domain = key.substr(at + 1);
    return std::find(p.local_domains.begin(), p.local_domains.end(), domain) !=
           p.local_domains.end();
}

client_kind classify_client(const sender_policy& p, bool authenticated,
                            const std::optional<std::string>& client_addr) {
    if (authenticated) return client_kind::authenticated;
    if (!client_addr || p.trusted_networks.contains(*client_addr)) return client_kind::trusted;
    return client_kind::outside;
}

verdict check_envelope_sender(const sender_policy& p, client_kind who, const account* acct,
                              std::string_view login, std::string_view sender) {
    if (!p.check_identity || who == client_kind::trusted || sender.empty()) return accept();
    auto parsed = mail::parse_envelope_address(sender);
    if (!parsed || parsed.value().is_null_sender()) {
        // Postfix refuses malformed paths before us; refuse too rather than guess.
        if (who == client_kind::authenticated)
            return reject(553, "5.7.1", "Sender address rejected: malformed address", rule);
        return accept();
    }
    const mail::mailbox_address& m = parsed.value().mailbox();
    const std::string key = m.comparison_key();
    if (who == client_kind::authenticated) {
        if (acct != nullptr && may_send_as(*acct, key)) return accept();
        return reject(553, "5.7.1",
                      fmt::format("<{}>: Sender address rejected: not owned by user {}",
                                  m.to_string(), printable(login)),
                      rule);
    }
    if (is_local_address(p, key))
        return reject(553, "5.7.1",
                      fmt::format("<{}>: Sender address rejected: not logged in", m.to_string()),
                      rule);
    return accept();
}

verdict check_header_sender(const sender_policy& p, client_kind who, const account* acct,
                            std::string_view login, std::string_view name,
                            std::string_view value) {
    if (!p.check_identity || who == client_kind::trusted) return accept();
    const bool from = iequals(name, "From");
    if (!from && !iequals(name, "Sender")) return accept();
    const std::string_view shown = from ? "From" : "Sender";
    auto parsed = mail::parse_header_addresses(value, mail::header_list::mailbox_list);
    if (!parsed) {
        if (who == client_kind::authenticated)
            return reject(550, "5.7.1",
                          fmt::format("Message rejected: malformed {}: header", shown), rule);
        return accept();
    }
    for (const mail::header_mailbox& h : parsed.value()) {
        const std::string key = h.address.comparison_key();
        if (who == client_kind::authenticated) {
            if (acct != nullptr && may_send_as(*acct, key)) continue;
            return reject(550, "5.7.1",
                          fmt::format("<{}>: {} address rejected: not owned by user {}",
                                      h.address.to_string(), shown, printable(login)),
                          rule);
        }
        if (is_local_address(p, key))
            return reject(550, "5.7.1",
                          fmt::format("<{}>: {} address rejected: not logged in",
                                      h.address.to_string(), shown),
                          rule);
    }
    return accept();
}

}  // namespace mailwarden::policy
