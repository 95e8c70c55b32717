// sendcap.cpp: `mailwarden sendcap show|reset|blocked` (R-PSH-6) over the milter's counter
// store (core/store), and the store opening `user activate-pending` (R-PSH-3) shares.
// Keys are policy::address_key of the account's mail, the function the milter keys with,
// so the CLI and the milter can never disagree about whose counts these are.
// The directory is optional here: it resolves an alias to its account and gives what the
// account's limit depends on (its own override, its class); the limit is then resolved by
// the same policy the milter uses (config::limit_policy_of, policy::resolve_sender_limits),
// so both always show the same cap. When the directory cannot be reached the domain or
// global limit is shown (a note says so) because an administrator lifting a block must
// not depend on LDAP being up.
// Failure: a store that cannot be opened or answered -> 69.
// Rules: R-PSH-6, R-PSH-3.
#include "provisioner/sendcap.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>

#include "core/config/limit_policy.hpp"
#include "core/ldap/filter.hpp"
#include "core/policy/limits.hpp"
#include "core/policy/sender_identity.hpp"
#include "core/store/counter_store.hpp"
#include "provisioner/commands.hpp"
#include "provisioner/validate.hpp"

namespace mailwarden::provisioner {

std::optional<std::uint64_t> send_limit_override(const std::vector<std::string>& values) {
    if (values.empty()) return std::nullopt;
    const std::string& t = values.front();
    std::uint64_t v = 0;
    const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec == std::errc{} && p == t.data() + t.size() && !t.empty() && v > 0) return v;
    return std::nullopt;
}

cap_status cap_status_of(const policy::cap_decision& d, std::uint64_t limit) {
    cap_status s;
    s.count = d.used;
    s.limit = limit;
    s.blocked_until = d.blocked_until;
    if (limit > 0) s.remaining = d.blocked_until != 0 || d.used >= limit ? 0 : limit - d.used;
    return s;
}

ldap::attribute_map cap_status_attributes(const std::string& address, const cap_status& s,
                                          const std::string& limit_source) {
    return {
        {"address", {address}},
        {"count", {std::to_string(s.count)}},
        {"limit", {s.limit == 0 ? std::string("unlimited") : std::to_string(s.limit)}},
        {"limit_source", {limit_source}},
        {"remaining", {s.remaining ? std::to_string(*s.remaining) : std::string("unlimited")}},
        {"blocked_until",
         {s.blocked_until != 0 ? policy::format_utc(s.blocked_until) : std::string("not blocked")}},
    };
}

std::unique_ptr<store::counter_store> open_store(const context& ctx) {
    const auto& sc = ctx.settings.send_cap;
    // LMDB would create a missing file, owned by whoever runs the CLI (root) and then
    // unreadable for the milter's user: only open what the milter made.
    if (sc.store == config::store_backend::lmdb && !std::filesystem::exists(sc.lmdb_path))
        throw command_error(ex_unavailable, "cannot open the counter store " + sc.lmdb_path +
                                                ": no such file (the milter creates it)");
    try {
        return store::open_counter_store(sc);
    } catch (const std::exception& e) {
        throw command_error(ex_unavailable, std::string("cannot open the counter store: ") +
                                                e.what());
    }
}

