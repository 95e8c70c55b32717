// config_keys.cpp: THE table of configuration keys (one entry per key), then the checks
// that involve several keys. Everything else in core/config is driven by these two lists.
// Adding a key: a field with its default in config.hpp, an entry here, a documented line in
// conf.d/mailwarden.yaml (a unit test fails until all three agree).
// Rules: R-PSH-4, R-PSH-5, R-PSH-6, R-SAV-1, R-SAV-2, R-SAV-4, R-MYO-5, R-MYO-7, R-MYO-8,
// R-TJP-3, R-TJP-4, R-MYO-13 (each entry names its own; plumbing keys name none).
#include "core/config/config_keys.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "core/policy/networks.hpp"
#include "core/policy/sender_identity.hpp"
#include "core/util/log.hpp"

namespace mailwarden::config {

namespace {

using policy::action;

// Lengths: paths and URIs get PATH_MAX-like room; a longer value is refused, never cut.
constexpr std::uint64_t max_text = 4096;
constexpr std::uint64_t max_name = 256;   // user and group names
constexpr std::uint64_t minute = 60;
constexpr std::uint64_t hour = 3600;
constexpr std::uint64_t day = 86400;
constexpr std::uint64_t tb = 1'000'000'000'000;

std::string quoted(std::string_view text) {
    return fmt::format("\"{}\"", log::sanitize(text, 64));
}

// ---- enum words (the order is the order messages list them in) ----

constexpr std::array log_targets{
    word("syslog", log_target::syslog),
    word("stderr", log_target::stderr_stream),
};
constexpr std::array log_levels{
    word("debug", log::level::debug),
    word("info", log::level::info),
    word("warning", log::level::warning),
    word("error", log::level::error),
};
// DESIGN "three outcomes": a dependency failure never silently accepts mail, so accept
// (and discard, quarantine) are not offered here although policy::action has them.
constexpr std::array failure_actions{
    word("tempfail", action::tempfail),
    word("reject", action::reject),
};
constexpr std::array count_modes{
    word("messages", count_mode::messages),
    word("recipients", count_mode::recipients),
};
constexpr std::array store_backends{
    word("lmdb", store_backend::lmdb),
    word("redis", store_backend::redis),
};
// R-TJP-3: what a subject block rule does; accepting or tempfailing are not blocks.
constexpr std::array subject_actions{
    word("reject", action::reject),
    word("quarantine", action::quarantine),
};
// provisioning.password_scheme: who hashes a password the provisioner writes.
constexpr std::array password_storages{
    word("server", password_storage::server),
    word("ssha512", password_storage::ssha512),
};

// ---- syntax checks of string keys ----

// ldap.uri: one or more space-separated URIs, as ldap_initialize(3) takes them.
std::string check_ldap_uri(std::string_view value) {
    std::size_t pos = 0;
    while (pos < value.size()) {
        const std::size_t end = std::min(value.find(' ', pos), value.size());
        const std::string_view uri = value.substr(pos, end - pos);
        if (!uri.empty() && !uri.starts_with("ldap://") && !uri.starts_with("ldaps://") &&
            !uri.starts_with("ldapi://"))
            return fmt::format("{} is not an LDAP URI: write ldap://HOST:PORT, "
                               "ldaps://HOST:PORT or ldapi://SOCKET",
                               quoted(uri));
        pos = end + 1;
    }
    return {};
}

bool valid_port(std::string_view digits) {
    const auto port = parse_count(digits);
    return port.ok() && *port.value >= 1 && *port.value <= 65535;
}

// milter.socket: libmilter's smfi_setconn syntax.
std::string check_milter_socket(std::string_view value) {
    const std::string_view hint =
        "write unix:/PATH, local:/PATH, inet:PORT@HOST or inet6:PORT@HOST";
    for (std::string_view scheme : {"unix:", "local:"}) {
        if (value.starts_with(scheme)) {
            if (value.size() > scheme.size() && value[scheme.size()] == '/') return {};
            return fmt::format("{}: the socket path must be absolute; {}", quoted(value), hint);
        }
    }
    for (std::string_view scheme : {"inet:", "inet6:"}) {
        if (value.starts_with(scheme)) {
            const std::string_view rest = value.substr(scheme.size());
            const std::size_t at = rest.find('@');
            if (at != std::string_view::npos && valid_port(rest.substr(0, at)) &&
                at + 1 < rest.size())
                return {};
            return fmt::format("{}: expected PORT@HOST with a port 1..65535; {}",
                               quoted(value), hint);
        }
    }
    return fmt::format("{} is not a milter socket: {}", quoted(value), hint);
}

// sender.local_domains: domains that normalise (IDN to A-labels).
std::string check_domain_list(std::string_view value) {
    return policy::parse_domain_list(value).error;
}

// sender.activation_address: empty, or one address.
std::string check_optional_address(std::string_view value) {
    if (value.empty() || policy::address_key(value)) return {};
    return fmt::format("{} is not an address (local@domain)", quoted(value));
}

// sender.trusted_networks: IPs and CIDR networks without host bits.
std::string check_network_list(std::string_view value) {
    return policy::parse_network_list(value).error;
}

// send_cap.redis_uri: tcp://HOST:PORT or unix:/PATH; empty when Redis is not used.
std::string check_redis_uri(std::string_view value) {
    if (value.empty()) return {};
    if (value.starts_with("unix:/")) return {};
    if (value.starts_with("tcp://")) {
        const std::string_view rest = value.substr(6);
        const std::size_t colon = rest.rfind(':');
        if (colon != std::string_view::npos && colon > 0 && valid_port(rest.substr(colon + 1)))
            return {};
    }
    return fmt::format("{} is not a Redis address: write tcp://HOST:PORT or unix:/PATH",
                       quoted(value));
}

// attributes.*: an LDAP attribute description (RFC 4512 descr: a letter, then letters,
// digits and hyphens) or a numeric OID; it is used in filters, so nothing else may pass.
std::string check_attribute_name(std::string_view value) {
    const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    bool ok = !value.empty();
    if (ok && alpha(value[0])) {
        for (char c : value) ok = ok && (alpha(c) || digit(c) || c == '-');
    } else if (ok) {
        bool last_dot = true;
        for (char c : value) {
            if (c == '.') {
                ok = ok && !last_dot;
                last_dot = true;
            } else {
                ok = ok && digit(c);
                last_dot = false;
            }
        }
        ok = ok && !last_dot;
    }
    if (ok) return {};
    return fmt::format("{} is not an LDAP attribute name: a letter then letters, digits and "
                       "'-', or a numeric OID",
                       quoted(value));
}

// provisioning.relationships / mailbox_hosts: space-separated words of letters, digits,
// '.', '-' and '_' (values the provisioner compares with what it writes); "" = any.
std::string check_word_list(std::string_view value) {
    for (char c : value)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == ' '))
            return fmt::format("{}: write words of letters, digits, '.', '-' and '_', "
                               "separated by spaces",
                               quoted(value));
    return {};
}

