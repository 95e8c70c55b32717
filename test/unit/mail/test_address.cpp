// test_address.cpp: the mailbox_address type and domain normalisation: UTS #46 IDN
// conversion, address literals, the RFC 5321 length bounds at their boundaries, hostile
// bytes, canonical text and the policy comparison key (R-SAV-9 compares identities with it).
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "core/mail/address.hpp"

using namespace mailwarden::mail;
using namespace std::string_view_literals;

namespace {

// A syntactically valid host name of exactly n octets, labels of at most 63 letters.
std::string domain_of_length(std::size_t n) {
    const std::size_t labels = (n + 1 + 63) / 64;  // each label plus its dot takes <= 64
    const std::size_t letters = n - (labels - 1);
    std::string out;
    for (std::size_t i = 0; i < labels; ++i) {
        const std::size_t len = letters / labels + (i < letters % labels ? 1 : 0);
        if (i != 0) out += '.';
        out += std::string(len, static_cast<char>('a' + i % 26));
    }
    return out;
}

}  // namespace

TEST_CASE("R-SAV-9: domains normalise to lowercase A-labels through UTS #46") {
    struct row {
        std::string_view input;
        std::string_view expected;
    };
    const row rows[] = {
        {"example.org", "example.org"},
        {"EXAMPLE.Org", "example.org"},
        {"B\xC3\x9C" "CHER.Example", "xn--bcher-kva.example"},                 // BÜCHER
        {"\xD0\x9F\xD1\x80\xD0\xB8\xD0\xBC\xD0\xB5\xD1\x80.\xD0\xA0\xD0\xA4",  // Пример.РФ
         "xn--e1afmkfd.xn--p1ai"},
        {"fa\xC3\x9F.de", "xn--fa-hia.de"},          // faß: nontransitional keeps ß
        {"xn--bcher-kva.example", "xn--bcher-kva.example"},
        {"XN--BCHER-KVA.EXAMPLE", "xn--bcher-kva.example"},
        {"example\xE3\x80\x82org", "example.org"},  // U+3002 ideographic full stop
        {"localhost", "localhost"},
        {"a-b.example", "a-b.example"},
        {"1.example", "1.example"},
        {"example.c0m", "example.c0m"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.input);
        const auto got = normalize_domain(r.input);
        REQUIRE_MESSAGE(got.ok(), got.err().to_string());
        CHECK(got.value() == r.expected);
    }
}

TEST_CASE("R-SAV-9: invalid domains and IDNs are errors, never passed through") {
    struct row {
        std::string_view input;
        errc code;
    };
    const row rows[] = {
        {"", errc::empty},
        {"-bad-.example", errc::bad_domain},
        {"bad-.example", errc::bad_domain},
        {"-bad.example", errc::bad_domain},
        {"ab--cd.example", errc::bad_domain},       // hyphens in positions 3 and 4
        {"a..b.example", errc::bad_domain},
        {".example", errc::bad_domain},
        {"example.org.", errc::syntax},             // trailing (root) dot
        {"example\xE3\x80\x82", errc::syntax},      // root dot spelled U+3002
        {"user_name.example", errc::bad_domain},    // STD3: no underscore
        {"a b.example", errc::bad_domain},
        {"a@b.example", errc::bad_domain},
        {"xn--a.example", errc::bad_domain},        // not valid Punycode
        {"a\xD7\x90.example", errc::bad_domain},   // BiDi: L and R in one label
        {"a\xE2\x80\x8D" "b.example", errc::bad_domain},  // CONTEXTJ: ZWJ without virama
        {"\xCC\x81" "a.example", errc::bad_domain},       // leading combining mark
        {"192.0.2.1", errc::bad_domain},            // all-digit TLD: needs a literal
        {"example.123", errc::bad_domain},
        {"exa\x00mple.org"sv, errc::bad_encoding},
        {"exa\xC3(mple.org", errc::bad_encoding},   // invalid UTF-8
        {"exa\xC0\xAFmple.org", errc::bad_encoding},  // overlong '/'
        {"exa\xED\xA0\x80mple.org", errc::bad_encoding},  // UTF-16 surrogate
        {"exa\rmple.org", errc::bad_encoding},
        {"exa\tmple.org", errc::bad_encoding},
    };
    for (const auto& r : rows) {
        CAPTURE(r.input);
        const auto got = normalize_domain(r.input);
        REQUIRE_FALSE(got.ok());
        CHECK(got.err().code == r.code);
        CHECK_FALSE(got.err().message.empty());
    }
}

