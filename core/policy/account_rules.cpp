// account_rules.cpp: account status decisions (see account_rules.hpp).
// Rules: R-TJP-5, R-SAV-11, R-PSH-3.
#include "core/policy/account_rules.hpp"

#include <fmt/format.h>

#include "core/policy/sender_identity.hpp"

namespace mailwarden::policy {

namespace {

std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 256)) out += (c == '\r' || c == '\n' || c == '\0') ? '?' : c;
    return out;
}

}  // namespace

verdict check_account_may_send(const account& a, std::string_view login) {
    switch (a.status) {
        case account_status::active:
        case account_status::pending:
            return accept();
        case account_status::blocked:
            return reject(550, "5.7.1",
                          fmt::format("<{}>: Sender address rejected: account is blocked",
                                      printable(login)),
                          "R-TJP-5");
        case account_status::unknown:
            break;
    }
    return reject(550, "5.7.1",
                  fmt::format("<{}>: Sender address rejected: account status unknown",
                              printable(login)),
                  "R-TJP-5");
}

verdict check_pending_recipient(const account& a, std::string_view activation_key,
                                std::string_view recipient) {
    if (a.status != account_status::pending) return accept();
    const auto key = address_key(recipient);
    if (!activation_key.empty() && key && *key == activation_key) return accept();
    const std::string hint = activation_key.empty()
                                 ? std::string("ask the operator to activate it")
                                 : fmt::format("send a message to {} first", activation_key);
    return reject(550, "5.7.1",
                  fmt::format("<{}>: Recipient address rejected: account not activated; {}",
                              printable(recipient), hint),
                  "R-PSH-3");
}

verdict check_internal_only_recipient(const account& sender,
                                      const std::vector<std::string>& local_domains,
                                      std::string_view recipient) {
    if (!sender.internal_only) return accept();
    const auto key = address_key(recipient);
    if (key) {
        const std::string domain = key->substr(key->rfind('@') + 1);
        for (const std::string& d : local_domains)
            if (d == domain) return accept();
        for (const std::string& allowed : sender.allowed_recipients) {
            if (allowed.starts_with('@')) {
                const auto d = parse_domain_list(std::string_view(allowed).substr(1));
                if (d.error.empty() && d.value.size() == 1 && d.value.front() == domain)
                    return accept();
            } else if (address_key(allowed) == key) {
                return accept();
            }
        }
    }
    return reject(550, "5.7.1",
                  fmt::format("<{}>: Recipient address rejected: only internal recipients "
                              "allowed for this account",
                              printable(recipient)),
                  "R-TJP-2");
}

verdict check_list_recipient(const account& list, std::string_view recipient) {
    if (!list.is_list || !list.internal_only) return accept();
    return reject(550, "5.7.1",
                  fmt::format("<{}>: Recipient address rejected: this list accepts internal "
                              "senders only",
                              printable(recipient)),
                  "R-MYO-6");
}

}  // namespace mailwarden::policy
