// dn.cpp: RFC 4514 DN value escaping, DN building and parsing (see dn.hpp).
#include "core/ldap/dn.hpp"

#include <ldap.h>

#include <cstdint>
#include <memory>
#include <stdexcept>

#include "core/ldap/entry.hpp"
#include "core/util/utf8.hpp"

namespace mailwarden::ldap {

namespace {

void append_hex(std::string& out, std::uint8_t b) {
    static constexpr char digits[] = "0123456789ABCDEF";
    out += '\\';
    out += digits[b >> 4];
    out += digits[b & 0x0F];
}

std::string from_berval(const berval& bv) {
    return bv.bv_val == nullptr ? std::string() : std::string(bv.bv_val, bv.bv_len);
}

struct dn_deleter {
    void operator()(LDAPDN dn) const { ldap_dnfree(dn); }
};

}  // namespace

std::string escape_dn_value(std::string_view value) {
    std::string out;
    out.reserve(value.size() + 8);
    for (std::size_t i = 0; i < value.size();) {
        const char c = value[i];
        const auto b = static_cast<std::uint8_t>(c);
        if (b >= 0x80) {
            const std::size_t len = utf8::sequence_length(value, i);
            if (len == 0) {
                append_hex(out, b);
                ++i;
            } else {
                out.append(value.substr(i, len));
                i += len;
            }
            continue;
        }
        const bool first = i == 0;
        const bool last = i + 1 == value.size();
        if (b < 0x20 || b == 0x7F) {
            append_hex(out, b);
        } else if (c == '"' || c == '+' || c == ',' || c == ';' || c == '<' || c == '>' ||
                   c == '\\' || c == '=' || (first && (c == ' ' || c == '#')) ||
                   (last && c == ' ')) {
            out += '\\';
            out += c;
        } else {
            out += c;
        }
        ++i;
    }
    return out;
}

std::string make_dn(const std::vector<ava>& rdns, std::string_view base) {
    if (rdns.empty()) throw std::invalid_argument("make_dn: no RDN given");
    std::string out;
    for (const ava& a : rdns) {
        if (!is_valid_attribute_name(a.attribute))
            throw std::invalid_argument("make_dn: not an attribute name: " + a.attribute);
        if (!out.empty()) out += ',';
        out += a.attribute;
        out += '=';
        out += escape_dn_value(a.value);
    }
    if (!base.empty()) {
        out += ',';
        out += base;
    }
    return out;
}

std::optional<std::vector<rdn>> parse_dn(std::string_view dn) {
    // ldap_bv2dn takes a counted string: an embedded NUL cannot cut the input short; it
    // makes the DN invalid instead.
    berval in{static_cast<ber_len_t>(dn.size()), const_cast<char*>(dn.data())};
    LDAPDN raw = nullptr;
    if (ldap_bv2dn(&in, &raw, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS) return std::nullopt;
    const std::unique_ptr<LDAPRDN, dn_deleter> owner(raw);
    std::vector<rdn> out;
    for (std::size_t i = 0; raw != nullptr && raw[i] != nullptr; ++i) {
        rdn r;
        for (std::size_t j = 0; raw[i][j] != nullptr; ++j) {
            const LDAPAVA& a = *raw[i][j];
            if ((a.la_flags & LDAP_AVA_BINARY) != 0) return std::nullopt;
            r.push_back(ava{from_berval(a.la_attr), from_berval(a.la_value)});
        }
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace mailwarden::ldap
