// restore.cpp: see restore.hpp. Rules: R-MYO-9, R-PSH-1.
#include "provisioner/restore.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/ldap/dn.hpp"
#include "provisioner/allocate.hpp"
#include "provisioner/schema.hpp"
#include "provisioner/validate.hpp"

namespace mailwarden::provisioner {

namespace {

std::string lower(std::string_view in) {
    std::string s(in);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    });
    return s;
}

// "NAME 'mwAlias'" (or "NAME ( 'a' 'b' )": the first) of a schema definition.
std::string definition_name(const std::string& def) {
    const std::size_t name = def.find(" NAME ");
    if (name == std::string::npos) return {};
    const std::size_t open = def.find('\'', name);
    const std::size_t close = open == std::string::npos ? open : def.find('\'', open + 1);
    if (close == std::string::npos) return {};
    return def.substr(open + 1, close - open - 1);
}

bool same_ignoring_case(const ldap::values& a, const ldap::values& b) {
    ldap::values x, y;
    for (const auto& v : a) x.push_back(lower(v));
    for (const auto& v : b) y.push_back(lower(v));
    return same_values(x, y);
}

std::size_t depth(const std::string& normalized) {
    return static_cast<std::size_t>(std::count(normalized.begin(), normalized.end(), ','));
}

}  // namespace

std::set<std::string> managed_attributes(const config::settings& s) {
    std::set<std::string> out;
    for (const char* n : {"objectClass",
                          "uid",
                          "cn",
                          "sn",
                          "givenName",
                          "displayName",
                          "title",
                          "telephoneNumber",
                          "homePhone",
                          "mobile",
                          "initials",
                          "description",
                          "ou",
                          "l",
                          "member",
                          "uniqueMember",
                          "owner",
                          "preferredLanguage",
                          "employeeNumber",
                          "employeeType",
                          "mailAlternateAddress"})
        out.insert(lower(n));
    const auto& a = s.attributes;
    for (const std::string* n :
         {&a.mail, &a.alias, &a.send_as, &a.status, &a.region, &a.tenant, &a.quota_bytes,
          &a.quota_messages, &a.daily_send_limit, &a.internal_only, &a.allowed_recipient,
          &a.mailbox_host, &a.relationship, &a.external_id, &a.deleted_at, &a.purge_after,
          &a.list_policy, &a.language})
        out.insert(lower(*n));
    const schema_definitions defs = parse_schema(schema_source());
    for (const auto& d : defs.attribute_types)
        if (const auto n = definition_name(d); !n.empty()) out.insert(lower(n));
    return out;
}

std::set<std::string> known_object_classes() {
    std::set<std::string> out;
    for (const char* n : {"top", "person", "organizationalPerson", "inetOrgPerson",
                          "organizationalUnit", "organization", "dcObject", "domain",
                          "groupOfNames", "groupOfUniqueNames", "organizationalRole"})
        out.insert(lower(n));
    const schema_definitions defs = parse_schema(schema_source());
    for (const auto& d : defs.object_classes)
        if (const auto n = definition_name(d); !n.empty()) out.insert(lower(n));
    return out;
}

std::string normalized_dn(std::string_view dn) {
    const auto parsed = ldap::parse_dn(dn);
    if (!parsed || parsed->empty()) return {};
    std::string out;
    for (const auto& rdn : *parsed) {
        std::vector<std::string> avas;
        for (const auto& a : rdn)
            avas.push_back(lower(a.attribute) + "=" + ldap::escape_dn_value(lower(a.value)));
        std::sort(avas.begin(), avas.end());
        if (!out.empty()) out += ",";
        for (std::size_t i = 0; i < avas.size(); ++i) out += (i ? "+" : "") + avas[i];
    }
    return out;
}