// classes.attribute: empty (no classes) or an attribute name.
std::string check_optional_attribute_name(std::string_view value) {
    return value.empty() ? std::string{} : check_attribute_name(value);
}

// account_status.*: a value stored in and compared with the directory: printable ASCII.
std::string check_status_word(std::string_view value) {
    for (char c : value)
        if (c <= ' ' || c > '~')
            return fmt::format("{} must be printable ASCII without spaces", quoted(value));
    return {};
}

// ---- THE TABLE ----
// Fields, in order: path, kind, default_text, min, max, unit, rules, help, words, check,
// field. Defaults must equal config.hpp's initialisers (tested).

constexpr key_info key_table[] = {
    // ldap: how every program reaches the directory (read-only for the milter).
    {
        .path = "ldap.uri",
        .kind = key_kind::string,
        .default_text = "ldap://127.0.0.1:389",
        .min = 1,
        .max = max_text,
        .help = "directory server(s): ldap://, ldaps:// or ldapi:// URIs, space-separated",
        .check = check_ldap_uri,
        .field = member<&settings::ldap, &ldap_settings::uri>(),
    },
    {
        .path = "ldap.base_dn",
        .kind = key_kind::string,
        .default_text = "",
        .max = max_text,
        .help = "subtree holding tenants, domains and accounts; required by programs using LDAP",
        .field = member<&settings::ldap, &ldap_settings::base_dn>(),
    },
    {
        .path = "ldap.bind_dn",
        .kind = key_kind::string,
        .default_text = "",
        .max = max_text,
        .help = "DN to bind as; empty binds anonymously",
        .field = member<&settings::ldap, &ldap_settings::bind_dn>(),
    },
    {
        .path = "ldap.bind_password_file",
        .kind = key_kind::path,
        .default_text = "",
        .max = max_text,
        .help = "file holding the bind password (never the YAML); required with bind_dn",
        .field = member<&settings::ldap, &ldap_settings::bind_password_file>(),
    },
    {
        .path = "ldap.start_tls",
        .kind = key_kind::boolean,
        .default_text = "false",
        .help = "upgrade ldap:// connections with StartTLS (not with ldaps://)",
        .field = member<&settings::ldap, &ldap_settings::start_tls>(),
    },
    {
        .path = "ldap.ca_file",
        .kind = key_kind::path,
        .default_text = "",
        .max = max_text,
        .help = "CA certificates for ldaps:// and StartTLS; empty uses the system's",
        .field = member<&settings::ldap, &ldap_settings::ca_file>(),
    },
    {
        .path = "ldap.timeout",
        .kind = key_kind::duration,
        .default_text = "5s",
        .min = 1,
        .max = 5 * minute,
        .unit = "seconds",
        .help = "limit on connecting and on each operation; then the failure action applies",
        .field = member<&settings::ldap, &ldap_settings::timeout>(),
    },
    {
        .path = "ldap.page_size",
        .kind = key_kind::count,
        .default_text = "500",
        .min = 1,
        .max = 100'000,
        .unit = "entries",
        .rules = "R-MYO-5",
        .help = "entries per page of a paged search (RFC 2696)",
        .field = member<&settings::ldap, &ldap_settings::page_size>(),
    },
    {
        .path = "ldap.cache_ttl",
        .kind = key_kind::duration,
        .default_text = "1m",
        .max = day,
        .unit = "seconds",
        .help = "milter: how long an account lookup is reused; 0 disables the cache",
        .field = member<&settings::ldap, &ldap_settings::cache_ttl>(),
    },
    {
        .path = "ldap.negative_cache_ttl",
        .kind = key_kind::duration,
        .default_text = "10s",
        .max = hour,
        .unit = "seconds",
        .help = "milter: how long \"no such account\" is reused; 0 disables",
        .field = member<&settings::ldap, &ldap_settings::negative_cache_ttl>(),
    },
    {
        .path = "ldap.status_cache_ttl",
        .kind = key_kind::duration,
        .default_text = "10s",
        .max = day,
        .unit = "seconds",
        .rules = "R-TJP-5 R-SAV-11 R-PSH-3",
        .help = "milter: a sender's cached account (status) is read again when older; 0 = always",
        .field = member<&settings::ldap, &ldap_settings::status_cache_ttl>(),
    },
    {
        .path = "ldap.write_bind_dn",
        .kind = key_kind::string,
        .default_text = "",
        .max = max_text,
        .rules = "R-PSH-3",
        .help = "milter: DN that may set a pending account active; empty = the milter never writes",
        .field = member<&settings::ldap, &ldap_settings::write_bind_dn>(),
    },
    {
        .path = "ldap.write_bind_password_file",
        .kind = key_kind::path,
        .default_text = "",
        .max = max_text,
        .rules = "R-PSH-3",
        .help = "file holding write_bind_dn's password, read once as root at start",
        .field = member<&settings::ldap, &ldap_settings::write_bind_password_file>(),
    },

    // log: one line per decision is the audit trail.
    {
        .path = "log.target",
        .kind = key_kind::enumeration,
        .default_text = "syslog",
        .rules = "R-TJP-4 R-MYO-13",
        .help = "syslog (facility mail) or stderr",
        .words = log_targets,
        .field = member<&settings::log, &log_settings::target>(),
    },
    {
        .path = "log.level",
        .kind = key_kind::enumeration,
        .default_text = "info",
        .rules = "R-TJP-4 R-MYO-13",
        .help = "lowest level logged; info logs one line per policy decision",
        .words = log_levels,
        .field = member<&settings::log, &log_settings::level>(),
    },

    // milter: the Postfix-facing daemon.
    {
        .path = "milter.socket",
        .kind = key_kind::string,
        .default_text = "unix:/var/spool/postfix/mailwarden/milter.sock",
        .min = 1,
        .max = max_text,
        .help = "where Postfix connects: unix:/PATH or inet:PORT@127.0.0.1",
        .check = check_milter_socket,
        .field = member<&settings::milter, &milter_settings::socket>(),
    },
    {
        .path = "milter.user",
        .kind = key_kind::string,
        .default_text = "mailwarden",
        .max = max_name,
        .help = "user to switch to after opening sockets and files",
        .field = member<&settings::milter, &milter_settings::user>(),
    },
    {
        .path = "milter.group",
        .kind = key_kind::string,
        .default_text = "",
        .max = max_name,
        .help = "group to switch to; empty uses the user's primary group",
        .field = member<&settings::milter, &milter_settings::group>(),
    },
    {
        .path = "milter.socket_group",
        .kind = key_kind::string,
        .default_text = "postfix",
        .max = max_name,
        .help = "group of the unix socket (mode 0660): the group the MTA runs as",
        .field = member<&settings::milter, &milter_settings::socket_group>(),
    },
    {
        .path = "milter.allow_test_clock",
        .kind = key_kind::boolean,
        .default_text = "false",
        .rules = "R-PSH-6",
        .help = "TEST ONLY: shift the clock by $MAILWARDEN_TEST_CLOCK_OFFSET seconds",
        .field = member<&settings::milter, &milter_settings::allow_test_clock>(),
    },
    {
        .path = "milter.on_dependency_failure",
        .kind = key_kind::enumeration,
        .default_text = "tempfail",
        .rules = "R-PSH-6",
        .help = "answer when LDAP or the counter store fails: tempfail (451 4.3.0) or reject",
        .words = failure_actions,
        .field = member<&settings::milter, &milter_settings::on_dependency_failure>(),
    },

    // limits: message sizes, enforced at SMTP time (one setting for every path, R-MYO-7).
    {
        .path = "limits.max_message_size_outgoing",
        .kind = key_kind::size,
        .default_text = "100MB",
        .max = tb,
        .unit = "bytes",
        .rules = "R-PSH-5 R-SAV-4 R-MYO-7",
        .help = "largest message a local user may send (headers + body); 0 = no limit",
        .field = member<&settings::limits, &limits_settings::max_message_size_outgoing>(),
    },
    {
        .path = "limits.max_message_size_incoming",
        .kind = key_kind::size,
        .default_text = "100MB",
        .max = tb,
        .unit = "bytes",
        .rules = "R-PSH-5 R-SAV-4 R-MYO-7",
        .help = "largest message accepted for local mailboxes; 0 = no limit",
        .field = member<&settings::limits, &limits_settings::max_message_size_incoming>(),
    },
    {
        .path = "limits.max_recipients",
        .kind = key_kind::count,
        .default_text = "0",
        .max = 1'000'000,
        .unit = "recipients",
        .rules = "R-SAV-9",
        .help = "most recipients one message may have (452 4.5.3 beyond); 0 = no limit",
        .field = member<&settings::limits, &limits_settings::max_recipients>(),
    },

    // send_cap: the daily send limit and the block it triggers.
    {
        .path = "send_cap.daily_limit",
        .kind = key_kind::count,
        .default_text = "100",
        .max = 10'000'000,
        .unit = "messages",
        .rules = "R-PSH-6",
        .help = "sends allowed per window; one more starts the block; 0 = no cap",
        .field = member<&settings::send_cap, &send_cap_settings::daily_limit>(),
    },
    {
        .path = "send_cap.window",
        .kind = key_kind::duration,
        .default_text = "1d",
        .min = minute,
        .max = 31 * day,
        .unit = "seconds",
        .rules = "R-PSH-6",
        .help = "rolling window the cap counts over",
        .field = member<&settings::send_cap, &send_cap_settings::window>(),
    },
    {
        .path = "send_cap.bucket",
        .kind = key_kind::duration,
        .default_text = "5m",
        .min = 1,
        .max = 5 * minute,
        .unit = "seconds",
        .rules = "R-PSH-6",
        .help = "precision of the rolling window; must divide the window",
        .field = member<&settings::send_cap, &send_cap_settings::bucket>(),
    },
    {
        .path = "send_cap.block_duration",
        .kind = key_kind::duration,
        .default_text = "1d",
        .max = 31 * day,
        .unit = "seconds",
        .rules = "R-PSH-6",
        .help = "how long sending stays blocked after the cap is passed (lifts by itself); "
                "0 = no block",
        .field = member<&settings::send_cap, &send_cap_settings::block_duration>(),
    },
    {
        .path = "send_cap.count",
        .kind = key_kind::enumeration,
        .default_text = "messages",
        .rules = "R-PSH-6",
        .help = "what the cap counts: messages, or recipients (a message to 5 counts 5)",
        .words = count_modes,
        .field = member<&settings::send_cap, &send_cap_settings::count>(),
    },
    {
        .path = "send_cap.store",
        .kind = key_kind::enumeration,
        .default_text = "lmdb",
        .rules = "R-PSH-6",
        .help = "counter store: lmdb (one host, survives restarts) or redis (shared by MTAs)",
        .words = store_backends,
        .field = member<&settings::send_cap, &send_cap_settings::store>(),
    },
    {
        .path = "send_cap.lmdb_path",
        .kind = key_kind::path,
        .default_text = "/var/lib/mailwarden/sendcap.lmdb",
        .max = max_text,
        .rules = "R-PSH-6",
        .help = "LMDB file of the counters and blocks; required with store: lmdb",
        .field = member<&settings::send_cap, &send_cap_settings::lmdb_path>(),
    },
    {
        .path = "send_cap.redis_uri",
        .kind = key_kind::string,
        .default_text = "tcp://127.0.0.1:6379",
        .max = max_text,
        .rules = "R-PSH-6",
        .help = "Redis server: tcp://HOST:PORT or unix:/PATH; required with store: redis",
        .check = check_redis_uri,
        .field = member<&settings::send_cap, &send_cap_settings::redis_uri>(),
    },

    // sender: sender identity (R-SAV-9) and trusted relays (R-PSH-9).
    {
        .path = "sender.check_identity",
        .kind = key_kind::boolean,
        .default_text = "true",
        .rules = "R-SAV-9",
        .help = "authenticated mail: envelope sender, From: and Sender: must be the login's",
        .field = member<&settings::sender, &sender_settings::check_identity>(),
    },
    {
        .path = "sender.local_domains",
        .kind = key_kind::string,
        .default_text = "",
        .max = max_text,
        .rules = "R-SAV-9",
        .help = "our domains, space-separated: unauthenticated outsiders may not claim them",
        .check = check_domain_list,
        .field = member<&settings::sender, &sender_settings::local_domains>(),
    },
    {
        .path = "sender.trusted_networks",
        .kind = key_kind::string,
        .default_text = "",
        .max = max_text,
        .rules = "R-PSH-9 R-SAV-9",
        .help = "relays (IP or CIDR, space-separated) treated as outgoing without AUTH",
        .check = check_network_list,
        .field = member<&settings::sender, &sender_settings::trusted_networks>(),
    },
    {
        .path = "sender.activation_address",
        .kind = key_kind::string,
        .default_text = "",
        .max = max_text,
        .rules = "R-PSH-3",
        .help = "the only address a pending account may send to; that mail activates it",
        .check = check_optional_address,
        .field = member<&settings::sender, &sender_settings::activation_address>(),
    },
    {
        .path = "sender.submit_networks",
        .kind = key_kind::string,
        .default_text = "",
        .max = max_text,
        .rules = "R-PSH-9",
        .help = "networks logins may send from; set: no relaying without login or trust",
        .check = check_network_list,
        .field = member<&settings::sender, &sender_settings::submit_networks>(),
    },

    // rules: administrator rule lists (R-TJP-3 subject block list).
    {
        .path = "rules.subject_block_file",
        .kind = key_kind::path,
        .default_text = "",
        .max = max_text,
        .rules = "R-TJP-3",
        .help = "subject block list (literal TEXT / regex PATTERN per line); \"\" = off",
        .field = member<&settings::rules, &rules_settings::subject_block_file>(),
    },
    {
        .path = "rules.subject_block_action",
        .kind = key_kind::enumeration,
        .default_text = "reject",
        .rules = "R-TJP-3",
        .help = "action of subject block lines without \"=> ACTION\": reject or quarantine",
        .words = subject_actions,
        .field = member<&settings::rules, &rules_settings::subject_block_action>(),
    },

    // quota: defaults for mailboxes whose directory entry sets no quota (R-MYO-8).
    {
        .path = "quota.storage_bytes",
        .kind = key_kind::size,
        .default_text = "2GB",
        .max = 1000 * tb,
        .unit = "bytes",
        .rules = "R-PSH-4 R-SAV-1 R-MYO-8",
        .help = "mailbox storage limit; over it deliveries are refused (NDR); 0 = unlimited",
        .field = member<&settings::quota, &quota_settings::storage_bytes>(),
    },
    {
        .path = "quota.messages",
        .kind = key_kind::count,
        .default_text = "0",
        .max = 1'000'000'000,
        .unit = "messages",
        .rules = "R-SAV-1",
        .help = "most messages a mailbox may hold; 0 = unlimited",
        .field = member<&settings::quota, &quota_settings::messages>(),
    },
    {
        .path = "quota.warning_bytes",
        .kind = key_kind::size,
        .default_text = "0",
        .max = 1000 * tb,
        .unit = "bytes",
        .rules = "R-SAV-1",
        .help = "mailbox size at which the user is warned by mail (may exceed the limit "
                "during grace); 0 = no warning",
        .field = member<&settings::quota, &quota_settings::warning_bytes>(),
    },
    {
        .path = "quota.grace",
        .kind = key_kind::duration,
        .default_text = "0",
        .max = 365 * day,
        .unit = "seconds",
        .rules = "R-SAV-2",
        .help = "how long a mailbox may stay over its limit before deliveries stop; 0 = none",
        .field = member<&settings::quota, &quota_settings::grace>(),
    },
    // provisioning: what the provisioner gives new accounts and keeps of deleted ones.
    {
        .path = "provisioning.activate_on_create",
        .kind = key_kind::boolean,
        .default_text = "false",
        .rules = "R-PSH-3",
        .help = "new mailboxes start active instead of pending activation",
        .field = member<&settings::provisioning, &provisioning_settings::activate_on_create>(),
    },
    {
        .path = "provisioning.tombstone_retention",
        .kind = key_kind::duration,
        .default_text = "30d",
        .min = day,
        .max = 3650 * day,
        .unit = "seconds",
        .rules = "R-MYO-4",
        .help = "how long a deleted account stays a hidden tombstone reserving its addresses",
        .field = member<&settings::provisioning, &provisioning_settings::tombstone_retention>(),
    },
    {
        .path = "provisioning.relationships",
        .kind = key_kind::string,
        .default_text =
            "employee contractor phd-student project-collaborator intern external-collaborator",
        .max = max_text,
        .rules = "R-SAV-8",
        .help = "relationship values an account may have, space-separated; empty = any",
        .check = check_word_list,
        .field = member<&settings::provisioning, &provisioning_settings::relationships>(),
    },
    {
        .path = "provisioning.mailbox_hosts",
        .kind = key_kind::string,
        .default_text = "",
        .max = max_text,
        .rules = "R-SAV-7",
        .help = "servers a mailbox may live on, space-separated; empty = any",
        .check = check_word_list,
        .field = member<&settings::provisioning, &provisioning_settings::mailbox_hosts>(),
    },
    {
        .path = "provisioning.password_scheme",
        .kind = key_kind::enumeration,
        .default_text = "server",
        .rules = "R-SAV-5",
        .help = "server (RFC 3062: the directory hashes) or ssha512 (hashed here, {SSHA512})",
        .words = password_storages,
        .field = member<&settings::provisioning, &provisioning_settings::password_scheme>(),
    },
    // password_policy: checked before the provisioner writes a password (R-SAV-5, R-MYO-3).
    {
        .path = "password_policy.min_length",
        .kind = key_kind::count,
        .default_text = "8",
        .min = 1,
        .max = 1024,
        .unit = "characters",
        .rules = "R-SAV-5 R-MYO-3",
        .help = "fewest characters a password may have",
        .field = member<&settings::password_policy, &password_policy_settings::min_length>(),
    },
    {
        .path = "password_policy.max_length",
        .kind = key_kind::count,
        .default_text = "128",
        .min = 1,
        .max = 1024,
        .unit = "characters",
        .rules = "R-MYO-3",
        .help = "most characters a password may have",
        .field = member<&settings::password_policy, &password_policy_settings::max_length>(),
    },
    {
        .path = "password_policy.min_digits",
        .kind = key_kind::count,
        .default_text = "1",
        .max = 1024,
        .unit = "characters",
        .rules = "R-SAV-5 R-MYO-3",
        .help = "fewest digits 0-9 a password must hold",
        .field = member<&settings::password_policy, &password_policy_settings::min_digits>(),
    },
    {
        .path = "password_policy.min_upper",
        .kind = key_kind::count,
        .default_text = "1",
        .max = 1024,
        .unit = "characters",
        .rules = "R-SAV-5 R-MYO-3",
        .help = "fewest upper-case letters A-Z a password must hold",
        .field = member<&settings::password_policy, &password_policy_settings::min_upper>(),
    },
    {
        .path = "password_policy.min_lower",
        .kind = key_kind::count,
        .default_text = "1",
        .max = 1024,
        .unit = "characters",
        .rules = "R-SAV-5 R-MYO-3",
        .help = "fewest lower-case letters a-z a password must hold",
        .field = member<&settings::password_policy, &password_policy_settings::min_lower>(),
    },
    {
        .path = "password_policy.min_special",
        .kind = key_kind::count,
        .default_text = "1",
        .max = 1024,
        .unit = "characters",
        .rules = "R-SAV-5 R-MYO-3",
        .help = "fewest ASCII punctuation characters or spaces a password must hold",
        .field = member<&settings::password_policy, &password_policy_settings::min_special>(),
    },
    {
        .path = "password_policy.reject_cyrillic",
        .kind = key_kind::boolean,
        .default_text = "true",
        .rules = "R-MYO-3",
        .help = "refuse passwords containing Cyrillic letters",
        .field = member<&settings::password_policy, &password_policy_settings::reject_cyrillic>(),
    },
    {
        .path = "password_policy.reject_personal_data",
        .kind = key_kind::boolean,
        .default_text = "true",
        .rules = "R-SAV-5",
        .help = "refuse passwords containing the user's names or login",
        .field = member<&settings::password_policy, &password_policy_settings::reject_personal_data>(),
    },
    {
        .path = "password_policy.dictionary_file",
        .kind = key_kind::path,
        .default_text = "",
        .max = 4096,
        .rules = "R-SAV-5",
        .help = "word list (one word per line) a password may not be; empty: none",
        .field = member<&settings::password_policy, &password_policy_settings::dictionary_file>(),
    },
    // attributes: LDAP attribute names (R-MYO-8 mapping; defaults = docs/SCHEMA.md).
    {
        .path = "attributes.mail",
        .kind = key_kind::string,
        .default_text = "mail",
        .min = 1,
        .max = max_name,
        .rules = "R-PSH-1, R-SAV-6",
        .help = "the account's primary address (login); one value",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::mail>(),
    },
    {
        .path = "attributes.alias",
        .kind = key_kind::string,
        .default_text = "mwAlias",
        .min = 1,
        .max = max_name,
        .rules = "R-SAV-6, R-TJP-1, R-SAV-9",
        .help = "further addresses that deliver to the account and it may send as",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::alias>(),
    },
    {
        .path = "attributes.send_as",
        .kind = key_kind::string,
        .default_text = "mwSendAs",
        .min = 1,
        .max = max_name,
        .rules = "R-SAV-9",
        .help = "addresses the account has been granted to send as (not its own)",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::send_as>(),
    },
    {
        .path = "attributes.status",
        .kind = key_kind::string,
        .default_text = "mwAccountStatus",
        .min = 1,
        .max = max_name,
        .rules = "R-PSH-3, R-TJP-5, R-SAV-11, R-MYO-2",
        .help = "account status: the words in account_status.* (kept apart from login locking)",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::status>(),
    },
    {
        .path = "attributes.region",
        .kind = key_kind::string,
        .default_text = "mwRegion",
        .min = 1,
        .max = max_name,
        .rules = "R-PSH-1",
        .help = "region digit of the organisation (1..7)",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::region>(),
    },
    {
        .path = "attributes.tenant",
        .kind = key_kind::string,
        .default_text = "mwTenant",
        .min = 1,
        .max = max_name,
        .rules = "R-MYO-1, R-MYO-10",
        .help = "the tenant (organisation) the entry belongs to",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::tenant>(),
    },
    {
        .path = "attributes.quota_bytes",
        .kind = key_kind::string,
        .default_text = "mwQuotaBytes",
        .min = 1,
        .max = max_name,
        .rules = "R-PSH-4, R-SAV-1, R-MYO-8",
        .help = "storage limit in bytes; absent or 0 = quota.storage_bytes",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::quota_bytes>(),
    },
    {
        .path = "attributes.quota_messages",
        .kind = key_kind::string,
        .default_text = "mwQuotaMessages",
        .min = 1,
        .max = max_name,
        .rules = "R-SAV-1",
        .help = "message-count limit; absent or 0 = quota.messages",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::quota_messages>(),
    },
    {
        .path = "attributes.daily_send_limit",
        .kind = key_kind::string,
        .default_text = "mwDailySendLimit",
        .min = 1,
        .max = max_name,
        .rules = "R-PSH-6",
        .help = "per-account override of send_cap.daily_limit",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::daily_send_limit>(),
    },
    {
        .path = "attributes.internal_only",
        .kind = key_kind::string,
        .default_text = "mwInternalOnly",
        .min = 1,
        .max = max_name,
        .rules = "R-TJP-2, R-MYO-6",
        .help = "TRUE: an application mailbox or list limited to internal recipients / senders",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::internal_only>(),
    },
    {
        .path = "attributes.allowed_recipient",
        .kind = key_kind::string,
        .default_text = "mwAllowedRecipient",
        .min = 1,
        .max = max_name,
        .rules = "R-TJP-2",
        .help = "external addresses or @domains an internal-only account may still write to",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::allowed_recipient>(),
    },
    {
        .path = "attributes.mailbox_host",
        .kind = key_kind::string,
        .default_text = "mwMailboxHost",
        .min = 1,
        .max = max_name,
        .rules = "R-SAV-7",
        .help = "the server the mailbox lives on",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::mailbox_host>(),
    },
    {
        .path = "attributes.relationship",
        .kind = key_kind::string,
        .default_text = "mwRelationship",
        .min = 1,
        .max = max_name,
        .rules = "R-SAV-8",
        .help = "relationship to the organisation (employee, contractor, ...)",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::relationship>(),
    },
    {
        .path = "attributes.external_id",
        .kind = key_kind::string,
        .default_text = "mwExternalId",
        .min = 1,
        .max = max_name,
        .rules = "R-MYO-9",
        .help = "the caller's stable id for idempotent imports",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::external_id>(),
    },
    {
        .path = "attributes.deleted_at",
        .kind = key_kind::string,
        .default_text = "mwDeletedAt",
        .min = 1,
        .max = max_name,
        .rules = "R-MYO-4",
        .help = "when the account was deleted (GeneralizedTime; tombstone)",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::deleted_at>(),
    },
    {
        .path = "attributes.purge_after",
        .kind = key_kind::string,
        .default_text = "mwPurgeAfter",
        .min = 1,
        .max = max_name,
        .rules = "R-MYO-4",
        .help = "when the tombstone may be removed (GeneralizedTime)",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::purge_after>(),
    },
    {
        .path = "attributes.list_policy",
        .kind = key_kind::string,
        .default_text = "mwListPolicy",
        .min = 1,
        .max = max_name,
        .rules = "R-MYO-6",
        .help = "distribution list: internal (local senders only) or open",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::list_policy>(),
    },
    {
        .path = "attributes.language",
        .kind = key_kind::string,
        .default_text = "preferredLanguage",
        .min = 1,
        .max = max_name,
        .rules = "R-SAV-1",
        .help = "the user's language for notices (RFC 2798)",
        .check = check_attribute_name,
        .field = member<&settings::attributes, &attribute_settings::language>(),
    },
    // account_status: the words the status attribute holds.
    {
        .path = "account_status.active",
        .kind = key_kind::string,
        .default_text = "active",
        .min = 1,
        .max = max_name,
        .rules = "R-PSH-3, R-MYO-2",
        .help = "the account may log in, send and receive",
        .check = check_status_word,
        .field = member<&settings::account_status, &account_status_settings::active>(),
    },
    {
        .path = "account_status.pending",
        .kind = key_kind::string,
        .default_text = "pending",
        .min = 1,
        .max = max_name,
        .rules = "R-PSH-3, R-MYO-2",
        .help = "not yet activated: may receive, may only send to the activation address",
        .check = check_status_word,
        .field = member<&settings::account_status, &account_status_settings::pending>(),
    },
    {
        .path = "account_status.blocked",
        .kind = key_kind::string,
        .default_text = "blocked",
        .min = 1,
        .max = max_name,
        .rules = "R-TJP-5, R-SAV-11, R-MYO-2",
        .help = "may not send (receiving and login are untouched)",
        .check = check_status_word,
        .field = member<&settings::account_status, &account_status_settings::blocked>(),
    },
    {
        .path = "account_status.deleted",
        .kind = key_kind::string,
        .default_text = "deleted",
        .min = 1,
        .max = max_name,
        .rules = "R-MYO-4",
        .help = "tombstone: hidden, its addresses stay reserved",
        .check = check_status_word,
        .field = member<&settings::account_status, &account_status_settings::deleted>(),
    },
    // classes: which attribute names an account's class (class_limits below the table).
    {
        .path = "classes.attribute",
        .kind = key_kind::string,
        .default_text = "",
        .max = max_name,
        .rules = "R-PSH-5 R-SAV-4 R-PSH-6",
        .help = "LDAP attribute whose value names the account's class in class_limits; \"\" = none",
        .check = check_optional_attribute_name,
        .field = member<&settings::classes, &classes_settings::attribute>(),
    },
};

