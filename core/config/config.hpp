// config.hpp: the typed configuration of every mailwarden program, loaded from one YAML
// file (conf.d/mailwarden.yaml documents every key). Keys, types, defaults, bounds and
// units live in ONE declarative table (config_keys.cpp), as in Postfix's VAR/DEF/min/max
// tables; loading, validation and the effective-config dump are all driven by it.
// Sizes ("100MB", "3.5MB", "2GiB") and durations ("24h", "7d") are stored exactly, in
// bytes and seconds, so the rulebooks' numbers round-trip (R-PSH-4, R-PSH-5, R-PSH-6,
// R-SAV-1, R-SAV-2, R-SAV-4, R-MYO-7).
// Errors: unknown keys, wrong types and out-of-range values are reported with file, line
// and key; loading never stops at the first error, so an administrator sees them all.
// Thread-compatible: no globals besides the constant key table; a loaded `settings` is a
// plain value (share it as std::shared_ptr<const settings> for reloads).
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/units.hpp"  // config::seconds, parse_size, parse_duration, ...
#include "core/policy/verdict.hpp"
#include "core/util/log.hpp"

namespace mailwarden::config {

enum class log_target { syslog, stderr_stream };
enum class count_mode { messages, recipients };
enum class store_backend { lmdb, redis };

struct ldap_settings {
    std::string uri = "ldap://127.0.0.1:389";  // ldap://, ldaps:// or ldapi://
    std::string base_dn;                       // required by programs that use LDAP
    std::string bind_dn;                       // empty: anonymous
    std::string bind_password_file;            // the secret never appears in the YAML
    bool start_tls = false;
    std::string ca_file;
    seconds timeout{5};                        // per operation and for connecting
    std::uint32_t page_size = 500;
    seconds cache_ttl{60};                     // milter: positive lookups
    seconds negative_cache_ttl{10};            // milter: "no such account"
    seconds status_cache_ttl{10};              // milter: a sender's account (its status)
    // R-PSH-3: the milter's own write credential for activations; empty = never writes.
    std::string write_bind_dn;
    std::string write_bind_password_file;

    bool operator==(const ldap_settings&) const = default;
};

struct log_settings {
    log_target target = log_target::syslog;
    log::level level = log::level::info;

    bool operator==(const log_settings&) const = default;
};

struct milter_settings {
    std::string socket = "unix:/var/spool/postfix/mailwarden/milter.sock";  // in smtpd's chroot
    std::string user = "mailwarden";   // privileges dropped to this user after opening
    std::string group;                 // empty: the user's primary group
    std::string socket_group = "postfix";  // group of the unix socket (mode 0660): the MTA's
    bool allow_test_clock = false;     // TEST ONLY: honour $MAILWARDEN_TEST_CLOCK_OFFSET
    // What a dependency failure (LDAP, counter store) does; R-PSH-6, DESIGN "three outcomes".
    policy::action on_dependency_failure = policy::action::tempfail;

    bool operator==(const milter_settings&) const = default;
};

struct limits_settings {
    std::uint64_t max_message_size_outgoing = 100'000'000;  // R-PSH-5: 100 MB
    std::uint64_t max_message_size_incoming = 100'000'000;
    std::uint64_t max_recipients = 0;                       // R-SAV-9 mass mail; 0 = none

    bool operator==(const limits_settings&) const = default;
};

struct send_cap_settings {
    std::uint64_t daily_limit = 100;     // R-PSH-6: more than 100 a day blocks
    seconds window{24 * 3600};           // rolling
    seconds bucket{300};                 // window precision, at most 5 minutes
    seconds block_duration{24 * 3600};   // R-PSH-6: 24 hours
    count_mode count = count_mode::messages;
    store_backend store = store_backend::lmdb;
    std::string lmdb_path = "/var/lib/mailwarden/sendcap.lmdb";
    std::string redis_uri = "tcp://127.0.0.1:6379";

