// allocate.cpp: the compare-and-swap loops of allocate.hpp (one number, or a block).
// Rules: R-PSH-1.
#include "provisioner/allocate.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mailwarden::provisioner {

std::optional<std::uint32_t> parse_counter_value(std::string_view text) {
    if (text.empty() || text.size() > 7 || text[0] == '0') return std::nullopt;
    std::uint32_t v = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint32_t>(c - '0');
    }
    return v;
}

block_allocation allocate_block(mail::region r, std::uint32_t wanted, const counter_ops& ops,
                                int max_attempts) {
    block_allocation out;
    wanted = std::clamp<std::uint32_t>(wanted, 1, max_block);
    for (int attempt = 0; attempt < max_attempts; ++attempt) {
        if (attempt > 0 && ops.pause) ops.pause(attempt);
        const counter_read now = ops.read();
        if (!now.outcome.is_ok()) {
            out.outcome = now.outcome;
            return out;
        }
        const auto value = now.value ? parse_counter_value(*now.value) : std::nullopt;
        if (!value || *value > mail::mailbox_id::max_sequence + 1) {
            out.outcome = ldap::make_result(
                34,
                fmt::format("the counter of region {} holds no valid number", static_cast<int>(r)));
            out.outcome.what = ldap::status::invalid;
            return out;
        }
        if (*value > mail::mailbox_id::max_sequence) {
            out.outcome = ldap::make_result(
                19, fmt::format("region {} is full (999999 mailboxes)", static_cast<int>(r)));
            return out;
        }
        const std::uint32_t count = std::min(wanted, mail::mailbox_id::max_sequence + 1 - *value);
        ++out.attempts;
        const ldap::result swapped =
            ops.swap(std::to_string(*value), std::to_string(*value + count));
        if (swapped.what == ldap::status::conflict) continue;  // another writer won: re-read
        if (!swapped.is_ok()) {
            out.outcome = swapped;
            return out;
        }
        out.first = *value;
        out.count = count;
        out.outcome = ldap::make_result(0);
        return out;
    }
    out.outcome =
        ldap::make_result(51, fmt::format("region {} counter still contended after {} attempts",
                                          static_cast<int>(r), max_attempts));
    return out;
}

ldap::result give_back(const block_allocation& block, std::uint32_t used, const counter_ops& ops) {
    if (!block.outcome.is_ok() || used >= block.count) return ldap::make_result(0);
    return ops.swap(std::to_string(block.first + block.count), std::to_string(block.first + used));
}

allocation allocate_next(mail::region r, const counter_ops& ops, int max_attempts) {
    allocation out;
    const block_allocation b = allocate_block(r, 1, ops, max_attempts);
    out.outcome = b.outcome;
    out.attempts = b.attempts;
    if (!b.outcome.is_ok()) return out;
    auto id = mail::mailbox_id::make(r, b.first);
    if (!id.ok()) {
        out.outcome = ldap::make_result(34, "the region is not valid");
        out.outcome.what = ldap::status::invalid;
        return out;
    }
    out.id = id.value();
    return out;
}

}  // namespace mailwarden::provisioner
