// schema.hpp: mailwarden's LDAP schema in its three dialects, from ONE source
// (ldap-schema/mailwarden.schema, compiled into the program), plus the index and uniqueness
// definitions both servers need. `mailwarden directory schema` prints the dialects (the
// shipped files are that output, checked by a test); `directory init --load-schema` loads
// them into a server it may configure.
// Rules: R-MYO-10 (equality indexes on the tenant and the other listed attributes),
// R-SAV-6 / R-TJP-1 (mail and aliases unique across the directory), R-MYO-8 (indexes and
// uniqueness use the configured attribute names).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"

namespace mailwarden::provisioner {

struct schema_definitions {
    std::vector<std::string> attribute_types;  // "( 2.25.... NAME 'mwAlias' ... )", one line
    std::vector<std::string> object_classes;
    std::string error;  // non-empty: the source is malformed
};

// The schema source compiled into the program (ldap-schema/mailwarden.schema).
std::string_view schema_source();

// Parses OpenLDAP .schema text: '#' comment lines, blank lines, and `attributetype ( ... )`
// / `objectclass ( ... )` statements spanning lines (keywords case-insensitive). Each
// definition comes back on one line, runs of white space collapsed to one space.
// Errors (in error, naming the line): an unknown keyword, unbalanced parentheses, a
// statement cut off at the end of the text, a quote left open.
schema_definitions parse_schema(std::string_view text);

// "dn: cn=mailwarden,cn=schema,cn=config" entry for ldapadd -Y EXTERNAL (OpenLDAP).
std::string openldap_ldif(const schema_definitions& defs);
// "dn: cn=schema" file for /etc/dirsrv/slapd-INSTANCE/schema/99mailwarden.ldif (389ds),
// each definition tagged X-ORIGIN 'mailwarden'.
std::string ds389_ldif(const schema_definitions& defs);
// One definition with X-ORIGIN 'mailwarden' before its closing parenthesis.
std::string with_origin(std::string_view definition);
// What an object class definition allows: "must:cn", "may:mwalias", ... (names
// lowercased), so a server's spelling of a class compares with ours (`--load-schema`
// replaces an older mailwarden's class that allows other attributes).
std::set<std::string> class_attributes(const std::string& definition);

// One attribute to index: name and the OpenLDAP index kinds ("eq", "eq,sub").
struct index_definition {
    std::string attribute;
    std::string kinds;
};
// The indexes mailwarden's searches need, with the configured attribute names.
std::vector<index_definition> indexes(const config::settings& s);
// The attributes whose values must be unique together across the suffix: mail + alias.
std::vector<std::string> unique_attributes(const config::settings& s);

// LDIF to apply with ldapmodify (OpenLDAP cn=config): olcDbIndex values on database_dn
// and a slapo-unique overlay below it.
std::string openldap_index_ldif(const config::settings& s, std::string_view database_dn);
// LDIF to apply with ldapadd (389ds): one index entry per attribute under backend
// (e.g. userRoot), and one attribute uniqueness plugin instance for suffix.
std::string ds389_index_ldif(const config::settings& s, std::string_view backend,
                             std::string_view suffix);

}  // namespace mailwarden::provisioner
