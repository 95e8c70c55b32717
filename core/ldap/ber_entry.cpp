// ber_entry.cpp: SearchResultEntry decoding with liblber (see ber_entry.hpp).
#include "core/ldap/ber_entry.hpp"

#include <lber.h>

#include <memory>

namespace mailwarden::ldap {

namespace {

struct ber_deleter {
    void operator()(BerElement* b) const { ber_free(b, 1); }
};

std::string copy(const berval& bv) {
    return bv.bv_val == nullptr ? std::string() : std::string(bv.bv_val, bv.bv_len);
}

}  // namespace

bool decode_ber_entry(std::string_view bytes, entry& out, std::string& error) {
    // liblber's ber_init on zero bytes leaves a decoder without a buffer, which ber_scanf
    // then dereferences (found by the truncation test): refuse empty input up front.
    if (bytes.empty()) {
        error = "empty entry";
        return false;
    }
    // ber_init copies the bytes: the view is never written through.
    berval in{static_cast<ber_len_t>(bytes.size()), const_cast<char*>(bytes.data())};
    const std::unique_ptr<BerElement, ber_deleter> ber(ber_init(&in));
    if (!ber) {
        error = "cannot allocate a BER decoder";
        return false;
    }
    berval dn{0, nullptr};
    if (ber_scanf(ber.get(), "{m", &dn) == LBER_ERROR) {
        error = "no entry name";
        return false;
    }
    entry e;
    e.dn = copy(dn);
    ber_len_t len = 0;
    char* last = nullptr;
    ber_tag_t tag = ber_first_element(ber.get(), &len, &last);
    if (tag == LBER_DEFAULT && last == nullptr) {
        error = "no attribute list";
        return false;
    }
    for (; tag != LBER_DEFAULT; tag = ber_next_element(ber.get(), &len, last)) {
        berval name{0, nullptr};
        BerVarray vals = nullptr;
        if (ber_scanf(ber.get(), "{m[W]}", &name, &vals) == LBER_ERROR) {
            error = "malformed attribute";
            return false;
        }
        values& target = e.attributes[copy(name)];
        for (std::size_t i = 0; vals != nullptr && vals[i].bv_val != nullptr; ++i)
            target.push_back(copy(vals[i]));
        ber_bvarray_free(vals);
        if (name.bv_len == 0) {
            error = "attribute without a name";
            return false;
        }
    }
    // The attribute list ends the entry: anything left means the list stopped early on
    // bytes that are not an attribute, or the value carries trailing garbage.
    ber_len_t remaining = 0;
    if (ber_get_option(ber.get(), LBER_OPT_BER_REMAINING_BYTES, &remaining) != LBER_OPT_SUCCESS ||
        remaining != 0) {
        error = "undecodable bytes after the attributes";
        return false;
    }
    out = std::move(e);
    return true;
}

}  // namespace mailwarden::ldap
