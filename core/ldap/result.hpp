// result.hpp: what an LDAP operation tells its caller, as a value, never an exception.
// Every directory answer (and every failure to get one) is sorted into a small set of
// outcomes that callers map without knowing LDAP result codes: the milter tempfails on
// `temporary` (451 4.3.0, DESIGN "three outcomes"), the provisioner exits 69/75/77.
// The raw code and the server's text travel along for the log line.
#pragma once

#include <string>
#include <string_view>

namespace mailwarden::ldap {

enum class status {
    ok,          // the operation did what was asked
    not_found,   // the entry (or the search base) does not exist: rc 32
    conflict,    // the directory's state forbids it: already exists (68), constraint
                 // violation incl. attribute uniqueness (19), value exists (20), no such
                 // attribute (16: a stale compare-and-swap), non-leaf (66), assertion (122)
    temporary,   // try again later: server down, cannot connect, timeout, busy (51),
                 // unavailable (52), time limit (3)
    permission,  // who we are may not do it: invalid credentials (49), insufficient
                 // access (50), confidentiality / stronger auth required (13, 8), 48
    invalid,     // the request itself is wrong: DN or filter syntax, schema violations,
                 // bad parameters, an unreadable bind password file
    other,       // everything else (protocol errors, unwilling to perform, ...)
};

// "ok" | "not_found" | "conflict" | "temporary" | "permission" | "invalid" | "other"
std::string_view to_string(status s);

// The outcome of an LDAP result code: RFC 4511 codes (>= 0) or libldap's client-side
// API codes (< 0, e.g. -1 server down, -5 timeout, -7 filter error, -11 connect error).
// Examples: 0 -> ok; 32 -> not_found; 16, 19, 20, 68 -> conflict; -1, 51 -> temporary;
// 49 -> permission; 34, 65 -> invalid; 53 -> other; an unknown code -> other.
status classify(int rc);

struct result {
    status what = status::ok;
    int rc = 0;           // the LDAP result code (see classify); 0 for ok
    std::string message;  // the server's diagnostic text or ours; never holds a secret

    bool is_ok() const { return what == status::ok; }
    // One line for a log: "conflict: rc 68 (Already exists): <message>". The message may
    // hold directory data: log it through log::untrusted.
    std::string describe() const;
};

// A result for rc with its classification; message is kept as given.
result make_result(int rc, std::string message = {});

}  // namespace mailwarden::ldap