constexpr bool in_section(std::string_view path, std::string_view section) {
    return path.size() > section.size() && path.starts_with(section) &&
           path[section.size()] == '.';
}

constexpr bool table_is_consistent() {
    for (std::size_t i = 0; i < std::size(key_table); ++i) {
        const key_info& k = key_table[i];
        if (!kind_matches_field(k) || k.min > k.max || k.help.empty() || k.path.empty())
            return false;
        if (k.check != nullptr && k.kind != key_kind::string && k.kind != key_kind::path)
            return false;
        for (std::size_t j = 0; j < i; ++j) {
            if (key_table[j].path == k.path) return false;
            // Sections are contiguous: a section this key opens anew was not open before.
            for (std::size_t dot = k.path.find('.'); dot != std::string_view::npos;
                 dot = k.path.find('.', dot + 1)) {
                const std::string_view section = k.path.substr(0, dot);
                if (!in_section(key_table[i - 1].path, section) &&
                    in_section(key_table[j].path, section))
                    return false;
            }
        }
    }
    return true;
}
static_assert(table_is_consistent(),
              "config key table: kind/field mismatch, min > max, max beyond the field, "
              "missing help, a duplicate path, or a section split in two");

// ---- checks across keys ----

std::string bucket_divides_window(const settings& s) {
    const auto& c = s.send_cap;
    if (c.window.count() % c.bucket.count() == 0) return {};
    return fmt::format("{} does not divide the window {} into whole buckets",
                       format_duration(c.bucket), format_duration(c.window));
}

