// test_header_addresses.cpp: parse_header_addresses() on From:/Sender:/To: bodies: every
// RFC 5322 form (display names, quoted strings, encoded words, comments, groups, folding),
// the obsolete forms we accept and those we refuse, the bounds, and hostile input
// (R-SAV-9: a forged or altered From: is judged on these mailboxes).
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/mail/address.hpp"

using namespace mailwarden::mail;
using namespace std::string_view_literals;

namespace {

struct expected_mailbox {
    std::string_view display;
    std::string_view group;
    std::string_view address;  // canonical to_string()
};

void check_parses(std::string_view body, std::vector<expected_mailbox> expected,
                  header_list kind = header_list::address_list) {
    CAPTURE(body);
    const auto got = parse_header_addresses(body, kind);
    REQUIRE_MESSAGE(got.ok(), got.err().to_string());
    const auto& list = got.value();
    REQUIRE(list.size() == expected.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        CAPTURE(i);
        CHECK(list[i].display_name == expected[i].display);
        CHECK(list[i].group == expected[i].group);
        CHECK(list[i].address.to_string() == expected[i].address);
    }
}

// n addresses "aN@x.example" separated by ", ".
std::string many_addresses(std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        if (i != 0) out += ", ";
        out += "a" + std::to_string(i) + "@x.example";
    }
    return out;
}

}  // namespace

TEST_CASE("R-SAV-9: header mailboxes: addr-spec, name-addr, display names") {
    check_parses("john@example.org", {{"", "", "john@example.org"}});
    check_parses(" John Doe <john@example.org>", {{"John Doe", "", "john@example.org"}});
    check_parses("<john@example.org>", {{"", "", "john@example.org"}});
    check_parses("< john@example.org >", {{"", "", "john@example.org"}});
    check_parses("\"Doe, John\" <john@example.org>", {{"Doe, John", "", "john@example.org"}});
    check_parses("\"John \\\"JD\\\" Doe\" <jd@x.example>",
                 {{"John \"JD\" Doe", "", "jd@x.example"}});
    check_parses("John \"Johnny\" Doe <j@x.example>", {{"John Johnny Doe", "", "j@x.example"}});
    check_parses("\"\" <a@x.example>", {{"", "", "a@x.example"}});
    check_parses("John   Doe\t<j@x.example>", {{"John Doe", "", "j@x.example"}});
    // RFC 2047 encoded words are kept as they are (decoding is the caller's business).
    check_parses("=?UTF-8?B?0JjQstCw0L0=?= <ivan@x.example>",
                 {{"=?UTF-8?B?0JjQstCw0L0=?=", "", "ivan@x.example"}});
    check_parses("\"=?utf-8?q?J=C3=B6rg?=\" <j@x.example>",
                 {{"=?utf-8?q?J=C3=B6rg?=", "", "j@x.example"}});
    // RFC 6532: UTF-8 in display names and addresses.
    check_parses("J\xC3\xB6rg <j@x.example>", {{"J\xC3\xB6rg", "", "j@x.example"}});
    check_parses("\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD <\xD0\xB8@\xD0\xBF\xD1\x80\xD0\xB8\xD0\xBC"
                 "\xD0\xB5\xD1\x80.\xD1\x80\xD1\x84>",
                 {{"\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD", "", "\xD0\xB8@xn--e1afmkfd.xn--p1ai"}});
    // Bidi controls are allowed in display names (right-to-left names), not local parts.
    check_parses("\xE2\x80\x8Fname <a@x.example>", {{"\xE2\x80\x8Fname", "", "a@x.example"}});
    check_parses("\"john doe\"@x.example", {{"", "", "\"john doe\"@x.example"}});
    check_parses("\"john\"@x.example", {{"", "", "john@x.example"}});
    check_parses("a@[192.0.2.1], b@[IPv6:2001:DB8::1]",
                 {{"", "", "a@[192.0.2.1]"}, {"", "", "b@[IPv6:2001:db8::1]"}});
    check_parses("Fred@B\xC3\x9C" "CHER.example", {{"", "", "Fred@xn--bcher-kva.example"}});
}

