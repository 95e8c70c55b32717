// quota_bridge.cpp: the extern "C" implementation of quota-bridge.h over the C++ core
// (quota_limits.hpp). Every function catches every exception and turns it into -1 plus an
// error: no exception may unwind into Dovecot's C frames (style rule 12).
// Rules: R-PSH-4, R-SAV-1, R-MYO-8, R-SAV-2 (grace through core/quota), R-SAV-1 (warnings).
// Failure: errors are returned, never logged here; the C glue logs them on the user's
// event (the core has no Dovecot logger and must not use syslog inside Dovecot).
#include <fmt/format.h>

#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/units.hpp"
#include "core/quota/grace.hpp"
#include "core/quota/notice.hpp"
#include "core/quota/state.hpp"
#include "core/quota/warnings.hpp"
#include "core/util/clock.hpp"
#include "core/util/log.hpp"
#include "dovecot-plugin/quota-bridge.h"
#include "dovecot-plugin/quota_limits.hpp"

namespace qp = mailwarden::quota_plugin;
namespace q = mailwarden::quota;

struct mailwarden_quota_user {
    qp::limits limits = qp::default_limits();
    q::grace_policy policy;               // soft = limits, once configured
    std::vector<q::threshold> warnings;   // warning thresholds
    mailwarden::seconds clock_offset{0};  // tests only (mailwarden_quota_test_clock_offset)
    std::string state_path;               // "" = no state file (no home): grace from scratch
    q::mailbox_state state;
    std::string last_text;  // backs compose_notice's text
    mailwarden_quota_log_func* log = nullptr;
    void* log_context = nullptr;
    std::string last_error;  // backs the error_r strings handed to C
};

namespace {

const char* const invalid_argument = "invalid argument (NULL pointer or unknown limit)";
const char* const out_of_memory = "out of memory";
const char* const unexpected = "unexpected internal error";

bool valid_limit(mailwarden_quota_limit which) {
    return which == MAILWARDEN_QUOTA_LIMIT_STORAGE || which == MAILWARDEN_QUOTA_LIMIT_MESSAGES;
}

// Keeps the message in the user's buffer; falls back to a static string if even that
// allocation fails, so error_r is always set when -1 is returned.
const char* keep_error(mailwarden_quota_user& user, const char* message) noexcept {
    try {
        user.last_error = message;
        return user.last_error.c_str();
    } catch (...) {
        return out_of_memory;
    }
}

}  // namespace

extern "C" int mailwarden_quota_user_create(mailwarden_quota_user** user_r, const char** error_r) {
    if (error_r == nullptr) return -1;
    if (user_r == nullptr) {
        *error_r = invalid_argument;
        return -1;
    }
    try {
        *user_r = new mailwarden_quota_user{};
        return 0;
    } catch (const std::bad_alloc&) {
        *error_r = out_of_memory;
    } catch (...) {
        *error_r = unexpected;
    }
    *user_r = nullptr;
    return -1;
}

extern "C" void mailwarden_quota_user_free(mailwarden_quota_user** user) {
    if (user == nullptr) return;
    delete *user;  // the destructor frees a std::string: cannot throw
    *user = nullptr;
}

extern "C" int mailwarden_quota_user_set_limit(mailwarden_quota_user* user,
                                               mailwarden_quota_limit which, const char* value,
                                               const char** error_r) {
    if (error_r == nullptr) return -1;
    if (user == nullptr || !valid_limit(which)) {
        *error_r = invalid_argument;
        return -1;
    }
    if (value == nullptr || value[0] == '\0') return 0;
    try {
        const qp::parse_result parsed = which == MAILWARDEN_QUOTA_LIMIT_STORAGE
                                            ? qp::parse_storage_limit(value)
                                            : qp::parse_message_limit(value);
        if (!parsed.ok()) {
            *error_r = keep_error(*user, parsed.error.c_str());
            return -1;
        }
        if (which == MAILWARDEN_QUOTA_LIMIT_STORAGE)
            user->limits.storage_bytes = *parsed.value;
        else
            user->limits.messages = *parsed.value;
        return 1;
    } catch (const std::exception& e) {
        *error_r = keep_error(*user, e.what());
    } catch (...) {
        *error_r = unexpected;
    }
    return -1;
}