std::string lmdb_path_when_lmdb(const settings& s) {
    if (s.send_cap.store != store_backend::lmdb || !s.send_cap.lmdb_path.empty()) return {};
    return "is empty but send_cap.store is lmdb";
}

std::string redis_uri_when_redis(const settings& s) {
    if (s.send_cap.store != store_backend::redis || !s.send_cap.redis_uri.empty()) return {};
    return "is empty but send_cap.store is redis";
}

// A simple bind with a DN and no password is an "unauthenticated bind" (RFC 4513 5.1.2)
// that servers may treat as anonymous: refuse it rather than bind with fewer rights.
std::string password_with_bind_dn(const settings& s) {
    const auto& l = s.ldap;
    if (!l.bind_dn.empty() && l.bind_password_file.empty())
        return "is empty but ldap.bind_dn is set (a DN without a password binds "
               "unauthenticated)";
    if (l.bind_dn.empty() && !l.bind_password_file.empty())
        return "is set but ldap.bind_dn is empty (anonymous binds take no password)";
    return {};
}

std::string start_tls_not_on_ldaps(const settings& s) {
    if (s.ldap.start_tls && s.ldap.uri.find("ldaps://") != std::string::npos)
        return "is true but ldap.uri uses ldaps:// (already TLS)";
    return {};
}

