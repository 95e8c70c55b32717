// resource.hpp: resource groups and resources (rooms, equipment) of a tenant, each
// resource with a mailbox Dovecot delivers to (`mailwarden resource-group ...`,
// `mailwarden resource ...`).
// Layout, below the tenant that owns them (R-MYO-1):
//   cn=<group>,ou=<tenant>,ou=tenants,<base>      groupOfNames + mailwardenResourceGroup;
//                                                  member = DNs of its resources
//   mail=<address>,cn=<group>,ou=<tenant>,...     inetOrgPerson + mailwardenAccount +
//                                                  mailwardenResource (mwResourceType)
// A resource belongs to exactly one group (its parent entry), so a group with resources
// cannot be deleted by accident (the server refuses to remove a non-leaf entry too).
// The address is chosen by the administrator (room-101@domain): people invite a room by
// a name they can read, and a resource takes no NXXXXXX number from the region sequence,
// whose numbers count the mailboxes of people an organisation applied for (R-PSH-1,
// R-PSH-2).
// Rules: R-MYO-1.
#pragma once

#include <string>
#include <string_view>

#include "core/config/config.hpp"
#include "core/ldap/entry.hpp"
#include "provisioner/context.hpp"

namespace mailwarden::provisioner {

struct resource_group_options {
    std::string tenant;
    std::string name;          // cn, unique within the tenant
    std::string display_name;  // optional
    std::string description;   // optional
};

struct resource_options {
    std::string tenant;
    std::string group;
    std::string type;          // room | equipment
    std::string mail;          // an address, or a local part: the tenant's default domain
    std::string display_name;  // cn, sn and displayName
    std::string description;   // optional
    std::string locality;      // optional: l (the city)
};

// ---- pure ----

// "" when type is room or equipment, else the message.
std::string check_resource_type(std::string_view type);
// The profile of a resource that add, ensure and modify write: cn/sn/displayName from the
// display name, description, l, mwResourceType; with all_fields, absent ones as empty
// lists (ensure: exactly this), else only those given (modify).
ldap::attribute_map resource_profile(const resource_options& o, bool all_fields);
// Every attribute of a new resource with this address: the profile, objectClasses, mail,
// tenant, status active (a resource only receives: there is nobody to activate it,
// R-PSH-3 is about people), the default quota of the config (R-PSH-4, R-SAV-1).
ldap::attribute_map new_resource(const config::settings& s, const resource_options& o,
                                 const std::string& address);

// ---- commands (resource.cpp) ----

// add: 65 when the group exists; ensure: creates or brings it to o.
void resource_group_put(context& ctx, const resource_group_options& o, bool must_be_new);
void resource_group_show(context& ctx, const std::string& tenant, const std::string& name);
// The groups of a tenant ("" = every tenant).
void resource_group_list(context& ctx, const std::string& tenant);
// 65 while it holds resources; a group that is not there is no change.
void resource_group_delete(context& ctx, const std::string& tenant, const std::string& name);

// add: 65 when the address is taken (live, alias, tombstone); ensure: creates, or brings
// the resource with this address to o (its tenant and group never change).
void resource_put(context& ctx, const resource_options& o, bool must_be_new);
void resource_show(context& ctx, const std::string& address);
// Resources of a tenant / group / type ("" = any), sorted by address.
void resource_list(context& ctx, const resource_options& filter);
// Replaces what o gives: display name, description, locality, type.
void resource_modify(context& ctx, const std::string& address, const resource_options& o);
// Removes the resource and its group membership. Its mail in Dovecot stays on disk until
// the administrator removes it (doveadm). A resource that is not there is no change.
void resource_delete(context& ctx, const std::string& address);

}  // namespace mailwarden::provisioner
