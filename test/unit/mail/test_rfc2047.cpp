// test_rfc2047.cpp: RFC 2047 decoding of subjects for the subject block list (R-TJP-3):
// B and Q words in UTF-8, KOI8-R, Windows-1251 and ISO-8859-2, joining of adjacent words
// (also a character split across two words), unfolding, and hostile input: broken base64,
// truncated words, unknown charsets, 100 KB values (kept as written or bounded, never a
// crash).
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "core/mail/rfc2047.hpp"

using mailwarden::mail::decode_rfc2047;
using mailwarden::mail::max_rfc2047_input;

namespace {

std::string decoded(std::string_view in) { return decode_rfc2047(in).text; }

}  // namespace

TEST_CASE("R-TJP-3: RFC 2047 B and Q words in four charsets decode to UTF-8") {
    struct row {
        std::string_view in;
        std::string_view out;
    };
    const row rows[] = {
        // UTF-8, B and Q
        {"=?UTF-8?B?0KHQv9Cw0Lwg0LIg0L/QvtC00LDRgNC+0Lo=?=", "Спам в подарок"},
        {"=?utf-8?q?=D0=A1=D0=BF=D0=B0=D0=BC_=D0=B2_=D0=BF=D0=BE=D0=B4=D0=B0=D1=80=D0=BE=D0=BA?=",
         "Спам в подарок"},
        // KOI8-R
        {"=?KOI8-R?B?89DBzSDXINDPxMHSz8s=?=", "Спам в подарок"},
        {"=?koi8-r?Q?=F3=D0=C1=CD_=D7_=D0=CF=C4=C1=D2=CF=CB?=", "Спам в подарок"},
        // Windows-1251 (and its cp1251 alias)
        {"=?windows-1251?B?0e/g7CDiIO/u5ODw7uo=?=", "Спам в подарок"},
        {"=?cp1251?Q?=D1=EF=E0=EC_=E2_=EF=EE=E4=E0=F0=EE=EA?=", "Спам в подарок"},
        // ISO-8859-2 (SAV's Slovak), with text around it
        {"Re: =?ISO-8859-2?Q?=AElu=BBou=E8k=FD_k=F9=F2?= !", "Re: Žluťoučký kůň !"},
        // RFC 2231 language suffix
        {"=?UTF-8*ru?B?0KHQv9Cw0Lw=?=", "Спам"},
        // missing base64 padding is tolerated
        {"=?UTF-8?B?0KHQv9Cw0Lw?=", "Спам"},
        // plain text is untouched
        {"Quarterly report", "Quarterly report"},
        {"", ""},
    };
    for (const row& r : rows) {
        CAPTURE(r.in);
        const auto res = decode_rfc2047(r.in);
        CHECK(res.text == r.out);
        CHECK(res.malformed == 0);
        CHECK_FALSE(res.input_truncated);
    }
}

TEST_CASE("R-TJP-3: RFC 2047 adjacent words join without the whitespace, folds unfold") {
    // RFC 2047 section 8 examples.
    CHECK(decoded("(=?ISO-8859-1?Q?a?=)") == "(a)");
    CHECK(decoded("(=?ISO-8859-1?Q?a?= b)") == "(a b)");
    CHECK(decoded("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)") == "(ab)");
    CHECK(decoded("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)") == "(ab)");
    CHECK(decoded("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)") == "(ab)");
    CHECK(decoded("(=?ISO-8859-1?Q?a_b?=)") == "(a b)");
    CHECK(decoded("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)") == "(a b)");
    // a UTF-8 character split between two words (mailers cut by bytes)
    CHECK(decoded("=?UTF-8?B?0KDQsNE=?=\n =?UTF-8?B?gdC/0YDQvtC00LDQttCw?=") == "Распродажа");
    // plain folded text keeps its whitespace, loses the line break
    CHECK(decoded("Hello\r\n world") == "Hello world");
    CHECK(decoded("Hello\n\tworld") == "Hello\tworld");
    // a word next to text (no whitespace) still decodes
    CHECK(decoded("x=?UTF-8?Q?y?=z") == "xyz");
}