// R-PSH-3: the milter's write credential: a DN with its password file, and accounts to
// write (without ldap.base_dn the milter looks nothing up). One message at a time.
std::string write_credential_complete(const settings& s) {
    const auto& l = s.ldap;
    if (!l.write_bind_dn.empty() && l.write_bind_password_file.empty())
        return "is set but ldap.write_bind_password_file is empty (a DN without a password "
               "binds unauthenticated)";
    if (l.write_bind_dn.empty() && !l.write_bind_password_file.empty())
        return "is empty but ldap.write_bind_password_file is set (no write credential "
               "without a DN)";
    if (!l.write_bind_dn.empty() && l.base_dn.empty())
        return "is set but ldap.base_dn is empty (the milter finds no accounts to activate)";
    return {};
}

// R-PSH-9: "no relaying" needs to know which recipients are ours.
std::string submit_networks_need_local_domains(const settings& s) {
    if (!s.sender.submit_networks.empty() && s.sender.local_domains.empty())
        return "is set but sender.local_domains is empty (the milter cannot tell our "
               "recipients from relaying)";
    return {};
}

// class_limits without classes.attribute: no account would ever be in a class.
std::string class_limits_need_attribute(const settings& s) {
    if (!s.class_limits.empty() && s.classes.attribute.empty())
        return fmt::format("names {} class(es) but classes.attribute is empty: set the LDAP "
                           "attribute that holds an account's class",
                           s.class_limits.size());
    return {};
}

