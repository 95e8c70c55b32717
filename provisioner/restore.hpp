// restore.hpp: what `mailwarden import FILE.ldif` does to the directory, decided in memory
// from the file's records (ldif.hpp) and one read of everything below the base (R-MYO-9:
// a restore that also updates the entries that differ, where `ldapadd -c` only adds the
// missing ones). An entry missing from the directory is added as the file has it; an
// entry that exists gets the file's values for every attribute mailwarden manages (the
// attribute types of its schema, the configured attribute names, the standard profile
// and structure attributes) and for every attribute the file names; attributes outside
// that set are left alone, and userPassword is only ever written when the file has it.
// Entries of the directory that the file lacks are left alone (a restore adds and
// updates, it never deletes). A region counter never goes back (R-PSH-1: a number is
// never handed out twice), so an older backup cannot rewind it.
// Every record is checked before anything is written, each error naming its line: a DN
// that does not parse or lies outside ldap.base_dn, a DN twice, an object class
// mailwarden does not manage, a record without object classes or without its naming value,
// an entry whose parent is neither in the directory nor in the file.
// Pure: unit-tested without a server.
// Rules: R-MYO-9, R-PSH-1.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/ldap/entry.hpp"
#include "provisioner/diff.hpp"
#include "provisioner/ldif.hpp"

namespace mailwarden::provisioner {

struct restore_step {
    int line = 0;  // the record's "dn:" line
    std::string dn;
    bool add = false;                // add (attributes) or modify (diff)
    ldap::attribute_map attributes;  // add: the entry as the file has it
    entry_diff diff;                 // modify: what differs (lines: userPassword hidden)
};

struct restore_plan {
    std::vector<std::string> errors;  // "line 12: ..."; non-empty: write nothing
    std::vector<std::string> notes;   // e.g. a counter kept ahead of the file
    std::vector<restore_step> steps;  // parents before children
    std::size_t unchanged = 0;
};

// Lowercase names of the attributes a restore replaces even when the file lacks them.
std::set<std::string> managed_attributes(const config::settings& s);
// Lowercase names of the object classes a restored entry may have.
std::set<std::string> known_object_classes();

// "uid=7000001,ou=Users,DC=x" -> "uid=7000001,ou=users,dc=x" (names and values lowercased
// after RFC 4514 parsing, so two spellings of one DN compare equal); "" when not a DN.
std::string normalized_dn(std::string_view dn);

restore_plan plan_restore(const config::settings& s, std::string_view base,
                          const std::vector<ldif_record>& records,
                          const std::vector<ldap::entry>& current);

}  // namespace mailwarden::provisioner
