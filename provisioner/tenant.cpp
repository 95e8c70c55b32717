// tenant.cpp: `mailwarden tenant ensure` and `tenant sync-addresses`.
// ensure: a tenant (organisation) entry below ou=tenants with its mail domains; the first
// domain given is the default (primary) one, which new mailboxes get (R-PSH-1
// NXXXXXX@<default domain>, R-TJP-1 the new domain primary), and optionally the number of
// mailboxes it applied for (R-PSH-2, mwMaxMailboxes; not given: left as it is, "none":
// removed). Then its accounts are brought to R-TJP-1 (sync-addresses), so adding the new
// domain to a tenant gives every existing mailbox its address there.
// sync-addresses: every live account of the tenant gets NXXXXXX@<each tenant domain> it
// lacks, as an alias (its mail stays as it is: a login never changes under its user);
// with --make-primary, an account whose mail is its NXXXXXX in another tenant domain gets
// NXXXXXX@<default domain> as mail and keeps the old one as an alias, in one modify (the
// migration to a new domain; logins by the old address keep working where Dovecot and the
// milter look up aliases too).
// Each address must be free across the whole base (mail and aliases of every entry,
// tombstones included); one that is someone else's stops the command before anything is
// written. A second run changes nothing.
// Rules: R-MYO-1, R-PSH-2, R-TJP-1.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "core/ldap/filter.hpp"
#include "core/mail/address.hpp"
#include "core/mail/mailbox_id.hpp"
#include "provisioner/account.hpp"
#include "provisioner/commands.hpp"
#include "provisioner/validate.hpp"

namespace mailwarden::provisioner {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    });
    return s;
}

// The planned changes of sync-addresses, one modify per account.
struct account_change {
    std::string dn;
    std::vector<ldap::modification> mods;
    std::vector<std::string> lines;
};
struct address_plan {
    std::vector<account_change> accounts;
    std::size_t checked = 0;
};