constexpr cross_check cross_check_table[] = {
    {{"ldap.write_bind_dn", "ldap.write_bind_password_file"}, "R-PSH-3",
     write_credential_complete},
    {{"sender.submit_networks", "sender.local_domains"}, "R-PSH-9",
     submit_networks_need_local_domains},
    {{"class_limits", "classes.attribute"}, "R-PSH-5 R-SAV-4 R-PSH-6",
     class_limits_need_attribute},
    {{"send_cap.bucket", "send_cap.window"}, "R-PSH-6", bucket_divides_window},
    {{"send_cap.lmdb_path", "send_cap.store"}, "R-PSH-6", lmdb_path_when_lmdb},
    {{"send_cap.redis_uri", "send_cap.store"}, "R-PSH-6", redis_uri_when_redis},
    {{"ldap.bind_password_file", "ldap.bind_dn"}, "", password_with_bind_dn},
    {{"ldap.start_tls", "ldap.uri"}, "", start_tls_not_on_ldaps},
};

// ---- repeated sections (config_keys.hpp): class_limits, domain_limits ----

constexpr override_key override_table[] = {
    {"max_message_size_outgoing", "limits.max_message_size_outgoing",
     &limit_overrides::max_message_size_outgoing},
    {"max_message_size_incoming", "limits.max_message_size_incoming",
     &limit_overrides::max_message_size_incoming},
    {"max_recipients", "limits.max_recipients", &limit_overrides::max_recipients},
    {"daily_limit", "send_cap.daily_limit", &limit_overrides::daily_limit},
};