    bool operator==(const send_cap_settings&) const = default;
};

// sender: who may claim which sender address (R-SAV-9) and which clients are trusted
// relays (R-PSH-9). Lists are space-separated text, as in Postfix's main.cf.
struct sender_settings {
    bool check_identity = true;      // R-SAV-9: envelope, From: and Sender: owned by login
    std::string local_domains;       // our domains: outsiders may not claim them
    std::string trusted_networks;    // relays that may send without AUTH ("" = none)
    std::string activation_address;  // R-PSH-3: where pending accounts send to activate
    std::string submit_networks;     // R-PSH-9: where logins may send from ("" = anywhere)

    bool operator==(const sender_settings&) const = default;
};

// rules: administrator rule lists (R-TJP-3 subject block list, core/policy/subject_rules.hpp).
struct rules_settings {
    std::string subject_block_file;  // "" = no subject block list
    // For lines of the file without "=> ACTION": reject or quarantine.
    policy::action subject_block_action = policy::action::reject;

    bool operator==(const rules_settings&) const = default;
};

// classes: which LDAP attribute names an account's class (employeeType, mwMailboxHost, ...)
// for class_limits; "" = no classes (issue 4: limits per account class).
struct classes_settings {
    std::string attribute;

    bool operator==(const classes_settings&) const = default;
};

// One entry of class_limits (NAME = a value of classes.attribute) or domain_limits (NAME =
// a mail domain): the limits it changes, each absent = inherited (core/policy/limits.hpp).
// The keys are those of override_keys() in config_keys.hpp, bounded like the global keys
// they override (limits.*, send_cap.daily_limit).
struct limit_overrides {
    std::optional<std::uint64_t> max_message_size_outgoing;
    std::optional<std::uint64_t> max_message_size_incoming;
    std::optional<std::uint64_t> max_recipients;
    std::optional<std::uint64_t> daily_limit;

    bool operator==(const limit_overrides&) const = default;
};

struct named_limits {
    std::string name;  // as written in the file (domains are normalised when used)
    limit_overrides limits;

    bool operator==(const named_limits&) const = default;
};

struct quota_settings {
    std::uint64_t storage_bytes = 2'000'000'000;  // R-PSH-4: 2 GB; 0 = unlimited
    std::uint64_t messages = 0;                  // R-SAV-1: 5000; 0 = unlimited
    std::uint64_t warning_bytes = 0;             // R-SAV-1: 25 MB; 0 = none
    seconds grace{0};                            // R-SAV-2: 7 days; 0 = none

    bool operator==(const quota_settings&) const = default;
};

// The provisioner's choices for new and deleted accounts.
// How the provisioner writes a password: through the RFC 3062 password modify operation
// (the server hashes with its own scheme and policy), or hashed here as {SSHA512}, which
// Dovecot's SSHA512 scheme verifies whatever the server's default is.
enum class password_storage { server, ssha512 };

struct provisioning_settings {
    bool activate_on_create = false;     // R-PSH-3: new mailboxes start pending
    seconds tombstone_retention{30 * 86400};  // R-MYO-4: deleted addresses stay reserved
    // R-SAV-8: relationship values accepted, space-separated; "" = any.
    std::string relationships =
        "employee contractor phd-student project-collaborator intern external-collaborator";
    std::string mailbox_hosts;  // R-SAV-7: mailbox hosts accepted, space-separated; "" = any
    password_storage password_scheme = password_storage::server;

    bool operator==(const provisioning_settings&) const = default;
};

// R-SAV-5, R-MYO-3: what a password set by the provisioner must look like.
struct password_policy_settings {
    std::uint64_t min_length = 8;
    std::uint64_t max_length = 128;
    std::uint64_t min_digits = 1;
    std::uint64_t min_upper = 1;
    std::uint64_t min_lower = 1;
    std::uint64_t min_special = 1;
    bool reject_cyrillic = true;
    bool reject_personal_data = true;
    std::string dictionary_file;

