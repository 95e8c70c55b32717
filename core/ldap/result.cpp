// result.cpp: classification of LDAP result codes into outcomes (see result.hpp).
#include "core/ldap/result.hpp"

#include <ldap.h>

#include <fmt/format.h>

namespace mailwarden::ldap {

std::string_view to_string(status s) {
    switch (s) {
        case status::ok: return "ok";
        case status::not_found: return "not_found";
        case status::conflict: return "conflict";
        case status::temporary: return "temporary";
        case status::permission: return "permission";
        case status::invalid: return "invalid";
        case status::other: return "other";
    }
    return "other";
}

status classify(int rc) {
    switch (rc) {
        case LDAP_SUCCESS:
            return status::ok;

        case LDAP_NO_SUCH_OBJECT:
            return status::not_found;

        case LDAP_ALREADY_EXISTS:
        case LDAP_CONSTRAINT_VIOLATION:   // also attribute uniqueness on both servers
        case LDAP_TYPE_OR_VALUE_EXISTS:
        case LDAP_NO_SUCH_ATTRIBUTE:      // delete of a value that is gone: stale CAS
        case LDAP_NOT_ALLOWED_ON_NONLEAF:
        case LDAP_ASSERTION_FAILED:
            return status::conflict;

        case LDAP_SERVER_DOWN:
        case LDAP_CONNECT_ERROR:
        case LDAP_TIMEOUT:
        case LDAP_TIMELIMIT_EXCEEDED:
        case LDAP_BUSY:
        case LDAP_UNAVAILABLE:
            return status::temporary;

        case LDAP_INVALID_CREDENTIALS:
        case LDAP_INSUFFICIENT_ACCESS:
        case LDAP_CONFIDENTIALITY_REQUIRED:
        case LDAP_STRONG_AUTH_REQUIRED:
        case LDAP_INAPPROPRIATE_AUTH:
            return status::permission;

        case LDAP_INVALID_DN_SYNTAX:
        case LDAP_FILTER_ERROR:           // client side: libldap could not encode it
        case LDAP_PARAM_ERROR:
        case LDAP_INVALID_SYNTAX:
        case LDAP_UNDEFINED_TYPE:
        case LDAP_INAPPROPRIATE_MATCHING:
        case LDAP_OBJECT_CLASS_VIOLATION:
        case LDAP_NAMING_VIOLATION:
        case LDAP_NOT_ALLOWED_ON_RDN:
        case LDAP_NO_OBJECT_CLASS_MODS:
            return status::invalid;

        default:
            return status::other;
    }
}

std::string result::describe() const {
    const char* name = ldap_err2string(rc);
    if (message.empty())
        return fmt::format("{}: rc {} ({})", to_string(what), rc, name ? name : "?");
    return fmt::format("{}: rc {} ({}): {}", to_string(what), rc, name ? name : "?", message);
}

result make_result(int rc, std::string message) {
    return result{classify(rc), rc, std::move(message)};
}

}  // namespace mailwarden::ldap
