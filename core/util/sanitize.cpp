// sanitize.cpp: log::sanitize, in an object of its own so code that only needs it (the
// Dovecot plugin, through the unit parsers) does not pull in the syslog sink.
#include <algorithm>

#include "core/util/log.hpp"

namespace mailwarden::log {

namespace {

// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629: no overlongs,
// no surrogates, at most U+10FFFF), or 0 if it is not one. C1 controls (U+0080..U+009F)
// count as not printable.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    if (n == 2 && c == 0xC2 && byte(i + 1) <= 0x9F) return 0;  // C1 control
    return n;
}

}  // namespace

std::string sanitize(std::string_view text, std::size_t max_bytes) {
    std::string out;
    out.reserve(std::min(text.size(), max_bytes) + 3);
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t len = 1;
        bool printable = c >= 0x20 && c < 0x7F;
        if (c >= 0x80) {
            len = utf8_sequence_length(text, i);
            printable = len != 0;
            if (len == 0) len = 1;
        }
        const std::size_t out_len = printable ? len : 1;
        if (out.size() + out_len > max_bytes) {
            out += "...";
            return out;
        }
        if (printable)
            out.append(text.substr(i, len));
        else
            out += '?';
        i += len;
    }
    return out;
}

}  // namespace mailwarden::log