extern "C" int mailwarden_quota_user_get_limit(const mailwarden_quota_user* user,
                                               mailwarden_quota_limit which, uint64_t* value_r,
                                               const char** error_r) {
    if (error_r == nullptr) return -1;
    if (user == nullptr || value_r == nullptr || !valid_limit(which)) {
        *error_r = invalid_argument;
        return -1;
    }
    *value_r = which == MAILWARDEN_QUOTA_LIMIT_STORAGE ? user->limits.storage_bytes
                                                       : user->limits.messages;
    return 0;
}

namespace {

void say(const mailwarden_quota_user& user, int level, const std::string& message) {
    if (user.log != nullptr) user.log(user.log_context, level, message.c_str());
}

// Not set: absent, empty, or "default" (what the shipped LDAP user_attrs give for an absent
// attribute, %{ldap:attr:default}: Dovecot 2.3 turns an empty field value into "yes").
bool unset(const char* value) {
    return value == nullptr || value[0] == '\0' || std::string_view(value) == "default";
}

// One limit: the user's value, else the default; 0 is unlimited or the default (zero mode).
std::uint64_t resolve_limit(const mailwarden_quota_user& user, const char* name, const char* value,
                            const char* default_name, const char* default_value,
                            std::uint64_t builtin_default, bool zero_is_default, bool storage) {
    auto parse = [&](const char* text) {
        return storage ? qp::parse_storage_limit(text) : qp::parse_message_limit(text);
    };
    std::uint64_t fallback = builtin_default;
    if (!unset(default_value)) {
        const auto d = parse(default_value);
        if (d.ok())
            fallback = *d.value;
        else
            say(user, 2,
                fmt::format("Invalid {}: {}; using the default {} (0 = unlimited)", default_name,
                            d.error, builtin_default));
    }
    if (unset(value)) return fallback;
    const auto v = parse(value);
    if (!v.ok()) {
        say(user, 2,
            fmt::format("Invalid {}: {}; using the default {} (0 = unlimited)", name, v.error,
                        fallback));
        return fallback;
    }
    if (*v.value == 0 && zero_is_default) return fallback;
    return *v.value;
}

// A hard ceiling: a size/count or a percentage of the soft limit; 0 / unset = none.
std::uint64_t resolve_hard(const mailwarden_quota_user& user, const char* name, const char* value,
                           std::uint64_t soft, bool storage) {
    if (unset(value)) return 0;
    const std::string_view text(value);
    if (text.back() == '%') {
        const auto p = mailwarden::config::parse_count(text.substr(0, text.size() - 1));
        if (p.ok() && *p.value >= 100 && *p.value <= 100000) return q::percent_of(soft, *p.value);
        say(user, 2,
            fmt::format("Invalid {}: '{}' is not a percentage of 100% or more; "
                        "using no hard ceiling",
                        name, mailwarden::log::sanitize(text, 40)));
        return 0;
    }
    const auto v = storage ? qp::parse_storage_limit(text) : qp::parse_message_limit(text);
    if (!v.ok()) {
        say(user, 2, fmt::format("Invalid {}: {}; using no hard ceiling", name, v.error));
        return 0;
    }
    if (*v.value != 0 && soft != 0 && *v.value < soft) {
        say(user, 2,
            fmt::format("{} {} is below the limit {}; using the limit", name, *v.value, soft));
        return soft;
    }
    return *v.value;
}

mailwarden::time_point now_of(const mailwarden_quota_user& user) {
    return mailwarden::system_clock{}.now() + user.clock_offset;
}

void save(mailwarden_quota_user& user) {
    if (user.state_path.empty()) return;
    std::string error;
    if (!q::save_state(user.state_path, user.state, &error))
        say(user, 3, fmt::format("Saving the quota state failed: {}", error));
}

}  // namespace

