// rfc2047.cpp: RFC 2047 encoded-word decoding (see rfc2047.hpp).
// Rules: R-TJP-3.
// Why ICU converters: subjects of the outbreaks R-TJP-3 is about arrive in KOI8-R,
// Windows-1251, ISO-8859-x and UTF-8; ICU already ships every charset the IANA registry
// names, so no table of our own is kept.
#include "core/mail/rfc2047.hpp"

#include <unicode/ucnv.h>
#include <unicode/unistr.h>

#include <memory>
#include <optional>
#include <vector>

namespace mailwarden::mail {

namespace {

// RFC 2047 caps a word at 75 characters; real mailers write longer ones, so only the
// charset name gets a tight bound (it reaches ucnv_open).
constexpr std::size_t max_charset = 64;

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// A charset name as RFC 2047 allows it and as ucnv_open should see it: no empty name (ICU
// would open the platform default) and no ',' (ICU converter options).
bool valid_charset(std::string_view name) {
    if (name.empty() || name.size() > max_charset) return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':' ||
                        c == '+';
        if (!ok) return false;
    }
    return true;
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Strict alphabet; '=' only as trailing padding; missing padding is tolerated (common),
// a dangling single sextet is not (it carries no byte).
std::optional<std::string> decode_base64(std::string_view in) {
    while (!in.empty() && in.back() == '=') in.remove_suffix(1);
    if (in.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(in.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        const int v = base64_value(c);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFFu);
        }
    }
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::optional<std::string> decode_q(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '_') {
            out += ' ';
        } else if (c == '=') {
            if (i + 2 >= in.size()) return std::nullopt;
            const int hi = hex_value(in[i + 1]);
            const int lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

// The bytes of one or more words in `charset`, as UTF-8; nullopt when ICU has no
// converter by that name.
std::optional<std::string> to_utf8(const std::string& charset, std::string_view bytes) {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<UConverter, decltype(&ucnv_close)> conv(ucnv_open(charset.c_str(), &status),
                                                            &ucnv_close);
    if (U_FAILURE(status) || !conv) return std::nullopt;
    // A single-byte charset yields at most one UTF-16 unit per byte, a multi-byte one
    // fewer; +1 for ICU's terminating NUL.
    std::vector<UChar> units(bytes.size() + 1);
    const int32_t n = ucnv_toUChars(conv.get(), units.data(), static_cast<int32_t>(units.size()),
                                    bytes.data(), static_cast<int32_t>(bytes.size()), &status);
    if (U_FAILURE(status)) return std::nullopt;
    std::string out;
    icu::UnicodeString(false, units.data(), n).toUTF8String(out);
    return out;
}

struct token {
    bool encoded = false;
    std::string_view raw;  // as written (copied out when not encoded or not decodable)
    std::string charset;   // encoded: without the RFC 2231 language
    std::string bytes;     // encoded: the decoded octets, still in `charset`
};

// An encoded word starting at value[pos] ("=?"), or nullopt with `end` past what looked
// like one (so the caller copies it as text).
std::optional<token> parse_word(std::string_view value, std::size_t pos, std::size_t& end) {
    end = pos + 2;
    const std::size_t q1 = value.find('?', pos + 2);
    if (q1 == std::string_view::npos) return std::nullopt;
    const std::size_t q2 = value.find('?', q1 + 1);
    if (q2 != q1 + 2) return std::nullopt;
    const std::size_t close = value.find("?=", q2 + 1);
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view text = value.substr(q2 + 1, close - q2 - 1);
    // An encoded word holds no whitespace; "=?" ... " ... ?=" is two pieces of text.
    for (char c : text)
        if (is_wsp(c)) return std::nullopt;
    std::string_view charset = value.substr(pos + 2, q1 - pos - 2);
    if (const auto star = charset.find('*'); star != std::string_view::npos)
        charset = charset.substr(0, star);  // RFC 2231 language tag
    end = close + 2;
    if (!valid_charset(charset)) return std::nullopt;
    const char enc = value[q1 + 1];
    std::optional<std::string> bytes;
    if (enc == 'B' || enc == 'b')
        bytes = decode_base64(text);
    else if (enc == 'Q' || enc == 'q')
        bytes = decode_q(text);
    if (!bytes) return std::nullopt;
    return token{true, value.substr(pos, end - pos), std::string(charset), std::move(*bytes)};
}

bool all_wsp(std::string_view s) {
    for (char c : s)
        if (!is_wsp(c)) return false;
    return true;
}

}  // namespace

rfc2047_result decode_rfc2047(std::string_view value, std::size_t limit) {
    rfc2047_result result;
    if (value.size() > limit) {
        value = value.substr(0, limit);
        result.input_truncated = true;
    }
    // Unfold first: a fold may sit between two encoded words (the usual case) and must
    // then vanish with the whitespace around it.
    std::string unfolded;
    unfolded.reserve(value.size());
    for (char c : value)
        if (c != '\r' && c != '\n') unfolded += c;
    const std::string_view in(unfolded);

    std::vector<token> tokens;
    std::size_t text_start = 0;
    std::size_t pos = 0;
    auto flush_text = [&](std::size_t upto) {
        if (upto > text_start)
            tokens.push_back(token{false, in.substr(text_start, upto - text_start), {}, {}});
    };
    while ((pos = in.find("=?", pos)) != std::string_view::npos) {
        std::size_t end = pos;
        if (auto word = parse_word(in, pos, end)) {
            flush_text(pos);
            tokens.push_back(std::move(*word));
            text_start = end;
            pos = end;
        } else {
            // Looked like a word but is not one: it stays text, counted so tests and logs
            // can tell. Continue after "=?" only: a real word may start inside.
            if (end > pos + 2) ++result.malformed;
            pos += 2;
        }
    }
    flush_text(in.size());

    std::string& out = result.text;
    out.reserve(in.size());
    for (std::size_t i = 0; i < tokens.size();) {
        const token& t = tokens[i];
        if (!t.encoded) {
            // RFC 2047 6.2: linear whitespace between two encoded words is not displayed.
            const bool between_words = i > 0 && tokens[i - 1].encoded && i + 1 < tokens.size() &&
                                       tokens[i + 1].encoded && all_wsp(t.raw);
            if (!between_words) out += t.raw;
            ++i;
            continue;
        }
        // A run of encoded words in the same charset (only whitespace between them) is
        // converted as one byte string.
        std::string bytes = t.bytes;
        std::string raw(t.raw);
        std::size_t j = i + 1;
        std::size_t words = 1;
        while (true) {
            std::size_t k = j;
            if (k < tokens.size() && !tokens[k].encoded && all_wsp(tokens[k].raw)) ++k;
            if (k < tokens.size() && tokens[k].encoded && tokens[k].charset == t.charset) {
                bytes += tokens[k].bytes;
                raw += tokens[k].raw;
                ++words;
                j = k + 1;
            } else {
                break;
            }
        }
        if (auto utf8 = to_utf8(t.charset, bytes)) {
            out += *utf8;
            result.words += words;
        } else {
            // Unknown charset: every word of the run is kept as written (without the
            // whitespace between them, as for decoded words).
            out += raw;
            result.malformed += words;
        }
        i = j;
    }
    return result;
}

}  // namespace mailwarden::mail
