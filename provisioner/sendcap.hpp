// sendcap.hpp: the pure parts of `mailwarden sendcap show|reset|blocked` (R-PSH-6): the
// account's limit read from its LDAP value exactly as the milter reads it, and the status
// an administrator sees (count, limit, remaining allowance, block end), so both are
// unit-tested without a store or a directory.
// Rules: R-PSH-6.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ldap/entry.hpp"
#include "core/policy/send_cap.hpp"

namespace mailwarden::provisioner {

// The milter's reading of settings.attributes.daily_send_limit (milter/ldap_directory.cpp):
// one positive decimal overrides the default; absent, "0" or anything else -> nullopt
// (the default applies), so the CLI never shows a limit the milter does not enforce.
std::optional<std::uint64_t> send_limit_override(const std::vector<std::string>& values);

struct cap_status {
    std::uint64_t count = 0;                  // sends counted in the window
    std::uint64_t limit = 0;                  // 0: no cap
    std::optional<std::uint64_t> remaining;   // nullopt: no cap; 0 while blocked
    std::int64_t blocked_until = 0;           // 0: not blocked
};
cap_status cap_status_of(const policy::cap_decision& d, std::uint64_t limit);

// What `sendcap show` prints (text and JSON "attributes"): address, count, limit,
// limit_source ("ldap" or "default"), remaining ("unlimited" without a cap),
// blocked_until ("YYYY-MM-DD hh:mm:ss UTC" or "not blocked").
ldap::attribute_map cap_status_attributes(const std::string& address, const cap_status& s,
                                          const std::string& limit_source);

}  // namespace mailwarden::provisioner