TEST_CASE("R-SAV-9: domain length bound is 255 octets, label 63 (RFC 5321 4.5.3.1.2)") {
    struct row {
        std::size_t length;
        bool ok;
    };
    for (const row r : {row{253, true}, row{254, true}, row{255, true}, row{256, false},
                        row{300, false}}) {
        CAPTURE(r.length);
        const std::string d = domain_of_length(r.length);
        REQUIRE(d.size() == r.length);
        const auto got = normalize_domain(d);
        CHECK(got.ok() == r.ok);
        if (!r.ok) CHECK(got.err().code == errc::too_long);
    }
    CHECK(normalize_domain(std::string(63, 'a') + ".example").ok());
    const auto long_label = normalize_domain(std::string(64, 'a') + ".example");
    REQUIRE_FALSE(long_label.ok());
    CHECK(long_label.err().code == errc::bad_domain);
    // A U-label domain whose A-label form grows past 255 octets is refused too.
    std::string grows;
    while (grows.size() < 240) grows += "\xC3\xBC.";  // "ü." becomes "xn--tda."
    grows += "example";
    REQUIRE(grows.size() <= max_domain_octets);
    const auto grown = normalize_domain(grows);
    REQUIRE_FALSE(grown.ok());
    CHECK(grown.err().code == errc::too_long);
}

TEST_CASE("R-SAV-9: address literals are checked and written canonically") {
    struct row {
        std::string_view input;
        std::string_view expected;  // empty: an error is expected
    };
    const row rows[] = {
        {"[192.0.2.1]", "[192.0.2.1]"},
        {"[IPv6:2001:DB8:0::1]", "[IPv6:2001:db8::1]"},
        {"[ipv6:::1]", "[IPv6:::1]"},
        {"[IPv6:::ffff:192.0.2.1]", "[IPv6:::ffff:192.0.2.1]"},
        {"[300.1.1.1]", ""},
        {"[1.2.3]", ""},
        {"[010.0.0.1]", ""},       // leading zeros (octal to some parsers)
        {"[0x7f.0.0.1]", ""},
        {"[]", ""},
        {"[IPv6:]", ""},
        {"[IPv6:2001:db8::1%eth0]", ""},
        {"[IPv6:192.0.2.1]", ""},
        {"[x400:c=fr;a=x]", ""},   // General-address-literal: not supported
        {"[192.0.2.1", ""},
    };
    for (const auto& r : rows) {
        CAPTURE(r.input);
        const auto got = normalize_domain(r.input);
        if (r.expected.empty()) {
            CHECK_FALSE(got.ok());
        } else {
            REQUIRE_MESSAGE(got.ok(), got.err().to_string());
            CHECK(got.value() == r.expected);
        }
    }
}

TEST_CASE("R-SAV-9: local part bound is 64 octets as written (RFC 5321 4.5.3.1.1)") {
    struct row {
        std::string local;
        bool ok;
    };
    const row rows[] = {
        {std::string(63, 'a'), true},
        {std::string(64, 'a'), true},
        {std::string(65, 'a'), false},
        {std::string(62, ' '), true},    // written as 62 spaces in quotes: 64 octets
        {std::string(63, ' '), false},   // 65 octets once quoted
        {std::string(31, '"'), true},    // each escaped: 62 + 2 quotes = 64
        {std::string(32, '"'), false},
    };
    for (const auto& r : rows) {
        CAPTURE(r.local.size());
        const auto got = mailbox_address::make(r.local, "example.org");
        CHECK(got.ok() == r.ok);
        if (!r.ok) CHECK(got.err().code == errc::too_long);
    }
    // UTF-8 counts in octets: 32 two-octet letters = 64 octets, 33 = 66.
    std::string ru32;
    for (int i = 0; i < 32; ++i) ru32 += "\xD0\xB6";  // ж
    CHECK(mailbox_address::make(ru32, "example.org").ok());
    const auto ru33 = mailbox_address::make(ru32 + "\xD0\xB6", "example.org");
    REQUIRE_FALSE(ru33.ok());
    CHECK(ru33.err().code == errc::too_long);
}

