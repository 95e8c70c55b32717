// grace.cpp: the grace-period state machine (grace.hpp). Rules: R-SAV-2, R-SAV-1, R-PSH-4.
#include "core/quota/grace.hpp"

#include <limits>

namespace mailwarden::quota {

namespace {

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

std::uint64_t add_saturating(std::uint64_t a, std::uint64_t b) {
    return a > u64_max - b ? u64_max : a + b;
}

}  // namespace

bool exceeds(const limits& l, const usage& u) {
    return (l.storage_bytes != 0 && u.bytes > l.storage_bytes) ||
           (l.messages != 0 && u.messages > l.messages);
}

std::uint64_t percent_of(std::uint64_t soft, std::uint64_t percent) {
    if (soft == 0) return 0;
    // soft / 100 * percent + (soft % 100) * percent / 100, without overflow when it fits
    const std::uint64_t whole = soft / 100, rest = soft % 100;
    if (percent != 0 && whole > u64_max / percent) return u64_max;
    const std::uint64_t hard = add_saturating(whole * percent, rest * percent / 100);
    return hard < soft ? soft : hard;
}

decision decide(const grace_policy& policy, grace_state& state, const usage& current,
                const usage& incoming, time_point now) noexcept {
    decision d;
    // Back under the soft limit (the user deleted mail): the next crossing starts a new grace.
    if (!exceeds(policy.soft, current) && state.over_since) {
        state.over_since.reset();
        d.state_changed = true;
    }
    const usage after{add_saturating(current.bytes, incoming.bytes),
                      add_saturating(current.messages, incoming.messages)};
    if (!exceeds(policy.soft, after)) {
        d.result = verdict::allow;
        return d;
    }
    if (policy.grace.count() <= 0) {
        d.result = verdict::refuse_over_quota;
        return d;
    }
    if (!state.over_since) {
        // The grace runs from the first time the mailbox is seen over its limit, whether
        // this delivery crosses it or the limit was lowered under existing mail.
        state.over_since = now;
        d.state_changed = true;
    }
    d.grace_end = *state.over_since + policy.grace;
    if (exceeds(policy.hard, after)) {
        d.result = verdict::refuse_hard_limit;
    } else if (now < *d.grace_end) {
        d.result = verdict::allow_in_grace;
    } else {
        d.result = verdict::refuse_grace_expired;
    }
    return d;
}

}  // namespace mailwarden::quota
