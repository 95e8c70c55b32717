// test_ber_entry.cpp: the post-read entry decoder takes server bytes as hostile input:
// a well-formed SearchResultEntry decodes exactly, anything else is an error, never a
// crash or a half-read entry.
#include <doctest/doctest.h>

#include <string>

#include "core/ldap/ber_entry.hpp"

using namespace mailwarden::ldap;

namespace {

// One BER TLV with a short or long definite length.
std::string tlv(unsigned char tag, const std::string& content) {
    std::string out(1, static_cast<char>(tag));
    const std::size_t n = content.size();
    if (n < 0x80) {
        out += static_cast<char>(n);
    } else {
        out += static_cast<char>(0x82);
        out += static_cast<char>((n >> 8) & 0xFF);
        out += static_cast<char>(n & 0xFF);
    }
    return out + content;
}

std::string octets(const std::string& s) { return tlv(0x04, s); }

std::string attribute(const std::string& name, std::initializer_list<std::string> vals) {
    std::string set;
    for (const std::string& v : vals) set += octets(v);
    return tlv(0x30, octets(name) + tlv(0x31, set));
}

// SearchResultEntry ::= [APPLICATION 4] SEQUENCE { objectName, attributes }
std::string search_entry(const std::string& dn, const std::string& attributes) {
    return tlv(0x64, octets(dn) + tlv(0x30, attributes));
}

}  // namespace

TEST_CASE("ldap post-read: a SearchResultEntry decodes to dn and attributes") {
    const std::string binary("a\0b\xff", 4);
    const std::string bytes = search_entry(
        "cn=counter,dc=example,dc=org",
        attribute("uidNumber", {"7000124"}) + attribute("objectClass", {"top", "account"}) +
            attribute("x", {binary}));
    entry e;
    std::string error;
    REQUIRE(decode_ber_entry(bytes, e, error));
    CHECK(e.dn == "cn=counter,dc=example,dc=org");
    CHECK(e.single("uidnumber") == std::optional<std::string>("7000124"));
    CHECK(e.get("objectClass") == values{"top", "account"});
    CHECK(e.get("x") == values{binary});  // NUL and high bytes kept

    entry empty;
    REQUIRE(decode_ber_entry(search_entry("cn=x", ""), empty, error));
    CHECK(empty.dn == "cn=x");
    CHECK(empty.attributes.empty());

    // A long value (long-form length) decodes whole.
    entry big;
    const std::string long_value(1000, 'v');
    REQUIRE(decode_ber_entry(search_entry("cn=x", attribute("description", {long_value})), big,
                             error));
    CHECK(big.single("description") == std::optional<std::string>(long_value));
}

TEST_CASE("ldap post-read: truncated, padded or malformed bytes are errors") {
    const std::string good =
        search_entry("cn=x,dc=y", attribute("uidNumber", {"42"}) + attribute("cn", {"x"}));
    entry untouched;
    untouched.dn = "unchanged";
    std::string error;
    // Every proper prefix is incomplete.
    for (std::size_t n = 0; n < good.size(); ++n) {
        CAPTURE(n);
        entry e = untouched;
        CHECK_FALSE(decode_ber_entry(good.substr(0, n), e, error));
        CHECK(e.dn == "unchanged");
        CHECK_FALSE(error.empty());
    }
    // Trailing garbage after a complete entry.
    entry e = untouched;
    CHECK_FALSE(decode_ber_entry(good + "x", e, error));
    CHECK(e.dn == "unchanged");
    // An attribute without its value set, a nameless attribute, an inner length that lies.
    CHECK_FALSE(decode_ber_entry(search_entry("cn=x", tlv(0x30, octets("cn"))), e, error));
    CHECK_FALSE(decode_ber_entry(search_entry("cn=x", attribute("", {"v"})), e, error));
    std::string lying = good;
    lying[3] = static_cast<char>(0x7f);  // dn length far beyond the buffer
    CHECK_FALSE(decode_ber_entry(lying, e, error));
    CHECK(e.dn == "unchanged");
}

TEST_CASE("ldap post-read: any single corrupted byte is decoded or refused, never a crash") {
    const std::string good =
        search_entry("cn=x,dc=y", attribute("uidNumber", {"42"}) + attribute("cn", {"x", "y"}));
    const unsigned char replacements[] = {0x00, 0x01, 0x30, 0x7f, 0x80, 0x84, 0xff};
    std::size_t refused = 0;
    for (std::size_t i = 0; i < good.size(); ++i) {
        for (unsigned char r : replacements) {
            std::string bad = good;
            bad[i] = static_cast<char>(r);
            entry e;
            std::string error;
            if (!decode_ber_entry(bad, e, error)) ++refused;
        }
    }
    CHECK(refused > 0);  // and, above all, no crash (run under MAILWARDEN_SANITIZE too)
}
