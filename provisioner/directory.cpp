// directory.cpp: `mailwarden directory init` (base entry, the ou=users / tenants / lists /
// counters containers, one counter per region: idempotent, a re-run changes nothing) and
// `mailwarden directory schema` (the schema dialects of ldap-schema/).
// Rules: R-PSH-1 (one counter per region), R-MYO-1 (tenants container), R-MYO-10 (indexes).
#include <fmt/format.h>

#include "core/ldap/dn.hpp"
#include "core/mail/mailbox_id.hpp"
#include "provisioner/commands.hpp"
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

bool has_oid(const ldap::values& existing, const std::string& oid) {
    for (const auto& v : existing)
        if (v.find("( " + oid + " ") != std::string::npos) return true;
    return false;
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
        if (!has_oid(now.found->get("attributeTypes"), oid_of(d)))
            add_at.push_back(ds389 ? with_origin(d) : d);
    for (const auto& d : defs.object_classes)
        if (!has_oid(now.found->get("objectClasses"), oid_of(d)))
            add_oc.push_back(ds389 ? with_origin(d) : d);
    if (add_at.empty() && add_oc.empty()) {
        ctx.record(entry_report(subschema, "none"));
    } else if (ds389) {
        // 389ds: values added to cn=schema over LDAP are live at once and persisted.
        std::vector<ldap::modification> mods;
        if (!add_at.empty()) mods.push_back({ldap::mod_op::add, "attributeTypes", add_at});
        if (!add_oc.empty()) mods.push_back({ldap::mod_op::add, "objectClasses", add_oc});
        entry_report e("cn=schema", "modify");
        for (const auto& v : add_at) e.changes.push_back("+attributeTypes: " + v);
        for (const auto& v : add_oc) e.changes.push_back("+objectClasses: " + v);
        if (!ctx.check) ctx.require(ctx.conn.modify("cn=schema", mods), "loading the schema");
        ctx.record(std::move(e));
    } else {
        // OpenLDAP: a cn=config schema entry; needs write access to cn=config (the shipped
        // openldap/mailwarden.ldif over ldapi as root is the other way).
        const std::string dn = "cn=mailwarden,cn=schema,cn=config";
        entry_report e(dn, "add");
        for (const auto& v : add_at) e.changes.push_back("+olcAttributeTypes: " + v);
        for (const auto& v : add_oc) e.changes.push_back("+olcObjectClasses: " + v);
        if (!ctx.check) {
            const auto r = ctx.conn.add(dn, {{"objectClass", {"olcSchemaConfig"}},
                                             {"cn", {"mailwarden"}},
                                             {"olcAttributeTypes", add_at},
                                             {"olcObjectClasses", add_oc}});
            if (!r.is_ok())
                throw command_error(exit_code_for(r),
                                    "loading the schema into cn=config: " + r.describe() +
                                        " (load ldap-schema/openldap/mailwarden.ldif with "
                                        "`ldapadd -Y EXTERNAL -H ldapi:///` as root instead)");
        }
        ctx.record(std::move(e));
        return;  // indexes: ldap-schema/openldap/indexes.ldif (the database DN varies)
    }
    if (!ds389) return;
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