TEST_CASE("R-SAV-9: header comments are skipped, nested and escaped") {
    check_parses("John (the man) Doe <j@x.example>", {{"John Doe", "", "j@x.example"}});
    check_parses("j@x.example (John (nested \\) paren) Doe)", {{"", "", "j@x.example"}});
    check_parses("(lead)j@x.example(trail)", {{"", "", "j@x.example"}});
    check_parses("john.doe (c) @ (d) example.org", {{"", "", "john.doe@example.org"}});
    check_parses("<(c)john@example.org(d)>", {{"", "", "john@example.org"}});
    check_parses("j@x.example (\xD0\xBA\xD0\xBE\xD0\xBC\xD0\xBC\xD0\xB5\xD0\xBD\xD1\x82)",
                 {{"", "", "j@x.example"}});
}

TEST_CASE("R-SAV-9: header groups: empty, with members, mixed with mailboxes") {
    check_parses("undisclosed-recipients:;", {});
    check_parses("undisclosed-recipients: ;", {});
    check_parses("team: a@x.example, b@y.example;",
                 {{"", "team", "a@x.example"}, {"", "team", "b@y.example"}});
    check_parses("The Team: Ann <a@x.example>, b@y.example; , c@z.example",
                 {{"Ann", "The Team", "a@x.example"},
                  {"", "The Team", "b@y.example"},
                  {"", "", "c@z.example"}});
    check_parses("\"Team, A\": a@x.example;", {{"", "Team, A", "a@x.example"}});
    check_parses("g: ,a@x.example,,;", {{"", "g", "a@x.example"}});
}

TEST_CASE("R-SAV-9: folded header bodies, CRLF (RFC 5322) and LF (as milters see them)") {
    check_parses("John Doe\r\n <john@example.org>,\r\n\tjane@example.org",
                 {{"John Doe", "", "john@example.org"}, {"", "", "jane@example.org"}});
    check_parses("John\n <j@x.example>,\n jane@example.org",
                 {{"John", "", "j@x.example"}, {"", "", "jane@example.org"}});
    check_parses("\"John\r\n Doe\" <j@x.example>", {{"John Doe", "", "j@x.example"}});
    check_parses("(a\r\n comment) j@x.example", {{"", "", "j@x.example"}});
}

TEST_CASE("R-SAV-9: accepted obsolete forms: dots in names, empty elements, routes") {
    check_parses("John Q. Public <jqp@x.example>", {{"John Q. Public", "", "jqp@x.example"}});
    check_parses("Dr. J. Doe <jd@x.example>", {{"Dr. J. Doe", "", "jd@x.example"}});
    check_parses("a@x.example, , b@y.example,", {{"", "", "a@x.example"}, {"", "", "b@y.example"}});
    check_parses(",a@x.example", {{"", "", "a@x.example"}});
    check_parses("<@relay.example:u@x.example>", {{"", "", "u@x.example"}});
    check_parses("Joe <@r1.example,@r2.example:u@x.example>", {{"Joe", "", "u@x.example"}});
}

TEST_CASE("R-SAV-9: From: is a mailbox-list: groups are refused there") {
    check_parses("a@x.example, B <b@y.example>",
                 {{"", "", "a@x.example"}, {"B", "", "b@y.example"}}, header_list::mailbox_list);
    for (const auto body : {"team: a@x.example;"sv, "undisclosed-recipients:;"sv}) {
        CAPTURE(body);
        const auto got = parse_header_addresses(body, header_list::mailbox_list);
        REQUIRE_FALSE(got.ok());
        CHECK(got.err().code == errc::syntax);
    }
}

