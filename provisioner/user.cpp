// user.cpp: `mailwarden user add` and `user show`, and the directory look-ups they share
// with import and tenant ensure (account.hpp).
// add: allocates the region's next NXXXXXX (allocate.hpp: compare-and-swap on the region
// counter, retried on conflict) and writes the whole account in ONE add, so a failure
// leaves no half-written account: mail = NXXXXXX@<tenant's default domain>, an alias
// NXXXXXX@<each other tenant domain> (R-TJP-1), status pending until activated (R-PSH-3)
// unless provisioning.activate_on_create, quota and caps from the config (R-PSH-4,
// R-SAV-1). A tenant with a mailbox limit gets no mailbox past it (R-PSH-2). If the number
// turns out to be taken (a counter edited by hand, or one of its addresses already someone
// else's), it is skipped and the next one tried: a number is never handed out twice.
// Rules: R-PSH-1, R-PSH-2, R-PSH-3, R-PSH-4, R-SAV-1, R-SAV-7, R-SAV-8, R-TJP-1, R-MYO-1,
// R-MYO-2, R-MYO-9.
#include <fmt/format.h>

#include <chrono>
#include <random>
#include <thread>

#include "core/ldap/filter.hpp"
#include "provisioner/account.hpp"
#include "provisioner/allocate.hpp"
#include "provisioner/commands.hpp"
#include "provisioner/password_hash.hpp"
#include "provisioner/validate.hpp"

namespace mailwarden::provisioner {

namespace {

void fail_if(const std::string& why, int code = ex_dataerr) {
    if (!why.empty()) throw command_error(code, why);
}

// Random back-off before retry `attempt`: spreads writers that collided.
void back_off(int attempt) {
    thread_local std::minstd_rand rng{std::random_device{}()};
    const int cap = std::min(attempt * 2, 40);
    std::uniform_int_distribution<int> ms(0, cap);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms(rng)));
}

}  // namespace

counter_ops region_counter_ops(context& ctx, int region) {
    const std::string counter = ctx.where.counter(region);
    return counter_ops{
        .read = [&ctx, counter]() -> counter_read {
            const ldap::entry_result r = ctx.conn.read(counter, {"mwNextNumber"});
            if (!r.is_ok()) return {r, std::nullopt};
            return {r, r.found->single("mwNextNumber")};
        },
        .swap =
            [&ctx, counter](const std::string& old_value, const std::string& next_value) {
                return static_cast<ldap::result>(
                    ctx.conn.modify(counter, {{ldap::mod_op::remove, "mwNextNumber", {old_value}},
                                              {ldap::mod_op::add, "mwNextNumber", {next_value}}}));
            },
        .pause = back_off,
    };
}

std::string read_counter(context& ctx, int region) {
    const ldap::entry_result c = ctx.conn.read(ctx.where.counter(region), {"mwNextNumber"});
    if (c.what == ldap::status::not_found)
        throw command_error(ex_dataerr, fmt::format("region {} has no counter (run `mailwarden "
                                                    "directory init`) (R-PSH-1)",
                                                    region));
    ctx.require(c, "reading the counter of region " + std::to_string(region));
    return c.found->single("mwNextNumber").value_or("?");
}

tenant_info read_tenant(context& ctx, const std::string& id) {
    const ldap::entry_result t = ctx.conn.read(
        ctx.where.tenant(id), {"mwDefaultDomain", "mwMailDomain", max_mailboxes_attribute});
    if (t.what == ldap::status::not_found)
        throw command_error(ex_dataerr,
                            fmt::format("tenant '{}' is unknown (create it with `mailwarden "
                                        "tenant ensure`) (R-MYO-1)",
                                        id));
    ctx.require(t, "reading tenant " + id);
    std::string error;
    tenant_info info = tenant_from_entry(id, *t.found, error);
    if (!error.empty()) throw command_error(ex_dataerr, error);
    return info;
}

std::uint64_t count_live_mailboxes(context& ctx, const std::string& tenant) {
    const auto& a = ctx.settings.attributes;
    ldap::search_request q{
        .base = ctx.where.users(),
        .scope = ldap::search_scope::one_level,
        .filter =
            ldap::and_({ldap::eq("objectClass", "mailwardenAccount"), ldap::eq(a.tenant, tenant),
                        ldap::not_(ldap::eq(a.status, ctx.settings.account_status.deleted))}),
        .attributes = {"1.1"},
        .page_size = ctx.settings.ldap.page_size,
    };
    const ldap::search_result r = ctx.conn.search(q);
    ctx.require(r, "counting the mailboxes of tenant " + tenant);
    return r.entries.size();
}

