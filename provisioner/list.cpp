// list.cpp: `mailwarden list add|ensure|show|modify|delete|list` and `list member
// add|remove` (see list.hpp), plus the group helpers resource.cpp shares.
// Every write is ONE LDAP operation (an add, a modify or a delete), so a failure leaves
// the directory as it was. `list member add|remove` change values (add/delete), never a
// read-modify-replace, so two administrators adding members at once lose neither; `list
// ensure` replaces them with exactly the given set (that is what ensure means).
// A list address must be free across every entry below the base, tombstones included,
// exactly as an alias (address_owner, alias.cpp); members are accounts or resources (by
// uid or address) or outside addresses; an address in one of our tenants' domains that no
// mailbox holds is a typo, not an outside member, and is refused. Lists are not members of
// lists: Postfix would expand an inner list the milter never saw as a recipient, so its
// internal-only policy (R-MYO-6) would not hold.
// Rules: R-MYO-1, R-MYO-6, R-TJP-6.
#include "provisioner/list.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/ldap/dn.hpp"
#include "core/mail/address.hpp"
#include "provisioner/commands.hpp"
#include "provisioner/diff.hpp"
#include "provisioner/validate.hpp"

namespace mailwarden::provisioner {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool holds(const ldap::values& vals, std::string_view v) {
    return std::any_of(vals.begin(), vals.end(),
                       [&](const std::string& x) { return same_text(x, v); });
}

// A readable local part: [a-z0-9] words joined by single '.', '-' or '_'.
bool plain_local_part(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    bool after_sep = true;  // no separator first, none twice in a row
    for (const char c : s) {
        const bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!word && !(c == '.' || c == '-' || c == '_')) return false;
        if (!word && after_sep) return false;
        after_sep = !word;
    }
    return !after_sep;
}

void fail_if(const std::string& why, int code = ex_dataerr) {
    if (!why.empty()) throw command_error(code, why);
}

}  // namespace

// ---- pure ----

bool same_text(std::string_view a, std::string_view b) { return lower(a) == lower(b); }

ldap::values member_values(const ldap::values& dns) {
    if (dns.empty()) return {std::string(no_member)};
    return dns;
}

ldap::values real_members(const ldap::values& stored) {
    ldap::values out;
    for (const auto& v : stored)
        if (v != no_member) out.push_back(v);
    return out;
}

value_changes change_values(const std::string& attribute, const ldap::values& stored,
                            const ldap::values& add, const ldap::values& remove, bool placeholder) {
    ldap::values plus, minus;
    for (const auto& v : add)
        if (!holds(stored, v) && !holds(plus, v)) plus.push_back(v);
    for (const auto& v : remove)
        if (holds(stored, v) && !holds(minus, v) && !holds(plus, v)) {
            // The stored spelling: a delete names the value the server holds.
            minus.push_back(*std::find_if(stored.begin(), stored.end(),
                                          [&](const std::string& x) { return same_text(x, v); }));
        }
    value_changes c;
    if (plus.empty() && minus.empty()) return c;
    if (placeholder) {
        const std::size_t real = real_members(stored).size();
        const bool had_placeholder = real < stored.size();
        if (had_placeholder && !plus.empty()) minus.push_back(std::string(no_member));
        if (!had_placeholder && plus.empty() && minus.size() == real)
            plus.push_back(std::string(no_member));
    }
    if (!plus.empty()) c.mods.push_back({ldap::mod_op::add, attribute, plus});
    if (!minus.empty()) c.mods.push_back({ldap::mod_op::remove, attribute, minus});
    for (const auto& v : plus) c.lines.push_back("+" + attribute + ": " + v);
    for (const auto& v : minus) c.lines.push_back("-" + attribute + ": " + v);
    return c;
}

std::string new_group_address(std::string_view given, const tenant_info& t, std::string& error) {
    const std::string text = lower(given);
    const std::size_t at = text.rfind('@');
    const std::string local = at == std::string::npos ? text : text.substr(0, at);
    std::string domain = at == std::string::npos ? t.default_domain : text.substr(at + 1);
    if (!plain_local_part(local)) {
        error = fmt::format(
            "'{}' is not a plain address: the part before '@' takes a-z, 0-9 and single "
            "inner '.', '-' or '_'",
            sanitize_for_message(given));
        return {};
    }
    const auto d = mail::normalize_domain(domain);
    if (!d.ok()) {
        error = fmt::format("'{}': {}", sanitize_for_message(given), d.err().message);
        return {};
    }
    if (std::find(t.domains.begin(), t.domains.end(), d.value()) == t.domains.end()) {
        error = fmt::format("{} is not a domain of tenant {} (R-MYO-1)", d.value(), t.id);
        return {};
    }
    return local + "@" + d.value();
}

