// mailbox_id.cpp: R-PSH-1 mailbox ids (see mailbox_id.hpp).
#include "core/mail/mailbox_id.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/mail/chars.hpp"
#include "core/mail/lexer.hpp"

namespace mailwarden::mail {

namespace {

constexpr std::array<region_info, 7> region_table{{
    {region::brest, '1', "Brest"},
    {region::vitebsk, '2', "Vitebsk"},
    {region::gomel, '3', "Gomel"},
    {region::grodno, '4', "Grodno"},
    {region::minsk_region, '5', "Minsk region"},
    {region::mogilev, '6', "Mogilev"},
    {region::minsk_city, '7', "Minsk city"},
}};

constexpr std::size_t id_digits = 7;

const region_info* find_region(region r) {
    for (const auto& info : region_table)
        if (info.id == r) return &info;
    return nullptr;
}

error out_of_range_region(char digit) {
    return error{
        errc::out_of_range, 0,
        fmt::format("region digit {} is not one of 1..7 (1 Brest .. 7 Minsk city)", digit)};
}

}  // namespace

std::span<const region_info> regions() { return region_table; }

std::string_view region_name(region r) {
    const region_info* info = find_region(r);
    return info ? info->name : "unknown region";
}

result<region> parse_region(std::string_view text) {
    if (text.empty()) return error{errc::empty, 0, "empty region"};
    if (text.size() != 1 || !chars::is_ascii_digit(text[0]))
        return error{errc::syntax, 0, "region must be a single digit 1..7"};
    for (const auto& info : region_table)
        if (info.digit == text[0]) return info.id;
    return out_of_range_region(text[0]);
}

result<mailbox_id> mailbox_id::make(region r, std::uint32_t sequence) {
    if (find_region(r) == nullptr)
        return error{errc::out_of_range, 0,
                     fmt::format("region {} is not one of 1..7", static_cast<unsigned>(r))};
    if (sequence < min_sequence || sequence > max_sequence)
        return error{
            errc::out_of_range, 1,
            fmt::format("sequence {} is not in {}..{}", sequence, min_sequence, max_sequence)};
    return mailbox_id(r, sequence);
}

result<mailbox_id> mailbox_id::parse(std::string_view text) {
    if (text.empty()) return error{errc::empty, 0, "empty mailbox id"};
    // Report a stray character before a wrong length: "700012x" says more than "7 digits".
    for (std::size_t i = 0; i < text.size() && i < id_digits; ++i)
        if (!chars::is_ascii_digit(text[i]))
            return error{errc::syntax, i,
                         fmt::format("mailbox id must be 7 ASCII digits, found {}",
                                     lexer::describe_at(text, i))};
    if (text.size() != id_digits)
        return error{
            errc::syntax, std::min(text.size(), id_digits),
            fmt::format("mailbox id must be exactly 7 digits, got {} octets", text.size())};
    auto r = parse_region(text.substr(0, 1));
    if (!r) return r.err();
    std::uint32_t sequence = 0;
    for (const char c : text.substr(1))
        sequence = sequence * 10 + static_cast<std::uint32_t>(c - '0');
    if (sequence < min_sequence)
        return error{errc::out_of_range, 1, "sequence 000000 is not allowed (000001..999999)"};
    return mailbox_id(r.value(), sequence);
}

result<mailbox_id> mailbox_id::from_address(const mailbox_address& address) {
    return parse(address.local_part());
}

std::string mailbox_id::to_string() const {
    const region_info* info = find_region(region_);
    return fmt::format("{}{:06}", info ? info->digit : '?', sequence_);
}

result<mailbox_id> mailbox_id::next() const {
    if (sequence_ >= max_sequence)
        return error{
            errc::out_of_range, 1,
            fmt::format("region {} has no id after {}", region_name(region_), to_string())};
    return mailbox_id(region_, sequence_ + 1);
}

}  // namespace mailwarden::mail
