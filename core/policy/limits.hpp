// limits.hpp: which limits apply to one message, per account class and per domain (issue 4:
// "each configurable per domain or account class"). Pure resolution over the configured
// overrides (config: classes.attribute, class_limits, domain_limits); the session asks it
// at MAIL FROM (the sender's limits) and at RCPT (each recipient's incoming limit).
//   Sending account (authenticated):  size out, recipients, daily cap =
//     the account's own LDAP daily limit (mwDailySendLimit; daily cap only)
//     > its class (first class_limits entry, in config order, that one of the values of
//       the class attribute names, ASCII case-insensitive)
//     > the domain of its primary address (domain_limits)
//     > the global limits.* / send_cap.daily_limit
//   Recipient of incoming mail (client neither authenticated nor trusted): size in =
//     the recipient account's class (when the directory knows it) > the recipient's domain
//     > global. A message to several recipients must fit the smallest of their limits.
//   Trusted relays and local submissions have no account: the global limits.
// A value of 0 means "no limit" at every level, and an override of 0 lifts the limit for
// its class or domain (an override is "absent" when the key is not written).
// Rules: R-PSH-5, R-SAV-4, R-MYO-7 (size per class/domain), R-SAV-9 (recipients per
// message), R-PSH-6 (daily cap per class/domain; the per-account override stays the most
// specific).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy/directory.hpp"

namespace mailwarden::policy {

// The limits one message is held to; 0 = no limit.
struct limit_values {
    std::uint64_t max_message_size_outgoing = 0;
    std::uint64_t max_message_size_incoming = 0;
    std::uint64_t max_recipients = 0;
    std::uint64_t daily_limit = 0;

    bool operator==(const limit_values&) const = default;
};

// What one class or domain changes; nullopt = inherit.
struct limit_overrides {
    std::optional<std::uint64_t> max_message_size_outgoing;
    std::optional<std::uint64_t> max_message_size_incoming;
    std::optional<std::uint64_t> max_recipients;
    std::optional<std::uint64_t> daily_limit;

    bool operator==(const limit_overrides&) const = default;
};

struct named_overrides {
    std::string name;  // class: as configured; domain: normalised (A-labels, lowercase)
    limit_overrides limits;

    bool operator==(const named_overrides&) const = default;
};

struct limit_policy {
    limit_values global;
    std::vector<named_overrides> classes;  // config order decides between several classes
    std::vector<named_overrides> domains;

    bool operator==(const limit_policy&) const = default;
};

// Where the sender's limits came from, for the audit line and the debug log.
struct resolved_limits {
    limit_values values;
    std::string account_class;         // the class that applied ("" none)
    std::string domain;                // the domain entry that applied ("" none)
    bool account_daily_limit = false;  // the account's own LDAP daily limit applied
};

// The sending account's limits (see the header). `a` may be null (no account: global).
resolved_limits resolve_sender_limits(const limit_policy& p, const account* a);

// The incoming size limit for one recipient: `recipient_key` normalised
// ("bob@example.org", see address_key), `recipient` its directory entry when known.
std::uint64_t incoming_size_limit(const limit_policy& p, std::string_view recipient_key,
                                  const account* recipient);

// The largest incoming limit any recipient may have (0 when one of them is unlimited): the
// only limit that can be checked against SIZE= at MAIL FROM, before the recipients are
// known.
std::uint64_t largest_incoming_size_limit(const limit_policy& p);

// The stricter of two limits, 0 meaning none: tighter(0, 5) = 5, tighter(3, 5) = 3.
constexpr std::uint64_t tighter(std::uint64_t a, std::uint64_t b) {
    if (a == 0) return b;
    if (b == 0) return a;
    return a < b ? a : b;
}

// The class of an account: the first entry of `classes` (config order) named by one of the
// account's class values, compared ASCII case-insensitively; null when none.
const named_overrides* class_of(const limit_policy& p, const account& a);

}  // namespace mailwarden::policy
