// chars.hpp (private to core/mail): character classes and the byte-level checks every
// address parser runs before it looks at the grammar, so that hostile bytes (invalid
// UTF-8, NUL, CR, LF, other controls) are refused with an offset instead of reaching
// the grammar code. UTF-8 decoding and Unicode properties come from ICU, not from
// hand-written tables. Rules: R-SAV-9 (sender identity parsed from hostile input).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/mail/result.hpp"

namespace mailwarden::mail::chars {

// RFC 5322 3.2.3 atext, ASCII part (letters, digits and !#$%&'*+-/=?^_`{|}~).
bool is_atext(char c);
// SP or HTAB.
bool is_wsp(char c);
bool is_ascii_alpha(char c);
bool is_ascii_digit(char c);
// Any byte of a multi-byte UTF-8 sequence (RFC 6531/6532 UTF8-non-ascii is atext).
inline bool is_non_ascii(char c) { return static_cast<unsigned char>(c) >= 0x80; }

// One code point decoded by ICU's U8_NEXT. length == 0 means ill-formed (overlong,
// surrogate, truncated, above U+10FFFF, stray continuation byte).
struct code_point {
    std::int32_t value = 0;
    std::size_t length = 0;
};
code_point decode_utf8(std::string_view text, std::size_t pos);

// Cc (C0, DEL, C1), U+2028 and U+2029: never allowed in an address or display name.
bool is_control(std::int32_t cp);
// Cf, invisible format characters: zero-width (joiner, non-joiner, space), bidi marks,
// embeddings, overrides and isolates, soft hyphen, BOM. Allowed in display names (RTL
// names need them) and left to UTS #46 in domains (CONTEXTJ allows ZWNJ after a virama),
// but refused in local parts, where they would let one identity look like another.
bool is_format(std::int32_t cp);

// Which whitespace a piece of text may contain besides printable characters.
enum class whitespace {
    space,    // SP only (SMTP envelope: space appears only inside quoted local parts)
    folding,  // SP, HTAB and line folds: CRLF or LF followed by SP/HTAB (header bodies)
};

// Checks that `text` is well-formed UTF-8 without NUL or control characters, allowing
// only the whitespace given. Returns the first problem (errc::bad_encoding) or nothing.
// Examples: "a\x00b" -> offset 1 "NUL byte"; "a\r\n b" -> ok with folding;
// "a\nb" -> offset 1 "line break not followed by whitespace".
std::optional<error> check_text(std::string_view text, whitespace allowed);

// Lowercases ASCII letters only; other bytes are copied unchanged.
std::string ascii_lower(std::string_view text);

}  // namespace mailwarden::mail::chars