extern "C" int mailwarden_quota_user_configure(mailwarden_quota_user* user,
                                               const mailwarden_quota_raw_settings* raw,
                                               mailwarden_quota_log_func* log, void* log_context,
                                               const char** error_r) {
    if (error_r == nullptr) return -1;
    if (user == nullptr || raw == nullptr) {
        *error_r = invalid_argument;
        return -1;
    }
    try {
        user->log = log;
        user->log_context = log_context;
        bool zero_is_default = false;
        // (not unset(): its "default" is this setting's value, not "not set")
        if (raw->zero != nullptr && raw->zero[0] != '\0') {
            const std::string_view z(raw->zero);
            if (z == "default")
                zero_is_default = true;
            else if (z != "unlimited")
                say(*user, 2,
                    fmt::format("Invalid mailwarden_quota_zero: '{}' is not unlimited or "
                                "default; using unlimited",
                                mailwarden::log::sanitize(z, 40)));
        }
        const qp::limits builtin = qp::default_limits();
        user->limits.storage_bytes = resolve_limit(
            *user, "mailwarden_quota_storage", raw->storage, "mailwarden_quota_default_storage",
            raw->default_storage, builtin.storage_bytes, zero_is_default, true);
        user->limits.messages = resolve_limit(
            *user, "mailwarden_quota_messages", raw->messages, "mailwarden_quota_default_messages",
            raw->default_messages, builtin.messages, zero_is_default, false);
        user->policy.soft = {user->limits.storage_bytes, user->limits.messages};
        user->policy.hard = {resolve_hard(*user, "mailwarden_quota_hard_storage", raw->hard_storage,
                                          user->limits.storage_bytes, true),
                             resolve_hard(*user, "mailwarden_quota_hard_messages",
                                          raw->hard_messages, user->limits.messages, false)};
        user->policy.grace = mailwarden::seconds{0};
        if (!unset(raw->grace)) {
            const auto g = mailwarden::config::parse_duration(raw->grace);
            if (g.ok())
                user->policy.grace = *g.value;
            else
                say(*user, 2,
                    fmt::format("Invalid mailwarden_quota_grace: {}; using no grace", g.error));
        }
        user->warnings.clear();
        if (!unset(raw->warnings)) {
            auto w = q::parse_thresholds(raw->warnings);
            if (w.ok())
                user->warnings = std::move(*w.value);
            else
                say(*user, 2,
                    fmt::format("Invalid mailwarden_quota_warnings: {}; no warnings", w.error));
        }
        user->clock_offset = mailwarden::seconds{0};
        if (!unset(raw->clock_offset)) {
            const auto o = mailwarden::config::parse_duration(raw->clock_offset);
            if (o.ok())
                user->clock_offset = *o.value;
            else
                say(*user, 2,
                    fmt::format("Invalid mailwarden_quota_test_clock_offset: {}", o.error));
        }
        user->state_path = unset(raw->state_path) ? std::string() : std::string(raw->state_path);
        user->state = {};
        if (!user->state_path.empty()) {
            std::string error;
            user->state = q::load_state(user->state_path, &error);
            if (!error.empty())
                say(*user, 2,
                    fmt::format("Reading the quota state failed ({}); starting afresh", error));
        }
        return 0;
    } catch (const std::bad_alloc&) {
        *error_r = out_of_memory;
    } catch (const std::exception& e) {
        *error_r = keep_error(*user, e.what());
    } catch (...) {
        *error_r = unexpected;
    }
    return -1;
}