std::optional<std::string> member_address(std::string_view given) {
    const std::size_t at = given.rfind('@');
    if (at == std::string_view::npos || at == 0) return std::nullopt;
    const auto m = mail::mailbox_address::make(given.substr(0, at), given.substr(at + 1));
    if (!m.ok() || m.value().domain_is_literal()) return std::nullopt;
    const std::string text = m.value().to_string();
    if (text.front() == '"') return std::nullopt;  // a quoted local part: not for a list
    return m.value().comparison_key();
}

std::string check_list_policy(std::string_view policy) {
    if (policy == "internal" || policy == "open") return {};
    return fmt::format(
        "list policy '{}' is not internal (outside senders refused) or open (R-MYO-6)",
        sanitize_for_message(policy));
}

ldap::attribute_map list_attributes(const config::attribute_settings& a, const list_state& s) {
    return {
        {"cn", {s.display_name.empty() ? s.address : s.display_name}},
        {"displayName", s.display_name.empty() ? ldap::values{} : ldap::values{s.display_name}},
        {a.mail, {s.address}},
        {a.tenant, {s.tenant}},
        {a.list_policy, {s.policy}},
        {"member", member_values(s.member_dns)},
        {"mwExternalMember", s.external},
        {"owner", s.owner_dns},
    };
}

// ---- directory helpers ----

std::string claim_address(context& ctx, const tenant_info& t, const std::string& given,
                          const std::string& self_dn) {
    std::string error;
    const std::string address = new_group_address(given, t, error);
    fail_if(error);
    if (const auto owner = address_owner(ctx, address); owner && !same_text(*owner, self_dn))
        throw command_error(ex_dataerr, fmt::format("{} is already taken by {}", address, *owner));
    return address;
}

void add_entry(context& ctx, const std::string& dn, const ldap::attribute_map& attrs) {
    entry_report rep(dn, "add");
    for (const auto& [name, vals] : attrs)
        for (const auto& v : vals) rep.changes.push_back(name + ": " + v);
    std::transform(rep.changes.begin(), rep.changes.end(), rep.changes.begin(),
                   [](const std::string& line) { return "+" + line; });
    if (!ctx.check) {
        const ldap::entry_result r = ctx.conn.add(dn, attrs);
        if (r.what == ldap::status::conflict)
            throw command_error(
                ex_dataerr, dn + " or one of its addresses was taken meanwhile: " + r.describe());
        ctx.require(r, "adding " + dn);
    }
    ctx.record(std::move(rep));
}

void update_entry(context& ctx, const ldap::entry& e, const ldap::attribute_map& wanted) {
    const entry_diff d = diff_entry(e, wanted);
    if (d.mods.empty()) return ctx.record(entry_report(e.dn, "none"));
    if (!ctx.check) ctx.require(ctx.conn.modify(e.dn, d.mods), "changing " + e.dn);
    entry_report rep(e.dn, "modify");
    rep.changes = d.lines;
    ctx.record(std::move(rep));
}

void apply_changes(context& ctx, const std::string& dn, const value_changes& c) {
    if (c.mods.empty()) return ctx.record(entry_report(dn, "none"));
    if (!ctx.check) ctx.require(ctx.conn.modify(dn, c.mods), "changing the members of " + dn);
    entry_report rep(dn, "modify");
    rep.changes = c.lines;
    ctx.record(std::move(rep));
}

std::vector<ldap::entry> find_entries(context& ctx, const std::string& base,
                                      const ldap::filter& f) {
    ldap::search_request q{
        .base = base, .filter = f, .attributes = {"*"}, .page_size = ctx.settings.ldap.page_size};
    ldap::search_result r = ctx.conn.search(q);
    ctx.require(r, "searching " + base);
    std::sort(r.entries.begin(), r.entries.end(),
              [](const ldap::entry& x, const ldap::entry& y) { return lower(x.dn) < lower(y.dn); });
    return std::move(r.entries);
}

bool has_class(const ldap::entry& e, std::string_view cls) {
    return holds(e.get("objectClass"), cls);
}

void show_entry(context& ctx, ldap::entry e) {
    if (const auto m = e.attributes.find("member"); m != e.attributes.end()) {
        m->second = real_members(m->second);
        if (m->second.empty()) e.attributes.erase(m);
    }
    entry_report rep(e.dn, "show");
    rep.attributes = std::move(e.attributes);
    ctx.record(std::move(rep));
}

