// entry.hpp: directory data as plain values: attribute names (validated, compared without
// regard to case, as LDAP does), entries and modifications. No libldap type appears here,
// so fakes and callers can build and inspect entries without a server.
// Values are byte strings: they may hold any octet, NUL included (binary attributes).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailwarden::ldap {

// Is text an attribute description we accept in a filter, a DN or a request: a name
// (RFC 4512 descr: ALPHA *(ALPHA / DIGIT / "-")) or a numeric OID (digits without leading
// zeros, dot-separated, at least two parts), optionally followed by ";option"s (option:
// 1*(ALPHA / DIGIT / "-")). Names are validated, never escaped: a name is part of the
// request's grammar, so anything else is refused.
// Examples: "mail", "mailAlternateAddress", "2.5.4.3", "cn;lang-sk" -> true;
//           "", "1mail", "ma il", "cn=x", "mail)(", "2.05.4", "2", "cn;" -> false.
bool is_valid_attribute_name(std::string_view text);

// ASCII case-insensitive ordering of attribute names ("Mail" == "mail").
struct attribute_name_less {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const;
};

using values = std::vector<std::string>;
using attribute_map = std::map<std::string, values, attribute_name_less>;

struct entry {
    std::string dn;
    attribute_map attributes;

    // The values of one attribute; empty when the entry has none.
    const values& get(std::string_view name) const;
    // The first value, when there is exactly one: nullopt when absent or multi-valued
    // (for single-valued data, a second value is an error the caller must see).
    std::optional<std::string> single(std::string_view name) const;
};

enum class mod_op {
    add,      // add these values (rc 20 if one exists)
    remove,   // delete these values, or the whole attribute when values is empty
              // (rc 16 if a listed value is not there: the compare-and-swap failure)
    replace,  // set exactly these values (empty: remove the attribute)
};

struct modification {
    mod_op op = mod_op::replace;
    std::string attribute;
    values vals;
};

}  // namespace mailwarden::ldap