TEST_CASE("R-TJP-3: RFC 2047 malformed and unknown-charset words are kept as written") {
    struct row {
        std::string_view in;
        std::string_view out;
    };
    const row rows[] = {
        {"=?UTF-8?B?!!!!?=", "=?UTF-8?B?!!!!?="},    // not base64
        {"=?UTF-8?B?QUJDR?=", "=?UTF-8?B?QUJDR?="},  // a dangling sextet
        {"=?UTF-8?B?QU=JD?=", "=?UTF-8?B?QU=JD?="},  // '=' inside
        {"=?UTF-8?Q?a=G1?=", "=?UTF-8?Q?a=G1?="},    // bad hex
        {"=?UTF-8?Q?a=4?=", "=?UTF-8?Q?a=4?="},      // cut =XX
        {"=?UTF-8?X?abc?=", "=?UTF-8?X?abc?="},      // unknown encoding
        {"=?x-no-such-charset?Q?a?=", "=?x-no-such-charset?Q?a?="},
        {"=??Q?a?=", "=??Q?a?="},                              // empty charset (not the default!)
        {"=?utf-8,swaplfnl?Q?a?=", "=?utf-8,swaplfnl?Q?a?="},  // no ICU options
        {"=?UTF-8?Q?a b?=", "=?UTF-8?Q?a b?="},                // whitespace inside a word
    };
    for (const row& r : rows) {
        CAPTURE(r.in);
        const auto res = decode_rfc2047(r.in);
        CHECK(res.text == r.out);
        CHECK(res.words == 0);
    }
    // A malformed word does not spoil a good one next to it.
    CHECK(decoded("=?UTF-8?B?!!?= =?UTF-8?B?0KHQv9Cw0Lw=?=") == "=?UTF-8?B?!!?= Спам");
}

TEST_CASE("R-TJP-3: RFC 2047 truncated words are text, not a crash") {
    const std::string_view cuts[] = {
        "=?",
        "=?UTF-8",
        "=?UTF-8?",
        "=?UTF-8?B",
        "=?UTF-8?B?",
        "=?UTF-8?B?0KHQ",
        "=?UTF-8?B?0KHQ?",
        "Subject =?UTF-8?Q?=D0",
        "=?UTF-8?Q?=?=",
        "?=",
        "=?=?=?=?",
    };
    for (std::string_view in : cuts) {
        CAPTURE(in);
        CHECK(decoded(in) == in);
    }
    // Invalid bytes for the charset become U+FFFD, never leave invalid UTF-8 behind.
    CHECK(decoded("=?UTF-8?Q?a=FFb?=") ==
          "a\xEF\xBF\xBD"
          "b");
}

TEST_CASE("R-TJP-3: RFC 2047 100 KB input is bounded to 64 KiB and says so") {
    std::string big;
    while (big.size() < 100 * 1024) big += "=?UTF-8?B?0KHQv9Cw0Lw=?= ";
    const auto res = decode_rfc2047(big);
    CHECK(res.input_truncated);
    CHECK(res.text.starts_with("СпамСпам"));
    CHECK(res.text.size() < big.size());
    // 100 KB of "=?" lookalikes and of plain text: linear, no crash.
    const std::string junk(100 * 1024, '?');
    CHECK(decode_rfc2047(std::string(100 * 1024, '=')).text.size() == max_rfc2047_input);
    CHECK(decode_rfc2047("=" + junk).text.size() == max_rfc2047_input);
    std::string lookalikes;
    while (lookalikes.size() < 100 * 1024) lookalikes += "=?UTF-8?B?";
    CHECK(decode_rfc2047(lookalikes).input_truncated);
    // exactly at the limit: whole
    const std::string at_limit(max_rfc2047_input, 'a');
    CHECK_FALSE(decode_rfc2047(at_limit).input_truncated);
}
