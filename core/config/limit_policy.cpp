// limit_policy.cpp: settings -> policy::limit_policy (see the header).
// Rules: R-PSH-5, R-SAV-4, R-MYO-7, R-PSH-6.
#include "core/config/limit_policy.hpp"

#include <stdexcept>

#include "core/policy/sender_identity.hpp"

namespace mailwarden::config {

namespace {

policy::limit_overrides overrides(const limit_overrides& o) {
    return {o.max_message_size_outgoing, o.max_message_size_incoming, o.max_recipients,
            o.daily_limit};
}

}  // namespace

policy::limit_policy limit_policy_of(const settings& s) {
    policy::limit_policy limits;
    limits.global = {s.limits.max_message_size_outgoing, s.limits.max_message_size_incoming,
                     s.limits.max_recipients, s.send_cap.daily_limit};
    for (const named_limits& c : s.class_limits)
        limits.classes.push_back({c.name, overrides(c.limits)});
    for (const named_limits& d : s.domain_limits) {
        // Compared with recipients' and accounts' normalised domains (A-labels, lowercase).
        auto domain = policy::parse_domain_list(d.name);
        if (!domain.error.empty() || domain.value.size() != 1)
            throw std::invalid_argument("domain_limits: " + d.name + ": not one domain");
        limits.domains.push_back({domain.value.front(), overrides(d.limits)});
    }
    return limits;
}

}  // namespace mailwarden::config
