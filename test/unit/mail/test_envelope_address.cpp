// test_envelope_address.cpp: parse_envelope_address() on every RFC 5321 path form Postfix
// hands a milter at MAIL FROM / RCPT TO, the null sender, the 256-octet path bound, and
// hostile input (R-SAV-9: the envelope sender is an identity the sender rules compare).
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "core/mail/address.hpp"

using namespace mailwarden::mail;
using namespace std::string_view_literals;

TEST_CASE("R-SAV-9: envelope paths parse to one canonical mailbox") {
    struct row {
        std::string_view input;
        std::string_view local;  // decoded
        std::string_view path;   // canonical "<...>"
    };
    const row rows[] = {
        {"<user@example.org>", "user", "<user@example.org>"},
        {"user@example.org", "user", "<user@example.org>"},  // bare, as from a CLI or LDAP
        {"<User.Name+tag@Example.ORG>", "User.Name+tag", "<User.Name+tag@example.org>"},
        {"<@a.example,@b.example:user@x.example>", "user", "<user@x.example>"},  // route
        {"<@a.example:user@x.example>", "user", "<user@x.example>"},
        {"<\"john doe\"@x.example>", "john doe", "<\"john doe\"@x.example>"},
        {"\"john doe\"@x.example", "john doe", "<\"john doe\"@x.example>"},
        {"<\"john\"@x.example>", "john", "<john@x.example>"},  // needless quotes dropped
        {"<\"a\\\"b\\\\c\"@x.example>", "a\"b\\c", "<\"a\\\"b\\\\c\"@x.example>"},
        {"<\"\\j\"@x.example>", "j", "<j@x.example>"},
        {"<user@[192.0.2.1]>", "user", "<user@[192.0.2.1]>"},
        {"<user@[IPv6:2001:DB8::1]>", "user", "<user@[IPv6:2001:db8::1]>"},
        {"<user@B\xC3\x9C" "CHER.Example>", "user", "<user@xn--bcher-kva.example>"},
        {"<\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD@\xD0\x9F\xD1\x80\xD0\xB8\xD0\xBC\xD0\xB5\xD1\x80."
         "\xD0\xA0\xD0\xA4>",  // Иван@Пример.РФ (SMTPUTF8)
         "\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD",
         "<\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD@xn--e1afmkfd.xn--p1ai>"},
        {"<7000123@mail.example>", "7000123", "<7000123@mail.example>"},  // R-PSH-1 name
    };
    for (const auto& r : rows) {
        CAPTURE(r.input);
        for (const path_kind kind : {path_kind::reverse_path, path_kind::forward_path}) {
            const auto got = parse_envelope_address(r.input, kind);
            REQUIRE_MESSAGE(got.ok(), got.err().to_string());
            REQUIRE_FALSE(got.value().is_null_sender());
            CHECK(got.value().mailbox().local_part() == r.local);
            CHECK(got.value().to_string() == r.path);
        }
    }
}

TEST_CASE("R-SAV-9: the null sender is its own result, and only for MAIL FROM") {
    const auto from = parse_envelope_address("<>");
    REQUIRE(from.ok());
    CHECK(from.value().is_null_sender());
    CHECK(from.value().to_string() == "<>");
    CHECK_THROWS_AS(from.value().mailbox(), std::logic_error);

    const auto rcpt = parse_envelope_address("<>", path_kind::forward_path);
    REQUIRE_FALSE(rcpt.ok());
    CHECK(rcpt.err().code == errc::syntax);

    for (const auto bad : {"<> "sv, "<>>"sv, "<<>"sv, "< >"sv}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_envelope_address(bad).ok());
    }
}

