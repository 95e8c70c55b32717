// chars.cpp: character classes and byte-level checks for the address parsers (see
// chars.hpp). Rules: R-SAV-9.
#include "core/mail/chars.hpp"

#include <fmt/format.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <climits>
#include <string>
#include <string_view>
#include <utility>

namespace mailwarden::mail::chars {

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

bool is_atext(char c) {
    constexpr std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
    return is_ascii_alpha(c) || is_ascii_digit(c) || specials.find(c) != std::string_view::npos;
}

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

code_point decode_utf8(std::string_view text, std::size_t pos) {
    // U8_NEXT works on int32_t offsets; callers bound their input far below INT32_MAX
    // (64 KiB headers), but a slice is clamped rather than trusted.
    const auto* s = reinterpret_cast<const std::uint8_t*>(text.data());
    const std::size_t limit = text.size() < INT32_MAX ? text.size() : INT32_MAX;
    if (pos >= limit) return {};
    auto i = static_cast<std::int32_t>(pos);
    const auto length = static_cast<std::int32_t>(limit);
    UChar32 c = 0;
    U8_NEXT(s, i, length, c);
    if (c < 0) return {};
    return {c, static_cast<std::size_t>(i) - pos};
}

// Not u_iscntrl(): it also counts Cf, which display names and IDNs legitimately contain.
bool is_control(std::int32_t cp) {
    const auto type = u_charType(cp);
    return type == U_CONTROL_CHAR || type == U_LINE_SEPARATOR || type == U_PARAGRAPH_SEPARATOR;
}

bool is_format(std::int32_t cp) { return u_charType(cp) == U_FORMAT_CHAR; }

std::optional<error> check_text(std::string_view text, whitespace allowed) {
    const auto fail = [](std::size_t at, std::string message) {
        return error{errc::bad_encoding, at, std::move(message)};
    };
    const bool folding = allowed == whitespace::folding;
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '\0') return fail(i, "NUL byte");
        if (c == '\r' || c == '\n') {
            if (!folding) return fail(i, c == '\r' ? "CR in address" : "LF in address");
            // RFC 5322 folds with CRLF; Postfix and Sendmail hand folded headers to a
            // milter with bare LF. Either way a line break must be followed by WSP.
            std::size_t next = i + 1;
            if (c == '\r') {
                if (next >= text.size() || text[next] != '\n')
                    return fail(i, "CR not followed by LF");
                ++next;
            }
            if (next >= text.size() || !is_wsp(text[next]))
                return fail(i, "line break not followed by whitespace (not a folded line)");
            i = next;
            continue;
        }
        if (c == '\t') {
            if (!folding) return fail(i, "TAB in address");
            ++i;
            continue;
        }
        if (!is_non_ascii(c)) {
            const auto b = static_cast<unsigned char>(c);
            if (b < 0x20 || b == 0x7F) return fail(i, fmt::format("control character 0x{:02X}", b));
            ++i;
            continue;
        }
        const code_point cp = decode_utf8(text, i);
        if (cp.length == 0) return fail(i, "invalid UTF-8");
        if (is_control(cp.value))
            return fail(i, fmt::format("control character U+{:04X}", cp.value));
        i += cp.length;
    }
    return std::nullopt;
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace mailwarden::mail::chars
