// send_cap.hpp: R-PSH-6 "more than 100 messages sent in a day switches on a send block:
// the user cannot send for 24 hours; the block lifts by itself", as pure logic over one
// account's record, so the counter stores (core/store: LMDB, Redis) only load and save it
// atomically and the rule itself is unit-tested with a fake clock.
// The window is rolling and exact to a bucket: sends are counted in buckets of
// send_cap.bucket seconds (at most 5 minutes) aligned to the epoch; the window holds the
// current bucket and the ones before it, window/bucket in all. A send that would take the
// count over the limit is refused (and not counted) and starts a block of block_duration
// (its own state, blocked_until); during the block every send is refused (not counted);
// the block lifts by itself when blocked_until passes. block_duration 0 = refuse only what
// is over the limit. limit 0 = no cap (nothing is counted).
// Redis runs the same decision as a Lua script (core/store/redis_store.cpp); the store
// conformance suite proves both backends answer like apply().
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/policy/verdict.hpp"

namespace mailwarden::policy {

struct cap_params {
    std::uint64_t limit = 100;           // sends per window; 0 = no cap
    std::int64_t window = 86400;         // seconds; a multiple of bucket
    std::int64_t bucket = 300;           // seconds, > 0
    std::int64_t block_duration = 86400; // seconds; 0 = no block
};

// One account's state. Times are seconds since the epoch (UTC).
struct cap_record {
    std::map<std::int64_t, std::uint64_t> buckets;  // bucket start -> sends counted
    std::int64_t blocked_until = 0;                 // 0: not blocked
    bool operator==(const cap_record&) const = default;
};

enum class cap_outcome {
    allowed,        // counted
    over_limit,     // refused, not counted; a block started (or none: block_duration 0)
    blocked,        // refused, not counted: a block is running
};

struct cap_decision {
    cap_outcome outcome = cap_outcome::allowed;
    std::uint64_t used = 0;          // counted in the window after the decision
    std::int64_t blocked_until = 0;  // 0: no block after the decision
    bool operator==(const cap_decision&) const = default;
};

// Start of the bucket holding `now`.
std::int64_t bucket_start(std::int64_t now, std::int64_t bucket);

// Drops buckets that left the window and a block that has ended.
void prune(cap_record& r, const cap_params& p, std::int64_t now);

// The count in the window and the block, without changing anything that matters (it
// prunes). For `mailwarden sendcap show` and the MAIL FROM pre-check.
cap_decision peek(cap_record& r, const cap_params& p, std::int64_t now);

// Decide one send of `amount` (1 message, or its recipients) at `now` and update the
// record. amount 0 counts as 1 (a message with no recipient left still went out).
cap_decision apply(cap_record& r, const cap_params& p, std::int64_t now, std::uint64_t amount);

// "2026-11-24 13:05:00 UTC"
std::string format_utc(std::int64_t epoch_seconds);

// The reply: accept when allowed; else 450 4.7.1 "...blocked until <UTC>..." (a temporary
// refusal: the user may send again when the block lifts) with rule R-PSH-6.
verdict cap_verdict(const cap_decision& d, const cap_params& p);

// Records <-> bytes for stores: little-endian int64 blocked_until, then (int64 start,
// uint64 count) pairs. decode() refuses a length that is not 8 + 16 n.
std::string encode(const cap_record& r);
bool decode(std::string_view bytes, cap_record& out);

}  // namespace mailwarden::policy