restore_plan plan_restore(const config::settings& s, std::string_view base,
                          const std::vector<ldif_record>& records,
                          const std::vector<ldap::entry>& current) {
    restore_plan plan;
    const std::string nbase = normalized_dn(base);
    if (nbase.empty()) {
        plan.errors.push_back("ldap.base_dn is not a DN");
        return plan;
    }
    std::map<std::string, const ldap::entry*> now;
    for (const auto& e : current) now[normalized_dn(e.dn)] = &e;
    const auto managed = managed_attributes(s);
    const auto classes = known_object_classes();

    // Checks, all before anything is planned.
    std::map<std::string, const ldif_record*> in_file;
    std::vector<std::pair<std::string, const ldif_record*>> ordered;
    for (const auto& r : records) {
        const auto err = [&](const std::string& m) {
            plan.errors.push_back(fmt::format("line {}: {}", r.line, m));
        };
        const std::string n = normalized_dn(r.dn);
        if (n.empty()) {
            err(fmt::format("'{}' is not a DN", sanitize_for_message(r.dn)));
            continue;
        }
        if (n != nbase && !n.ends_with("," + nbase)) {
            err(fmt::format("{} is outside ldap.base_dn ({})", sanitize_for_message(r.dn), base));
            continue;
        }
        if (!in_file.emplace(n, &r).second) {
            err(fmt::format("{} is in the file twice (first at line {})",
                            sanitize_for_message(r.dn), in_file[n]->line));
            continue;
        }
        const auto oc = r.attributes.find("objectClass");
        if (oc == r.attributes.end()) {
            err(fmt::format("{} has no objectClass", sanitize_for_message(r.dn)));
            continue;
        }
        bool ok = true;
        for (std::size_t i = 0; i < oc->second.size(); ++i)
            if (!classes.contains(lower(oc->second[i]))) {
                plan.errors.push_back(
                    fmt::format("line {}: objectClass '{}' is not one mailwarden manages",
                                r.lines.at("objectClass")[i], sanitize_for_message(oc->second[i])));
                ok = false;
            }
        // The naming value must be among the entry's values (a server would refuse it).
        const auto rdn = ldap::parse_dn(r.dn);
        for (const auto& ava : rdn->front()) {
            const auto vals = r.attributes.find(ava.attribute);
            const bool has =
                vals != r.attributes.end() &&
                std::any_of(vals->second.begin(), vals->second.end(),
                            [&](const std::string& v) { return lower(v) == lower(ava.value); });
            if (!has) {
                err(fmt::format("{} lacks its naming value {}={}", sanitize_for_message(r.dn),
                                ava.attribute, sanitize_for_message(ava.value)));
                ok = false;
            }
        }
        if (ok) ordered.emplace_back(n, &r);
    }
    for (const auto& [n, r] : ordered) {
        if (n == nbase) continue;
        const std::string parent = n.substr(n.find(',') + 1);  // values are escaped: safe
        if (!now.contains(parent) && !in_file.contains(parent))
            plan.errors.push_back(
                fmt::format("line {}: the parent of {} is neither in the directory nor in the file",
                            r->line, sanitize_for_message(r->dn)));
    }
    if (!plan.errors.empty()) return plan;

    std::stable_sort(ordered.begin(), ordered.end(), [](const auto& x, const auto& y) {
        return depth(x.first) != depth(y.first) ? depth(x.first) < depth(y.first)
                                                : x.first < y.first;
    });
    for (const auto& [n, r] : ordered) {
        const auto existing = now.find(n);
        if (existing == now.end()) {
            plan.steps.push_back({r->line, r->dn, true, r->attributes, {}});
            continue;
        }
        const ldap::entry& e = *existing->second;
        ldap::attribute_map wanted;
        for (const auto& [name, vals] : e.attributes)
            if (managed.contains(lower(name))) wanted[name] = {};
        for (const auto& [name, vals] : r->attributes) wanted[name] = vals;
        // Object class names compare without case.
        if (same_ignoring_case(e.get("objectClass"), wanted["objectClass"]))
            wanted.erase("objectClass");
        // A counter never goes back (R-PSH-1).
        const auto next = wanted.find("mwNextNumber");
        if (next != wanted.end() && next->second.size() == 1) {
            const auto have = e.single("mwNextNumber");
            const auto a = have ? parse_counter_value(*have) : std::nullopt;
            const auto b = parse_counter_value(next->second.front());
            if (a && b && *a > *b) {
                plan.notes.push_back(fmt::format(
                    "{}: mwNextNumber stays {} (the file has {}): a counter never goes back "
                    "(R-PSH-1)",
                    e.dn, *have, next->second.front()));
                next->second = {*have};
            }
        }
        restore_step step{r->line, e.dn, false, {}, diff_entry(e, wanted)};
        if (step.diff.mods.empty()) {
            ++plan.unchanged;
            continue;
        }
        for (auto& l : step.diff.lines)
            if (lower(l.substr(1, l.find(':') - 1)) == "userpassword")
                l = l.substr(0, l.find(':') + 1) + " (hidden)";
        plan.steps.push_back(std::move(step));
    }
    return plan;
}

}  // namespace mailwarden::provisioner
