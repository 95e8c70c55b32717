// resource.cpp: `mailwarden resource-group add|ensure|show|list|delete` and `mailwarden
// resource add|ensure|show|list|modify|delete` (layout and choices: resource.hpp).
// A resource's mailbox is an account entry (inetOrgPerson + mailwardenAccount, found by
// mail like every mailbox), so Dovecot's LDAP userdb delivers to it and the milter sees an
// active account; mailwardenResource only adds its type. The address goes through the same
// checks as a list's (list.hpp claim_address: the tenant's domains, free across every
// address, alias and tombstone).
// Two entries change on add and delete (the resource and its group's `member`): the
// resource is written first on add and its membership removed first on delete, and a
// failure of the second write undoes the first, so a failure leaves the directory as it was.
// Rules: R-MYO-1.
#include "provisioner/resource.hpp"

#include <fmt/format.h>

#include "core/ldap/dn.hpp"
#include "provisioner/list.hpp"
#include "provisioner/validate.hpp"

namespace mailwarden::provisioner {

namespace {

void fail_if(const std::string& why, int code = ex_dataerr) {
    if (!why.empty()) throw command_error(code, why);
}

std::string group_dn(const context& ctx, const std::string& tenant, const std::string& name) {
    return ldap::make_dn({{"cn", name}}, ctx.where.tenant(tenant));
}

// The resource group, checked; nullopt when it is not there.
std::optional<ldap::entry> read_group(context& ctx, const std::string& tenant,
                                      const std::string& name) {
    fail_if(check_tenant_id(tenant));
    fail_if(check_text("the group name", name));
    const std::string dn = group_dn(ctx, tenant, name);
    const ldap::entry_result r = ctx.conn.read(dn, {"*"});
    if (r.what == ldap::status::not_found) return std::nullopt;
    ctx.require(r, "reading " + dn);
    if (!has_class(*r.found, "mailwardenResourceGroup"))
        throw command_error(ex_dataerr, dn + " is not a resource group");
    return r.found;
}

ldap::entry must_read_group(context& ctx, const std::string& tenant, const std::string& name) {
    auto g = read_group(ctx, tenant, name);
    if (!g)
        throw command_error(ex_dataerr, fmt::format("tenant {} has no resource group '{}' (create "
                                                    "it with `resource-group add`) (R-MYO-1)",
                                                    tenant, sanitize_for_message(name)));
    return std::move(*g);
}

// The resource holding address (mail or alias), if any.
std::optional<ldap::entry> find_resource(context& ctx, const std::string& address) {
    return find_by_address(ctx, ctx.where.tenants(), "mailwardenResource", "resource", address);
}

ldap::entry must_find_resource(context& ctx, const std::string& address) {
    auto e = find_resource(ctx, address);
    if (!e) throw command_error(ex_dataerr, "no resource " + sanitize_for_message(address));
    return std::move(*e);
}

// The DN of the entry above dn (a resource's group): what follows the first comma that
// is not escaped (RFC 4514: a backslash makes the next character part of the value).
std::string parent_of(const std::string& dn) {
    for (std::size_t i = 0; i < dn.size(); ++i) {
        if (dn[i] == '\\')
            ++i;
        else if (dn[i] == ',')
            return dn.substr(i + 1);
    }
    return {};
}

void check_resource_fields(const resource_options& o, bool required) {
    fail_if(check_text("--display-name", o.display_name, required));
    fail_if(check_text("--description", o.description, false));
    fail_if(check_text("--locality", o.locality, false));
    if (required || !o.type.empty()) fail_if(check_resource_type(o.type));
}

}  // namespace

// ---- pure ----

std::string check_resource_type(std::string_view type) {
    if (type == "room" || type == "equipment") return {};
    return fmt::format("resource type '{}' is not room or equipment (R-MYO-1)",
                       sanitize_for_message(type));
}

ldap::attribute_map resource_profile(const resource_options& o, bool all_fields) {
    ldap::attribute_map m;
    auto put = [&](std::initializer_list<const char*> names, const std::string& v) {
        if (v.empty() && !all_fields) return;
        for (const char* name : names) m[name] = v.empty() ? ldap::values{} : ldap::values{v};
    };
    put({"cn", "sn", "displayName"}, o.display_name);
    put({"description"}, o.description);
    put({"l"}, o.locality);
    put({"mwResourceType"}, o.type);
    return m;
}

ldap::attribute_map new_resource(const config::settings& s, const resource_options& o,
                                 const std::string& address) {
    const auto& a = s.attributes;
    ldap::attribute_map m = resource_profile(o, false);
    m["objectClass"] = {"top",
                        "person",
                        "organizationalPerson",
                        "inetOrgPerson",
                        "mailwardenAccount",
                        "mailwardenResource"};
    m[a.mail] = {address};
    m[a.tenant] = {o.tenant};
    m[a.status] = {s.account_status.active};
    if (s.quota.storage_bytes) m[a.quota_bytes] = {std::to_string(s.quota.storage_bytes)};
    if (s.quota.messages) m[a.quota_messages] = {std::to_string(s.quota.messages)};
    return m;
}

// ---- resource groups ----

void resource_group_put(context& ctx, const resource_group_options& o, bool must_be_new) {
    fail_if(check_tenant_id(o.tenant));
    fail_if(check_text("--name", o.name));
    fail_if(check_text("--display-name", o.display_name, false));
    fail_if(check_text("--description", o.description, false));
    read_tenant(ctx, o.tenant);  // 65 for an unknown tenant (R-MYO-1)
    const auto now = read_group(ctx, o.tenant, o.name);
    if (now && must_be_new)
        throw command_error(ex_dataerr, now->dn + " exists (use `resource-group ensure`)");
    auto opt = [](const std::string& v) { return v.empty() ? ldap::values{} : ldap::values{v}; };
    ldap::attribute_map want{{"cn", {o.name}},
                             {ctx.settings.attributes.tenant, {o.tenant}},
                             {"displayName", opt(o.display_name)},
                             {"description", opt(o.description)}};
    if (now) return update_entry(ctx, *now, want);
    std::erase_if(want, [](const auto& kv) { return kv.second.empty(); });
    want["objectClass"] = {"top", "groupOfNames", "mailwardenResourceGroup"};
    want["member"] = member_values({});
    add_entry(ctx, group_dn(ctx, o.tenant, o.name), want);
}

void resource_group_show(context& ctx, const std::string& tenant, const std::string& name) {
    show_entry(ctx, must_read_group(ctx, tenant, name));
}

void resource_group_list(context& ctx, const std::string& tenant) {
    if (!tenant.empty()) fail_if(check_tenant_id(tenant));
    auto found = find_entries(ctx, tenant.empty() ? ctx.where.tenants() : ctx.where.tenant(tenant),
                              ldap::eq("objectClass", "mailwardenResourceGroup"));
    for (auto& e : found) show_entry(ctx, std::move(e));
    ctx.out.notes.push_back(fmt::format("{} resource groups", found.size()));
}

void resource_group_delete(context& ctx, const std::string& tenant, const std::string& name) {
    const auto g = read_group(ctx, tenant, name);
    if (!g) {
        ctx.out.notes.push_back("no resource group " + sanitize_for_message(name) +
                                ": nothing to delete");
        return;
    }
    const auto inside = find_entries(ctx, g->dn, ldap::eq("objectClass", "mailwardenResource"));
    if (!inside.empty())
        throw command_error(ex_dataerr,
                            fmt::format("{} still holds {} resources (delete them first, "
                                        "e.g. {})",
                                        g->dn, inside.size(), inside.front().dn));
    if (!ctx.check) ctx.require(ctx.conn.remove(g->dn), "removing " + g->dn);
    ctx.record(entry_report(g->dn, "delete"));
}

// ---- resources ----

void resource_put(context& ctx, const resource_options& o, bool must_be_new) {
    fail_if(check_text("--mail", o.mail));
    check_resource_fields(o, true);
    const ldap::entry group = must_read_group(ctx, o.tenant, o.group);
    const tenant_info t = read_tenant(ctx, o.tenant);
    std::string error;
    const std::string address = new_group_address(o.mail, t, error);
    fail_if(error);
    const auto now = must_be_new ? std::nullopt : find_resource(ctx, address);
    if (now && !same_text(group.dn, parent_of(now->dn)))
        throw command_error(ex_dataerr, now->dn +
                                            " is in another group or tenant: a resource "
                                            "never moves (delete and add it)");
    claim_address(ctx, t, address, now ? now->dn : "");
    const std::string dn = now ? now->dn : ldap::make_dn({{"mail", address}}, group.dn);
    const std::size_t first = ctx.out.entries.size();
    if (now)
        update_entry(ctx, *now, resource_profile(o, true));
    else
        add_entry(ctx, dn, new_resource(ctx.settings, o, address));
    ctx.out.entries[first].extra["mail"] = address;
    const value_changes join = change_values("member", group.get("member"), {dn}, {}, true);
    try {
        apply_changes(ctx, group.dn, join);
    } catch (const command_error&) {
        if (!now) (void)ctx.conn.remove(dn);  // no resource outside its group's member list
        throw;
    }
}

void resource_show(context& ctx, const std::string& address) {
    show_entry(ctx, must_find_resource(ctx, address));
}

void resource_list(context& ctx, const resource_options& f) {
    std::string base = ctx.where.tenants();
    if (!f.group.empty()) {
        if (f.tenant.empty())
            throw command_error(ex_usage, "resource list: --group needs --tenant");
        base = must_read_group(ctx, f.tenant, f.group).dn;
    } else if (!f.tenant.empty()) {
        fail_if(check_tenant_id(f.tenant));
        base = ctx.where.tenant(f.tenant);
    }
    std::vector<ldap::filter> parts{ldap::eq("objectClass", "mailwardenResource")};
    if (!f.type.empty()) {
        fail_if(check_resource_type(f.type));
        parts.push_back(ldap::eq("mwResourceType", f.type));
    }
    auto found = find_entries(ctx, base, ldap::and_(parts));
    for (auto& e : found) show_entry(ctx, std::move(e));
    ctx.out.notes.push_back(fmt::format("{} resources", found.size()));
}

void resource_modify(context& ctx, const std::string& address, const resource_options& o) {
    check_resource_fields(o, false);
    const ldap::entry e = must_find_resource(ctx, address);
    const ldap::attribute_map want = resource_profile(o, false);
    if (want.empty())
        throw command_error(ex_usage,
                            "resource modify: give --display-name, --description, "
                            "--locality or --type");
    update_entry(ctx, e, want);
}

void resource_delete(context& ctx, const std::string& address) {
    const auto e = find_resource(ctx, address);
    if (!e) {
        ctx.out.notes.push_back("no resource " + sanitize_for_message(address) +
                                ": nothing to delete");
        return;
    }
    const std::string gdn = parent_of(e->dn);
    const ldap::entry_result g = ctx.conn.read(gdn, {"member"});
    ctx.require(g, "reading the group of " + e->dn);
    apply_changes(ctx, gdn, change_values("member", g.found->get("member"), {}, {e->dn}, true));
    if (!ctx.check) {
        const ldap::result r = ctx.conn.remove(e->dn);
        if (!r.is_ok()) {
            // Back into its group, so the failure changes nothing.
            ldap::values left = real_members(g.found->get("member"));
            std::erase_if(left, [&](const std::string& v) { return same_text(v, e->dn); });
            (void)ctx.conn.modify(
                gdn, change_values("member", member_values(left), {e->dn}, {}, true).mods);
            ctx.require(r, "removing " + e->dn);
        }
    }
    ctx.record(entry_report(e->dn, "delete"));
}

}  // namespace mailwarden::provisioner
