// ldap_directory.hpp: the milter's policy::directory over LDAP. An address is found with
// (|(MAIL=a)(ALIAS=a)) under ldap.base_dn, attribute names from settings.attributes.*,
// status words from settings.account_status.* (docs/SCHEMA.md "Lookups the milter makes").
// Connections come from a small locked pool: a libmilter thread takes one, searches and
// gives it back, so no handle is used by two threads at once (core/ldap/connection.hpp);
// the pool grows to as many connections as lookups run at the same moment.
// Also the class attribute (classes.attribute: limits per account class, issue 4), which
// a reload may change (set_class_attribute), and the entry's DN.
// ldap_status_writer is the one exception to "reads only" (R-PSH-3): with its own
// credential (ldap.write_bind_dn), on its own connection, it sets a pending account active.
// Rules: R-SAV-9, R-PSH-3, R-TJP-5, R-SAV-11, R-PSH-6, R-TJP-2, R-MYO-6 (the data they need),
// R-PSH-5 / R-SAV-4 (classes).
// Security: the directory reads only; binds as ldap.bind_dn (a read-only account) or
// anonymously. Its password file is read at every (re)connect, so it must stay readable
// by milter.user. The writer's password is read once, as root (see ldap_status_writer).
// Failure: server down, timeout (ldap.timeout) or a broken connection -> the connection is
// reopened once and the search retried; if that fails too, temporary_failure (the session
// answers milter.on_dependency_failure, default 451 4.3.0). Two entries for one address
// (broken uniqueness) is a temporary failure too, logged as an error: never a guess.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "core/config/config.hpp"
#include "core/ldap/connection.hpp"
#include "core/ldap/entry.hpp"
#include "core/policy/activation.hpp"
#include "core/policy/directory.hpp"
#include "core/util/log.hpp"

namespace mailwarden::milter {

class ldap_directory final : public policy::directory {
public:
    // Keeps copies of what it needs from `s`; connects lazily (call warm_up() to connect
    // before the privilege drop and learn early whether LDAP answers).
    ldap_directory(const config::settings& s, log::logger log);
    policy::lookup_result lookup(std::string_view key) override;
    // Opens one connection now; returns the failure text, or "" when connected.
    std::string warm_up();
    // classes.attribute after a reload ("" = none); clear the cache after it.
    void set_class_attribute(std::string name);

private:
    std::unique_ptr<ldap::connection> take();
    void give_back(std::unique_ptr<ldap::connection> c);
    policy::lookup_result search_with(ldap::connection& c, std::string_view key);

    ldap::connection_options options_;
    std::string base_dn_;
    config::attribute_settings names_;
    config::account_status_settings words_;
    log::logger log_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<ldap::connection>> idle_;
    std::string class_attribute_;  // under mutex_
};

// R-PSH-3: the milter's own write, when ldap.write_bind_dn is set. One connection, opened
// by open() before the privilege drop (as root, so the password file may be readable by
// root only); activations are rare, so writes take turns on it under a lock. For a
// reconnect after the server went away, the password is kept in an anonymous memory file
// (memfd) owned by milter.user, mode 0400, reachable only through this process's
// descriptor: never on disk, never in a path another process can open.
// A write is one modify {delete status: pending, add status: active}: when the status is
// no longer pending the server refuses it (rc 16) and nothing is changed (not_pending).
class ldap_status_writer final : public policy::status_writer {
public:
    // `secret_fd`: a descriptor whose file holds the password (process.hpp secret_memfd);
    // owned by the writer from now on.
    ldap_status_writer(const config::settings& s, int secret_fd, log::logger log);
    ~ldap_status_writer() override;
    ldap_status_writer(const ldap_status_writer&) = delete;
    ldap_status_writer& operator=(const ldap_status_writer&) = delete;

    // Connects and binds now; the failure text, or "" when connected.
    std::string open();
    policy::activation_result activate(const policy::account& a) override;

private:
    ldap::connection_options options_;
    std::string status_attribute_;
    std::string pending_;
    std::string active_;
    int secret_fd_;
    log::logger log_;
    std::mutex mutex_;
    ldap::connection connection_;  // under mutex_
};

// The changes of one activation: remove the pending word, add the active one (pure).
std::vector<ldap::modification> activation_changes(const std::string& status_attribute,
                                                   const std::string& pending,
                                                   const std::string& active);

// An LDAP entry -> the account the rules see (pure; unit-tested). nullopt when the entry
// is deleted (status word account_status.deleted). Values that do not parse (a non-numeric
// daily limit, a boolean that is neither TRUE nor FALSE) are ignored with `problem` set.
// `class_attribute` ("" = none): its values become account::classes.
std::optional<policy::account> to_account(const ldap::entry& e,
                                          const config::attribute_settings& names,
                                          const config::account_status_settings& words,
                                          std::string* problem = nullptr,
                                          std::string_view class_attribute = {});

}  // namespace mailwarden::milter
