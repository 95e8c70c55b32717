// alias.cpp: `mailwarden alias add|remove` and the first.last alias of `user add
// --with-alias`. A new address must be free across EVERY entry below the base: live
// accounts' mail and aliases, lists, and tombstones (whose addresses stay reserved until
// purge, R-MYO-4). The server's uniqueness (slapo-unique / 389ds attribute uniqueness)
// catches a race between two provisioners; on OpenLDAP it cannot compare an alias with
// another entry's mail (slapo-unique checks each attribute on its own), which is why this
// check runs before every write.
// Rules: R-SAV-6 (first.last, adjusted when taken), R-TJP-1, R-MYO-4.
#include <fmt/format.h>

#include "core/account/naming.hpp"
#include "core/ldap/filter.hpp"
#include "core/mail/address.hpp"
#include "provisioner/commands.hpp"
#include "provisioner/validate.hpp"

namespace mailwarden::provisioner {

std::optional<std::string> address_owner(context& ctx, const std::string& address) {
    const auto& a = ctx.settings.attributes;
    ldap::search_request q{
        .base = ctx.where.base,
        .filter = ldap::or_({ldap::eq(a.mail, address), ldap::eq(a.alias, address)}),
        .attributes = {"1.1"}};
    const ldap::search_result r = ctx.conn.search(q);
    ctx.require(r, "checking whether " + sanitize_for_message(address) + " is taken");
    if (r.entries.empty()) return std::nullopt;
    return r.entries.front().dn;
}

std::string generate_alias(context& ctx, const std::string& given, const std::string& cn,
                           const std::string& sn, const std::string& domain) {
    const std::string first = given.empty() ? account::given_from_cn(cn, sn) : given;
    const auto local = account::alias_local_part(first, sn);
    if (!local)
        throw command_error(ex_dataerr,
                            fmt::format("cannot make a first.last alias from '{}' '{}': no "
                                        "letters left after transliteration (R-SAV-6)",
                                        sanitize_for_message(first), sanitize_for_message(sn)));
    const auto free = account::first_free(*local, [&](const std::string& c) -> std::optional<bool> {
        return address_owner(ctx, c + "@" + domain).has_value();
    });
    if (!free) throw command_error(ex_tempfail, "no free first.last alias for " + *local);
    return *free + "@" + domain;
}

namespace {

ldap::entry find_account(context& ctx, const std::string& who) {
    const auto& a = ctx.settings.attributes;
    fail_if_text(who);
    ldap::search_request q{
        .base = ctx.where.users(),
        .scope = ldap::search_scope::one_level,
        .filter = ldap::or_({ldap::eq("uid", who), ldap::eq(a.mail, who), ldap::eq(a.alias, who),
                             ldap::eq(a.external_id, who)}),
        .attributes = {"*"}};
    const ldap::search_result r = ctx.conn.search(q);
    ctx.require(r, "searching " + sanitize_for_message(who));
    if (r.entries.size() != 1)
        throw command_error(ex_dataerr, "no single account " + sanitize_for_message(who));
    if (r.entries.front().single(a.status) == ctx.settings.account_status.deleted)
        throw command_error(ex_dataerr, r.entries.front().dn + " is deleted");
    return r.entries.front();
}

// The address normalised (lowercase, A-label domain) or 65.
std::string normalized_address(const std::string& address) {
    const std::size_t at = address.rfind('@');
    if (at == std::string::npos || at == 0)
        throw command_error(ex_dataerr,
                            "'" + sanitize_for_message(address) + "' is not an address");
    auto m = mail::mailbox_address::make(address.substr(0, at), address.substr(at + 1));
    if (!m.ok())
        throw command_error(ex_dataerr,
                            fmt::format("'{}' is not an address: {}", sanitize_for_message(address),
                                        m.err().message));
    return m.value().comparison_key();
}

}  // namespace

void fail_if_text(const std::string& who) {
    if (auto why = check_text("the account", who); !why.empty())
        throw command_error(ex_dataerr, why);
}

void alias_add(context& ctx, const std::string& who, const std::string& address, bool generate) {
    const auto& a = ctx.settings.attributes;
    if (generate == !address.empty())
        throw command_error(ex_usage, "alias add: give an ADDRESS or --generate");
    const ldap::entry e = find_account(ctx, who);
    const std::string mail = e.single(a.mail).value_or("");
    const std::string domain = mail.substr(mail.rfind('@') + 1);
    std::string want;
    if (generate) {
        want = generate_alias(ctx, e.single("givenName").value_or(""), e.single("cn").value_or(""),
                              e.single("sn").value_or(""), domain);
    } else {
        want = normalized_address(address);
        for (const auto& v : e.get(a.alias))
            if (v == want) {
                ctx.record(entry_report(e.dn, "none"));
                return;
            }
        if (const auto owner = address_owner(ctx, want))
            throw command_error(ex_dataerr,
                                fmt::format("{} is already taken by {} (R-SAV-6)", want, *owner));
        // Only the tenant's own domains (R-MYO-1).
        const ldap::entry_result t =
            ctx.conn.read(ctx.where.tenant(e.single(a.tenant).value_or("-")), {"mwMailDomain"});
        ctx.require(t, "reading the tenant of " + e.dn);
        const std::string d = want.substr(want.rfind('@') + 1);
        bool ours = false;
        for (const auto& v : t.found->get("mwMailDomain")) ours = ours || v == d;
        if (!ours)
            throw command_error(ex_dataerr, fmt::format("{} is not a domain of tenant {} (R-MYO-1)",
                                                        d, e.single(a.tenant).value_or("?")));
    }
    entry_report rep(e.dn, "modify");
    rep.changes.push_back("+" + a.alias + ": " + want);
    rep.extra["alias"] = want;
    if (!ctx.check) {
        const auto r = ctx.conn.modify(e.dn, {{ldap::mod_op::add, a.alias, {want}}});
        if (r.what == ldap::status::conflict)
            throw command_error(ex_dataerr, want + " was taken meanwhile: " + r.describe());
        ctx.require(r, "adding the alias to " + e.dn);
    }
    ctx.record(std::move(rep));
}

void alias_remove(context& ctx, const std::string& who, const std::string& address) {
    const auto& a = ctx.settings.attributes;
    const ldap::entry e = find_account(ctx, who);
    const std::string want = normalized_address(address);
    bool has = false;
    for (const auto& v : e.get(a.alias)) has = has || v == want;
    if (!has) {
        ctx.record(entry_report(e.dn, "none"));
        return;
    }
    entry_report rep(e.dn, "modify");
    rep.changes.push_back("-" + a.alias + ": " + want);
    if (!ctx.check)
        ctx.require(ctx.conn.modify(e.dn, {{ldap::mod_op::remove, a.alias, {want}}}),
                    "removing the alias from " + e.dn);
    ctx.record(std::move(rep));
}

}  // namespace mailwarden::provisioner