namespace {

std::int64_t epoch_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The account an address names, as far as the directory can tell.
struct target {
    std::string key;                       // the store key
    std::string dn;                        // the account's DN, or the key when unknown
    policy::account account;               // what the limit depends on (mail, override, class)
    bool from_directory = false;
};

target resolve(context& ctx, const std::string& address, bool directory) {
    fail_if_text(address);
    const auto key = policy::address_key(address);
    if (!key)
        throw command_error(ex_dataerr, "'" + sanitize_for_message(address) +
                                            "' is not an address");
    target t{*key, *key, {}, false};
    t.account.mail = *key;
    if (!directory) return t;
    const auto& a = ctx.settings.attributes;
    // As the milter looks accounts up: mail or alias anywhere below the base.
    ldap::search_request q{.base = ctx.where.base,
                           .scope = ldap::search_scope::subtree,
                           .filter = ldap::or_({ldap::eq(a.mail, *key), ldap::eq(a.alias, *key)}),
                           .attributes = {a.mail, a.daily_send_limit},
                           .size_limit = 2};
    const std::string& class_attribute = ctx.settings.classes.attribute;
    if (!class_attribute.empty()) q.attributes.push_back(class_attribute);
    const ldap::search_result r = ctx.conn.search(q);
    if (!r.is_ok() || r.entries.size() != 1) {
        ctx.out.notes.push_back(r.is_ok() ? "no single account holds " + *key +
                                                " in the directory: default limit shown"
                                          : "directory search failed (" + r.describe() +
                                                "): default limit shown");
        return t;
    }
    const ldap::entry& e = r.entries.front();
    const auto& mails = e.get(a.mail);
    if (!mails.empty()) t.key = policy::address_key(mails.front()).value_or(mails.front());
    t.dn = e.dn;
    t.account.mail = t.key;
    t.account.daily_limit = send_limit_override(e.get(a.daily_send_limit));
    if (!class_attribute.empty()) t.account.classes = e.get(class_attribute);
    t.from_directory = true;
    return t;
}

// The cap the milter holds this account to, and where it comes from (for the report).
struct cap_limit {
    std::uint64_t value = 0;
    std::string source;  // "ldap", "class NAME", "domain NAME" or "default"
};

cap_limit limit_of(const context& ctx, const target& t) {
    const policy::limit_policy p = config::limit_policy_of(ctx.settings);
    const auto r = policy::resolve_sender_limits(p, &t.account);
    cap_limit l{r.values.daily_limit, "default"};
    // The most specific level that sets the daily cap, in resolve_sender_limits' order.
    const policy::named_overrides* c = policy::class_of(p, t.account);
    const auto d = std::find_if(p.domains.begin(), p.domains.end(),
                                [&](const auto& e) { return e.name == r.domain; });
    if (r.account_daily_limit) l.source = "ldap";
    else if (c != nullptr && c->limits.daily_limit) l.source = "class " + c->name;
    else if (d != p.domains.end() && d->limits.daily_limit) l.source = "domain " + d->name;
    return l;
}

policy::cap_decision must(const store::cap_answer& a) {
    if (!a.ok) throw command_error(ex_unavailable, "counter store: " + a.error);
    return a.decision;
}

}  // namespace

bool try_connect(context& ctx) {
    try {
        ctx.connect();
        return true;
    } catch (const command_error& e) {
        ctx.out.notes.push_back(std::string("directory not reachable (") + e.what() +
                                "): default limit used");
        return false;
    }
}

void sendcap_show(context& ctx, const std::string& address, bool directory) {
    const target t = resolve(ctx, address, directory);
    const auto& sc = ctx.settings.send_cap;
    const cap_limit limit = limit_of(ctx, t);
    const auto s = open_store(ctx);
    const auto d = must(s->peek(t.key, store::cap_params_from(sc, limit.value), epoch_now()));
    entry_report rep(t.dn, "show");
    rep.attributes = cap_status_attributes(t.key, cap_status_of(d, limit.value), limit.source);
    ctx.record(std::move(rep));
}

void sendcap_reset(context& ctx, const std::string& address, bool directory) {
    const target t = resolve(ctx, address, directory);
    const auto& sc = ctx.settings.send_cap;
    const auto s = open_store(ctx);
    const auto d = must(s->peek(t.key, store::cap_params_from(sc, sc.daily_limit), epoch_now()));
    if (d.used == 0 && d.blocked_until == 0) {
        ctx.record(entry_report(t.dn, "none"));  // nothing counted: a second reset is a no-op
        return;
    }
    if (!ctx.check) (void)must(s->reset(t.key));
    entry_report rep(t.dn, "reset");
    rep.changes.push_back("-count: " + std::to_string(d.used));
    if (d.blocked_until != 0)
        rep.changes.push_back("-blocked_until: " + policy::format_utc(d.blocked_until));
    ctx.record(std::move(rep));
}

void sendcap_blocked(context& ctx) {
    const auto s = open_store(ctx);
    std::string error;
    const auto list = s->list_blocked(epoch_now(), error);
    if (!list) throw command_error(ex_unavailable, "counter store: " + error);
    for (const auto& b : *list) {
        entry_report rep(b.key, "show");
        rep.attributes = {{"address", {b.key}},
                          {"blocked_until", {policy::format_utc(b.blocked_until)}}};
        ctx.record(std::move(rep));
    }
    if (list->empty()) ctx.out.notes.push_back("no account is blocked");
}

}  // namespace mailwarden::provisioner
