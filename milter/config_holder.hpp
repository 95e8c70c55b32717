// config_holder.hpp: the configuration the milter runs with now, replaced as a whole when a
// reload (SIGHUP) produced a valid one. A message takes a snapshot when it starts and keeps
// it to its end, so a reload never changes the rules in the middle of a message; the old
// snapshot is freed when its last message ends (OpenDKIM's refcounted config, done with
// shared_ptr). The logger travels with the settings it was built from (log.level,
// log.target). No libmilter include: sessions built on it are unit-tested without it.
// Rules: none of its own; every rule reads its settings through a snapshot (R-TJP-3: the
// subject block list travels in the snapshot, so a reload swaps it with the config; the
// limits per class and domain too).
#pragma once

#include <atomic>
#include <memory>
#include <utility>

#include "core/config/config.hpp"
#include "core/policy/limits.hpp"
#include "core/policy/sender_identity.hpp"
#include "core/policy/subject_rules.hpp"
#include "core/util/log.hpp"

namespace mailwarden::milter {

struct runtime_config {
    config::settings settings;
    log::logger log;
    // Derived once per snapshot from settings.sender (lists parsed, domains normalised):
    // make_runtime_config fills it; a default one checks identity with no local domains.
    policy::sender_policy sender{};
    // Derived from limits.*, send_cap.daily_limit, class_limits and domain_limits (domains
    // normalised): which limits apply to whom (core/policy/limits.hpp).
    policy::limit_policy limits{};
    // R-TJP-3: the subject block list loaded with this snapshot (rules.subject_block_file);
    // null when the key is empty. Loaded by the caller (main.cpp), so a broken file fails
    // the whole (re)load and the running snapshot, rules included, stays.
    std::shared_ptr<const policy::subject_rules> subjects{};
};

// A snapshot from validated settings (throws std::invalid_argument when a list that
// validate() would refuse does not parse: a programming error).
std::shared_ptr<const runtime_config> make_runtime_config(
    config::settings s, log::logger log,
    std::shared_ptr<const policy::subject_rules> subjects = nullptr);

class config_holder {
public:
    explicit config_holder(std::shared_ptr<const runtime_config> initial)
        : current_(std::move(initial)) {}
    config_holder(const config_holder&) = delete;
    config_holder& operator=(const config_holder&) = delete;

    // Never null once constructed with a non-null snapshot. Safe from any thread.
    std::shared_ptr<const runtime_config> current() const { return current_.load(); }
    void replace(std::shared_ptr<const runtime_config> next) { current_.store(std::move(next)); }

private:
    std::atomic<std::shared_ptr<const runtime_config>> current_;
};

}  // namespace mailwarden::milter
