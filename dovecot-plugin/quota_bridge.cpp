// quota_bridge.cpp: the extern "C" implementation of quota-bridge.h over the C++ core
// (quota_limits.hpp). Every function catches every exception and turns it into -1 plus an
// error: no exception may unwind into Dovecot's C frames (style rule 12).
// Rules: R-PSH-4, R-SAV-1, R-MYO-8.
// Failure: errors are returned, never logged here; the C glue logs them on the user's
// event (the core has no Dovecot logger and must not use syslog inside Dovecot).
#include "dovecot-plugin/quota-bridge.h"

#include <exception>
#include <new>
#include <string>

#include "dovecot-plugin/quota_limits.hpp"

namespace qp = mailwarden::quota_plugin;

struct mailwarden_quota_user {
    qp::limits limits = qp::default_limits();
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

extern "C" int mailwarden_quota_user_create(mailwarden_quota_user** user_r,
                                            const char** error_r) {
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
                                               mailwarden_quota_limit which,
                                               uint64_t* value_r, const char** error_r) {
    if (error_r == nullptr) return -1;
    if (user == nullptr || value_r == nullptr || !valid_limit(which)) {
        *error_r = invalid_argument;
        return -1;
    }
    *value_r = which == MAILWARDEN_QUOTA_LIMIT_STORAGE ? user->limits.storage_bytes
                                                       : user->limits.messages;
    return 0;
}
