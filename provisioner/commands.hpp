// commands.hpp: the provisioner's commands, each working on a context (context.hpp) and
// reporting what it changed (or, under --check, would change) through context::record.
// They throw command_error with a sysexits code for anything the caller must see.
// Rules: see each command's file.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/store/counter_store.hpp"
#include "provisioner/context.hpp"

namespace mailwarden::provisioner {

// directory.cpp: base entries, containers and the region counters (idempotent).
void directory_init(context& ctx);
// The schema into the server (389ds: cn=schema, index entries, the uniqueness plugin;
// OpenLDAP: a cn=config schema entry, when the bound identity may write cn=config).
// Definitions already there (by OID) are skipped, so a second run changes nothing.
void load_schema(context& ctx);
// Prints a schema dialect: "openldap-schema", "openldap-ldif", "389ds",
// "openldap-indexes", "389ds-indexes". Throws command_error(64) for another name.
std::string schema_dialect(const config::settings& s, const std::string& format);

// tenant.cpp: a tenant with its mail domains, the first (or --default-domain) default.
struct tenant_options {
    std::string id;
    std::vector<std::string> domains;
    std::string display_name;
    std::string max_mailboxes;  // R-PSH-2: a number, "none" (no limit), "" (leave as is)
};
// Also gives the tenant's accounts their secondary-domain addresses (R-TJP-1).
void tenant_ensure(context& ctx, const tenant_options& o);
// R-TJP-1: every live account of tenant id gets NXXXXXX@<each tenant domain> it lacks;
// make_primary also moves a mail in another tenant domain to the default domain.
void tenant_sync_addresses(context& ctx, const std::string& id, bool make_primary = false);

// user.cpp
struct user_options {
    int region = 0;
    std::string tenant;
    std::string cn;
    std::string sn;
    std::string given_name;
    std::string display_name;
    std::string title;
    std::string telephone;
    std::string external_id;
    std::optional<std::uint64_t> quota_bytes;
    std::optional<std::uint64_t> quota_messages;
    std::optional<std::uint64_t> daily_send_limit;
    std::string mailbox_host;
    std::string relationship;
    bool with_alias = false;  // user add: also a first.last alias (R-SAV-6)
};
void user_add(context& ctx, const user_options& o);
void user_show(context& ctx, const std::string& who);

// user_manage.cpp: the rest of an account's life.
struct list_options {
    std::string tenant, mail, cn, sn, alias, status;  // '*' is a wildcard in mail/cn/sn/alias
    bool deleted = false;                             // include tombstones
    std::string sort = "uid";                         // uid, mail, cn, sn
};
void user_list(context& ctx, const list_options& o);
// Replaces the profile attributes given (non-empty) in o; mail and uid never change.
void user_modify(context& ctx, const std::string& who, const user_options& o);
// verb: "block", "unblock", "activate" (R-TJP-5, R-PSH-3).
void user_set_status(context& ctx, const std::string& who, const std::string& verb);
// Tombstone: status deleted, deleted_at = now, purge_after = now + retention (R-MYO-4).
void user_delete(context& ctx, const std::string& who, std::chrono::sys_seconds now);
void user_restore(context& ctx, const std::string& who);
// Removes tombstones whose purge_after <= now.
void user_purge(context& ctx, std::chrono::sys_seconds now);
// Creates (user add) or updates to exactly the given profile; nothing when already so.
void user_ensure(context& ctx, const user_options& o);
struct password_options {
    std::string file;         // read the password from this file (one line)
    bool from_stdin = false;  // read it from standard input (one line)
    bool generate = false;    // make one, show it once
};
void user_passwd(context& ctx, const std::string& who, const password_options& o);
// R-PSH-3: every pending account whose activation mail the counter store recorded becomes
// active; the record is then cleared, so a second run changes nothing.
void user_activate_pending(context& ctx);

// sendcap.cpp (R-PSH-6): the milter's counter store, keyed as the milter keys it.
// The configured store (send_cap.*); command_error(69) when it cannot be opened.
std::unique_ptr<store::counter_store> open_store(const context& ctx);
// Connects to the directory when it can; false (and a note) when not.
bool try_connect(context& ctx);
// `directory`: the connection is up (alias resolution and the LDAP limit override).
void sendcap_show(context& ctx, const std::string& address, bool directory);
void sendcap_reset(context& ctx, const std::string& address, bool directory);
void sendcap_blocked(context& ctx);

// alias.cpp (R-SAV-6, R-TJP-1)
// The DN owning address as mail or alias anywhere below the base (tombstones too).
std::optional<std::string> address_owner(context& ctx, const std::string& address);
// The first free first.last[N]@domain for a person (ICU transliteration to ASCII).
std::string generate_alias(context& ctx, const std::string& given, const std::string& cn,
                           const std::string& sn, const std::string& domain);
// Adds address (or, with generate, first.last) to the account; 65 when taken.
void alias_add(context& ctx, const std::string& who, const std::string& address, bool generate);
void alias_remove(context& ctx, const std::string& who, const std::string& address);
void fail_if_text(const std::string& who);

// bulk.cpp (R-MYO-9)
// Validates every row, then ensures each; format "csv", "yaml" or "" (by extension).
void import_file(context& ctx, const std::string& path, const std::string& format);
// Deterministic LDIF of everything below the base.
void export_ldif(context& ctx, std::ostream& out);
std::string to_ldif(std::vector<ldap::entry> entries);
bool ldif_safe(std::string_view value);

// trace.cpp (R-TJP-4): messages in the mail log by sender, recipient or queue id. Needs no
// configuration and no directory; returns the exit code (0 also when nothing matches,
// 64 usage, 66 when no log file could be read).
struct trace_options {
    std::string sender, recipient, queue_id;  // at least one; addresses case-insensitive
    std::string since = "30d", until;         // YYYY-MM-DD[THH:MM[:SS]] (local), 7d, 12h
    std::vector<std::string> logs;  // plain or gzip; "-" stdin; empty: /var/log/mail.log*
};
int trace(const trace_options& o, bool json, std::ostream& out, std::ostream& err);

}  // namespace mailwarden::provisioner
