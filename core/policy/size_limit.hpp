// size_limit.hpp: R-PSH-5 / R-SAV-4 / R-MYO-7 message size limits, separate for outgoing
// mail (authenticated or from a trusted relay) and incoming mail. Checked at MAIL FROM
// against the client's ESMTP SIZE= (refuse before the data is sent) and at end of message
// against the bytes that actually came (headers + body). Reply in Postfix's wording:
//   552 5.3.4 Message size exceeds fixed limit
#pragma once

#include <cstdint>

#include "core/policy/verdict.hpp"

namespace mailwarden::policy {

// The limit that applies: outgoing when the client is authenticated or trusted.
inline std::uint64_t size_limit_for(bool outgoing, std::uint64_t outgoing_limit,
                                    std::uint64_t incoming_limit) {
    return outgoing ? outgoing_limit : incoming_limit;
}

// size > limit -> 552 5.3.4 (limit 0 = no limit). size == limit is accepted.
inline verdict check_size(std::uint64_t limit, std::uint64_t size, bool outgoing) {
    if (limit == 0 || size <= limit) return accept();
    // One rule id for both directions: R-SAV-4 is the rule that splits them.
    (void)outgoing;
    return reject(552, "5.3.4", "Message size exceeds fixed limit", "R-SAV-4");
}

}  // namespace mailwarden::policy
