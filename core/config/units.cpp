// units.cpp: counts, sizes and durations, parsed and formatted exactly (see units.hpp).
// Rules: R-PSH-4, R-PSH-5, R-PSH-6, R-SAV-1, R-SAV-2, R-SAV-4, R-MYO-7 (their numbers must be
// expressible exactly). All arithmetic is on integers with explicit overflow checks.
#include "core/config/units.hpp"

#include <array>
#include <bit>
#include <limits>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

#include "core/util/log.hpp"

namespace mailwarden::config {

namespace {

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

// Hostile text is echoed back in messages, so it is sanitised and bounded first.
std::string quoted(std::string_view text) {
    return fmt::format("\"{}\"", log::sanitize(text, 64));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool checked_mul(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    return !__builtin_mul_overflow(a, b, &out);
}
bool checked_add(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    return !__builtin_add_overflow(a, b, &out);
}

// Decimal digits to a number; false on overflow. The caller guarantees digits only.
bool digits_value(std::string_view digits, std::uint64_t& out) {
    std::uint64_t v = 0;
    for (char c : digits) {
        if (!checked_mul(v, 10, v) || !checked_add(v, static_cast<std::uint64_t>(c - '0'), v))
            return false;
    }
    out = v;
    return true;
}

std::string_view take_digits(std::string_view text, std::size_t& pos) {
    const std::size_t start = pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    return text.substr(start, pos - start);
}

void skip_spaces(std::string_view text, std::size_t& pos) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
}

// ---- sizes ----

struct size_unit {
    std::string_view symbol;
    std::uint64_t bytes;
    bool canonical;  // used by format_size (kB is accepted, KB is written)
};

constexpr std::uint64_t kilo = 1000;
constexpr std::uint64_t kibi = 1024;

constexpr std::array<size_unit, 10> size_units{{
    {"B", 1, false},
    {"KB", kilo, true},
    {"kB", kilo, false},
    {"MB", kilo * kilo, true},
    {"GB", kilo * kilo * kilo, true},
    {"TB", kilo * kilo * kilo * kilo, true},
    {"KiB", kibi, true},
    {"MiB", kibi * kibi, true},
    {"GiB", kibi * kibi * kibi, true},
    {"TiB", kibi * kibi * kibi * kibi, true},
}};

constexpr std::string_view size_unit_list =
    "B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)";

const size_unit* find_size_unit(std::string_view symbol) {
    for (const auto& u : size_units)
        if (u.symbol == symbol) return &u;
    return nullptr;
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

// Spaces are accepted between a number and its unit ("24 h", as the rulebooks write), never
// around the whole value, where they can only come from a quoted string and hide a typo.
bool has_outer_space(std::string_view text) {
    return !text.empty() && (text.front() == ' ' || text.back() == ' ');
}

std::string outer_space_error(std::string_view text) {
    return fmt::format("{}: remove the space at the start or end", quoted(text));
}

// Why a unit that is not in the table was refused, with the likely intended spelling.
std::string size_unit_error(std::string_view number, std::string_view unit) {
    if (unit.size() == 1 && std::string_view("KkMmGgTt").find(unit[0]) != std::string_view::npos) {
        const char upper = ascii_upper(unit[0]);
        return fmt::format(
            "{} is ambiguous: write {}{}B (powers of 1000) or {}{}iB (powers of 1024)",
            quoted(fmt::format("{}{}", number, unit)), number, upper, number, upper);
    }
    for (const auto& u : size_units) {
        if (ascii_lower(u.symbol) == ascii_lower(unit))
            return fmt::format(
                "unit {} is not accepted: units are case-sensitive (b is a bit, m is milli); "
                "write {}",
                quoted(unit), u.symbol == "kB" ? std::string_view("KB") : u.symbol);
    }
    return fmt::format("unknown size unit {}: use {}", quoted(unit), size_unit_list);
}

std::string whole_number_error(std::string_view text, std::string_view what) {
    if (!text.empty() && text[0] == '-')
        return fmt::format("must not be negative, got {}", quoted(text));
    if (!text.empty() && text[0] == '+')
        return fmt::format("write the number without a sign, got {}", quoted(text));
    return fmt::format("expected {}, got {}", what, quoted(text));
}

// Digits that YAML 1.1 would read as octal are refused rather than read either way.
bool has_leading_zero(std::string_view digits) { return digits.size() > 1 && digits[0] == '0'; }

std::string leading_zero_error(std::string_view text) {
    return fmt::format(
        "leading zero in {}: write the number without it (YAML 1.1 reads 0100 as octal 64)",
        quoted(text));
}

// ---- durations ----

struct duration_unit {
    char symbol;
    std::int64_t seconds;
};

// Largest first: compounds must follow this order.
constexpr std::array<duration_unit, 5> duration_units{{
    {'w', 7 * 86400},
    {'d', 86400},
    {'h', 3600},
    {'m', 60},
    {'s', 1},
}};

constexpr std::string_view duration_examples = "24h, 7d, 300s";

// Of two different unit sets, does `a` use the larger unit at the first place they differ?
bool uses_larger_units(unsigned a, unsigned b) {
    for (std::size_t i = 0; i < duration_units.size(); ++i) {
        const bool in_a = (a & (1u << i)) != 0;
        if (in_a != ((b & (1u << i)) != 0)) return in_a;
    }
    return false;
}

std::string duration_unit_error(std::string_view unit) {
    if (unit == "M")
        return "unit \"M\" is ambiguous (minutes or months?): write m for minutes; months "
               "have no fixed length, write days (183d)";
    if (unit == "mo" || unit == "y" || unit == "Y" || unit == "month" || unit == "months" ||
        unit == "year" || unit == "years")
        return fmt::format("unit {} has no fixed length: write days (30d, 183d, 365d)",
                           quoted(unit));
    if (unit == "ms" || unit == "us" || unit == "ns")
        return fmt::format("unit {} is below a second: durations are whole seconds",
                           quoted(unit));
    return fmt::format("unknown duration unit {}: use s, m, h, d or w (e.g. 90m, 1h30m, 7d)",
                       quoted(unit));
}

}  // namespace

parsed<std::uint64_t> parse_count(std::string_view text) {
    std::size_t pos = 0;
    const std::string_view digits = take_digits(text, pos);
    if (digits.empty() || pos != text.size())
        return {std::nullopt, whole_number_error(text, "a whole number")};
    if (has_leading_zero(digits)) return {std::nullopt, leading_zero_error(text)};
    std::uint64_t v = 0;
    if (!digits_value(digits, v))
        return {std::nullopt, fmt::format("{} is too large: at most {}", quoted(text), u64_max)};
    return {v, {}};
}

parsed<std::uint64_t> parse_size(std::string_view text) {
    if (text.empty()) return {std::nullopt, "empty: write a size such as 100MB, 3.5MB or 2GiB"};
    if (has_outer_space(text)) return {std::nullopt, outer_space_error(text)};
    std::size_t pos = 0;
    const std::string_view int_digits = take_digits(text, pos);
    if (int_digits.empty())
        return {std::nullopt,
                whole_number_error(text, "a size such as 100MB, 3.5MB or 2GiB "
                                         "(a number and a unit)")};
    std::string_view frac_digits;
    const bool has_point = pos < text.size() && text[pos] == '.';
    if (has_point) {
        ++pos;
        frac_digits = take_digits(text, pos);
        if (frac_digits.empty())
            return {std::nullopt,
                    fmt::format("{}: a digit must follow the decimal point", quoted(text))};
    }
    const std::string_view number = text.substr(0, pos);
    skip_spaces(text, pos);
    const std::string_view unit_text = text.substr(pos);
    for (char c : unit_text) {
        if (!is_letter(c))
            return {std::nullopt, fmt::format("{} is not a size: write a number and a unit, "
                                              "e.g. 100MB, 3.5MB or 2GiB",
                                              quoted(text))};
    }

    std::uint64_t multiplier = 1;
    if (unit_text.empty()) {
        // A plain number is bytes: the same rules as a count.
        if (has_point)
            return {std::nullopt,
                    fmt::format("{} is not a whole number of bytes: add a unit (e.g. {}MB)",
                                quoted(text), number)};
        if (has_leading_zero(int_digits)) return {std::nullopt, leading_zero_error(text)};
    } else {
        const size_unit* unit = find_size_unit(unit_text);
        if (unit == nullptr) return {std::nullopt, size_unit_error(number, unit_text)};
        multiplier = unit->bytes;
    }

    const std::string too_large =
        fmt::format("{} is too large: at most {} bytes", quoted(text), u64_max);
    std::uint64_t whole = 0;
    if (!digits_value(int_digits, whole) || !checked_mul(whole, multiplier, whole))
        return {std::nullopt, too_large};

    // The fraction F / 10^n contributes F * multiplier / 10^n bytes, which must be whole.
    // Trailing zeros do not change the value ("3.50MB" is "3.5MB").
    while (!frac_digits.empty() && frac_digits.back() == '0') frac_digits.remove_suffix(1);
    if (!frac_digits.empty()) {
        const std::string not_whole = fmt::format(
            "{} is not a whole number of bytes: use a smaller unit or fewer decimals",
            quoted(text));
        // 10^19 is the largest power of ten in uint64; a fraction needing more digits than
        // that is below a byte for every unit here.
        if (frac_digits.size() > 19) return {std::nullopt, not_whole};
        std::uint64_t fraction = 0;
        std::uint64_t scale = 1;
        static_cast<void>(digits_value(frac_digits, fraction));  // 19 digits cannot overflow
        for (std::size_t i = 0; i < frac_digits.size(); ++i) scale *= 10;
        // F * M / 10^n with g = gcd(F, 10^n): whole iff (10^n / g) divides M.
        const std::uint64_t g = std::gcd(fraction, scale);
        const std::uint64_t denominator = scale / g;
        if (multiplier % denominator != 0) return {std::nullopt, not_whole};
        // (F/g) < denominator, so the product is below multiplier: no overflow.
        const std::uint64_t part = (fraction / g) * (multiplier / denominator);
        if (!checked_add(whole, part, whole)) return {std::nullopt, too_large};
    }
    return {whole, {}};
}

std::string format_size(std::uint64_t bytes) {
    std::string best = std::to_string(bytes);
    std::size_t best_fraction = 0;
    std::uint64_t best_unit = 1;
    for (const auto& unit : size_units) {
        if (!unit.canonical || bytes < unit.bytes) continue;
        std::string text = std::to_string(bytes / unit.bytes);
        std::uint64_t rest = bytes % unit.bytes;
        std::size_t fraction_digits = 0;
        if (rest != 0) {
            text += '.';
            // rest < 2^40, so rest * 10 never overflows. 19 digits is parse_size's limit;
            // such a spelling would never be the shortest anyway.
            while (rest != 0 && fraction_digits < 19) {
                rest *= 10;
                text += static_cast<char>('0' + rest / unit.bytes);
                rest %= unit.bytes;
                ++fraction_digits;
            }
            if (rest != 0) continue;
        }
        text += unit.symbol;
        // Shorter wins; on a tie, fewer decimals, then the larger unit ("1KiB", not "1024").
        const bool better =
            text.size() != best.size() ? text.size() < best.size()
            : fraction_digits != best_fraction ? fraction_digits < best_fraction
                                               : unit.bytes > best_unit;
        if (better) {
            best = std::move(text);
            best_fraction = fraction_digits;
            best_unit = unit.bytes;
        }
    }
    return best;
}

parsed<seconds> parse_duration(std::string_view text) {
    if (text.empty())
        return {std::nullopt, fmt::format("empty: write a duration such as {}", duration_examples)};
    if (text[0] == '-')
        return {std::nullopt, fmt::format("must not be negative, got {}", quoted(text))};
    if (has_outer_space(text)) return {std::nullopt, outer_space_error(text)};

    // A bare number: only 0 means the same in every unit.
    {
        std::size_t pos = 0;
        const std::string_view digits = take_digits(text, pos);
        if (!digits.empty() && pos == text.size()) {
            if (digits.find_first_not_of('0') == std::string_view::npos) return {seconds{0}, {}};
            return {std::nullopt,
                    fmt::format("{} needs a unit: {} (a bare number could mean seconds or "
                                "minutes)",
                                quoted(text), duration_examples)};
        }
    }

    constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    std::uint64_t total = 0;
    std::size_t next_unit = 0;  // index into duration_units: units must come in this order
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::string_view digits = take_digits(text, pos);
        if (digits.empty())
            return {std::nullopt,
                    fmt::format("{} is not a duration: write e.g. {} or 1h30m", quoted(text),
                                duration_examples)};
        if (pos < text.size() && text[pos] == '.')
            return {std::nullopt,
                    fmt::format("{}: fractions are not accepted in durations; write 1h30m "
                                "rather than 1.5h",
                                quoted(text))};
        skip_spaces(text, pos);
        const std::size_t unit_start = pos;
        while (pos < text.size() && is_letter(text[pos])) ++pos;
        const std::string_view unit = text.substr(unit_start, pos - unit_start);
        if (unit.empty()) {
            if (pos == text.size())
                return {std::nullopt, fmt::format("{}: the last number needs a unit (s, m, h, "
                                                  "d or w)",
                                                  quoted(text))};
            return {std::nullopt, fmt::format("{} is not a duration: write e.g. {} or 1h30m",
                                              quoted(text), duration_examples)};
        }
        std::size_t index = duration_units.size();
        for (std::size_t i = 0; i < duration_units.size(); ++i)
            if (unit.size() == 1 && unit[0] == duration_units[i].symbol) index = i;
        if (index == duration_units.size()) return {std::nullopt, duration_unit_error(unit)};
        if (index < next_unit)
            return {std::nullopt,
                    fmt::format("{}: units must go from the largest to the smallest, each "
                                "once (1h30m, not 30m1h)",
                                quoted(text))};
        next_unit = index + 1;

        std::uint64_t amount = 0;
        const auto unit_seconds = static_cast<std::uint64_t>(duration_units[index].seconds);
        if (!digits_value(digits, amount) || !checked_mul(amount, unit_seconds, amount) ||
            !checked_add(total, amount, total) || total > max)
            return {std::nullopt, fmt::format("{} is too large: at most {}s", quoted(text), max)};
        skip_spaces(text, pos);  // "1h 30m"
    }
    return {seconds{static_cast<std::int64_t>(total)}, {}};
}

std::string format_duration(seconds value) {
    if (value.count() < 0)
        throw std::invalid_argument(
            fmt::format("format_duration: negative duration {}s", value.count()));
    if (value.count() == 0) return "0";

    // Try every non-empty set of units (31 of them; bit i is duration_units[i], largest
    // first). For one set the spelling is unique: each unit takes all it can before the next.
    // Shortest wins; then fewer parts ("694861s", not "8d3661s"); then larger units first
    // ("1w", not "7d").
    std::string best;
    std::size_t best_parts = 0;
    unsigned best_set = 0;
    for (unsigned set = 1; set < (1u << duration_units.size()); ++set) {
        std::int64_t rest = value.count();
        std::string text;
        std::size_t parts = 0;
        for (std::size_t i = 0; i < duration_units.size(); ++i) {
            if ((set & (1u << i)) == 0) continue;
            const std::int64_t amount = rest / duration_units[i].seconds;
            rest %= duration_units[i].seconds;
            if (amount == 0) break;  // every unit of the set must appear
            text += std::to_string(amount);
            text += duration_units[i].symbol;
            ++parts;
        }
        if (rest != 0 || parts != static_cast<std::size_t>(std::popcount(set))) continue;
        const bool better = best.empty()                 ? true
                            : text.size() != best.size() ? text.size() < best.size()
                            : parts != best_parts        ? parts < best_parts
                                                         : uses_larger_units(set, best_set);
        if (better) {
            best = std::move(text);
            best_parts = parts;
            best_set = set;
        }
    }
    return best;
}

}  // namespace mailwarden::config
