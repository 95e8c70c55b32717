// user.cpp: `mailwarden user add` and `user show`.
// add: allocates the region's next NXXXXXX (allocate.hpp: compare-and-swap on the region
// counter, retried on conflict) and writes the whole account in ONE add, so a failure
// leaves no half-written account: mail = NXXXXXX@<tenant's default domain>, status pending
// until activated (R-PSH-3) unless provisioning.activate_on_create, quota and caps from
// the config (R-PSH-4, R-SAV-1). If the number turns out to be taken (a counter edited by
// hand), the entry's DN and the uniqueness of mail refuse the add and the next number is
// tried: a number is never handed out twice.
// Rules: R-PSH-1, R-PSH-3, R-PSH-4, R-SAV-1, R-SAV-7, R-SAV-8, R-MYO-1, R-MYO-2, R-MYO-9.
#include <fmt/format.h>

#include <chrono>
#include <random>
#include <thread>

#include "core/ldap/filter.hpp"
#include "provisioner/allocate.hpp"
#include "provisioner/commands.hpp"
#include "provisioner/validate.hpp"

namespace mailwarden::provisioner {

namespace {

void fail_if(const std::string& why, int code = ex_dataerr) {
    if (!why.empty()) throw command_error(code, why);
}

// The tenant's default domain; 65 when the tenant is unknown.
std::string tenant_domain(context& ctx, const std::string& tenant) {
    const ldap::entry_result t = ctx.conn.read(ctx.where.tenant(tenant), {"mwDefaultDomain"});
    if (t.what == ldap::status::not_found)
        throw command_error(ex_dataerr,
                            fmt::format("tenant '{}' is unknown (create it with `mailwarden "
                                        "tenant ensure`) (R-MYO-1)",
                                        tenant));
    ctx.require(t, "reading tenant " + tenant);
    const auto domain = t.found->single("mwDefaultDomain");
    if (!domain)
        throw command_error(ex_dataerr, fmt::format("tenant '{}' has no default domain", tenant));
    return *domain;
}

// Random back-off before retry `attempt`: spreads writers that collided.
void back_off(int attempt) {
    thread_local std::minstd_rand rng{std::random_device{}()};
    const int cap = std::min(attempt * 2, 40);
    std::uniform_int_distribution<int> ms(0, cap);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms(rng)));
}

}  // namespace

