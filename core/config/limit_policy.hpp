// limit_policy.hpp: the limits policy (core/policy/limits.hpp) derived from validated
// settings: limits.*, send_cap.daily_limit, class_limits and domain_limits (domains
// normalised to A-labels). One function, so the milter (which enforces the limits) and
// `mailwarden sendcap show` (which reports them) can never disagree about an account's cap.
// Rules: R-PSH-5, R-SAV-4, R-MYO-7, R-PSH-6 (limits per class and per domain).
#pragma once

#include "core/config/config.hpp"
#include "core/policy/limits.hpp"

namespace mailwarden::config {

// Throws std::invalid_argument when a domain_limits name is not one domain (validate()
// refuses such a file first, so this is a programming error when it happens).
policy::limit_policy limit_policy_of(const settings& s);

}  // namespace mailwarden::config