std::optional<std::string> owner_of_any(context& ctx, const std::vector<std::string>& addresses) {
    if (addresses.empty()) return std::nullopt;
    const auto& a = ctx.settings.attributes;
    std::vector<ldap::filter> parts;
    for (const auto& x : addresses) {
        parts.push_back(ldap::eq(a.mail, x));
        parts.push_back(ldap::eq(a.alias, x));
    }
    ldap::search_request q{
        .base = ctx.where.base, .filter = ldap::or_(parts), .attributes = {"1.1"}};
    const ldap::search_result r = ctx.conn.search(q);
    ctx.require(r, "checking whether " + sanitize_for_message(addresses.front()) + " is taken");
    if (r.entries.empty()) return std::nullopt;
    return r.entries.front().dn;
}

void write_password(context& ctx, const std::string& dn, const std::string& password) {
    if (ctx.settings.provisioning.password_scheme == config::password_storage::ssha512) {
        // Hashed here; the directory stores the value as given (the bind DN must be allowed
        // to write pre-hashed values: OpenLDAP rootdn/ACL, 389ds Directory Manager or
        // nsslapd-allow-hashed-passwords).
        ctx.require(ctx.conn.modify(
                        dn, {{ldap::mod_op::replace, "userPassword", {make_ssha512(password)}}}),
                    "setting the password of " + dn);
        return;
    }
    const ldap::password_result r = ctx.conn.modify_password(dn, password);
    ctx.require(r, "setting the password of " + dn);
}

std::string password_change_line(const context& ctx) {
    return ctx.settings.provisioning.password_scheme == config::password_storage::ssha512
               ? "password set ({SSHA512}, hashed by mailwarden)"
               : "password set (RFC 3062)";
}

void check_user_fields(const context& ctx, const user_options& o) {
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
    fail_if(check_relationship(o.relationship, ctx.settings.provisioning.relationships));
    fail_if(check_mailbox_host(o.mailbox_host, ctx.settings.provisioning.mailbox_hosts));
}

void user_add(context& ctx, const user_options& o) {
    check_user_fields(ctx, o);
    const auto& a = ctx.settings.attributes;
    const tenant_info tenant = read_tenant(ctx, o.tenant);
    if (tenant.max_mailboxes)  // R-PSH-2, checked before anything is written
        fail_if(check_mailbox_limit(tenant, count_live_mailboxes(ctx, o.tenant), 1));
    const std::string next = read_counter(ctx, o.region);
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
    const std::string first_last =
        o.with_alias ? generate_alias(ctx, o.given_name, o.cn, o.sn, tenant.default_domain) : "";
    const auto record_add = [&](const std::string& dn, const ldap::attribute_map& attrs,
                                const std::string& mail) {
        entry_report e(dn, "add");
        for (const auto& [name, vals] : attrs)
            for (const auto& v : vals) e.changes.push_back(fmt::format("+{}: {}", name, v));
        if (!mail.empty()) e.extra["mail"] = mail;
        ctx.record(std::move(e));
    };
    if (ctx.check) {
        const auto seq = parse_counter_value(next);
        const std::string id =
            seq ? fmt::format("{}{:06}", o.region, *seq) : fmt::format("{}??????", o.region);
        record_add(ctx.where.user(id), new_account(ctx.settings, o, id, tenant, first_last), "");
        ctx.out.notes.push_back(
            "the number is the counter's current value; another "
            "provisioner may take it first");
        return;
    }

    const counter_ops ops = region_counter_ops(ctx, o.region);
    const auto region = static_cast<mail::region>(o.region);
    for (int taken = 0; taken < 20; ++taken) {
        const allocation got = allocate_next(region, ops);
        ctx.require(got.outcome, "allocating a number in region " + std::to_string(o.region));
        const std::string id = got.id->to_string();
        // Its addresses must be free (an alias equal to another entry's mail is beyond
        // slapo-unique, which compares each attribute on its own).
        if (const auto owner = owner_of_any(ctx, mailbox_addresses(id, tenant))) {
            ctx.out.notes.push_back(
                fmt::format("{}: an address is already {}'s; skipped", id, *owner));
            continue;
        }
        const ldap::attribute_map attrs = new_account(ctx.settings, o, id, tenant, first_last);
        const std::string dn = ctx.where.user(id);
        ldap::entry_result added = ctx.conn.add(dn, attrs);
        // 389ds 2.3 (BDB) now and then answers 32 to an add whose parent exists while other
        // writers add siblings (seen in the 4 x 250 concurrency test): the number is ours,
        // so the same add is tried again, a few times, while ou=users is really there.
        for (int again = 1; again <= 3 && added.what == ldap::status::not_found &&
                            ctx.conn.read(ctx.where.users(), {"1.1"}).is_ok();
             ++again) {
            back_off(again * 5);
            added = ctx.conn.add(dn, attrs);
        }
        if (added.what == ldap::status::conflict && (added.rc == 68 || added.rc == 19)) {
            // The number was in use already (counter edited by hand): skip it, never reuse.
            ctx.out.notes.push_back(fmt::format("{} was already taken; skipped", id));
            continue;
        }
        ctx.require(added, "adding " + dn);
        record_add(dn, attrs, attrs.at(a.mail).front());
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
