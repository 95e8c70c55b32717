// context.hpp: what every provisioner command shares: the loaded settings, the directory
// connection, the global flags (--json, --check), the directory layout (where tenants,
// accounts, lists and region counters live below ldap.base_dn), and the report printed at
// the end (one JSON document with `changed` and the entries touched, or text).
// Exit codes follow sysexits(3): 0 ok, 64 usage, 65 bad data, 69 directory unavailable,
// 75 temporary failure, 77 permission denied, 78 configuration error.
// Security: the bind secret comes from ldap.bind_password_file (or, over ldapi:// without a
// bind_dn, none: SASL EXTERNAL); no password is ever put into a report or a message.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/ldap/connection.hpp"
#include "core/ldap/dn.hpp"

namespace mailwarden::provisioner {

inline constexpr int ex_ok = 0;
inline constexpr int ex_usage = 64;
inline constexpr int ex_dataerr = 65;
inline constexpr int ex_unavailable = 69;
inline constexpr int ex_tempfail = 75;
inline constexpr int ex_noperm = 77;
inline constexpr int ex_config = 78;

// The exit code for a directory outcome: temporary -> 75 (69 when no connection could be
// made at all: the caller says so), permission -> 77, invalid/conflict/not_found -> 65,
// other -> 69, ok -> 0.
int exit_code_for(const ldap::result& r, bool connecting = false);

// A failure a command reports and exits with (never for programmer errors).
struct command_error : std::runtime_error {
    command_error(int code, const std::string& message)
        : std::runtime_error(message), exit_code(code) {}
    int exit_code;
};

// One entry a command touched or would touch.
struct entry_report {
    entry_report(std::string dn_, std::string action_)
        : dn(std::move(dn_)), action(std::move(action_)) {}
    std::string dn;
    std::string action;                        // "add", "modify", "delete", "none", "show"
    std::vector<std::string> changes;          // "+mail: 7000001@x", "-mwAlias: a@x", ...
    ldap::attribute_map attributes;            // shown entries (show/list); never passwords
    std::map<std::string, std::string> extra;  // e.g. "password" when generated (shown once)
};

struct report {
    bool changed = false;
    std::vector<entry_report> entries;
    std::vector<std::string> notes;
};

// Where mailwarden keeps things below ldap.base_dn.
struct layout {
    std::string base;
    std::string users() const { return ldap::make_dn({{"ou", "users"}}, base); }
    std::string tenants() const { return ldap::make_dn({{"ou", "tenants"}}, base); }
    std::string lists() const { return ldap::make_dn({{"ou", "lists"}}, base); }
    std::string counters() const { return ldap::make_dn({{"ou", "counters"}}, base); }
    std::string counter(int region) const {
        return ldap::make_dn({{"cn", "region-" + std::to_string(region)}}, counters());
    }
    std::string tenant(const std::string& id) const {
        return ldap::make_dn({{"ou", id}}, tenants());
    }
    std::string user(const std::string& login) const {
        return ldap::make_dn({{"uid", login}}, users());
    }
};

struct context {
    config::settings settings;
    layout where;
    bool json = false;
    bool check = false;  // change nothing, print the diff
    ldap::connection conn;
    report out;

    // Opens the connection from settings.ldap; throws command_error (69/75/77/78).
    void connect();
    // Throws command_error with exit_code_for(r) and "what: <describe>" unless r is ok.
    void require(const ldap::result& r, const std::string& what) const;
    // Records a change (or, under --check, the change it would make) in the report.
    void record(entry_report e);
};

// The report as JSON: {"changed":..,"check":..,"entries":[{"dn":..,"action":..,
// "changes":[..],"attributes":{..},...}],"notes":[..]}; error documents add "error" and
// "exit_code".
std::string to_json(const report& r, bool check);
std::string json_string(std::string_view text);  // a JSON string literal, escaped
// The error document: to_json's fields ("changed" true when something was written before
// the failure, and those entries) plus "error" and "exit_code".
std::string to_error_json(const report& r, bool check, const std::string& message, int code);
// The report as text lines for a terminal.
void print_text(const report& r, bool check, std::ostream& out);

}  // namespace mailwarden::provisioner
