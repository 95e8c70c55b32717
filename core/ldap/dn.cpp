// dn.cpp: RFC 4514 DN value escaping, DN building and parsing (see dn.hpp).
#include "core/ldap/dn.hpp"

#include <ldap.h>

#include <cstdint>
#include <memory>
#include <stdexcept>

#include "core/ldap/entry.hpp"

namespace mailwarden::ldap {

namespace {

// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF), or 0 when there is none.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
    const std::uint8_t b0 = byte(i);
    std::size_t len = 0;
    std::uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3;
        if (b0 == 0xE0) lo = 0xA0;   // no overlong 3-byte forms
        if (b0 == 0xED) hi = 0x9F;   // no UTF-16 surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4;
        if (b0 == 0xF0) lo = 0x90;   // no overlong 4-byte forms
        if (b0 == 0xF4) hi = 0x8F;   // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < len; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    return len;
}

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
            const std::size_t len = utf8_sequence_length(value, i);
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