TEST_CASE("R-SAV-9: malformed header bodies are errors with what and where") {
    struct row {
        std::string_view body;
        errc code;
        std::size_t offset;
    };
    const row rows[] = {
        {"", errc::empty, 0},
        {"   ", errc::empty, 0},
        {" \r\n\t", errc::empty, 0},
        {",", errc::empty, 0},
        {"(only a comment)", errc::empty, 0},
        {"John Doe", errc::syntax, 0},                  // no address at all
        {"undisclosed-recipients", errc::syntax, 0},
        {"john doe@x.example", errc::syntax, 5},        // unquoted space in local part
        {"Doe, John <j@x.example>", errc::syntax, 0},   // unquoted comma in the name
        {"\"unterminated <a@x.example>", errc::syntax, 0},
        {"John \"Doe <a@x.example>", errc::syntax, 5},
        {"(unterminated a@x.example", errc::syntax, 0},
        {"a@x.example (x (y)", errc::syntax, 12},
        {"a@x.example)", errc::syntax, 11},
        {"<a@x.example", errc::syntax, 0},
        {"John <a@x.example", errc::syntax, 5},
        {"a@x.example>", errc::syntax, 11},
        {"John <a@x.example>>", errc::syntax, 18},
        {"<>", errc::syntax, 0},
        {"John <>", errc::syntax, 5},
        {"<<a@x.example>>", errc::syntax, 1},
        {"a@b@c", errc::syntax, 3},
        {"a@x.example b@y.example", errc::syntax, 12},  // missing comma
        {"A <a@x.example> B <b@y.example>", errc::syntax, 16},
        {"team: a@x.example", errc::syntax, 0},         // group without ';'
        {"team: a@x.example; b@y.example", errc::syntax, 19},
        {"g1: g2: a@x.example;;", errc::syntax, 4},     // nested group
        {": a@x.example;", errc::syntax, 0},
        {"john . doe@x.example", errc::syntax, 5},      // obs: CFWS inside a dot-atom
        {"\"john\".doe@x.example", errc::syntax, 6},    // obs: mixed local part
        {"john..doe@x.example", errc::syntax, 4},
        {".john@x.example", errc::syntax, 0},
        {"john.@x.example", errc::syntax, 4},
        {"a@example.org.", errc::syntax, 13},          // trailing dot
        {"a@example . org", errc::syntax, 10},
        {"a@-bad-.example", errc::bad_domain, 2},
        {"a@192.0.2.1", errc::bad_domain, 2},
        {"a@[192.0.2.1", errc::syntax, 2},
        {"a@[ 192.0.2.1]", errc::syntax, 3},
        {"a@", errc::syntax, 2},
        {"@x.example", errc::syntax, 0},
        {"\"\"@x.example", errc::syntax, 0},           // empty local part
        {"<@relay.example u@x.example>", errc::syntax, 16},
        {"<@-bad-.example:u@x.example>", errc::bad_domain, 2},
        {"a\xE2\x80\xAE" "b@x.example", errc::bad_encoding, 0},  // RLO in local part
        {"N <a\xE2\x80\x8C" "b@x.example>", errc::bad_encoding, 3},  // ZWNJ in local part
        {"\"a\tb\"@x.example", errc::bad_encoding, 0},           // TAB in local part
    };
    for (const auto& r : rows) {
        CAPTURE(r.body);
        const auto got = parse_header_addresses(r.body);
        REQUIRE_FALSE(got.ok());
        CHECK(got.err().code == r.code);
        CHECK(got.err().offset == r.offset);
        CHECK_FALSE(got.err().message.empty());
    }
}

TEST_CASE("R-SAV-9: hostile bytes in a header body are refused") {
    struct row {
        std::string_view body;
        std::size_t offset;
    };
    const row rows[] = {
        {"a@x.example\0"sv, 11},
        {"Jo\0hn <a@x.example>"sv, 2},
        {"a@x.example\r", 11},                   // bare CR
        {"a@x.example\rb", 11},
        {"a@x.example\r\nb@y.example", 11},      // line break not followed by WSP
        {"a@x.example\nb@y.example", 11},
        {"a@x.example\r\n", 11},
        {"Jo\x01hn <a@x.example>", 2},
        {"Jo\x7Fhn <a@x.example>", 2},
        {"Jo\xC2\x85hn <a@x.example>", 2},       // C1 NEL
        {"Jo\xE2\x80\xA8hn <a@x.example>", 2},   // U+2028
        {"J\xC3(hn <a@x.example>", 1},           // invalid UTF-8
        {"J\xC0\xAFhn <a@x.example>", 1},        // overlong
        {"J\xED\xA0\x80hn <a@x.example>", 1},    // surrogate
        {"J\xF8\x88\x80\x80\x80 <a@x.example>", 1},  // 5-byte form
        {"a@x.example \xFF", 12},
        {"a@x.exampl\xC3", 10},                  // truncated at the end
    };
    for (const auto& r : rows) {
        CAPTURE(r.body);
        const auto got = parse_header_addresses(r.body);
        REQUIRE_FALSE(got.ok());
        CHECK(got.err().code == errc::bad_encoding);
        CHECK(got.err().offset == r.offset);
    }
}

