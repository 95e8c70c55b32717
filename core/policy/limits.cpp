// limits.cpp: limits per account class and per domain (see limits.hpp).
// Rules: R-PSH-5, R-SAV-4, R-MYO-7, R-SAV-9, R-PSH-6.
#include "core/policy/limits.hpp"

#include <algorithm>

#include "core/policy/sender_identity.hpp"

namespace mailwarden::policy {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        auto low = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        return low(x) == low(y);
    });
}

// "bob@example.org" -> "example.org"; "" when there is no '@'.
std::string_view domain_of(std::string_view key) {
    const std::size_t at = key.rfind('@');
    return at == std::string_view::npos ? std::string_view{} : key.substr(at + 1);
}

const named_overrides* domain_entry(const limit_policy& p, std::string_view domain) {
    if (domain.empty()) return nullptr;
    for (const named_overrides& d : p.domains)
        if (d.name == domain) return &d;
    return nullptr;
}

// Fills what `o` sets and `out` does not have yet (the more specific level came first).
void inherit(limit_overrides& out, const limit_overrides& o) {
    if (!out.max_message_size_outgoing) out.max_message_size_outgoing = o.max_message_size_outgoing;
    if (!out.max_message_size_incoming) out.max_message_size_incoming = o.max_message_size_incoming;
    if (!out.max_recipients) out.max_recipients = o.max_recipients;
    if (!out.daily_limit) out.daily_limit = o.daily_limit;
}

limit_values with_defaults(const limit_overrides& o, const limit_values& global) {
    return {o.max_message_size_outgoing.value_or(global.max_message_size_outgoing),
            o.max_message_size_incoming.value_or(global.max_message_size_incoming),
            o.max_recipients.value_or(global.max_recipients),
            o.daily_limit.value_or(global.daily_limit)};
}

}  // namespace

const named_overrides* class_of(const limit_policy& p, const account& a) {
    if (a.classes.empty()) return nullptr;
    for (const named_overrides& c : p.classes)
        for (const std::string& value : a.classes)
            if (iequals(value, c.name)) return &c;
    return nullptr;
}

resolved_limits resolve_sender_limits(const limit_policy& p, const account* a) {
    resolved_limits out;
    if (a == nullptr) {
        out.values = p.global;
        return out;
    }
    limit_overrides merged;
    if (a->daily_limit) {
        // The per-account LDAP value (mwDailySendLimit) is the most specific of all.
        merged.daily_limit = *a->daily_limit;
        out.account_daily_limit = true;
    }
    if (const named_overrides* c = class_of(p, *a)) {
        inherit(merged, c->limits);
        out.account_class = c->name;
    }
    // The account's home domain: that of its primary address, as the directory holds it.
    const std::optional<std::string> key = address_key(a->mail);
    if (const named_overrides* d = domain_entry(p, key ? domain_of(*key) : std::string_view{})) {
        inherit(merged, d->limits);
        out.domain = d->name;
    }
    out.values = with_defaults(merged, p.global);
    return out;
}

std::uint64_t incoming_size_limit(const limit_policy& p, std::string_view recipient_key,
                                  const account* recipient) {
    limit_overrides merged;
    if (recipient != nullptr)
        if (const named_overrides* c = class_of(p, *recipient)) inherit(merged, c->limits);
    if (const named_overrides* d = domain_entry(p, domain_of(recipient_key)))
        inherit(merged, d->limits);
    return merged.max_message_size_incoming.value_or(p.global.max_message_size_incoming);
}

std::uint64_t largest_incoming_size_limit(const limit_policy& p) {
    std::uint64_t largest = p.global.max_message_size_incoming;
    if (largest == 0) return 0;
    for (const auto* list : {&p.classes, &p.domains}) {
        for (const named_overrides& o : *list) {
            if (!o.limits.max_message_size_incoming) continue;
            if (*o.limits.max_message_size_incoming == 0) return 0;
            largest = std::max(largest, *o.limits.max_message_size_incoming);
        }
    }
    return largest;
}

}  // namespace mailwarden::policy
