// filter.hpp: LDAP search filters (RFC 4515) built from parts, so no caller ever pastes a
// value into filter text (style rule 18). Values are escaped with libldap's
// ldap_bv2escaped_filter_value; attribute names are validated, not escaped.
//   and_({eq("objectClass", "inetOrgPerson"), or_({eq("mail", a), eq("mailAlternateAddress", a)})})
//     -> "(&(objectClass=inetOrgPerson)(|(mail=<a escaped>)(mailAlternateAddress=<a escaped>)))"
// A value such as ")(|(objectClass=*" stays one value: "\29\28|\28objectClass=\2A".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailwarden::ldap {

// RFC 4515 escaping of one assertion value: '*' '(' ')' '\' NUL, control bytes and every
// byte >= 0x80 become \XX (libldap's choice; servers decode it back to the same octets).
// Examples: "*" -> "\2A"; ")(uid=*" -> "\29\28uid=\2A"; "\\" -> "\5C"; "a\0b" -> "a\00b";
//           "a,b=c" -> "a,b=c"; "é" -> "\C3\A9"; "" -> "".
std::string escape_filter_value(std::string_view value);

class filter {
public:
    // "(objectClass=*)": every entry.
    filter();

    // A complete filter from a trusted source (configuration, code), e.g.
    // "(&(objectClass=inetOrgPerson)(!(mail=*)))". Only its shape is checked here
    // (enclosed in parentheses, balanced, no NUL); libldap parses it fully when it is used
    // (a bad one gives status invalid, rc -7). Throws std::invalid_argument on a bad shape.
    static filter from_text(std::string_view text);

    const std::string& text() const { return text_; }

    friend filter eq(std::string_view attribute, std::string_view value);
    friend filter present(std::string_view attribute);
    friend filter and_(const std::vector<filter>& parts);
    friend filter or_(const std::vector<filter>& parts);
    friend filter not_(const filter& inner);

private:
    explicit filter(std::string text) : text_(std::move(text)) {}
    // "(" op parts... ")"; throws std::invalid_argument when parts is empty.
    static filter join(char op, const std::vector<filter>& parts);
    std::string text_;
};

// "(attribute=<escaped value>)": equality (the attribute's EQUALITY matching rule decides
// case and space handling).
// Throws std::invalid_argument when attribute is not a valid name (is_valid_attribute_name):
// names come from code or checked configuration, so that is a bug, not bad input.
filter eq(std::string_view attribute, std::string_view value);
// "(attribute=*)": the entry has the attribute. Same contract for the name.
filter present(std::string_view attribute);
// "(&...)" / "(|...)": all / any of parts. Throws std::invalid_argument when parts is empty
// (RFC 4526's absolute true/false is not what a caller with an empty list means).
filter and_(const std::vector<filter>& parts);
filter or_(const std::vector<filter>& parts);
// "(!inner)"
filter not_(const filter& inner);

}  // namespace mailwarden::ldap