TEST_CASE("R-SAV-9: malformed and hostile envelope paths are errors with an offset") {
    struct row {
        std::string_view input;
        errc code;
        std::size_t offset;
    };
    const row rows[] = {
        {"", errc::empty, 0},
        {"   ", errc::empty, 0},
        {"<user@example.org", errc::syntax, 0},        // unbalanced '<'
        {"user@example.org>", errc::syntax, 16},       // unbalanced '>'
        {"<<user@example.org>>", errc::syntax, 1},
        {"a@b@c", errc::syntax, 3},
        {"<a@b.example@c.example>", errc::syntax, 12},
        {"<postmaster>", errc::syntax, 11},           // no domain: refused, caller decides
        {"user", errc::syntax, 4},
        {"user@", errc::syntax, 5},
        {"@example.org", errc::syntax, 0},             // no local part (routes need '<')
        {"<@example.org>", errc::syntax, 13},
        {"<@a.example:>", errc::syntax, 12},
        {"<@a.example user@x.example>", errc::syntax, 11},
        {"<@-bad-.example:user@x.example>", errc::bad_domain, 2},
        {"<user@example.org> SIZE=100", errc::syntax, 18},
        {" <user@example.org>", errc::syntax, 0},
        {"<user@example.org >", errc::syntax, 17},
        {"us er@example.org", errc::syntax, 2},
        {"<.user@example.org>", errc::syntax, 1},
        {"<user.@example.org>", errc::syntax, 5},
        {"<us..er@example.org>", errc::syntax, 3},
        {"<user@example.org.>", errc::syntax, 17},     // trailing dot
        {"<user@example..org>", errc::syntax, 13},
        {"<user@-bad-.example>", errc::bad_domain, 6},
        {"<user@exa_mple.org>", errc::bad_domain, 6},  // STD3: no '_'
        {"<user@exa mple.org>", errc::syntax, 9},
        {"<user@192.0.2.1>", errc::bad_domain, 6},     // literal needs brackets
        {"<user@[192.0.2.1>", errc::syntax, 6},
        {"<user@[300.0.2.1]>", errc::bad_domain, 7},
        {"<\"john doe@example.org>", errc::syntax, 1},  // unterminated quote
        {"<\"\"@example.org>", errc::syntax, 1},        // empty local part
        {"<\"a\\", errc::syntax, 1},
        {"user\0@example.org"sv, errc::bad_encoding, 4},
        {"user\r\n@example.org", errc::bad_encoding, 4},
        {"user\n@example.org", errc::bad_encoding, 4},
        {"user\t@example.org", errc::bad_encoding, 4},
        {"us\x01" "er@example.org", errc::bad_encoding, 2},
        {"\xFF@example.org", errc::bad_encoding, 0},
        {"us\xC3(er@example.org", errc::bad_encoding, 2},
        {"user@exa\xC0\xAFmple.org", errc::bad_encoding, 8},
        {"a\xE2\x80\xAE" "b@example.org", errc::bad_encoding, 0},  // RLO in local part
        {"a\xE2\x80\x8B" "b@example.org", errc::bad_encoding, 0},  // zero-width space
    };
    for (const auto& r : rows) {
        CAPTURE(r.input);
        const auto got = parse_envelope_address(r.input);
        REQUIRE_FALSE(got.ok());
        CHECK(got.err().code == r.code);
        CHECK(got.err().offset == r.offset);
        CHECK_FALSE(got.err().message.empty());
    }
}

TEST_CASE("R-SAV-9: envelope bounds: local part 64, path 256 octets, as error not truncation") {
    const std::string domain189 = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                                  std::string(61, 'c');
    REQUIRE(domain189.size() == 189);
    struct row {
        std::string input;
        bool ok;
        errc code;
    };
    const row rows[] = {
        {"<" + std::string(63, 'u') + "@example.org>", true, {}},
        {"<" + std::string(64, 'u') + "@example.org>", true, {}},
        {"<" + std::string(65, 'u') + "@example.org>", false, errc::too_long},
        {"<" + std::string(64, 'u') + "@" + domain189 + ">", true, {}},          // 256 octets
        {"<" + std::string(64, 'u') + "@" + domain189 + "d>", false, errc::too_long},  // 257
        // The bare form is measured as the path it stands for ("<" + it + ">").
        {std::string(64, 'u') + "@" + domain189, true, {}},                    // path 256
        {std::string(64, 'u') + "@" + domain189 + "d", false, errc::too_long},  // path 257
        {std::string(100'000, 'a') + "@example.org", false, errc::too_long},
    };
    for (const auto& r : rows) {
        CAPTURE(r.input.size());
        const auto got = parse_envelope_address(r.input);
        CHECK(got.ok() == r.ok);
        if (!r.ok && !got.ok()) CHECK(got.err().code == r.code);
    }
    // An IDN path that fits as given but not in A-label form is refused too.
    std::string idn = "<" + std::string(64, 'u') + "@";
    while (idn.size() < 240) idn += "\xC3\xBC\xC3\xBC\xC3\xBC.";  // üüü.
    idn += "ex>";
    REQUIRE(idn.size() <= max_path_octets);
    const auto grown = parse_envelope_address(idn);
    REQUIRE_FALSE(grown.ok());
    CHECK(grown.err().code == errc::too_long);
}
