// redis_store.hpp: the shared counter store (send_cap.store: redis), for several MTAs that
// must see one count per account. Each account is one hash (field "u" = blocked_until,
// decimal bucket starts = counts) changed only by one Lua script run with EVALSHA (loaded
// again after NOSCRIPT), so check-and-increment is atomic on the server. The script is the
// twin of policy::apply (core/policy/send_cap.hpp); the conformance suite holds them equal.
// Keys expire after window + block_duration, so Redis never keeps idle accounts.
// Rules: R-PSH-6.
// Failure: cannot connect, timeout (2 s), an error reply -> ok=false; the connection is
// dropped and made again at the next call.
// Threads: one connection behind a mutex (a call is one round trip).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/store/counter_store.hpp"

namespace mailwarden::store {

class redis_store final : public counter_store {
public:
    // uri: tcp://HOST:PORT or unix:/PATH (send_cap.redis_uri). Does not connect yet.
    explicit redis_store(std::string uri, std::string key_prefix = "mailwarden:sendcap:");
    ~redis_store() override;
    redis_store(const redis_store&) = delete;
    redis_store& operator=(const redis_store&) = delete;

    cap_answer check_and_add(std::string_view key, const policy::cap_params& p, std::int64_t now,
                             std::uint64_t amount) override;
    cap_answer peek(std::string_view key, const policy::cap_params& p, std::int64_t now) override;
    cap_answer reset(std::string_view key) override;
    bool record_activation(std::string_view key, std::int64_t now, std::string& error) override;
    std::optional<std::int64_t> activation_seen(std::string_view key,
                                                std::string& error) override;
    bool clear_activation(std::string_view key, std::string& error) override;
    std::optional<std::vector<blocked_key>> list_blocked(std::int64_t now,
                                                         std::string& error) override;
    // Connects now; "" when it worked, else why not.
    std::string connect();

private:
    cap_answer run_script(std::string_view key, const policy::cap_params& p, std::int64_t now,
                          std::uint64_t amount, bool record);
    struct state;
    std::unique_ptr<state> state_;
    std::mutex mutex_;
};

}  // namespace mailwarden::store
