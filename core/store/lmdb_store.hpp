// lmdb_store.hpp: the default counter store, an LMDB file (send_cap.lmdb_path, plus
// PATH-lock). One write transaction per check_and_add: LMDB serialises writers across
// threads and processes, and a committed transaction survives kill -9 and power loss.
// Rules: R-PSH-6. Failure: LMDB errors -> ok=false with mdb_strerror; a record that does
// not decode is an error too (never read as "nothing sent").
// Security: the file holds addresses and counts; created mode 0600 by the milter's user.
// Fork: an LMDB environment must not cross fork(); open it in the process that uses it.
#pragma once

#include <memory>
#include <string>

#include "core/store/counter_store.hpp"

namespace mailwarden::store {

class lmdb_store final : public counter_store {
public:
    // Opens (creating) the file; throws std::runtime_error on failure.
    explicit lmdb_store(const std::string& path, std::size_t map_size = std::size_t{1} << 30);
    ~lmdb_store() override;
    lmdb_store(const lmdb_store&) = delete;
    lmdb_store& operator=(const lmdb_store&) = delete;

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

private:
    template <typename Change>
    cap_answer update(std::string_view key, Change&& change);
    struct state;
    std::unique_ptr<state> state_;
};

}  // namespace mailwarden::store
