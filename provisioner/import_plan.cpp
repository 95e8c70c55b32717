// import_plan.cpp: see import_plan.hpp. Rules: R-MYO-9, R-PSH-1, R-PSH-2, R-SAV-6, R-TJP-1,
// R-MYO-1, R-MYO-4.
#include "provisioner/import_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/account/naming.hpp"
#include "provisioner/restore.hpp"
#include "provisioner/validate.hpp"

namespace mailwarden::provisioner {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    });
    return s;
}

bool has_value(const ldap::values& vals, std::string_view want) {
    return std::any_of(vals.begin(), vals.end(), [&](const std::string& v) {
        return v.size() == want.size() &&
               std::equal(v.begin(), v.end(), want.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a)) ==
                          std::tolower(static_cast<unsigned char>(b));
               });
    });
}

}  // namespace

std::vector<std::string> snapshot_attributes(const config::settings& s) {
    const auto& a = s.attributes;
    return {"objectClass",
            "uid",
            "cn",
            "sn",
            "givenName",
            "displayName",
            "title",
            "telephoneNumber",
            a.mail,
            a.alias,
            a.status,
            a.region,
            a.tenant,
            a.quota_bytes,
            a.quota_messages,
            a.daily_send_limit,
            a.mailbox_host,
            a.relationship,
            a.external_id};
}

import_snapshot make_snapshot(const config::settings& s, const std::string& users_dn,
                              const std::vector<ldap::entry>& entries) {
    const auto& a = s.attributes;
    const std::string users = normalized_dn(users_dn);
    import_snapshot snap;
    for (const auto& e : entries) {
        for (const auto& v : e.get(a.mail)) snap.addresses.insert(lower(v));
        for (const auto& v : e.get(a.alias)) snap.addresses.insert(lower(v));
        if (!has_value(e.get("objectClass"), "mailwardenAccount")) continue;
        const std::string dn = normalized_dn(e.dn);
        if (dn.substr(dn.find(',') + 1) != users) continue;  // not below ou=users
        for (const auto& v : e.get("uid")) snap.uids.insert(lower(v));
        if (const auto id = e.single(a.external_id)) snap.accounts[*id].push_back(e);
        if (e.single(a.status) != s.account_status.deleted)
            if (const auto t = e.single(a.tenant)) ++snap.live[*t];
    }
    return snap;
}

bool number_free(const import_snapshot& snap, const std::string& id, const tenant_info& t) {
    if (snap.uids.contains(id)) return false;
    for (const auto& address : mailbox_addresses(id, t))
        if (snap.addresses.contains(address)) return false;
    return true;
}

import_plan plan_import(const config::settings& s, const std::vector<import_row>& rows,
                        const std::map<std::string, tenant_info>& tenants, import_snapshot& snap) {
    const auto& a = s.attributes;
    import_plan plan;
    std::map<std::string, std::uint64_t> adding;  // tenant -> new rows
    for (const auto& row : rows) {
        const user_options& o = row.user;
        const auto err = [&](const std::string& m) {
            plan.errors.push_back(fmt::format("row {}: {}", row.line, m));
        };
        const auto t = tenants.find(o.tenant);
        if (t == tenants.end()) continue;  // reported by the caller
        const auto found = snap.accounts.find(o.external_id);
        if (found != snap.accounts.end()) {
            if (found->second.size() > 1) {
                err(fmt::format("external id '{}' is on {} accounts (R-MYO-9)",
                                sanitize_for_message(o.external_id), found->second.size()));
                continue;
            }
            const ldap::entry& e = found->second.front();
            // The number, region and tenant of an existing mailbox never change (R-PSH-1).
            if (e.single(a.region) != std::to_string(o.region)) {
                err(fmt::format("{} is in region {}; a mailbox never moves (R-PSH-1)", e.dn,
                                e.single(a.region).value_or("?")));
                continue;
            }
            if (e.single(a.tenant) != o.tenant) {
                err(fmt::format("{} belongs to tenant {} (R-MYO-1)", e.dn,
                                e.single(a.tenant).value_or("?")));
                continue;
            }
            plan.updates.push_back({&row, e.dn, diff_entry(e, profile_attributes(s, o))});
            continue;
        }
        ++adding[o.tenant];
        ++plan.new_rows;
        planned_add add{&row, ""};
        if (o.with_alias) {
            const std::string first =
                o.given_name.empty() ? account::given_from_cn(o.cn, o.sn) : o.given_name;
            const auto local = account::alias_local_part(first, o.sn);
            if (!local) {
                err(
                    fmt::format("cannot make a first.last alias from '{}' '{}': no letters "
                                "left after transliteration (R-SAV-6)",
                                sanitize_for_message(first), sanitize_for_message(o.sn)));
                continue;
            }
            const std::string domain = "@" + t->second.default_domain;
            const auto free = account::first_free(*local, [&](const std::string& c) {
                return std::optional<bool>(snap.addresses.contains(c + domain));
            });
            if (!free) {
                err("no free first.last alias for " + *local + " (R-SAV-6)");
                continue;
            }
            add.first_last = *free + domain;
            snap.addresses.insert(add.first_last);  // the next row sees it taken
        }
        plan.adds[o.region].push_back(add);
    }
    // R-PSH-2, over the whole file: live mailboxes plus this file's new ones.
    for (const auto& [tenant, count] : adding) {
        const auto t = tenants.find(tenant);
        const auto live = snap.live.find(tenant);
        if (auto why =
                check_mailbox_limit(t->second, live == snap.live.end() ? 0 : live->second, count);
            !why.empty())
            plan.errors.push_back(why);
    }
    return plan;
}

}  // namespace mailwarden::provisioner