// ---- lists ----

std::optional<ldap::entry> find_by_address(context& ctx, const std::string& base,
                                           const std::string& object_class,
                                           const std::string& what, const std::string& address) {
    const auto& a = ctx.settings.attributes;
    const auto key = member_address(address);
    if (!key)
        throw command_error(ex_dataerr,
                            "'" + sanitize_for_message(address) + "' is not an address");
    auto found =
        find_entries(ctx, base,
                     ldap::and_({ldap::eq("objectClass", object_class),
                                 ldap::or_({ldap::eq(a.mail, *key), ldap::eq(a.alias, *key)})}));
    if (found.size() > 1) throw command_error(ex_dataerr, "several " + what + "s hold " + *key);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

namespace {

// A member or owner: the DN of an account or resource, or an outside address.
struct member_ref {
    std::string dn;
    std::string outside;
};

// who: a login (NXXXXXX) or an address. strict (adding): it must name a live mailbox, or
// (outside_ok) be an outside address; not strict (removing): a login or address nobody
// holds any more still names what the list may hold (a purged account's DN, an address).
member_ref resolve(context& ctx, const std::string& who, bool outside_ok, bool strict = true) {
    const auto& a = ctx.settings.attributes;
    fail_if(check_text("a member", who));
    const bool login = who.find('@') == std::string::npos;
    const auto address = login ? std::optional<std::string>{} : member_address(who);
    if (!login && !address)
        throw command_error(ex_dataerr, "'" + sanitize_for_message(who) + "' is not an address");
    const auto found =
        login ? find_entries(ctx, ctx.where.users(), ldap::eq("uid", who))
              : find_entries(ctx, ctx.where.base,
                             ldap::or_({ldap::eq(a.mail, *address), ldap::eq(a.alias, *address)}));
    if (found.size() > 1)
        throw command_error(ex_dataerr, "'" + sanitize_for_message(who) + "' names " +
                                            std::to_string(found.size()) + " entries");
    if (found.empty()) {
        if (!strict) return login ? member_ref{ctx.where.user(who), ""} : member_ref{"", *address};
        if (login || !outside_ok)
            throw command_error(ex_dataerr, "no account " + sanitize_for_message(who));
        // An address in a domain of ours that no mailbox holds is a typo, not an outsider.
        const std::string domain = address->substr(address->rfind('@') + 1);
        if (!find_entries(ctx, ctx.where.tenants(), ldap::eq("mwMailDomain", domain)).empty())
            throw command_error(ex_dataerr,
                                fmt::format("no mailbox {}, and {} is a domain of ours: "
                                            "not an outside member",
                                            *address, domain));
        return {"", *address};
    }
    const ldap::entry& e = found.front();
    if (has_class(e, "mailwardenList") || has_class(e, "groupOfNames"))
        throw command_error(ex_dataerr, e.dn +
                                            " is a list: lists are not members of lists (the "
                                            "inner list's policy would not hold, R-MYO-6)");
    if (!has_class(e, "mailwardenAccount"))
        throw command_error(ex_dataerr, e.dn + " is not a mailbox");
    if (strict && e.single(a.status) == ctx.settings.account_status.deleted)
        throw command_error(ex_dataerr, e.dn + " is deleted");
    if (!outside_ok && has_class(e, "mailwardenResource"))
        throw command_error(ex_dataerr, e.dn + " is a resource: owners are accounts");
    return {e.dn, ""};
}

// The list with this address (mail or alias), if any; 65 for a malformed address.
std::optional<ldap::entry> find_list(context& ctx, const std::string& address) {
    return find_by_address(ctx, ctx.where.lists(), "mailwardenList", "list", address);
}

ldap::entry must_find_list(context& ctx, const std::string& address) {
    auto e = find_list(ctx, address);
    if (!e) throw command_error(ex_dataerr, "no list " + sanitize_for_message(address));
    return std::move(*e);
}

ldap::values owner_dns(context& ctx, const std::vector<std::string>& owners) {
    ldap::values out;
    for (const auto& w : owners)
        if (const auto dn = resolve(ctx, w, false).dn; !holds(out, dn)) out.push_back(dn);
    return out;
}

void list_put(context& ctx, const mail_list_options& o, bool must_be_new) {
    const auto& a = ctx.settings.attributes;
    fail_if(check_tenant_id(o.tenant));
    fail_if(check_text("--mail", o.mail));
    fail_if(check_text("--display-name", o.display_name, false));
    list_state s;
    s.tenant = o.tenant;
    s.display_name = o.display_name;
    if (!o.policy.empty()) s.policy = o.policy;
    fail_if(check_list_policy(s.policy));
    const tenant_info t = read_tenant(ctx, o.tenant);
    std::string error;
    s.address = new_group_address(o.mail, t, error);
    fail_if(error);
    const auto now = must_be_new ? std::nullopt : find_list(ctx, s.address);
    if (now && now->single(a.tenant) != o.tenant)
        throw command_error(ex_dataerr, now->dn + " belongs to tenant " +
                                            now->single(a.tenant).value_or("?") + " (R-MYO-1)");
    claim_address(ctx, t, s.address, now ? now->dn : "");
    for (const auto& m : o.members) {
        const member_ref r = resolve(ctx, m, true);
        if (!r.dn.empty() && !holds(s.member_dns, r.dn)) s.member_dns.push_back(r.dn);
        if (!r.outside.empty() && !holds(s.external, r.outside)) s.external.push_back(r.outside);
    }
    s.owner_dns = owner_dns(ctx, o.owners);
    ldap::attribute_map want = list_attributes(a, s);
    if (now) return update_entry(ctx, *now, want);
    std::erase_if(want, [](const auto& kv) { return kv.second.empty(); });
    want["objectClass"] = {"top", "groupOfNames", "mailwardenList"};
    add_entry(ctx, ldap::make_dn({{a.mail, s.address}}, ctx.where.lists()), want);
    ctx.out.entries.back().extra["mail"] = s.address;
}

}  // namespace

void list_add(context& ctx, const mail_list_options& o) { list_put(ctx, o, true); }

void list_ensure(context& ctx, const mail_list_options& o) { list_put(ctx, o, false); }

void list_show(context& ctx, const std::string& address) {
    show_entry(ctx, must_find_list(ctx, address));
}

void list_modify(context& ctx, const std::string& address, const mail_list_options& o) {
    const auto& a = ctx.settings.attributes;
    const ldap::entry e = must_find_list(ctx, address);
    ldap::attribute_map want;
    if (!o.display_name.empty()) {
        fail_if(check_text("--display-name", o.display_name));
        want["cn"] = {o.display_name};
        want["displayName"] = {o.display_name};
    }
    if (!o.policy.empty()) {
        fail_if(check_list_policy(o.policy));
        want[a.list_policy] = {o.policy};
    }
    if (o.owners_given) want["owner"] = owner_dns(ctx, o.owners);
    if (want.empty())
        throw command_error(ex_usage,
                            "list modify: give --display-name, --policy, --owner or --no-owners");
    update_entry(ctx, e, want);
}

void list_delete(context& ctx, const std::string& address) {
    const auto e = find_list(ctx, address);
    if (!e) {
        ctx.out.notes.push_back("no list " + sanitize_for_message(address) + ": nothing to delete");
        return;
    }
    if (!ctx.check) ctx.require(ctx.conn.remove(e->dn), "removing " + e->dn);
    ctx.record(entry_report(e->dn, "delete"));
}

void list_list(context& ctx, const std::string& tenant) {
    std::vector<ldap::filter> parts{ldap::eq("objectClass", "mailwardenList")};
    if (!tenant.empty()) {
        fail_if(check_tenant_id(tenant));
        parts.push_back(ldap::eq(ctx.settings.attributes.tenant, tenant));
    }
    auto found = find_entries(ctx, ctx.where.lists(), ldap::and_(parts));
    for (auto& e : found) show_entry(ctx, std::move(e));
    ctx.out.notes.push_back(fmt::format("{} lists", found.size()));
}

void list_members(context& ctx, const std::string& address, const std::vector<std::string>& who,
                  bool add) {
    if (who.empty()) throw command_error(ex_usage, "list member: name at least one member");
    const ldap::entry e = must_find_list(ctx, address);
    ldap::values dns, outside;
    for (const auto& w : who) {
        const member_ref r = resolve(ctx, w, true, add);
        (r.dn.empty() ? outside : dns).push_back(r.dn.empty() ? r.outside : r.dn);
    }
    value_changes c = change_values("member", e.get("member"), add ? dns : ldap::values{},
                                    add ? ldap::values{} : dns, true);
    const value_changes x =
        change_values("mwExternalMember", e.get("mwExternalMember"), add ? outside : ldap::values{},
                      add ? ldap::values{} : outside, false);
    c.mods.insert(c.mods.end(), x.mods.begin(), x.mods.end());
    c.lines.insert(c.lines.end(), x.lines.begin(), x.lines.end());
    apply_changes(ctx, e.dn, c);
}

}  // namespace mailwarden::provisioner