    bool operator==(const password_policy_settings&) const = default;
};

// LDAP attribute names, so a directory that already has its own (MyOffice's quota, alias,
// inetUserStatus, tenant-id) is served without migration (R-MYO-8). docs/SCHEMA.md lists
// our schema's names, which are the defaults.
struct attribute_settings {
    std::string mail = "mail";
    std::string alias = "mwAlias";
    std::string send_as = "mwSendAs";
    std::string status = "mwAccountStatus";
    std::string region = "mwRegion";
    std::string tenant = "mwTenant";
    std::string quota_bytes = "mwQuotaBytes";
    std::string quota_messages = "mwQuotaMessages";
    std::string daily_send_limit = "mwDailySendLimit";
    std::string internal_only = "mwInternalOnly";
    std::string allowed_recipient = "mwAllowedRecipient";
    std::string mailbox_host = "mwMailboxHost";
    std::string relationship = "mwRelationship";
    std::string external_id = "mwExternalId";
    std::string deleted_at = "mwDeletedAt";
    std::string purge_after = "mwPurgeAfter";
    std::string list_policy = "mwListPolicy";
    std::string language = "preferredLanguage";

    bool operator==(const attribute_settings&) const = default;
};

// The values the status attribute takes (MyOffice's inetUserStatus: 1 active, 2 pending,
// 0 blocked).
struct account_status_settings {
    std::string active = "active";
    std::string pending = "pending";
    std::string blocked = "blocked";
    std::string deleted = "deleted";

    bool operator==(const account_status_settings&) const = default;
};

struct settings {
    std::string source_file;  // where it was loaded from (for messages)
    ldap_settings ldap;
    log_settings log;
    milter_settings milter;
    limits_settings limits;
    send_cap_settings send_cap;
    sender_settings sender;
    rules_settings rules;
    quota_settings quota;
    provisioning_settings provisioning;
    password_policy_settings password_policy;
    attribute_settings attributes;
    account_status_settings account_status;
    classes_settings classes;
    std::vector<named_limits> class_limits;  // in file order (it decides between classes)
    std::vector<named_limits> domain_limits;

    bool operator==(const settings&) const = default;
};

struct load_error {
    std::string file;
    int line = 0;        // 1-based; 0 when the error is not tied to a line
    std::string key;     // dotted path, e.g. "send_cap.daily_limit"
    std::string message;
    // "FILE:LINE: KEY: MESSAGE"; ":LINE" is left out when line is 0 and "KEY: " when key
    // is empty (a YAML syntax error, a file that cannot be read).
    std::string to_string() const;
};

struct load_result {
    std::optional<settings> value;  // set only when errors is empty
    std::vector<load_error> errors;
    bool ok() const { return value.has_value(); }
};

// Reads and validates a configuration. Every key of the table may be given; a key left out
// keeps its default; an empty file (or one with only comments) means all defaults. Fails,
// with every error found, on: a file that cannot be read (with the OS reason) or is larger
// than max_config_bytes, YAML syntax, more than one YAML document, a top level that is not
// a mapping, unknown keys (with "did you mean"), duplicate keys, wrong types, negative or
// out-of-range numbers, unknown enum words, and the cross-key checks of config_keys.cpp.
// Errors are sorted by line. `file_name` is only used in messages and as source_file.
load_result load_file(const std::string& path);
load_result load_string(std::string_view yaml, const std::string& file_name);

inline constexpr std::size_t max_config_bytes = 4 * 1024 * 1024;

// The checks load_string applies to values, run on settings built in code (every key's
// type, range and syntax, then the cross-key checks). Errors carry s.source_file, line 0.
// dump(s) round-trips exactly when this returns no error.
std::vector<load_error> validate(const settings& s);

// The effective configuration (every key, defaults included) as YAML that load_string
// accepts and that yields the same settings: grouped by section in table order, sizes and
// durations in their shortest exact unit form (100MB, 24h), strings double-quoted and
// escaped (':' and '#' survive). Never throws; for settings that validate() refuses the
// output may fail to load, naming the bad key.
std::string dump(const settings& s);

// `--check-config`, shared by every binary: prints the effective config on `out` and
// returns 0, or prints every error on `err` and returns 78 (EX_CONFIG).
int check_config_command(const std::string& path, std::ostream& out, std::ostream& err);

inline constexpr int ex_config = 78;  // sysexits.h EX_CONFIG

}  // namespace mailwarden::config