void user_add(context& ctx, const user_options& o) {
    fail_if(check_region(o.region));
    fail_if(check_tenant_id(o.tenant));
    fail_if(check_text("--cn", o.cn));
    fail_if(check_text("--sn", o.sn));
    fail_if(check_text("--given-name", o.given_name, false));
    fail_if(check_text("--display-name", o.display_name, false));
    fail_if(check_text("--title", o.title, false));
    fail_if(check_text("--telephone", o.telephone, false));
    fail_if(check_text("--external-id", o.external_id, false));
    fail_if(check_text("--mailbox-host", o.mailbox_host, false));
    fail_if(check_text("--relationship", o.relationship, false));
    fail_if(check_relationship(o.relationship));

    const auto& a = ctx.settings.attributes;
    const std::string domain = tenant_domain(ctx, o.tenant);
    const std::string counter = ctx.where.counter(o.region);
    const ldap::entry_result c = ctx.conn.read(counter, {"mwNextNumber"});
    if (c.what == ldap::status::not_found)
        throw command_error(ex_dataerr, fmt::format("region {} has no counter (run `mailwarden "
                                                    "directory init`) (R-PSH-1)",
                                                    o.region));
    ctx.require(c, "reading the counter of region " + std::to_string(o.region));
    if (!o.external_id.empty()) {
        ldap::search_request q{.base = ctx.where.base,
                               .filter = ldap::eq(a.external_id, o.external_id),
                               .attributes = {"1.1"}};
        const ldap::search_result found = ctx.conn.search(q);
        ctx.require(found, "searching the external id");
        if (!found.entries.empty())
            throw command_error(
                ex_dataerr,
                fmt::format("external id '{}' already belongs to {} (use `user "
                            "ensure`) (R-MYO-9)",
                            sanitize_for_message(o.external_id), found.entries.front().dn));
    }

    ldap::attribute_map attrs{
        {"objectClass",
         {"top", "person", "organizationalPerson", "inetOrgPerson", "mailwardenAccount"}},
        {"cn", {o.cn}},
        {"sn", {o.sn}},
        {a.status,
         {ctx.settings.provisioning.activate_on_create ? ctx.settings.account_status.active
                                                       : ctx.settings.account_status.pending}},
        {a.region, {std::to_string(o.region)}},
        {a.tenant, {o.tenant}},
    };
    auto put = [&](const std::string& name, const std::string& value) {
        if (!value.empty()) attrs[name] = {value};
    };
    put("givenName", o.given_name);
    put("displayName", o.display_name);
    put("title", o.title);
    put("telephoneNumber", o.telephone);
    put(a.external_id, o.external_id);
    put(a.mailbox_host, o.mailbox_host);
    put(a.relationship, o.relationship);
    const std::uint64_t qb = o.quota_bytes.value_or(ctx.settings.quota.storage_bytes);
    const std::uint64_t qm = o.quota_messages.value_or(ctx.settings.quota.messages);
    if (qb) put(a.quota_bytes, std::to_string(qb));
    if (qm) put(a.quota_messages, std::to_string(qm));
    if (o.daily_send_limit) put(a.daily_send_limit, std::to_string(*o.daily_send_limit));

    if (o.with_alias) attrs[a.alias] = {generate_alias(ctx, o.given_name, o.cn, o.sn, domain)};
    const auto region = static_cast<mail::region>(o.region);
    if (ctx.check) {
        const auto next = c.found->single("mwNextNumber").value_or("?");
        const auto seq = parse_counter_value(next);
        const std::string id =
            seq ? fmt::format("{}{:06}", o.region, *seq) : fmt::format("{}??????", o.region);
        entry_report e(ctx.where.user(id), "add");
        attrs["uid"] = {id};
        attrs[a.mail] = {id + "@" + domain};
        for (const auto& [name, vals] : attrs)
            for (const auto& v : vals) e.changes.push_back(fmt::format("+{}: {}", name, v));
        ctx.out.notes.push_back(
            "the number is the counter's current value; another "
            "provisioner may take it first");
        ctx.record(std::move(e));
        return;
    }

    counter_ops ops{
        .read = [&]() -> counter_read {
            const ldap::entry_result r = ctx.conn.read(counter, {"mwNextNumber"});
            if (!r.is_ok()) return {r, std::nullopt};
            return {r, r.found->single("mwNextNumber")};
        },
        .swap =
            [&](const std::string& old_value, const std::string& next_value) {
                return static_cast<ldap::result>(
                    ctx.conn.modify(counter,
                                    {{ldap::mod_op::remove, "mwNextNumber", {old_value}},
                                     {ldap::mod_op::add, "mwNextNumber", {next_value}}},
                                    {"mwNextNumber"}));
            },
        .pause = back_off,
    };
    for (int taken = 0; taken < 20; ++taken) {
        const allocation got = allocate_next(region, ops);
        ctx.require(got.outcome, "allocating a number in region " + std::to_string(o.region));
        const std::string id = got.id->to_string();
        attrs["uid"] = {id};
        attrs[a.mail] = {id + "@" + domain};
        const std::string dn = ctx.where.user(id);
        const ldap::entry_result added = ctx.conn.add(dn, attrs);
        if (added.what == ldap::status::conflict && (added.rc == 68 || added.rc == 19)) {
            // The number was in use already (counter edited by hand): skip it, never reuse.
            ctx.out.notes.push_back(fmt::format("{} was already taken; skipped", id));
            continue;
        }
        ctx.require(added, "adding " + dn);
        entry_report e(dn, "add");
        for (const auto& [name, vals] : attrs)
            for (const auto& v : vals) e.changes.push_back(fmt::format("+{}: {}", name, v));
        e.extra["mail"] = id + "@" + domain;
        ctx.record(std::move(e));
        return;
    }
    throw command_error(ex_tempfail,
                        "20 numbers in a row were already taken: check the "
                        "counter of region " +
                            std::to_string(o.region));
}

void user_show(context& ctx, const std::string& who) {
    const auto& a = ctx.settings.attributes;
    fail_if(check_text("user", who));
    ldap::search_request q{
        .base = ctx.where.users(),
        .scope = ldap::search_scope::one_level,
        .filter = ldap::or_({ldap::eq("uid", who), ldap::eq(a.mail, who), ldap::eq(a.alias, who),
                             ldap::eq(a.external_id, who)}),
        .attributes = {"*"},
        .size_limit = 2,
    };
    const ldap::search_result r = ctx.conn.search(q);
    ctx.require(r, "searching " + sanitize_for_message(who));
    if (r.entries.empty())
        throw command_error(ex_dataerr, "no account " + sanitize_for_message(who));
    for (const auto& e : r.entries) {
        entry_report rep(e.dn, "show");
        rep.attributes = e.attributes;
        rep.attributes.erase("userPassword");
        ctx.record(std::move(rep));
    }
}

}  // namespace mailwarden::provisioner
