// grace.hpp: the time-based grace period of a mailbox quota, as pure decisions (no Dovecot, no
// I/O; time from the caller, so tests drive it with fake_clock). A mailbox has a soft limit
// (what Dovecot reports and IMAP shows), a grace duration and a hard ceiling. Over the soft
// limit, deliveries continue while the grace runs; once it has run out they are refused until
// usage is back under the soft limit, which resets the grace. The hard ceiling is never passed.
// Rules: R-SAV-2 (over the limit for 7 days, then no delivery until emptied), R-SAV-1 and
// R-PSH-4 (the soft limit is the mailbox limit: 20 MB / 5000 messages, 2 GB).
#pragma once

#include <cstdint>
#include <optional>

#include "core/util/clock.hpp"

namespace mailwarden::quota {

// A pair of limits; 0 means unlimited (Dovecot's and R-MYO-8's convention).
struct limits {
    std::uint64_t storage_bytes = 0;
    std::uint64_t messages = 0;

    bool operator==(const limits&) const = default;
};

// What a mailbox holds, or what a delivery adds.
struct usage {
    std::uint64_t bytes = 0;
    std::uint64_t messages = 0;

    bool operator==(const usage&) const = default;
};

struct grace_policy {
    limits soft;       // the mailbox limit
    limits hard;       // ceiling during the grace; 0 = no ceiling beyond the grace itself
    seconds grace{0};  // 0 = no grace: the soft limit is enforced at once (stock behaviour)
};

// What must survive restarts: since when the mailbox has been over its soft limit.
struct grace_state {
    std::optional<time_point> over_since;

    bool operator==(const grace_state&) const = default;
};

enum class verdict {
    allow,                 // under the soft limit after the delivery
    allow_in_grace,        // over the soft limit, grace still running
    refuse_over_quota,     // over the soft limit and no grace configured
    refuse_grace_expired,  // over the soft limit, the grace has run out
    refuse_hard_limit,     // the delivery would pass the hard ceiling
};

struct decision {
    verdict result = verdict::allow;
    bool state_changed = false;           // the caller must persist the state
    std::optional<time_point> grace_end;  // when over the soft limit with a grace
};

inline bool allowed(verdict v) { return v == verdict::allow || v == verdict::allow_in_grace; }

// Is u over l (more than the limit, in any resource with a limit)?
//   limits{100, 0}, usage{100, 9} -> false;  usage{101, 0} -> true;  limits{0, 0} -> false
bool exceeds(const limits& l, const usage& u);

// The hard ceiling for a soft limit from a percentage (e.g. 150 -> 1.5x), rounding down;
// a soft 0 (unlimited) stays 0, and the result never falls below the soft limit.
// Saturates at UINT64_MAX instead of overflowing.
std::uint64_t percent_of(std::uint64_t soft, std::uint64_t percent);

// Decides one delivery (or a pre-check such as LMTP RCPT or quota-status) of `incoming` into
// a mailbox that holds `current`, at `now`, and updates `state`:
//   - current not over the soft limit: a stale over_since is cleared (the grace resets);
//   - current + incoming not over the soft limit: allow;
//   - over the hard ceiling: refuse_hard_limit (state still updated);
//   - no grace: refuse_over_quota;
//   - first time over: over_since = now, allow_in_grace;
//   - now < over_since + grace: allow_in_grace; else refuse_grace_expired.
// Never throws (sums saturate).
decision decide(const grace_policy& policy, grace_state& state, const usage& current,
                const usage& incoming, time_point now) noexcept;

}  // namespace mailwarden::quota