TEST_CASE("R-SAV-9: hostile local parts are refused with the reason") {
    struct row {
        std::string_view local;
        errc code;
    };
    const row rows[] = {
        {"", errc::syntax},
        {"a\x00" "b"sv, errc::bad_encoding},
        {"a\rb", errc::bad_encoding},
        {"a\nb", errc::bad_encoding},
        {"a\tb", errc::bad_encoding},
        {"a\x7f" "b", errc::bad_encoding},
        {"a\xC2\x85" "b", errc::bad_encoding},          // C1 NEL
        {"a\xE2\x80\xA8" "b", errc::bad_encoding},      // U+2028 line separator
        {"a\xE2\x80\xAE" "b", errc::bad_encoding},      // U+202E right-to-left override
        {"a\xE2\x81\xA6" "b", errc::bad_encoding},      // U+2066 left-to-right isolate
        {"a\xFF" "b", errc::bad_encoding},
        {"a\xC3", errc::bad_encoding},                  // truncated sequence
        {"\xF4\x90\x80\x80", errc::bad_encoding},      // above U+10FFFF
    };
    for (const auto& r : rows) {
        CAPTURE(r.local);
        const auto got = mailbox_address::make(r.local, "example.org");
        REQUIRE_FALSE(got.ok());
        CHECK(got.err().code == r.code);
    }
    const auto bad_domain = mailbox_address::make("user", "-bad-.example");
    REQUIRE_FALSE(bad_domain.ok());
    CHECK(bad_domain.err().offset == 5);  // into "user@-bad-.example"
}

TEST_CASE("R-SAV-9: canonical text quotes the local part only when needed") {
    struct row {
        std::string_view local;
        std::string_view domain;
        std::string_view text;
    };
    const row rows[] = {
        {"John.Doe", "Example.ORG", "John.Doe@example.org"},
        {"john doe", "x.example", "\"john doe\"@x.example"},
        {"a\"b\\c", "x.example", "\"a\\\"b\\\\c\"@x.example"},
        {".john", "x.example", "\".john\"@x.example"},
        {"john.", "x.example", "\"john.\"@x.example"},
        {"jo..hn", "x.example", "\"jo..hn\"@x.example"},
        {"a@b", "x.example", "\"a@b\"@x.example"},
        {"!#$%&'*+-/=?^_`{|}~", "x.example", "!#$%&'*+-/=?^_`{|}~@x.example"},
        {"\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD",
         "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xBC\xD0\xB5\xD1\x80.\xD1\x80\xD1\x84",
         "\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD@xn--e1afmkfd.xn--p1ai"},  // Иван@пример.рф
        {"user", "[IPv6:2001:DB8::1]", "user@[IPv6:2001:db8::1]"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.local);
        const auto got = mailbox_address::make(r.local, r.domain);
        REQUIRE_MESSAGE(got.ok(), got.err().to_string());
        CHECK(got.value().to_string() == r.text);
        CHECK(got.value().local_part() == r.local);
    }
}

TEST_CASE("R-SAV-9: policy compares ASCII local parts case-insensitively, domains as A-labels") {
    const auto a = mailbox_address::make("John.Doe", "B\xC3\x9C" "CHER.example").value();
    const auto b = mailbox_address::make("john.doe", "xn--bcher-kva.EXAMPLE").value();
    const auto c = mailbox_address::make("john.doe2", "xn--bcher-kva.example").value();
    CHECK(a.comparison_key() == "john.doe@xn--bcher-kva.example");
    CHECK(same_mailbox(a, b));
    CHECK_FALSE(a == b);  // exact equality keeps the local part's case (RFC 5321 2.4)
    CHECK(a.local_part() == "John.Doe");
    CHECK_FALSE(same_mailbox(a, c));
    // Non-ASCII local parts are compared byte for byte (no Unicode case folding).
    const auto upper = mailbox_address::make("\xD0\x98", "x.example").value();  // И
    const auto lower = mailbox_address::make("\xD0\xB8", "x.example").value();  // и
    CHECK_FALSE(same_mailbox(upper, lower));
    // A quoted local part with '@' cannot collide with another address's key.
    const auto quoted = mailbox_address::make("a@b", "c.example").value();
    CHECK(quoted.comparison_key() == "\"a@b\"@c.example");
    CHECK(mailbox_address::make("user", "[192.0.2.1]").value().domain_is_literal());
}

TEST_CASE("mail result: reading the wrong side is a programming error, never a silent value") {
    const auto bad = normalize_domain("");
    CHECK_THROWS_AS(bad.value(), std::logic_error);
    const auto good = normalize_domain("example.org");
    CHECK_THROWS_AS(good.err(), std::logic_error);
    CHECK(bad.err().to_string() == "offset 0: empty domain");
    CHECK(to_string(errc::nesting_too_deep) == "nesting_too_deep");
}