// R-TJP-1: what tenant t's live accounts lack (and, with make_primary, the mail moved to
// the default domain, the old mail kept as an alias); 65 when an address is someone else's.
address_plan plan_addresses(context& ctx, const tenant_info& t, bool make_primary) {
    const auto& a = ctx.settings.attributes;
    address_plan out;
    if (t.domains.size() < 2 && !make_primary) return out;  // the mail is the only address
    ldap::search_request accounts{
        .base = ctx.where.users(),
        .scope = ldap::search_scope::one_level,
        .filter =
            ldap::and_({ldap::eq("objectClass", "mailwardenAccount"), ldap::eq(a.tenant, t.id),
                        ldap::not_(ldap::eq(a.status, ctx.settings.account_status.deleted))}),
        .attributes = {"uid", a.mail, a.alias},
        .page_size = ctx.settings.ldap.page_size,
    };
    const ldap::search_result mine = ctx.conn.search(accounts);
    ctx.require(mine, "reading the accounts of tenant " + t.id);
    std::vector<std::pair<const ldap::entry*, std::vector<std::string>>> wanted;  // new aliases
    std::vector<std::string> new_mail;  // parallel: "" or the mail it moves to
    for (const auto& e : mine.entries) {
        const auto uid = e.single("uid");
        const auto mail = e.single(a.mail);
        if (!uid || !mail || !mail::mailbox_id::parse(*uid).ok()) continue;  // not NXXXXXX
        ++out.checked;
        std::vector<std::string> has{*mail};
        for (const auto& v : e.get(a.alias)) has.push_back(v);
        std::vector<std::string> missing = missing_secondary_addresses(*uid, t, has);
        std::string moved;
        const std::string primary = *uid + "@" + t.default_domain;
        // Only a mail that is this mailbox's own NXXXXXX address in another domain moves.
        if (make_primary && lower(*mail) != primary && lower(*mail).rfind(*uid + "@", 0) == 0) {
            moved = primary;
            missing.erase(std::remove(missing.begin(), missing.end(), primary), missing.end());
        }
        if (missing.empty() && moved.empty()) continue;
        wanted.emplace_back(&e, std::move(missing));
        new_mail.push_back(moved);
    }
    if (wanted.empty()) return out;
    // Every address below the base, once, to see whether the new ones are free.
    ldap::search_request all{
        .base = ctx.where.base,
        .filter = ldap::or_({ldap::present(a.mail), ldap::present(a.alias)}),
        .attributes = {a.mail, a.alias},
        .page_size = ctx.settings.ldap.page_size,
    };
    const ldap::search_result everyone = ctx.conn.search(all);
    ctx.require(everyone, "reading the addresses below " + ctx.where.base);
    std::map<std::string, std::string> owner;
    for (const auto& e : everyone.entries) {
        for (const auto& v : e.get(a.mail)) owner.emplace(lower(v), e.dn);
        for (const auto& v : e.get(a.alias)) owner.emplace(lower(v), e.dn);
    }
    std::vector<std::string> taken;
    const auto check = [&](const std::string& x, const std::string& dn) {
        if (const auto o = owner.find(x); o != owner.end() && o->second != dn)
            taken.push_back(fmt::format("{} (for {}) is already {}'s", x, dn, o->second));
    };
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        const ldap::entry& e = *wanted[i].first;
        for (const auto& x : wanted[i].second) check(x, e.dn);
        if (!new_mail[i].empty()) check(new_mail[i], e.dn);
    }
    if (!taken.empty()) {
        for (const auto& x : taken) ctx.out.notes.push_back(x);
        throw command_error(
            ex_dataerr, fmt::format("{} address(es) of tenant {}'s mailboxes are taken, nothing "
                                    "written; first: {} (R-TJP-1)",
                                    taken.size(), t.id, taken.front()));
    }
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        const ldap::entry& e = *wanted[i].first;
        account_change c{e.dn, {}, {}};
        std::vector<std::string> add = wanted[i].second;
        if (!new_mail[i].empty()) {
            const std::string old = *e.single(a.mail);
            c.mods.push_back({ldap::mod_op::replace, a.mail, {new_mail[i]}});
            c.lines.push_back("-" + a.mail + ": " + old);
            c.lines.push_back("+" + a.mail + ": " + new_mail[i]);
            // The new mail stops being an alias; the old mail becomes one.
            for (const auto& v : e.get(a.alias))
                if (lower(v) == new_mail[i]) {
                    c.mods.push_back({ldap::mod_op::remove, a.alias, {v}});
                    c.lines.push_back("-" + a.alias + ": " + v);
                }
            add.push_back(old);
        }
        if (!add.empty()) {
            c.mods.push_back({ldap::mod_op::add, a.alias, add});
            for (const auto& x : add) c.lines.push_back("+" + a.alias + ": " + x);
        }
        out.accounts.push_back(std::move(c));
    }
    return out;
}

void apply_addresses(context& ctx, const address_plan& plan) {
    std::size_t done = 0;
    for (const auto& c : plan.accounts) {
        entry_report rep(c.dn, "modify");
        rep.changes = c.lines;
        if (!ctx.check) {
            // One modify per account: its addresses change all at once or not at all.
            const auto r = ctx.conn.modify(c.dn, c.mods);
            if (!r.is_ok())
                throw command_error(
                    exit_code_for(r),
                    fmt::format("changing the addresses of {}: {}; {} account(s) done before "
                                "it (run the command again to finish) (R-TJP-1)",
                                c.dn, r.describe(), done));
        }
        ++done;
        ctx.record(std::move(rep));
    }
}

}  // namespace

void tenant_sync_addresses(context& ctx, const std::string& id, bool make_primary) {
    if (auto why = check_tenant_id(id); !why.empty()) throw command_error(ex_dataerr, why);
    const tenant_info t = read_tenant(ctx, id);
    const address_plan plan = plan_addresses(ctx, t, make_primary);
    apply_addresses(ctx, plan);
    ctx.out.notes.push_back(fmt::format("tenant {}: {} mailbox(es) checked, {} changed (R-TJP-1)",
                                        id, plan.checked, plan.accounts.size()));
}

