// diff.hpp: what must change to bring an entry to a wanted state: the modifications
// (replace per attribute that differs) and the lines a --check run prints ("-cn: old",
// "+cn: new"). Pure, so `user modify`, `ensure`, block/unblock, delete and restore all
// share it and it is unit-tested without a server.
// Rules: R-MYO-9 (an import or ensure that is already applied changes nothing).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ldap/entry.hpp"

namespace mailwarden::provisioner {

struct entry_diff {
    std::vector<ldap::modification> mods;  // empty: nothing to do
    std::vector<std::string> lines;        // "-attr: value" / "+attr: value"
};

// wanted: attribute -> values; an empty list means "the attribute must be absent".
// Attributes not named in wanted are left alone. Values compare as sets, exactly (the
// caller normalises what the directory would normalise, e.g. lowercased addresses).
entry_diff diff_entry(const ldap::entry& current, const ldap::attribute_map& wanted);

}  // namespace mailwarden::provisioner

#include <chrono>

namespace mailwarden::provisioner {

// RFC 4517 GeneralizedTime in UTC: 2026-01-31 00:00:00 -> "20260131000000Z".
std::string generalized_time(std::chrono::sys_seconds t);
// "20260131000000Z" -> that time; nullopt for any other shape (fractions and offsets
// included: we only ever write whole seconds in Z).
std::optional<std::chrono::sys_seconds> parse_generalized_time(std::string_view text);

}  // namespace mailwarden::provisioner