TEST_CASE("R-SAV-9: header bounds: 64 KiB body, 1000 mailboxes, 255-octet domain") {
    // 64 KiB exactly is parsed (one address padded with a comment); one octet more is not.
    const std::string addr = "a@x.example ";
    const std::string at_limit =
        addr + "(" + std::string(max_header_body_octets - addr.size() - 2, 'c') + ")";
    REQUIRE(at_limit.size() == max_header_body_octets);
    CHECK(parse_header_addresses(at_limit).ok());
    const auto over = parse_header_addresses(at_limit + " ");
    REQUIRE_FALSE(over.ok());
    CHECK(over.err().code == errc::too_long);

    const auto line100k = parse_header_addresses(std::string(100 * 1024, 'a'));
    REQUIRE_FALSE(line100k.ok());
    CHECK(line100k.err().code == errc::too_long);

    const auto thousand = parse_header_addresses(many_addresses(1000));
    REQUIRE(thousand.ok());
    CHECK(thousand.value().size() == 1000);

    const std::string body1001 = many_addresses(1001);
    const auto over1000 = parse_header_addresses(body1001);
    REQUIRE_FALSE(over1000.ok());
    CHECK(over1000.err().code == errc::too_many_addresses);
    CHECK(over1000.err().offset == body1001.rfind("a1000@"));

    // 10,000 short addresses fit in 64 KiB: refused at the 1001st.
    std::string ten_thousand_body;
    for (int i = 0; i < 10'000; ++i) ten_thousand_body += i == 0 ? "a@b.c" : ",a@b.c";
    REQUIRE(ten_thousand_body.size() <= max_header_body_octets);
    const auto ten_thousand = parse_header_addresses(ten_thousand_body);
    REQUIRE_FALSE(ten_thousand.ok());
    CHECK(ten_thousand.err().code == errc::too_many_addresses);
    CHECK(ten_thousand.err().offset == 6000);

    const std::string d255 = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                             std::string(63, 'c') + "." + std::string(63, 'd');
    REQUIRE(d255.size() == 255);
    CHECK(parse_header_addresses("u@" + d255).ok());
    const auto d256 = parse_header_addresses("u@" + d255 + "e");
    REQUIRE_FALSE(d256.ok());
    CHECK(d256.err().code == errc::too_long);  // fails the 255 bound (the label is 64 too)
    CHECK(d256.err().offset == 2);

    CHECK(parse_header_addresses(std::string(64, 'l') + "@x.example").ok());
    const auto l65 = parse_header_addresses("N <" + std::string(65, 'l') + "@x.example>");
    REQUIRE_FALSE(l65.ok());
    CHECK(l65.err().code == errc::too_long);
    CHECK(l65.err().offset == 3);
}

TEST_CASE("R-SAV-9: comment nesting is bounded at 16, iteratively") {
    const auto nested = [](std::size_t depth) {
        return "a@x.example " + std::string(depth, '(') + std::string(depth, ')');
    };
    CHECK(parse_header_addresses(nested(16)).ok());
    const auto deep17 = parse_header_addresses(nested(17));
    REQUIRE_FALSE(deep17.ok());
    CHECK(deep17.err().code == errc::nesting_too_deep);
    CHECK(deep17.err().offset == 12 + 16);  // the 17th '('

    // 60,000 deep fits in 64 KiB: refused at depth 17, no recursion, no stack growth.
    const auto deep60k = parse_header_addresses(std::string(60'000, '('));
    REQUIRE_FALSE(deep60k.ok());
    CHECK(deep60k.err().code == errc::nesting_too_deep);
    CHECK(deep60k.err().offset == 16);
    // 100,000 deep is over the body bound before any parsing.
    const auto deep100k = parse_header_addresses(std::string(100'000, '('));
    REQUIRE_FALSE(deep100k.ok());
    CHECK(deep100k.err().code == errc::too_long);
    // Unbalanced the other way: many closers.
    const auto closers = parse_header_addresses("a@x.example" + std::string(1000, ')'));
    REQUIRE_FALSE(closers.ok());
    CHECK(closers.err().code == errc::syntax);
}
