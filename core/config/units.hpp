// units.hpp: exact parsing and formatting of the numbers a mailwarden configuration holds:
// counts ("5000"), sizes ("100MB", "3.5MB", "2GiB") and durations ("24h", "7d", "1h30m").
// Values are stored exactly, in bytes and whole seconds, and parse(format(x)) == x for every
// x, so the rulebooks' numbers survive a load/dump cycle unchanged (R-PSH-4 2 GB, R-PSH-5
// 100 MB, R-PSH-6 100 a day and 24 h, R-SAV-1 20 MB / 25 MB / 5000, R-SAV-2 7 d,
// R-SAV-4 3.5 MB / 5 MB, R-MYO-7 one size setting).
//
// Size units (case-sensitive, exactly as written here):
//   B = 1 byte; KB (also kB), MB, GB, TB = powers of 1000; KiB, MiB, GiB, TiB = powers of 1024.
//   Decimal because the rulebooks' "2 GB", "3.5 MB" are decimal (a mail client's "100 MB"
//   limit is 100 000 000 bytes); binary units exist because Dovecot's "2G" means 2 GiB,
//   so a profile copying a Dovecot value writes 2GiB and gets the same bytes.
//   "mb", "Mb", "gib" are refused rather than guessed: a lowercase b means bits and a
//   lowercase m milli in SI, so such spellings are ambiguous; the one lowercase spelling
//   accepted, kB, is SI's own symbol for 1000 bytes. A bare "2G" or "2M" (Dovecot, Postfix
//   style) is refused with a hint, because it could mean either 10^9 or 2^30.
// Duration units: s, m (minutes), h, d, w (7 days); compounds go from the largest unit to
//   the smallest, each once: "1h30m", "1d12h". A bare number other than 0 is refused (is
//   "300" seconds or minutes?); months and years are refused (no fixed length).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailwarden::config {

using seconds = std::chrono::seconds;

// The outcome of parsing one value: the value, or why the text is not one. The error names
// the offending text (sanitised) but not the key or file: the caller adds those.
template <typename T>
struct parsed {
    std::optional<T> value;
    std::string error;
    bool ok() const { return value.has_value(); }
};

// A whole number in decimal: digits only, no sign, no leading zero (YAML 1.1 reads 0100 as
// octal 64, so "0100" is refused instead of guessed), at most UINT64_MAX.
// "5000" -> 5000; "0" -> 0; "-1", "1.5", "1e3", "0x10", "" -> error.
parsed<std::uint64_t> parse_count(std::string_view text);

// Bytes. A plain integer is bytes (same rules as parse_count); otherwise a decimal number, an
// optional run of spaces, and a unit. A fraction is accepted only when the result is a whole
// number of bytes, computed in integers (never through double). Overflowing uint64 is an error.
// "100MB" -> 100000000; "3.5MB" -> 3500000; "3.5 MB" -> 3500000; "2GiB" -> 2147483648;
// "0.5KiB" -> 512; "1.5B" -> error; "2G" -> error (ambiguous); "20000000TB" -> error.
parsed<std::uint64_t> parse_size(std::string_view text);

// The shortest exact spelling of a byte count that parse_size reads back to the same number.
// Ties go to the spelling without a fraction, then to the larger unit; a unit form never
// starts with "0.". 100000000 -> "100MB"; 3500000 -> "3.5MB"; 2147483648 -> "2GiB";
// 1024 -> "1KiB"; 1536 -> "1536"; 0 -> "0".
std::string format_size(std::uint64_t bytes);

// Whole seconds, from 0 to the largest std::chrono::seconds. "24h" -> 86400; "7d" -> 604800;
// "1h30m" -> 5400; "1h 30m" and "24 h" are accepted too; "0" -> 0; "300" -> error (needs a
// unit); "30m1h", "1h1h", "1.5h", "-1h", "1y" -> error.
parsed<seconds> parse_duration(std::string_view text);

// The shortest exact spelling parse_duration reads back to the same value. Among the units
// used, each takes all it can before the next smaller one (no "1h90m"), so 5400 is "90m"
// (shorter than "1h30m"), 90000 is "25h", 86460 is "1d1m", 604800 is "1w" (ties go to the
// larger leading unit), 0 is "0". Throws std::invalid_argument for a negative duration (a
// programming error: parse_duration never yields one).
std::string format_duration(seconds value);

}  // namespace mailwarden::config
