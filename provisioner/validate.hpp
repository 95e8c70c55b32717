// validate.hpp: checks of hostile command-line, CSV and YAML values before anything is
// sent to the directory: each returns "" when fine, else a message naming the value and
// the rule (values in messages are sanitised and bounded, so a name cannot forge output).
// Rules: R-PSH-1 (regions), R-MYO-1 (tenant ids), R-MYO-2 (profile attributes), R-SAV-7
// (mailbox hosts), R-SAV-8 (relationships).
#pragma once

#include <string>
#include <string_view>

#include "core/ldap/entry.hpp"

namespace mailwarden::provisioner {

// A tenant id: 1..64 of [a-z0-9-], starting with a letter or digit ("minfin", "org-12").
std::string check_tenant_id(std::string_view id);
// A person's name part or another profile text (cn, sn, title, ...): 1..256 bytes of valid
// UTF-8 without control characters. `what` names the field in the message ("--cn").
std::string check_text(std::string_view what, std::string_view value, bool required = true);
// R-SAV-8: empty (not given), or one of the space-separated words of `allowed`
// (provisioning.relationships; "" allows any value; the default is SAV's six: employee,
// contractor, phd-student, project-collaborator, intern, external-collaborator).
inline constexpr std::string_view default_relationships =
    "employee contractor phd-student project-collaborator intern external-collaborator";
std::string check_relationship(std::string_view value,
                               std::string_view allowed = default_relationships);
// R-SAV-7: empty (not given), or one of the space-separated words of `allowed`
// (provisioning.mailbox_hosts; "" allows any value). Compared without case.
std::string check_mailbox_host(std::string_view value, std::string_view allowed);
// A region: exactly one digit 1..7 (R-PSH-1).
std::string check_region(int region);
// value with control characters replaced and cut at 80 bytes, for messages.
std::string sanitize_for_message(std::string_view value);
// Same values regardless of order (attribute values are a set).
bool same_values(const ldap::values& a, const ldap::values& b);

}  // namespace mailwarden::provisioner
