// send_cap.cpp: the R-PSH-6 send cap decision (see send_cap.hpp).
#include "core/policy/send_cap.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <cstring>

namespace mailwarden::policy {

std::int64_t bucket_start(std::int64_t now, std::int64_t bucket) {
    if (bucket <= 0) return now;
    const std::int64_t r = now % bucket;
    return now - (r < 0 ? r + bucket : r);
}

void prune(cap_record& r, const cap_params& p, std::int64_t now) {
    const std::int64_t oldest_kept = bucket_start(now, p.bucket) - p.window + p.bucket;
    std::erase_if(r.buckets, [&](const auto& b) { return b.first < oldest_kept; });
    if (r.blocked_until != 0 && r.blocked_until <= now) r.blocked_until = 0;
}

namespace {

std::uint64_t sum(const cap_record& r) {
    std::uint64_t total = 0;
    for (const auto& [start, count] : r.buckets) total += count;
    return total;
}

}  // namespace

cap_decision peek(cap_record& r, const cap_params& p, std::int64_t now) {
    prune(r, p, now);
    const cap_outcome o = r.blocked_until != 0 ? cap_outcome::blocked : cap_outcome::allowed;
    return {o, sum(r), r.blocked_until};
}

cap_decision apply(cap_record& r, const cap_params& p, std::int64_t now, std::uint64_t amount) {
    if (amount == 0) amount = 1;
    prune(r, p, now);
    const std::uint64_t used = sum(r);
    if (r.blocked_until != 0) return {cap_outcome::blocked, used, r.blocked_until};
    if (p.limit == 0) return {cap_outcome::allowed, used, 0};
    if (amount > p.limit || used > p.limit - amount) {
        if (p.block_duration > 0) r.blocked_until = now + p.block_duration;
        return {cap_outcome::over_limit, used, r.blocked_until};
    }
    r.buckets[bucket_start(now, p.bucket)] += amount;
    return {cap_outcome::allowed, used + amount, 0};
}

std::string format_utc(std::int64_t epoch_seconds) {
    const std::chrono::sys_seconds t{std::chrono::seconds{epoch_seconds}};
    return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", t);
}

verdict cap_verdict(const cap_decision& d, const cap_params& p) {
    if (d.outcome == cap_outcome::allowed) return accept();
    if (d.blocked_until != 0)
        return tempfail(450, "4.7.1",
                        fmt::format("Sending blocked until {}: more than {} messages sent in "
                                    "the last {} hours",
                                    format_utc(d.blocked_until), p.limit, p.window / 3600),
                        "R-PSH-6");
    return tempfail(450, "4.7.1",
                    fmt::format("Send limit reached: {} of {} messages in the last {} hours",
                                d.used, p.limit, p.window / 3600),
                    "R-PSH-6");
}

namespace {

void put64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint64_t get64(const char* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

}  // namespace

std::string encode(const cap_record& r) {
    std::string out;
    out.reserve(8 + 16 * r.buckets.size());
    put64(out, static_cast<std::uint64_t>(r.blocked_until));
    for (const auto& [start, count] : r.buckets) {
        put64(out, static_cast<std::uint64_t>(start));
        put64(out, count);
    }
    return out;
}

bool decode(std::string_view bytes, cap_record& out) {
    if (bytes.size() < 8 || (bytes.size() - 8) % 16 != 0) return false;
    cap_record r;
    r.blocked_until = static_cast<std::int64_t>(get64(bytes.data()));
    for (std::size_t i = 8; i < bytes.size(); i += 16)
        r.buckets[static_cast<std::int64_t>(get64(bytes.data() + i))] += get64(bytes.data() + i + 8);
    out = std::move(r);
    return true;
}

}  // namespace mailwarden::policy