// A class name is a value of classes.attribute: text (UTF-8, no control characters),
// compared ASCII case-insensitively as LDAP's caseIgnoreMatch does for these attributes.
constexpr key_info class_name_rule{.path = "class_limits", .kind = key_kind::string, .min = 1,
                                   .max = max_name};

std::string check_class_name(std::string_view name) {
    return check_value(class_name_rule, std::string(name));
}

std::string class_name_key(std::string_view name) {
    std::string out(name);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
}

std::string check_domain_name(std::string_view name) {
    const auto d = policy::parse_domain_list(name);
    if (!d.error.empty()) return d.error;
    if (d.value.size() != 1) return fmt::format("{} is not one domain", quoted(name));
    return {};
}

std::string domain_name_key(std::string_view name) {
    const auto d = policy::parse_domain_list(name);
    return d.value.size() == 1 ? d.value.front() : std::string(name);
}

const repeated_section repeated_table[] = {
    {"class_limits", "class", "R-PSH-5 R-SAV-4 R-PSH-6 R-SAV-9",
     "per account class (a value of classes.attribute): limits that differ from the global ones",
     check_class_name, class_name_key, &settings::class_limits},
    {"domain_limits", "domain", "R-PSH-5 R-SAV-4 R-PSH-6 R-SAV-9",
     "per mail domain (its accounts' sending, its recipients' incoming size)",
     check_domain_name, domain_name_key, &settings::domain_limits},
};

}  // namespace

