// tenant.cpp: `mailwarden tenant ensure`: a tenant (organisation) entry below ou=tenants
// with its mail domains; the first domain given is the default (primary) one, which new
// mailboxes get (R-PSH-1 NXXXXXX@<default domain>, R-TJP-1 the new domain primary).
// Rules: R-MYO-1.
#include <fmt/format.h>

#include <algorithm>

#include "core/mail/address.hpp"
#include "provisioner/commands.hpp"
#include "provisioner/validate.hpp"

namespace mailwarden::provisioner {

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
    const auto& a = ctx.settings.attributes;
    ldap::attribute_map want{{"objectClass", {"top", "organizationalUnit", "mailwardenTenant"}},
                             {"ou", {o.id}},
                             {a.tenant, {o.id}},
                             {"mwDefaultDomain", {domains.front()}},
                             {"mwMailDomain", domains}};
    if (!o.display_name.empty()) want["displayName"] = {o.display_name};
    const std::string dn = ctx.where.tenant(o.id);
    const ldap::entry_result now = ctx.conn.read(dn);
    if (now.what == ldap::status::not_found) {
        entry_report e(dn, "add");
        for (const auto& [name, vals] : want)
            for (const auto& v : vals) e.changes.push_back(fmt::format("+{}: {}", name, v));
        if (!ctx.check) ctx.require(ctx.conn.add(dn, want), "adding tenant " + o.id);
        ctx.record(std::move(e));
        return;
    }
    ctx.require(now, "reading tenant " + o.id);
    std::vector<ldap::modification> mods;
    entry_report e(dn, "modify");
    for (const char* name : {"mwDefaultDomain", "mwMailDomain", "displayName"}) {
        const auto it = want.find(name);
        const ldap::values wanted = it == want.end() ? ldap::values{} : it->second;
        if (!same_values(now.found->get(name), wanted)) {
            mods.push_back({ldap::mod_op::replace, name, wanted});
            for (const auto& v : now.found->get(name))
                e.changes.push_back(fmt::format("-{}: {}", name, v));
            for (const auto& v : wanted) e.changes.push_back(fmt::format("+{}: {}", name, v));
        }
    }
    if (mods.empty()) {
        ctx.record(entry_report(dn, "none"));
        return;
    }
    if (!ctx.check) ctx.require(ctx.conn.modify(dn, mods), "modifying tenant " + o.id);
    ctx.record(std::move(e));
}

}  // namespace mailwarden::provisioner
