// account.hpp: what a mailbox entry holds, decided without the directory (so `user add`,
// `user ensure`, `import` and `tenant ensure` write exactly the same thing and the rules
// are unit-tested): a tenant as the provisioner sees it, the addresses of an NXXXXXX
// mailbox in a tenant (the default domain is the mail, every other tenant domain an alias:
// R-TJP-1), the whole entry of a new account, the profile part an update may change, and
// the mailbox limit of a tenant (R-PSH-2).
// Rules: R-PSH-1, R-PSH-2, R-PSH-3, R-PSH-4, R-SAV-1, R-TJP-1, R-MYO-1, R-MYO-2.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/ldap/entry.hpp"
#include "provisioner/allocate.hpp"
#include "provisioner/commands.hpp"

namespace mailwarden::provisioner {

// The tenant attribute holding the mailbox limit (R-PSH-2; schema .1.20).
inline constexpr const char* max_mailboxes_attribute = "mwMaxMailboxes";

struct tenant_info {
    std::string id;
    std::string default_domain;                  // new mailboxes: NXXXXXX@default_domain
    std::vector<std::string> domains;            // every domain, the default first
    std::optional<std::uint64_t> max_mailboxes;  // R-PSH-2; none: no limit
};

// The tenant of entry e (mwDefaultDomain, mwMailDomain, mwMaxMailboxes). error is set
// (and the result unusable) when there is no default domain or the limit is not a number.
tenant_info tenant_from_entry(const std::string& id, const ldap::entry& e, std::string& error);

// R-TJP-1: mailbox id's addresses in tenant t, lowercase: the mail (default domain)
// first, then id@<each other tenant domain> in the tenant's order.
// mailbox_addresses("7000001", {default "new.example", domains {new, old}})
//   -> {"7000001@new.example", "7000001@old.example"}
std::vector<std::string> mailbox_addresses(const std::string& id, const tenant_info& t);

// R-TJP-1: the addresses of id in t that the entry lacks (neither its mail nor an alias;
// compared without case), in the tenant's order. The mail's own domain is never added.
std::vector<std::string> missing_secondary_addresses(const std::string& id, const tenant_info& t,
                                                     const std::vector<std::string>& has);

// Every attribute of a new account: the inetOrgPerson profile from o, status pending (or
// active with provisioning.activate_on_create, R-PSH-3), region, tenant, default quota and
// caps from the config (R-PSH-4, R-SAV-1), uid = id, mail and the secondary addresses of
// mailbox_addresses (R-TJP-1), plus first_last (a generated alias) when not empty.
ldap::attribute_map new_account(const config::settings& s, const user_options& o,
                                const std::string& id, const tenant_info& t,
                                const std::string& first_last);

// The profile attributes of o that are set (non-empty text, given numbers): what `user
// modify`, `user ensure` and an import row of an existing account replace.
ldap::attribute_map profile_attributes(const config::settings& s, const user_options& o);

// R-PSH-2: "" when `live` mailboxes plus `adding` new ones fit t's limit, else the message
// (naming the tenant and the limit). Tombstones do not count as live.
std::string check_mailbox_limit(const tenant_info& t, std::uint64_t live, std::uint64_t adding);

// ---- with the directory (user.cpp) ----

// Every check of a new account's fields (65 with the message), configured lists included
// (provisioning.relationships R-SAV-8, provisioning.mailbox_hosts R-SAV-7).
void check_user_fields(const context& ctx, const user_options& o);
// Sets dn's password the configured way (provisioning.password_scheme): RFC 3062 password
// modify (server), or userPassword replaced by {SSHA512} hashed here (ssha512).
void write_password(context& ctx, const std::string& dn, const std::string& password);
// The report line for it (never the password): "password set (RFC 3062)", ...
std::string password_change_line(const context& ctx);
// The compare-and-swap operations on the counter of `region` (allocate.hpp).
counter_ops region_counter_ops(context& ctx, int region);
// The counter's current value as stored; 65 when the region has no counter.
std::string read_counter(context& ctx, int region);

// The tenant `id`; command_error 65 when unknown or broken, the directory's code otherwise.
tenant_info read_tenant(context& ctx, const std::string& id);
// R-PSH-2: the tenant's accounts that are not tombstones (one paged search).
std::uint64_t count_live_mailboxes(context& ctx, const std::string& tenant);
// The DN owning any of addresses as mail or alias below the base (tombstones too).
std::optional<std::string> owner_of_any(context& ctx, const std::vector<std::string>& addresses);

}  // namespace mailwarden::provisioner
