// account.cpp: see account.hpp. Rules: R-PSH-1, R-PSH-2, R-PSH-3, R-PSH-4, R-SAV-1,
// R-TJP-1, R-MYO-1, R-MYO-2.
#include "provisioner/account.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace mailwarden::provisioner {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    });
    return s;
}

}  // namespace

tenant_info tenant_from_entry(const std::string& id, const ldap::entry& e, std::string& error) {
    tenant_info t;
    t.id = id;
    error.clear();
    const auto def = e.single("mwDefaultDomain");
    if (!def || def->empty()) {
        error = fmt::format("tenant '{}' has no default domain (R-MYO-1)", id);
        return t;
    }
    t.default_domain = lower(*def);
    t.domains.push_back(t.default_domain);
    for (const auto& d : e.get("mwMailDomain")) {
        const std::string l = lower(d);
        if (std::find(t.domains.begin(), t.domains.end(), l) == t.domains.end())
            t.domains.push_back(l);
    }
    const ldap::values& max = e.get(max_mailboxes_attribute);
    if (!max.empty()) {
        std::uint64_t n = 0;
        const std::string& v = max.front();
        const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
        if (max.size() != 1 || r.ec != std::errc{} || r.ptr != v.data() + v.size()) {
            error =
                fmt::format("tenant '{}': {} is not one whole number", id, max_mailboxes_attribute);
            return t;
        }
        t.max_mailboxes = n;
    }
    return t;
}

std::vector<std::string> mailbox_addresses(const std::string& id, const tenant_info& t) {
    std::vector<std::string> out;
    for (const auto& d : t.domains) out.push_back(id + "@" + d);
    return out;
}

std::vector<std::string> missing_secondary_addresses(const std::string& id, const tenant_info& t,
                                                     const std::vector<std::string>& has) {
    std::vector<std::string> lowered;
    for (const auto& h : has) lowered.push_back(lower(h));
    std::vector<std::string> out;
    for (const auto& a : mailbox_addresses(id, t))
        if (std::find(lowered.begin(), lowered.end(), a) == lowered.end()) out.push_back(a);
    return out;
}

ldap::attribute_map profile_attributes(const config::settings& s, const user_options& o) {
    const auto& a = s.attributes;
    ldap::attribute_map m;
    auto put = [&](const std::string& name, const std::string& v) {
        if (!v.empty()) m[name] = {v};
    };
    put("cn", o.cn);
    put("sn", o.sn);
    put("givenName", o.given_name);
    put("displayName", o.display_name);
    put("title", o.title);
    put("telephoneNumber", o.telephone);
    put(a.mailbox_host, o.mailbox_host);
    put(a.relationship, o.relationship);
    if (o.quota_bytes) m[a.quota_bytes] = {std::to_string(*o.quota_bytes)};
    if (o.quota_messages) m[a.quota_messages] = {std::to_string(*o.quota_messages)};
    if (o.daily_send_limit) m[a.daily_send_limit] = {std::to_string(*o.daily_send_limit)};
    return m;
}

ldap::attribute_map new_account(const config::settings& s, const user_options& o,
                                const std::string& id, const tenant_info& t,
                                const std::string& first_last) {
    const auto& a = s.attributes;
    ldap::attribute_map attrs = profile_attributes(s, o);
    attrs["objectClass"] = {"top", "person", "organizationalPerson", "inetOrgPerson",
                            "mailwardenAccount"};
    attrs[a.status] = {s.provisioning.activate_on_create ? s.account_status.active
                                                         : s.account_status.pending};
    attrs[a.region] = {std::to_string(o.region)};
    attrs[a.tenant] = {o.tenant};
    if (!o.external_id.empty()) attrs[a.external_id] = {o.external_id};
    // Defaults from the config where the row gave none; 0 = "the default" (not written).
    if (!o.quota_bytes && s.quota.storage_bytes)
        attrs[a.quota_bytes] = {std::to_string(s.quota.storage_bytes)};
    if (!o.quota_messages && s.quota.messages)
        attrs[a.quota_messages] = {std::to_string(s.quota.messages)};
    if (o.quota_bytes && *o.quota_bytes == 0) attrs.erase(a.quota_bytes);
    if (o.quota_messages && *o.quota_messages == 0) attrs.erase(a.quota_messages);
    attrs["uid"] = {id};
    const std::vector<std::string> addresses = mailbox_addresses(id, t);
    attrs[a.mail] = {addresses.front()};
    ldap::values aliases(addresses.begin() + 1, addresses.end());
    if (!first_last.empty()) aliases.push_back(first_last);
    if (!aliases.empty()) attrs[a.alias] = aliases;
    return attrs;
}

std::string check_mailbox_limit(const tenant_info& t, std::uint64_t live, std::uint64_t adding) {
    if (!t.max_mailboxes || live + adding <= *t.max_mailboxes) return {};
    if (adding == 1)
        return fmt::format(
            "tenant '{}' has {} live mailboxes of its limit of {}: no room for another "
            "(raise it with `tenant ensure --id {} --max-mailboxes N`) (R-PSH-2)",
            t.id, live, *t.max_mailboxes, t.id);
    return fmt::format(
        "tenant '{}' has {} live mailboxes of its limit of {}: {} new would make {} "
        "(raise it with `tenant ensure --id {} --max-mailboxes N`) (R-PSH-2)",
        t.id, live, *t.max_mailboxes, adding, live + adding, t.id);
}

}  // namespace mailwarden::provisioner
