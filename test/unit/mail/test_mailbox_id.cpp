// test_mailbox_id.cpp: R-PSH-1 mailbox ids NXXXXXX: the region table, strict parsing with
// reasons, formatting, the id in an address's local part, and next() at the range's end.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "core/mail/address.hpp"
#include "core/mail/mailbox_id.hpp"

using namespace mailwarden::mail;
using namespace std::string_view_literals;

TEST_CASE("R-PSH-1: the region table names digits 1..7 once each") {
    struct row {
        char digit;
        region id;
        std::string_view name;
    };
    const row rows[] = {
        {'1', region::brest, "Brest"},        {'2', region::vitebsk, "Vitebsk"},
        {'3', region::gomel, "Gomel"},        {'4', region::grodno, "Grodno"},
        {'5', region::minsk_region, "Minsk region"},
        {'6', region::mogilev, "Mogilev"},    {'7', region::minsk_city, "Minsk city"},
    };
    REQUIRE(regions().size() == 7);
    for (std::size_t i = 0; i < 7; ++i) {
        const auto& r = rows[i];
        CAPTURE(r.digit);
        CHECK(regions()[i].digit == r.digit);
        CHECK(regions()[i].id == r.id);
        CHECK(region_name(r.id) == r.name);
        const auto parsed = parse_region(std::string_view(&r.digit, 1));
        REQUIRE(parsed.ok());
        CHECK(parsed.value() == r.id);
        CHECK(static_cast<int>(r.id) == r.digit - '0');
    }
    CHECK(region_name(static_cast<region>(8)) == "unknown region");
}

TEST_CASE("R-PSH-1: region digits outside 1..7 and non-digits are refused") {
    struct row {
        std::string_view text;
        errc code;
    };
    const row rows[] = {
        {"", errc::empty},         {"0", errc::out_of_range}, {"8", errc::out_of_range},
        {"9", errc::out_of_range}, {"07", errc::syntax},      {"+7", errc::syntax},
        {" 7", errc::syntax},      {"7 ", errc::syntax},      {"a", errc::syntax},
        {"\xEF\xBC\x97", errc::syntax},  // fullwidth 7
    };
    for (const auto& r : rows) {
        CAPTURE(r.text);
        const auto got = parse_region(r.text);
        REQUIRE_FALSE(got.ok());
        CHECK(got.err().code == r.code);
    }
}

TEST_CASE("R-PSH-1: mailbox ids format as region digit + six-digit sequence") {
    struct row {
        region r;
        std::uint32_t sequence;
        std::string_view text;
    };
    const row rows[] = {
        {region::minsk_city, 123, "7000123"},   {region::brest, 1, "1000001"},
        {region::brest, 999'999, "1999999"},    {region::mogilev, 10, "6000010"},
        {region::minsk_region, 100'000, "5100000"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.text);
        const auto id = mailbox_id::make(r.r, r.sequence);
        REQUIRE(id.ok());
        CHECK(id.value().to_string() == r.text);
        const auto back = mailbox_id::parse(r.text);
        REQUIRE(back.ok());
        CHECK(back.value() == id.value());
        CHECK(back.value().region_of() == r.r);
        CHECK(back.value().sequence() == r.sequence);
    }
}

TEST_CASE("R-PSH-1: make() refuses regions and sequences out of range") {
    CHECK(mailbox_id::make(region::brest, 0).err().code == errc::out_of_range);
    CHECK(mailbox_id::make(region::brest, 1'000'000).err().code == errc::out_of_range);
    CHECK(mailbox_id::make(static_cast<region>(0), 1).err().code == errc::out_of_range);
    CHECK(mailbox_id::make(static_cast<region>(8), 1).err().code == errc::out_of_range);
    CHECK(mailbox_id::make(region::minsk_city, 1).ok());
    CHECK(mailbox_id::make(region::minsk_city, 999'999).ok());
}

TEST_CASE("R-PSH-1: parse is strict: exactly 7 ASCII digits, with the reason") {
    struct row {
        std::string_view text;
        errc code;
        std::size_t offset;
    };
    const row rows[] = {
        {"", errc::empty, 0},
        {"700012", errc::syntax, 6},             // 6 digits
        {"70001234", errc::syntax, 7},           // 8 digits
        {"+700012", errc::syntax, 0},
        {"-700012", errc::syntax, 0},
        {" 7000123", errc::syntax, 0},
        {"7000123 ", errc::syntax, 7},
        {"7 00012", errc::syntax, 1},
        {"700012x", errc::syntax, 6},
        {"7000123\n", errc::syntax, 7},
        {"700\0" "123"sv, errc::syntax, 3},
        {"\xEF\xBC\x97" "000123", errc::syntax, 0},  // fullwidth 7
        {"N7000123", errc::syntax, 0},
        {"0000123", errc::out_of_range, 0},      // region 0
        {"8000123", errc::out_of_range, 0},
        {"9000123", errc::out_of_range, 0},
        {"7000000", errc::out_of_range, 1},      // sequence 000000
    };
    for (const auto& r : rows) {
        CAPTURE(r.text);
        const auto got = mailbox_id::parse(r.text);
        REQUIRE_FALSE(got.ok());
        CHECK(got.err().code == r.code);
        CHECK(got.err().offset == r.offset);
        CHECK_FALSE(got.err().message.empty());
    }
}

TEST_CASE("R-PSH-1: the id is read from an address's local part") {
    const auto ok = parse_envelope_address("<7000123@mail.example>");
    REQUIRE(ok.ok());
    const auto id = mailbox_id::from_address(ok.value().mailbox());
    REQUIRE(id.ok());
    CHECK(id.value().to_string() == "7000123");
    CHECK(id.value().region_of() == region::minsk_city);

    for (const auto local : {"ivan.petrov"sv, "70001234"sv, "8000123"sv, "7000000"sv}) {
        CAPTURE(local);
        const auto mailbox = mailbox_address::make(local, "mail.example");
        REQUIRE(mailbox.ok());
        CHECK_FALSE(mailbox_id::from_address(mailbox.value()).ok());
    }
}

TEST_CASE("R-PSH-1: next() advances and refuses to go past 999999, never wraps") {
    struct row {
        std::string_view from;
        std::string_view to;  // empty: out_of_range expected
    };
    const row rows[] = {
        {"7000001", "7000002"}, {"7000123", "7000124"}, {"7099999", "7100000"},
        {"7999998", "7999999"}, {"7999999", ""},       {"1999999", ""},
    };
    for (const auto& r : rows) {
        CAPTURE(r.from);
        const auto next = mailbox_id::parse(r.from).value().next();
        if (r.to.empty()) {
            REQUIRE_FALSE(next.ok());
            CHECK(next.err().code == errc::out_of_range);
        } else {
            REQUIRE(next.ok());
            CHECK(next.value().to_string() == r.to);
        }
    }
    CHECK(mailbox_id::parse("1000001").value() < mailbox_id::parse("1000002").value());
    CHECK(mailbox_id::parse("1999999").value() < mailbox_id::parse("2000001").value());
}
