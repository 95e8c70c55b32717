// counter_store.hpp: where send-cap state lives (DESIGN "send caps live in a counter
// store"): one interface, two backends. LMDB (lmdb_store.hpp: one host, a file that
// survives restarts and kill -9) is the default; Redis (redis_store.hpp: several MTAs share
// the counts) runs the decision as one Lua script. Each check_and_add is atomic: two
// messages of one account at the same moment cannot both take the last allowance.
// The decision itself is policy::apply (core/policy/send_cap.hpp); the Redis script is its
// twin, held to the same answers by test/unit/store/store_conformance.hpp.
// Rules: R-PSH-6 (counts, blocks), R-PSH-3 (activation mail seen).
// Failure: every call returns ok=false with a reason when the store cannot answer; callers
// answer milter.on_dependency_failure (never an accept).
// Admin side (`mailwarden sendcap`, `mailwarden user activate-pending`): list_blocked and
// clear_activation, so the CLI needs nothing backend-specific.
// Threads: implementations are safe to call from every libmilter thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/policy/send_cap.hpp"

namespace mailwarden::store {

struct cap_answer {
    bool ok = false;
    policy::cap_decision decision;
    std::string error;  // when !ok; no secrets
};

class counter_store {
public:
    virtual ~counter_store() = default;
    // Decide one send of `amount` for `key` at `now` and record it (policy::apply).
    virtual cap_answer check_and_add(std::string_view key, const policy::cap_params& p,
                                     std::int64_t now, std::uint64_t amount) = 0;
    // The count and block without recording a send (policy::peek).
    virtual cap_answer peek(std::string_view key, const policy::cap_params& p,
                            std::int64_t now) = 0;
    // Forget the key's counts and block (`mailwarden sendcap reset`). ok=false on failure.
    virtual cap_answer reset(std::string_view key) = 0;

    // R-PSH-3: the pending account `key` sent its activation mail at `now` (epoch seconds).
    // Kept apart from the counters; `mailwarden user activate-pending` reads and clears it.
    virtual bool record_activation(std::string_view key, std::int64_t now,
                                   std::string& error) = 0;
    // When the activation mail of `key` was seen: the time, 0 if never; nullopt on failure.
    virtual std::optional<std::int64_t> activation_seen(std::string_view key,
                                                        std::string& error) = 0;
    // R-PSH-3: forget the activation mark of `key` once the provisioner applied it, so a
    // second `activate-pending` does nothing. true when gone (or never there).
    virtual bool clear_activation(std::string_view key, std::string& error) = 0;

    // R-PSH-6: every key whose block is still running at `now`, with its end, sorted by
    // key (`mailwarden sendcap blocked`). Reads only; nullopt on failure.
    struct blocked_key {
        std::string key;
        std::int64_t blocked_until = 0;
        bool operator==(const blocked_key&) const = default;
    };
    virtual std::optional<std::vector<blocked_key>> list_blocked(std::int64_t now,
                                                                 std::string& error) = 0;
};

// The configured backend (send_cap.store). LMDB creates its file if missing. Throws
// std::runtime_error when the store cannot be opened (a start-up error).
std::unique_ptr<counter_store> open_counter_store(const config::send_cap_settings& s);

// send_cap.* -> the decision's parameters, with `limit` (the account's override or the
// default).
policy::cap_params cap_params_from(const config::send_cap_settings& s, std::uint64_t limit);

}  // namespace mailwarden::store