void tenant_ensure(context& ctx, const tenant_options& o) {
    if (auto why = check_tenant_id(o.id); !why.empty()) throw command_error(ex_dataerr, why);
    if (o.domains.empty())
        throw command_error(ex_usage, "tenant ensure: give at least one --domain");
    std::vector<std::string> domains;
    for (const auto& d : o.domains) {
        auto n = mail::normalize_domain(d);
        if (!n.ok())
            throw command_error(ex_dataerr, fmt::format("--domain '{}': {}",
                                                        sanitize_for_message(d), n.err().message));
        if (std::find(domains.begin(), domains.end(), n.value()) == domains.end())
            domains.push_back(n.value());
    }
    // R-PSH-2: a number, "none" (remove the limit), or not given (leave it).
    std::optional<ldap::values> max;
    if (!o.max_mailboxes.empty()) {
        std::uint64_t n = 0;
        const auto& v = o.max_mailboxes;
        const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
        if (v == "none")
            max = ldap::values{};
        else if (r.ec == std::errc{} && r.ptr == v.data() + v.size() && v.size() <= 12)
            max = ldap::values{std::to_string(n)};
        else
            throw command_error(ex_usage, fmt::format("--max-mailboxes takes a whole number or "
                                                      "none, not '{}' (R-PSH-2)",
                                                      sanitize_for_message(v)));
    }
    const auto& a = ctx.settings.attributes;
    ldap::attribute_map want{{"objectClass", {"top", "organizationalUnit", "mailwardenTenant"}},
                             {"ou", {o.id}},
                             {a.tenant, {o.id}},
                             {"mwDefaultDomain", {domains.front()}},
                             {"mwMailDomain", domains}};
    if (!o.display_name.empty()) want["displayName"] = {o.display_name};
    if (max && !max->empty()) want[max_mailboxes_attribute] = *max;
    const std::string dn = ctx.where.tenant(o.id);
    const ldap::entry_result now = ctx.conn.read(dn);
    if (now.what == ldap::status::not_found) {
        entry_report e(dn, "add");
        for (const auto& [name, vals] : want)
            for (const auto& v : vals) e.changes.push_back(fmt::format("+{}: {}", name, v));
        if (!ctx.check) ctx.require(ctx.conn.add(dn, want), "adding tenant " + o.id);
        ctx.record(std::move(e));
        return;  // a new tenant has no accounts to give addresses to
    }
    ctx.require(now, "reading tenant " + o.id);
    std::vector<ldap::modification> mods;
    entry_report e(dn, "modify");
    std::vector<std::string> names{"mwDefaultDomain", "mwMailDomain", "displayName"};
    if (max) names.push_back(max_mailboxes_attribute);
    for (const auto& name : names) {
        const auto it = want.find(name);
        const ldap::values wanted = it == want.end() ? ldap::values{} : it->second;
        if (!same_values(now.found->get(name), wanted)) {
            mods.push_back({ldap::mod_op::replace, name, wanted});
            for (const auto& v : now.found->get(name))
                e.changes.push_back(fmt::format("-{}: {}", name, v));
            for (const auto& v : wanted) e.changes.push_back(fmt::format("+{}: {}", name, v));
        }
    }
    // The tenant as it will be, for R-TJP-1 and the R-PSH-2 note.
    ldap::entry after = *now.found;
    for (const auto& m : mods) after.attributes[m.attribute] = m.vals;
    std::string error;
    const tenant_info t = tenant_from_entry(o.id, after, error);
    if (!error.empty()) throw command_error(ex_dataerr, error);
    // Checked (and refused) before the tenant itself is written.
    const address_plan plan = plan_addresses(ctx, t, false);
    if (mods.empty()) {
        ctx.record(entry_report(dn, "none"));
    } else {
        if (!ctx.check) ctx.require(ctx.conn.modify(dn, mods), "modifying tenant " + o.id);
        ctx.record(std::move(e));
    }
    apply_addresses(ctx, plan);
    if (t.max_mailboxes) {
        const std::uint64_t live = count_live_mailboxes(ctx, o.id);
        if (live > *t.max_mailboxes)
            ctx.out.notes.push_back(fmt::format(
                "tenant {} has {} live mailboxes, more than its limit of {}: they stay, but no "
                "new one is created until it is below (R-PSH-2)",
                o.id, live, *t.max_mailboxes));
    }
}

}  // namespace mailwarden::provisioner
