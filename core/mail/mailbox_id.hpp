// mailbox_id.hpp: R-PSH-1 mailbox ids. A Pashtar mailbox is named NXXXXXX@<domain>: N is
// the region digit of the organisation's legal address (1..7, one table below) and XXXXXX
// a six-digit sequence 000001..999999. The name never changes, so ids are parsed strictly
// (exactly seven ASCII digits) and next() refuses to leave the range instead of wrapping.
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/mail/address.hpp"
#include "core/mail/result.hpp"

namespace mailwarden::mail {

enum class region : std::uint8_t {
    brest = 1,
    vitebsk = 2,
    gomel = 3,
    grodno = 4,
    minsk_region = 5,
    mogilev = 6,
    minsk_city = 7,
};

struct region_info {
    region id;
    char digit;             // '1'..'7'
    std::string_view name;  // "Minsk city"
};

// The one table of regions (R-PSH-1), in digit order.
std::span<const region_info> regions();
// "Brest" ... "Minsk city"; "unknown region" for a value outside the enum.
std::string_view region_name(region r);
// Exactly one ASCII digit 1..7 ("7" -> minsk_city). Errors: empty; syntax (not a single
// digit, e.g. "07", "+7", " 7"); out_of_range ("0", "8", "9").
result<region> parse_region(std::string_view text);

class mailbox_id {
public:
    static constexpr std::uint32_t min_sequence = 1;
    static constexpr std::uint32_t max_sequence = 999'999;

    // Errors: out_of_range for a region outside 1..7 or a sequence outside 1..999999.
    static result<mailbox_id> make(region r, std::uint32_t sequence);
    // Exactly seven ASCII digits: "7000123" -> region 7, sequence 123. Refused with a
    // reason and offset: empty, other lengths, signs, spaces, non-ASCII digits, region
    // digit 0/8/9 (out_of_range at 0), sequence 000000 (out_of_range at 1).
    static result<mailbox_id> parse(std::string_view text);
    // The id in an address's local part ("7000123@mail.example" -> 7000123); the domain
    // is not looked at. Errors as parse(), offsets into the local part.
    static result<mailbox_id> from_address(const mailbox_address& address);

    region region_of() const { return region_; }
    std::uint32_t sequence() const { return sequence_; }
    // "7000123": the region digit and the sequence zero-padded to six digits.
    std::string to_string() const;
    // The next id in the same region; out_of_range after 999999 (never wraps to 000001).
    result<mailbox_id> next() const;

    friend auto operator<=>(const mailbox_id&, const mailbox_id&) = default;

private:
    mailbox_id(region r, std::uint32_t sequence) : region_(r), sequence_(sequence) {}
    region region_;
    std::uint32_t sequence_;
};

}  // namespace mailwarden::mail
