// dn.hpp: distinguished names built only through RFC 4514 escaping, never by pasting
// strings (style rule 18): escape_dn_value for one value, make_dn for a whole DN from
// (attribute, value) pairs below a base, parse_dn to split one (libldap's parser) so tests
// and callers can read values back.
// Values are hostile (logins, names, addresses from CSV or a web form): every byte
// sequence gives a DN that means exactly that value; nothing is cut or dropped.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailwarden::ldap {

// RFC 4514 section 2.4 escaping of one attribute value:
//   - a leading ' ' or '#' and a trailing ' ' get a backslash;
//   - '"' '+' ',' ';' '<' '>' '\' and '=' get a backslash anywhere;
//   - NUL, control bytes (0x01-0x1F, 0x7F) and bytes that are not part of well-formed UTF-8
//     become \XX (two hex digits), so the DN text is printable, valid UTF-8;
//   - well-formed UTF-8 is kept as is.
// Examples: "a,b=c" -> "a\,b\=c"; " lead" -> "\ lead"; "trail " -> "trail\ ";
//           "#x" -> "\#x"; "x#" -> "x#"; "a\0b" -> "a\00b"; "\xff" -> "\FF";
//           "Šťastný" -> "Šťastný".
// Invalid UTF-8 stays representable (as \XX), but a server checking DirectoryString
// syntax will then refuse the DN (status invalid): the value is wrong, not the DN.
std::string escape_dn_value(std::string_view value);

// One attribute-value assertion: "uid" = "alice".
struct ava {
    std::string attribute;
    std::string value;
};

// A DN from single-valued RDNs, leftmost first, followed by base (trusted: it comes from
// configuration and is appended as written; empty: no base).
// make_dn({{"uid", "alice"}, {"ou", "people"}}, "dc=example,dc=org")
//   -> "uid=alice,ou=people,dc=example,dc=org"
// make_dn({{"cn", "a,b"}}, "dc=x") -> "cn=a\,b,dc=x"
// Throws std::invalid_argument when an attribute name is not valid (is_valid_attribute_name)
// or rdns is empty: names come from code or checked configuration, so this is a bug.
std::string make_dn(const std::vector<ava>& rdns, std::string_view base);

// The RDNs of dn, leftmost first, each a list of AVAs with unescaped values (libldap's
// RFC 4514 parser). "" -> an empty list (the root DSE). nullopt when dn is not a valid
// DN, or when a value is in the #hex (BER) form, which we never write and do not decode.
// parse_dn("cn=a\\,b+sn=c,dc=x") -> {{{"cn","a,b"},{"sn","c"}}, {{"dc","x"}}}
using rdn = std::vector<ava>;
std::optional<std::vector<rdn>> parse_dn(std::string_view dn);

}  // namespace mailwarden::ldap
