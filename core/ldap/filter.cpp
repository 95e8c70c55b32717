// filter.cpp: RFC 4515 filter building (see filter.hpp).
#include "core/ldap/filter.hpp"

#include <ldap.h>

#include <new>
#include <stdexcept>

#include "core/ldap/entry.hpp"

namespace mailwarden::ldap {

namespace {

void check_attribute(std::string_view attribute) {
    if (!is_valid_attribute_name(attribute))
        throw std::invalid_argument("ldap filter: not an attribute name: " +
                                    std::string(attribute));
}

}  // namespace

std::string escape_filter_value(std::string_view value) {
    if (value.empty()) return {};
    // A counted string: NUL and everything after it are escaped, never cut off.
    berval in{static_cast<ber_len_t>(value.size()), const_cast<char*>(value.data())};
    berval out{0, nullptr};
    if (ldap_bv2escaped_filter_value(&in, &out) != LDAP_SUCCESS || out.bv_val == nullptr)
        throw std::bad_alloc();  // its only failure is memory allocation
    std::string escaped(out.bv_val, out.bv_len);
    ber_memfree(out.bv_val);
    return escaped;
}

filter::filter() : text_("(objectClass=*)") {}

filter filter::from_text(std::string_view text) {
    int depth = 0;
    bool shaped = !text.empty() && text.front() == '(' && text.back() == ')';
    for (std::size_t i = 0; shaped && i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\0') shaped = false;
        if (c == '(') ++depth;
        if (c == ')') --depth;
        // Back at depth 0 before the end: "(a=1)(b=2)" is two filters, not one.
        if (depth < 0 || (depth == 0 && i + 1 != text.size())) shaped = false;
    }
    if (!shaped || depth != 0)
        throw std::invalid_argument("ldap filter: not one parenthesised filter: " +
                                    std::string(text));
    return filter(std::string(text));
}

filter eq(std::string_view attribute, std::string_view value) {
    check_attribute(attribute);
    std::string text = "(";
    text += attribute;
    text += '=';
    text += escape_filter_value(value);
    text += ')';
    return filter(std::move(text));
}

filter present(std::string_view attribute) {
    check_attribute(attribute);
    std::string text = "(";
    text += attribute;
    text += "=*)";
    return filter(std::move(text));
}

filter filter::join(char op, const std::vector<filter>& parts) {
    if (parts.empty())
        throw std::invalid_argument(std::string("ldap filter: empty list for ") + op);
    std::string text = "(";
    text += op;
    for (const filter& p : parts) text += p.text_;
    text += ')';
    return filter(std::move(text));
}

filter and_(const std::vector<filter>& parts) { return filter::join('&', parts); }
filter or_(const std::vector<filter>& parts) { return filter::join('|', parts); }

filter not_(const filter& inner) { return filter("(!" + inner.text() + ")"); }

}  // namespace mailwarden::ldap
