// list.hpp: distribution lists (`mailwarden list ...`), and the group plumbing that
// resource groups share (resource.cpp): the pure decisions first (the address of a new
// list or resource, list policy words, member values of a groupOfNames, member changes as
// one atomic modify, the wanted state of a list), then the commands and the directory
// helpers.
// A list is `mail=<address>,ou=lists,<base>`: groupOfNames + mailwardenList, `member` =
// DNs of accounts (and resources), `mwExternalMember` = outside addresses, `owner` = DNs of
// accounts, mwListPolicy internal (default: outside senders refused by the milter, R-MYO-6)
// or open, mwTenant. Postfix expands it with conf.d/postfix/ldap-lists.cf.
// Rules: R-MYO-1 (a tenant's lists, in its domains), R-MYO-6 (members, display name,
// internal by default), R-TJP-6 (lists are kept by the central administrators: this CLI).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/ldap/entry.hpp"
#include "core/ldap/filter.hpp"
#include "provisioner/account.hpp"
#include "provisioner/context.hpp"

namespace mailwarden::provisioner {

// ---- pure ----

// a == b without ASCII case (DNs and addresses as the servers compare them, near enough).
bool same_text(std::string_view a, std::string_view b);

// The member value of a groupOfNames that has no member: the empty DN. OpenLDAP's core
// schema makes `member` a MUST of groupOfNames; the empty DN names no entry, so Postfix's
// expansion and address books find nothing behind it (389ds accepts it too).
inline constexpr std::string_view no_member{};

// What `member` holds for these DNs: the DNs, or only the placeholder when there are none.
ldap::values member_values(const ldap::values& dns);
// The real members among stored `member` values (the placeholder dropped).
ldap::values real_members(const ldap::values& stored);

// One modify adding `add` and removing `remove` on a multi-valued attribute whose values
// are `stored` (compared without ASCII case: DNs and addresses); values already there (or
// already gone) are skipped. With placeholder (groupOfNames `member`), the placeholder
// leaves with the first real member and comes back with the last one's removal, in the
// same modify, so the entry is never without a member. Empty: nothing to change.
struct value_changes {
    std::vector<ldap::modification> mods;
    std::vector<std::string> lines;  // "+member: <dn>", "-mwExternalMember: <address>"
};
value_changes change_values(const std::string& attribute, const ldap::values& stored,
                            const ldap::values& add, const ldap::values& remove, bool placeholder);

// The address of a new list or resource of tenant t: `given` is an address, or a local
// part that gets t's default domain. Lowercased; the local part is readable words of a-z
// and 0-9 joined by single '.', '-' or '_' (no quoting, no '+' that Postfix would read as
// an extension, nothing a filter or DN could misread); the domain one of t's (R-MYO-1).
// "" and error set when not.
std::string new_group_address(std::string_view given, const tenant_info& t, std::string& error);
// An outside member's (or a looked-up) address, lowercased as policy compares it: any
// RFC 5321 address whose local part needs no quoting, domain as A-labels; nullopt when
// it is not one (or has an address literal).
std::optional<std::string> member_address(std::string_view given);

// "" when policy is "internal" or "open" (R-MYO-6), else the message.
std::string check_list_policy(std::string_view policy);

// The whole wanted state of a list (`list add` / `ensure` write exactly this).
struct list_state {
    std::string tenant;
    std::string address;
    std::string display_name;         // cn and displayName; "" -> cn = the address
    std::string policy = "internal";  // R-MYO-6 default
    ldap::values member_dns;          // accounts and resources
    ldap::values external;            // outside addresses
    ldap::values owner_dns;           // accounts
};
// Every attribute but objectClass; empty value lists mean "absent" (diff_entry).
ldap::attribute_map list_attributes(const config::attribute_settings& a, const list_state& s);

// ---- commands (list.cpp) ----

struct mail_list_options {
    std::string tenant;
    std::string mail;  // the list address (or a local part: the default domain)
    std::string display_name;
    std::string policy;                // "" -> internal (add, ensure) / unchanged (modify)
    std::vector<std::string> members;  // uid, account or resource address, or outside address
    std::vector<std::string> owners;   // uid or account address
    bool owners_given = false;         // modify: replace the owners (even with none)
};
// Creates a list; 65 when the address is taken by anything (live, alias, tombstone).
void list_add(context& ctx, const mail_list_options& o);
// Creates, or brings the list with this address to exactly o (display name, policy,
// members, owners); nothing when already so.
void list_ensure(context& ctx, const mail_list_options& o);
void list_show(context& ctx, const std::string& address);
// Replaces what o gives (display name, policy, owners); members: list_members.
void list_modify(context& ctx, const std::string& address, const mail_list_options& o);
// Removes the list (its address is free again at once: a list holds no mail). A list that
// is not there is no change.
void list_delete(context& ctx, const std::string& address);
// The lists of a tenant ("" = every tenant), sorted by address.
void list_list(context& ctx, const std::string& tenant);
// Adds (or removes) members in one atomic modify; members already in (or out) are no change.
void list_members(context& ctx, const std::string& address, const std::vector<std::string>& who,
                  bool add);

// ---- directory helpers shared with resource.cpp ----

// new_group_address for tenant t, and free: nobody holds it as mail or alias, tombstones
// included (address_owner), unless it is self_dn's own. 65 otherwise.
std::string claim_address(context& ctx, const tenant_info& t, const std::string& given,
                          const std::string& self_dn = "");
// Adds dn (or, under --check, only reports it) and records the add with its "+attr: value"
// lines. A conflict (the DN or a unique value taken meanwhile) is 65.
void add_entry(context& ctx, const std::string& dn, const ldap::attribute_map& attrs);
// Brings e's attributes named in wanted to those values (diff_entry); records modify/none.
void update_entry(context& ctx, const ldap::entry& e, const ldap::attribute_map& wanted);
// Applies c to dn (unless --check) and records it; nothing recorded as a change when empty.
void apply_changes(context& ctx, const std::string& dn, const value_changes& c);
// The entries below base (scope sub) matching f, every attribute, paged; sorted by DN.
std::vector<ldap::entry> find_entries(context& ctx, const std::string& base, const ldap::filter& f);
// The one entry of object_class below base whose mail or alias is address (lists and
// resources alike); 65 for a malformed address or several holders ("several WHATs hold").
std::optional<ldap::entry> find_by_address(context& ctx, const std::string& base,
                                           const std::string& object_class,
                                           const std::string& what, const std::string& address);
// Has e this objectClass (compared without case)?
bool has_class(const ldap::entry& e, std::string_view cls);
// Records e as shown, the member placeholder left out.
void show_entry(context& ctx, ldap::entry e);

}  // namespace mailwarden::provisioner
