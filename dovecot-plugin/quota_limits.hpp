// quota_limits.hpp: the per-user limits the Dovecot quota plugin enforces, and the parsers
// for the raw setting text they arrive as (userdb fields from LDAP or plugin {} settings:
// mailwarden_quota_storage, mailwarden_quota_messages). Pure C++, no Dovecot header, so it
// is unit-tested without Dovecot and only reached from C through quota-bridge.h.
// Rules: R-PSH-4 (2 GB storage), R-SAV-1 (20 MB and 5000 messages), R-MYO-8 (a limit from
// any directory attribute, in bytes; 0 = unlimited).
// Failure: a malformed value is an error with a reason; the caller keeps the default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/config/units.hpp"

namespace mailwarden::quota_plugin {

// One user's effective limits; 0 means unlimited (Dovecot's and R-MYO-8's convention).
struct limits {
    std::uint64_t storage_bytes = 0;
    std::uint64_t messages = 0;
};

// The limits used when a setting is absent or malformed: the defaults of the project's
// configuration (config::quota_settings), so the plugin and mailwarden.yaml agree.
limits default_limits();

// What a parser returns: a value, or an error saying why the text was refused (core's
// config::parsed; the error quotes at most a sanitised fragment of the hostile input).
using parse_result = config::parsed<std::uint64_t>;

// Longest setting text accepted; longer input is refused, never cut.
inline constexpr std::size_t max_limit_text = 64;

// A storage limit in bytes, in the project's size syntax (config::parse_size), so a value
// means the same in LDAP, in dovecot.conf and in mailwarden.yaml:
//   "2000000000" -> 2000000000   "20MB" -> 20000000   "3.5MB" -> 3500000
//   "2GiB" -> 2147483648         "0" -> 0 (unlimited)  "20M" -> error (MB or MiB?)
//   "garbage" -> error           "" -> error (callers treat empty as "not set" first)
parse_result parse_storage_limit(std::string_view text);

// A message-count limit (config::parse_count): decimal digits, no sign, no leading zero,
// at most UINT64_MAX.
//   "5000" -> 5000   "0" -> 0 (unlimited)   "5k" -> error   "-1" -> error   "" -> error
parse_result parse_message_limit(std::string_view text);

}  // namespace mailwarden::quota_plugin
