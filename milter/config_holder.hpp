// config_holder.hpp: the configuration the milter runs with now, replaced as a whole when a
// reload (SIGHUP) produced a valid one. A message takes a snapshot when it starts and keeps
// it to its end, so a reload never changes the rules in the middle of a message; the old
// snapshot is freed when its last message ends (OpenDKIM's refcounted config, done with
// shared_ptr). The logger travels with the settings it was built from (log.level,
// log.target). No libmilter include: sessions built on it are unit-tested without it.
// Rules: none of its own; every rule reads its settings through a snapshot.
#pragma once

#include <atomic>
#include <memory>
#include <utility>

#include "core/config/config.hpp"
#include "core/util/log.hpp"

namespace mailwarden::milter {

struct runtime_config {
    config::settings settings;
    log::logger log;
};

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
