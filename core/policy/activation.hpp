// activation.hpp: R-PSH-3 "a new mailbox is inactive until its user sends a test message to
// the operator's activation address". The session records the activation mail in the
// counter store (always); when the milter is configured with its own write credential
// (ldap.write_bind_dn) it also sets the status itself through this interface, and only
// when the status is still the pending word: a concurrent change (blocked by an admin
// meanwhile) is never overwritten. A failed write is not the sender's problem: the mail is
// accepted, the recorded activation stands and `mailwarden user activate-pending` applies
// it later.
// The milter's LDAP implementation is milter/ldap_directory.hpp (ldap_status_writer); unit
// tests use a fake.
#pragma once

#include <string>

#include "core/policy/directory.hpp"

namespace mailwarden::policy {

enum class activation_outcome {
    written,      // pending -> active, done
    not_pending,  // the status is no longer pending (changed meanwhile): left as it is
    failed,       // the directory could not be written (down, refused): see error
};

struct activation_result {
    activation_outcome outcome = activation_outcome::failed;
    std::string error;  // failed / not_pending: why (for the log; no secrets)
};

// Thread-safe implementations only (called from every libmilter thread).
class status_writer {
public:
    virtual ~status_writer() = default;
    // Set `a` (found by the directory, so a.dn is set) from pending to active.
    virtual activation_result activate(const account& a) = 0;
};

}  // namespace mailwarden::policy