std::span<const override_key> override_keys() { return override_table; }
std::span<const repeated_section> repeated_sections() { return repeated_table; }

const repeated_section* find_repeated_section(std::string_view path) {
    for (const repeated_section& r : repeated_table)
        if (r.path == path) return &r;
    return nullptr;
}

const override_key* find_override_key(std::string_view name) {
    for (const override_key& k : override_table)
        if (k.name == name) return &k;
    return nullptr;
}

const key_info& base_key(const override_key& k) {
    const key_info* base = find_key(k.base);
    if (base == nullptr) throw std::logic_error("override key without a base key");
    return *base;
}

std::span<const key_info> keys() { return key_table; }
std::span<const cross_check> cross_checks() { return cross_check_table; }

const key_info* find_key(std::string_view path) {
    for (const key_info& k : key_table)
        if (k.path == path) return &k;
    return nullptr;
}

bool is_section(std::string_view path) {
    if (path.empty()) return false;
    for (const key_info& k : key_table)
        if (k.path.size() > path.size() && k.path.starts_with(path) && k.path[path.size()] == '.')
            return true;
    return false;
}

std::vector<std::string_view> child_names(std::string_view section) {
    std::vector<std::string_view> names;
    for (const key_info& k : key_table) {
        std::string_view rest = k.path;
        if (!section.empty()) {
            if (!(rest.size() > section.size() && rest.starts_with(section) &&
                  rest[section.size()] == '.'))
                continue;
            rest.remove_prefix(section.size() + 1);
        }
        const std::string_view name = rest.substr(0, rest.find('.'));
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    if (section.empty())
        for (const repeated_section& r : repeated_table) names.push_back(r.path);
    return names;
}

}  // namespace mailwarden::config
