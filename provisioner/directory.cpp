// directory.cpp: `mailwarden directory init` (base entry, the ou=users / tenants / lists /
// counters containers, one counter per region: idempotent, a re-run changes nothing),
// `--load-schema` (schema, indexes and mail + alias uniqueness into a server the bound
// identity may configure: 389ds cn=schema and plugins; OpenLDAP cn=config, e.g. as root
// over ldapi:// with SASL EXTERNAL; definitions already there are skipped, and an object
// class of an older mailwarden that allows other attributes is replaced) and `mailwarden
// directory schema` (the schema dialects of ldap-schema/).
// Rules: R-PSH-1 (one counter per region), R-MYO-1 (tenants container), R-MYO-10 (indexes).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/ldap/dn.hpp"
#include "core/mail/mailbox_id.hpp"
#include "provisioner/commands.hpp"
#include "provisioner/restore.hpp"
#include "provisioner/schema.hpp"

namespace mailwarden::provisioner {

namespace {

// Adds dn with attrs unless it exists; records what it did.
void ensure_entry(context& ctx, const std::string& dn, const ldap::attribute_map& attrs) {
    const ldap::entry_result now = ctx.conn.read(dn, {"1.1"});
    if (now.is_ok()) {
        ctx.record(entry_report(dn, "none"));
        return;
    }
    if (now.what != ldap::status::not_found) ctx.require(now, "reading " + dn);
    entry_report e(dn, "add");
    for (const auto& [name, vals] : attrs)
        for (const auto& v : vals) e.changes.push_back(fmt::format("+{}: {}", name, v));
    if (!ctx.check) {
        const ldap::entry_result added = ctx.conn.add(dn, attrs);
        // Another init running at the same time created it: that is the state we want.
        if (added.what != ldap::status::conflict || added.rc != 68)
            ctx.require(added, "adding " + dn);
        if (!added.is_ok()) e.action = "none";
    }
    ctx.record(std::move(e));
}

}  // namespace

void directory_init(context& ctx) {
    const auto parsed = ldap::parse_dn(ctx.where.base);
    if (!parsed || parsed->empty())
        throw command_error(ex_config, "ldap.base_dn is not a DN: " + ctx.where.base);
    // The base itself: created when it is an ou= below an existing suffix (a tenant-wide
    // subtree of a shared directory); a suffix entry is the server administrator's job.
    const auto& first = parsed->front().front();
    if (first.attribute == "ou" || first.attribute == "OU")
        ensure_entry(ctx, ctx.where.base,
                     {{"objectClass", {"top", "organizationalUnit"}}, {"ou", {first.value}}});
    for (const char* ou : {"users", "tenants", "lists", "counters"})
        ensure_entry(ctx, ldap::make_dn({{"ou", ou}}, ctx.where.base),
                     {{"objectClass", {"top", "organizationalUnit"}}, {"ou", {ou}}});
    for (const auto& info : mail::regions()) {
        const int n = static_cast<int>(info.id);
        ensure_entry(ctx, ctx.where.counter(n),
                     {{"objectClass", {"top", "mailwardenCounter"}},
                      {"cn", {"region-" + std::to_string(n)}},
                      {"mwNextNumber", {"1"}},
                      {ctx.settings.attributes.region, {std::to_string(n)}},
                      {"description", {std::string(info.name)}}});
    }
}

namespace {

// "( 2.25.1.2 NAME ..." -> "2.25.1.2"
std::string oid_of(const std::string& def) {
    const std::size_t start = def.find_first_not_of("( ");
    return def.substr(start, def.find(' ', start) - start);
}

// The value of existing defining oid ("" when none).
std::string value_with_oid(const ldap::values& existing, const std::string& oid) {
    for (const auto& v : existing)
        if (v.find("( " + oid + " ") != std::string::npos) return v;
    return {};
}

// An object class of ours whose definition in the server allows other attributes than
// ours (an older mailwarden's schema): the server's value and ours.
struct changed_class {
    std::string old_value;
    std::string definition;
};

// OpenLDAP: the definitions into our own cn=config schema entry (created the first time,
// the missing values added later). Writing cn=config needs its manager: local root over
// ldapi:// with SASL EXTERNAL (ldap.uri ldapi://..., no bind_dn), or a bind DN that
// olcAccess on {0}config lets write.
void load_openldap_schema(context& ctx, const ldap::values& add_at, const ldap::values& add_oc,
                          const std::vector<changed_class>& changed) {
    const auto refuse = [](const ldap::result& r, const std::string& what) {
        throw command_error(exit_code_for(r),
                            what + ": " + r.describe() +
                                " (run it as root with ldap.uri ldapi:///... and no bind_dn "
                                "(SASL EXTERNAL), or load ldap-schema/openldap/mailwarden.ldif "
                                "with `ldapadd -Y EXTERNAL -H ldapi:///`)");
    };
    ldap::search_request q;
    q.base = "cn=schema,cn=config";
    q.scope = ldap::search_scope::one_level;
    // cn=config names schema entries "{N}mailwarden": list them all and look.
    q.filter = ldap::present("cn");
    q.attributes = {"cn", "olcObjectClasses"};
    ldap::search_result schemas = ctx.conn.search(q);
    // Every cn=config server has cn=schema,cn=config: "no such object" means we may not
    // see it, i.e. may not configure this server.
    if (schemas.what == ldap::status::not_found) schemas.what = ldap::status::permission;
    if (!schemas.is_ok()) refuse(schemas, "reading cn=schema,cn=config");
    std::string existing;
    ldap::values classes;  // our entry's olcObjectClasses ("{N}( ... )")
    for (const auto& e : schemas.entries)
        for (const auto& cn : e.get("cn"))
            if (cn == "mailwarden" || (cn.size() > 2 && cn.front() == '{' &&
                                       cn.substr(cn.find('}') + 1) == "mailwarden")) {
                existing = e.dn;
                classes = e.get("olcObjectClasses");
            }
    if (add_at.empty() && add_oc.empty() && changed.empty()) {
        ctx.record(entry_report(existing.empty() ? "cn=schema,cn=config" : existing, "none"));
        return;
    }
    if (existing.empty()) {
        if (!changed.empty())
            ctx.out.notes.push_back(
                "an object class of mailwarden's is defined outside cn=mailwarden,cn=schema,"
                "cn=config with other attributes: update it by hand");
        const std::string dn = "cn=mailwarden,cn=schema,cn=config";
        entry_report e(dn, "add");
        for (const auto& v : add_at) e.changes.push_back("+olcAttributeTypes: " + v);
        for (const auto& v : add_oc) e.changes.push_back("+olcObjectClasses: " + v);
        if (!ctx.check) {
            ldap::attribute_map attrs{{"objectClass", {"olcSchemaConfig"}}, {"cn", {"mailwarden"}}};
            if (!add_at.empty()) attrs["olcAttributeTypes"] = add_at;
            if (!add_oc.empty()) attrs["olcObjectClasses"] = add_oc;
            const auto r = ctx.conn.add(dn, attrs);
            if (!r.is_ok()) refuse(r, "loading the schema into cn=config");
        }
        ctx.record(std::move(e));
        return;
    }
    std::vector<ldap::modification> mods;
    entry_report e(existing, "modify");
    if (!add_at.empty()) mods.push_back({ldap::mod_op::add, "olcAttributeTypes", add_at});
    for (const auto& v : add_at) e.changes.push_back("+olcAttributeTypes: " + v);
    // A class of an older mailwarden: its value in our entry is replaced (slapd 2.5 allows
    // it, also while entries use the class).
    ldap::values add_classes = add_oc;
    for (const auto& c : changed) {
        const std::string old = value_with_oid(classes, oid_of(c.definition));
        if (old.empty()) {
            ctx.out.notes.push_back("object class " + oid_of(c.definition) +
                                    " is defined outside " + existing + ": update it by hand");
            continue;
        }
        mods.push_back({ldap::mod_op::remove, "olcObjectClasses", {old}});
        e.changes.push_back("-olcObjectClasses: " + old);
        add_classes.push_back(c.definition);
    }
    if (!add_classes.empty()) mods.push_back({ldap::mod_op::add, "olcObjectClasses", add_classes});
    for (const auto& v : add_classes) e.changes.push_back("+olcObjectClasses: " + v);
    if (mods.empty()) {
        ctx.record(entry_report(existing, "none"));
        return;
    }
    if (!ctx.check) {
        const auto r = ctx.conn.modify(existing, mods);
        if (!r.is_ok()) refuse(r, "adding to " + existing);
    }
    ctx.record(std::move(e));
}

// OpenLDAP: our equality/substring indexes (R-MYO-10) on the database holding the base,
// and the slapo-unique overlay on mail + alias below it. An attribute the database already
// indexes (in any form) is left as it is; an existing unique overlay is left alone.
void load_openldap_indexes(context& ctx) {
    ldap::search_request q;
    q.base = "cn=config";
    q.scope = ldap::search_scope::one_level;
    q.filter = ldap::present("olcSuffix");
    q.attributes = {"olcSuffix", "olcDbIndex"};
    const ldap::search_result dbs = ctx.conn.search(q);
    ctx.require(dbs, "finding the database of " + ctx.where.base + " in cn=config");
    const std::string base = normalized_dn(ctx.where.base);
    const ldap::entry* db = nullptr;
    std::size_t best = 0;
    for (const auto& d : dbs.entries)
        for (const auto& sfx : d.get("olcSuffix")) {
            const std::string n = normalized_dn(sfx);
            if (!n.empty() && (base == n || base.ends_with("," + n)) && n.size() >= best) {
                best = n.size();
                db = &d;
            }
        }
    if (db == nullptr)
        throw command_error(ex_config, "no database in cn=config holds " + ctx.where.base);
    std::set<std::string> indexed;
    for (const auto& v : db->get("olcDbIndex")) {
        std::string names = v.substr(0, v.find(' '));
        for (std::size_t pos = 0; pos <= names.size();) {
            const std::size_t comma = std::min(names.find(',', pos), names.size());
            std::string n = names.substr(pos, comma - pos);
            std::transform(n.begin(), n.end(), n.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            indexed.insert(n);
            pos = comma + 1;
        }
    }
    ldap::values add;
    for (const auto& i : indexes(ctx.settings)) {
        std::string n = i.attribute;
        std::transform(n.begin(), n.end(), n.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (!indexed.contains(n)) add.push_back(i.attribute + " " + i.kinds);
    }
    if (add.empty()) {
        ctx.record(entry_report(db->dn, "none"));
    } else {
        entry_report e(db->dn, "modify");
        for (const auto& v : add) e.changes.push_back("+olcDbIndex: " + v);
        if (!ctx.check)
            ctx.require(ctx.conn.modify(db->dn, {{ldap::mod_op::add, "olcDbIndex", add}}),
                        "adding indexes to " + db->dn);
        ctx.record(std::move(e));
    }
    // The uniqueness overlay (its module must be loaded: olcModuleLoad: unique).
    ldap::search_request ov;
    ov.base = db->dn;
    ov.scope = ldap::search_scope::one_level;
    ov.filter = ldap::eq("objectClass", "olcUniqueConfig");
    ov.attributes = {"olcUniqueURI"};
    const ldap::search_result overlays = ctx.conn.search(ov);
    ctx.require(overlays, "reading the overlays of " + db->dn);
    const auto uniq = unique_attributes(ctx.settings);
    const std::string uri = fmt::format("ldap:///?{},{}?sub", uniq[0], uniq[1]);
    if (!overlays.entries.empty()) {
        ctx.record(entry_report(overlays.entries.front().dn, "none"));
        return;
    }
    const std::string dn = "olcOverlay=unique," + db->dn;
    entry_report e(dn, "add");
    e.changes.push_back("+olcUniqueURI: " + uri);
    if (!ctx.check)
        ctx.require(ctx.conn.add(dn, {{"objectClass", {"olcOverlayConfig", "olcUniqueConfig"}},
                                      {"olcOverlay", {"unique"}},
                                      {"olcUniqueURI", {uri}}}),
                    "adding the uniqueness overlay (is olcModuleLoad: unique set?)");
    ctx.record(std::move(e));
}

}  // namespace

void load_schema(context& ctx) {
    const schema_definitions defs = parse_schema(schema_source());
    if (!defs.error.empty()) throw command_error(ex_config, "built-in schema: " + defs.error);
    const ldap::entry_result root = ctx.conn.read("", {"vendorName", "subschemaSubentry"});
    ctx.require(root, "reading the root DSE");
    const bool ds389 =
        root.found->single("vendorName").value_or("").find("389") != std::string::npos;
    const std::string subschema =
        root.found->single("subschemaSubentry").value_or(ds389 ? "cn=schema" : "cn=Subschema");
    const ldap::entry_result now = ctx.conn.read(subschema, {"attributeTypes", "objectClasses"});
    ctx.require(now, "reading " + subschema);
    ldap::values add_at, add_oc;
    for (const auto& d : defs.attribute_types)
        if (value_with_oid(now.found->get("attributeTypes"), oid_of(d)).empty())
            add_at.push_back(ds389 ? with_origin(d) : d);
    std::vector<changed_class> changed;
    for (const auto& d : defs.object_classes) {
        const std::string there = value_with_oid(now.found->get("objectClasses"), oid_of(d));
        if (there.empty())
            add_oc.push_back(ds389 ? with_origin(d) : d);
        else if (class_attributes(there) != class_attributes(d))
            changed.push_back({there, ds389 ? with_origin(d) : d});  // an older mailwarden's
    }
    if (ds389 && add_at.empty() && add_oc.empty() && changed.empty()) {
        ctx.record(entry_report(subschema, "none"));
    } else if (ds389) {
        // 389ds: values added to cn=schema over LDAP are live at once and persisted; a
        // class is replaced by deleting its old value and adding the new in one modify.
        std::vector<ldap::modification> mods;
        entry_report e("cn=schema", "modify");
        if (!add_at.empty()) mods.push_back({ldap::mod_op::add, "attributeTypes", add_at});
        for (const auto& v : add_at) e.changes.push_back("+attributeTypes: " + v);
        ldap::values add_classes = add_oc;
        for (const auto& c : changed) {
            mods.push_back({ldap::mod_op::remove, "objectClasses", {c.old_value}});
            e.changes.push_back("-objectClasses: " + c.old_value);
            add_classes.push_back(c.definition);
        }
        if (!add_classes.empty()) mods.push_back({ldap::mod_op::add, "objectClasses", add_classes});
        for (const auto& v : add_classes) e.changes.push_back("+objectClasses: " + v);
        if (!ctx.check) ctx.require(ctx.conn.modify("cn=schema", mods), "loading the schema");
        ctx.record(std::move(e));
    } else {
        load_openldap_schema(ctx, add_at, add_oc, changed);
    }
    if (!ds389) {
        load_openldap_indexes(ctx);
        return;
    }
    // 389ds indexes and the uniqueness plugin, for the backend holding the base.
    ldap::search_request q;
    q.base = "cn=ldbm database,cn=plugins,cn=config";
    q.scope = ldap::search_scope::one_level;
    q.filter = ldap::present("nsslapd-suffix");
    q.attributes = {"cn", "nsslapd-suffix"};
    const ldap::search_result backends = ctx.conn.search(q);
    ctx.require(backends, "finding the backend of " + ctx.where.base);
    std::string backend, suffix;
    for (const auto& b : backends.entries) {
        const std::string sfx = b.single("nsslapd-suffix").value_or("");
        if (!sfx.empty() && ctx.where.base.size() >= sfx.size() &&
            ctx.where.base.compare(ctx.where.base.size() - sfx.size(), sfx.size(), sfx) == 0 &&
            sfx.size() > suffix.size()) {
            suffix = sfx;
            backend = b.single("cn").value_or("");
        }
    }
    if (backend.empty()) throw command_error(ex_config, "no 389ds backend holds " + ctx.where.base);
    for (const auto& i : indexes(ctx.settings)) {
        ldap::attribute_map attrs{{"objectClass", {"top", "nsIndex"}},
                                  {"cn", {i.attribute}},
                                  {"nsSystemIndex", {"false"}},
                                  {"nsIndexType", {"eq"}}};
        if (i.kinds.find("sub") != std::string::npos) attrs["nsIndexType"].push_back("sub");
        ensure_entry(ctx,
                     ldap::make_dn({{"cn", i.attribute}, {"cn", "index"}, {"cn", backend}},
                                   "cn=ldbm database,cn=plugins,cn=config"),
                     attrs);
    }
    ensure_entry(ctx, "cn=mailwarden uniqueness,cn=plugins,cn=config",
                 {{"objectClass", {"top", "nsSlapdPlugin", "extensibleObject"}},
                  {"cn", {"mailwarden uniqueness"}},
                  {"nsslapd-pluginPath", {"libattr-unique-plugin"}},
                  {"nsslapd-pluginInitfunc", {"NSUniqueAttr_Init"}},
                  {"nsslapd-pluginType", {"betxnpreoperation"}},
                  {"nsslapd-pluginEnabled", {"on"}},
                  {"nsslapd-plugin-depends-on-type", {"database"}},
                  {"nsslapd-pluginId", {"NSUniqueAttr"}},
                  {"nsslapd-pluginVendor", {"389 Project"}},
                  {"nsslapd-pluginVersion", {"none"}},
                  {"nsslapd-pluginDescription", {"mailwarden: mail and aliases unique together"}},
                  {"uniqueness-attribute-name", unique_attributes(ctx.settings)},
                  {"uniqueness-subtrees", {suffix}}});
}

std::string schema_dialect(const config::settings& s, const std::string& format) {
    const schema_definitions defs = parse_schema(schema_source());
    if (!defs.error.empty()) throw command_error(ex_config, "built-in schema: " + defs.error);
    if (format == "openldap-schema") return std::string(schema_source());
    if (format == "openldap-ldif") return openldap_ldif(defs);
    if (format == "389ds") return ds389_ldif(defs);
    if (format == "openldap-indexes")
        return "# GENERATED by `mailwarden directory schema --format openldap-indexes`:\n"
               "# ldapmodify -Y EXTERNAL -H ldapi:/// -f openldap-indexes.ldif\n" +
               openldap_index_ldif(s, "olcDatabase={1}mdb,cn=config");
    if (format == "389ds-indexes")
        return "# GENERATED by `mailwarden directory schema --format 389ds-indexes`:\n"
               "# ldapmodify -a -D 'cn=Directory Manager' -W -f 389ds-indexes.ldif\n" +
               ds389_index_ldif(s, "userRoot", "dc=example,dc=org");
    throw command_error(ex_usage, "unknown schema format '" + format +
                                      "' (openldap-schema, openldap-ldif, 389ds, "
                                      "openldap-indexes, 389ds-indexes)");
}

}  // namespace mailwarden::provisioner
