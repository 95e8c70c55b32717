// ldap_directory.hpp: the milter's policy::directory over LDAP. An address is found with
// (|(MAIL=a)(ALIAS=a)) under ldap.base_dn, attribute names from settings.attributes.*,
// status words from settings.account_status.* (docs/SCHEMA.md "Lookups the milter makes").
// Connections come from a small locked pool: a libmilter thread takes one, searches and
// gives it back, so no handle is used by two threads at once (core/ldap/connection.hpp);
// the pool grows to as many connections as lookups run at the same moment.
// Rules: R-SAV-9, R-PSH-3, R-TJP-5, R-SAV-11, R-PSH-6, R-TJP-2, R-MYO-6 (the data they need).
// Security: reads only; binds as ldap.bind_dn (a read-only account) or anonymously. The
// password file is read at every (re)connect, so it must stay readable by milter.user.
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
};

// An LDAP entry -> the account the rules see (pure; unit-tested). nullopt when the entry
// is deleted (status word account_status.deleted). Values that do not parse (a non-numeric
// daily limit, a boolean that is neither TRUE nor FALSE) are ignored with `problem` set.
std::optional<policy::account> to_account(const ldap::entry& e,
                                          const config::attribute_settings& names,
                                          const config::account_status_settings& words,
                                          std::string* problem = nullptr);

}  // namespace mailwarden::milter