extern "C" int mailwarden_quota_user_decide(mailwarden_quota_user* user, uint64_t bytes,
                                            uint64_t messages, uint64_t in_bytes,
                                            uint64_t in_messages,
                                            mailwarden_quota_verdict* verdict_r,
                                            int64_t* grace_end_r, const char** error_r) {
    if (error_r == nullptr) return -1;
    if (user == nullptr || verdict_r == nullptr || grace_end_r == nullptr) {
        *error_r = invalid_argument;
        return -1;
    }
    try {
        const auto d = q::decide(user->policy, user->state.grace, {bytes, messages},
                                 {in_bytes, in_messages}, now_of(*user));
        if (d.state_changed) save(*user);
        *grace_end_r = d.grace_end ? d.grace_end->time_since_epoch().count() : 0;
        switch (d.result) {
            case q::verdict::allow:
                *verdict_r = MAILWARDEN_QUOTA_ALLOW;
                break;
            case q::verdict::allow_in_grace:
                *verdict_r = MAILWARDEN_QUOTA_ALLOW_IN_GRACE;
                break;
            case q::verdict::refuse_over_quota:
                *verdict_r = MAILWARDEN_QUOTA_REFUSE_OVER_QUOTA;
                break;
            case q::verdict::refuse_grace_expired:
                *verdict_r = MAILWARDEN_QUOTA_REFUSE_GRACE_EXPIRED;
                break;
            case q::verdict::refuse_hard_limit:
                *verdict_r = MAILWARDEN_QUOTA_REFUSE_HARD_LIMIT;
                break;
        }
        return 0;
    } catch (const std::exception& e) {
        *error_r = keep_error(*user, e.what());
    } catch (...) {
        *error_r = unexpected;
    }
    return -1;
}

extern "C" int mailwarden_quota_user_check_warnings(mailwarden_quota_user* user, uint64_t bytes,
                                                    int* notice_r, uint64_t* threshold_r,
                                                    const char** error_r) {
    if (error_r == nullptr) return -1;
    if (user == nullptr || notice_r == nullptr || threshold_r == nullptr) {
        *error_r = invalid_argument;
        return -1;
    }
    try {
        const auto resolved = q::resolve(user->warnings, user->limits.storage_bytes);
        const auto d = q::check_warnings(bytes, resolved, user->state.warned_level);
        *notice_r = d.send == q::notice::warning ? 1 : d.send == q::notice::back_under ? 2 : 0;
        *threshold_r = d.threshold;
        if (d.level != user->state.warned_level) {
            user->state.warned_level = d.level;
            save(*user);
        }
        return 0;
    } catch (const std::exception& e) {
        *error_r = keep_error(*user, e.what());
    } catch (...) {
        *error_r = unexpected;
    }
    return -1;
}

extern "C" int mailwarden_quota_user_has_warnings(const mailwarden_quota_user* user) {
    return user != nullptr && !user->warnings.empty() ? 1 : 0;
}

extern "C" int mailwarden_quota_user_compose_notice(mailwarden_quota_user* user, int notice,
                                                    uint64_t bytes, uint64_t threshold,
                                                    const char* lang, const char* to,
                                                    const char* from, const char* host,
                                                    const char** text_r, const char** error_r) {
    if (error_r == nullptr) return -1;
    if (user == nullptr || text_r == nullptr || to == nullptr || from == nullptr ||
        (notice != 1 && notice != 2)) {
        *error_r = invalid_argument;
        return -1;
    }
    try {
        q::notice_facts f;
        f.kind = notice == 1 ? q::notice_kind::warning : q::notice_kind::back_under;
        f.usage_bytes = bytes;
        f.limit_bytes = user->limits.storage_bytes;
        f.threshold_bytes = threshold;
        if (user->state.grace.over_since && user->policy.grace.count() > 0)
            f.grace_end = *user->state.grace.over_since + user->policy.grace;
        f.language = lang == nullptr ? "" : lang;
        f.to = to;
        f.from = from;
        if (host != nullptr && host[0] != '\0') f.message_id_host = host;
        f.now = now_of(*user);
        user->last_text = q::compose_notice(f);
        *text_r = user->last_text.c_str();
        return 0;
    } catch (const std::exception& e) {
        *error_r = keep_error(*user, e.what());
    } catch (...) {
        *error_r = unexpected;
    }
    return -1;
}
