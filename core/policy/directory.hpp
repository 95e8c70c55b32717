// directory.hpp: what the policy rules know about an account, and the interface they ask
// through. The milter's LDAP implementation (milter/ldap_directory.hpp) and the unit tests'
// fakes implement `directory`; `cached_directory` puts a clock-driven cache in front of any
// of them (positive entries for ldap.cache_ttl, "no such account" for
// ldap.negative_cache_ttl; temporary failures are never cached, so the next message asks
// again; a sender's entry is asked again once older than ldap.status_cache_ttl, so an
// admin's block reaches the milter within that time, not within cache_ttl).
// Rules: R-SAV-9 (owned and granted addresses), R-PSH-3 / R-TJP-5 / R-SAV-11 (status),
// R-PSH-6 (per-account daily limit), R-TJP-2 (internal-only + allow-list), R-MYO-6 (lists).
// DESIGN "three outcomes": a lookup answers found, not_found or temporary_failure, never
// throws for a directory that is down.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy/verdict.hpp"
#include "core/util/clock.hpp"

namespace mailwarden::policy {

// The status words of account_status.* mapped to what the rules need.
enum class account_status { active, pending, blocked, unknown };

struct account {
    std::string mail;                             // primary address (the login)
    std::vector<std::string> aliases;             // may receive and send as these
    std::vector<std::string> send_as;             // granted to send as
    account_status status = account_status::active;
    std::string status_word;                      // as stored (for logs)
    std::optional<std::uint64_t> daily_limit;     // override of send_cap.daily_limit
    bool internal_only = false;                   // application mailbox / internal list
    std::vector<std::string> allowed_recipients;  // "user@dom" or "@dom" (R-TJP-2)
    bool is_list = false;                         // a distribution list entry (R-MYO-6)
    std::vector<std::string> classes;             // values of classes.attribute (limits.hpp)
    std::string dn;                               // where it lives (R-PSH-3 status write)

    bool operator==(const account&) const = default;
};

enum class lookup_status { found, not_found, temporary_failure };

struct lookup_result {
    lookup_status status = lookup_status::not_found;
    std::optional<account> value;  // set only when found
    std::string error;             // temporary_failure: why (for the log; no secrets)

    static lookup_result found(account a) { return {lookup_status::found, std::move(a), {}}; }
    static lookup_result not_found() { return {lookup_status::not_found, std::nullopt, {}}; }
    static lookup_result temporary(std::string why) {
        return {lookup_status::temporary_failure, std::nullopt, std::move(why)};
    }
};

// Thread-safe implementations only: the milter calls lookup from every libmilter thread.
class directory {
public:
    virtual ~directory() = default;
    // `key` is an address already normalised by the caller (mail::mailbox_address::
    // comparison_key(): "john.doe@example.org"). Entries whose status is the deleted word
    // answer not_found (docs/SCHEMA.md "Lookups the milter makes").
    virtual lookup_result lookup(std::string_view key) = 0;
    // Like lookup, but an answer remembered longer than `max_age` ago is asked for again:
    // the milter reads a sender's account (its status, R-TJP-5 / R-PSH-3) at most
    // ldap.status_cache_ttl old, while recipients use the whole ldap.cache_ttl. Directories
    // without a cache simply look up.
    virtual lookup_result lookup_recent(std::string_view key, seconds max_age) {
        (void)max_age;
        return lookup(key);
    }
    // Forget what is remembered about `key` (the milter changed it: R-PSH-3 activation).
    virtual void forget(std::string_view key) { (void)key; }
};

// A directory in front of another, remembering answers: found for `positive_ttl`,
// not_found for `negative_ttl` (0 = do not remember), temporary failures never. At most
// `max_entries` answers are kept; when full, expired ones are dropped first, then
// everything (a cache, not a store: the cost is one more lookup per address).
// Thread-safe; the inner lookup runs without the lock held, so a slow directory does not
// stall lookups of other addresses that are cached.
class cached_directory final : public directory {
public:
    cached_directory(directory& inner, const clock& clock, seconds positive_ttl,
                     seconds negative_ttl, std::size_t max_entries = 100'000);
    lookup_result lookup(std::string_view key) override;
    lookup_result lookup_recent(std::string_view key, seconds max_age) override;
    void forget(std::string_view key) override;
    // Forget everything (SIGHUP, so a changed ldap.* takes effect at once).
    void clear();
    std::size_t size() const;

private:
    struct cached {
        lookup_result answer;
        time_point stored;
        time_point expires;
    };
    directory& inner_;
    const clock& clock_;
    const seconds positive_ttl_;
    const seconds negative_ttl_;
    const std::size_t max_entries_;
    mutable std::mutex mutex_;
    std::map<std::string, cached, std::less<>> entries_;
};

// The directory of a milter configured without LDAP (ldap.base_dn empty): every login is an
// active account that owns exactly its own address, so authenticated senders may still
// only send as their login (R-SAV-9), with no aliases, grants or overrides.
class login_only_directory final : public directory {
public:
    lookup_result lookup(std::string_view key) override {
        account a;
        a.mail = std::string(key);
        return lookup_result::found(std::move(a));
    }
};

// What the rules answer when a dependency failed, per milter.on_dependency_failure:
// tempfail -> 451 4.3.0 (dependency_failure), reject -> 554 5.3.0. Any other action (a bug:
// the config offers only these two) also tempfails: never an accept.
verdict failure_verdict(action on_failure, std::string_view what_failed);

}  // namespace mailwarden::policy
