// allocate.hpp: R-PSH-1 allocation of the next NXXXXXX of a region, safe under concurrent
// provisioners on OpenLDAP and 389ds (DESIGN "NXXXXXX allocation"). The region's counter
// entry holds the next free sequence number; a number is ours once ONE modify {delete
// old value, add old+1} succeeds: a writer that read a stale value gets rc 16 (conflict),
// changes nothing, re-reads and tries again. No Modify-Increment (389ds lacks it), no
// assertion control (389ds ignores it when non-critical). A number, once taken, is never
// handed out again, even when writing the account fails afterwards (a gap, not a reuse).
// Blocks: one swap {delete v, add v+K} hands out the K consecutive numbers v..v+K-1 at the
// price of one (an import takes one block per region and run, capped at max_block so a
// crash wastes at most that many numbers). Unused numbers at the end of a block go back
// with a swap {delete v+K, add v+used}, which only succeeds when nobody took a number
// since; otherwise they stay a gap.
// The directory is reached through two callables, so the loop is unit-tested with fakes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/ldap/result.hpp"
#include "core/mail/mailbox_id.hpp"

namespace mailwarden::provisioner {

struct counter_read {
    ldap::result outcome;
    std::optional<std::string> value;  // the counter's current value, as stored
};

struct counter_ops {
    std::function<counter_read()> read;
    // {delete old, add next} in one modify; conflict when old is no longer there.
    std::function<ldap::result(const std::string& old_value, const std::string& next_value)> swap;
    // Called before retry number `attempt` (1, 2, ...): a short random back-off in the
    // program, nothing in tests.
    std::function<void(int attempt)> pause;
};

struct allocation {
    ldap::result outcome;                // ok, or why not (conflict: region full, too busy)
    std::optional<mail::mailbox_id> id;  // set when ok
    int attempts = 0;                    // modifies sent
};

// The next id of `r`. Fails with invalid when the stored value is not a number in
// 1..999999+1, conflict with "region N is full" past 999999, the read's or swap's own
// outcome for anything but a conflict, and conflict "still contended after N attempts"
// when max_attempts swaps all lost.
allocation allocate_next(mail::region r, const counter_ops& ops, int max_attempts = 500);

// Numbers an import takes with one swap, at most.
inline constexpr std::uint32_t max_block = 500;

struct block_allocation {
    ldap::result outcome;     // as allocation::outcome
    std::uint32_t first = 0;  // the first sequence number handed out (when ok)
    std::uint32_t count = 0;  // first .. first+count-1 are ours; <= wanted, less only at
                              // the end of the region (ask again: the next is "full")
    int attempts = 0;
};

// `wanted` (1..max_block, clamped) consecutive numbers of `r` with one successful swap;
// errors as allocate_next.
block_allocation allocate_block(mail::region r, std::uint32_t wanted, const counter_ops& ops,
                                int max_attempts = 500);

// Returns first+used .. end-1 to the counter: swap {delete end, add first+used}. ok when
// given back; conflict (nothing changed, the numbers stay a gap) when the counter moved on.
ldap::result give_back(const block_allocation& block, std::uint32_t used, const counter_ops& ops);

// "12" -> 12; nullopt for anything but 1..7 plain ASCII digits without sign or leading zero.
std::optional<std::uint32_t> parse_counter_value(std::string_view text);

}  // namespace mailwarden::provisioner
