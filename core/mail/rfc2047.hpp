// rfc2047.hpp: decoding of RFC 2047 encoded words in an unstructured header value (the
// Subject), to UTF-8, so the subject block list matches what the reader sees, not the
// transfer encoding a spammer picked (R-TJP-3).
// Rules: R-TJP-3.
// Security: the value is hostile. Input is bounded (max_rfc2047_input); a malformed word
// (bad base64, bad =XX, no closing "?=") or one in a charset ICU does not know is kept as
// written, never guessed and never a crash.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mailwarden::mail {

// The most of a header value decoded; the rest is left out and the result says so
// (Postfix's header_size_limit is 100 KiB; a longer subject is not a real one).
inline constexpr std::size_t max_rfc2047_input = 64 * 1024;

struct rfc2047_result {
    std::string text;              // the decoded value (see decode_rfc2047)
    bool input_truncated = false;  // the input was longer than the limit: only its start
                                   // was decoded; the caller must log it (never silent)
    std::size_t words = 0;         // encoded words decoded
    std::size_t malformed = 0;     // encoded-word lookalikes kept as written
};

// Decodes `value` (a header value as the MTA hands it, possibly folded):
//  - unfolding: every CR and LF is removed (RFC 5322 2.2.3; the WSP after it stays);
//  - "=?charset?B?base64?=" and "=?charset?Q?quoted?=" (B/Q in either case, charset in any
//    spelling ICU's converters know, an RFC 2231 "*language" suffix ignored) become UTF-8;
//  - whitespace between two adjacent encoded words is dropped (RFC 2047 6.2), and the
//    bytes of adjacent words in the same charset are converted together, so a multi-byte
//    character split across two words survives;
//  - text outside encoded words is copied as it is (it may be raw 8-bit: not UTF-8);
//  - bytes a charset cannot map become U+FFFD.
// The first `limit` bytes are decoded (the result says when the input was longer).
// Examples:
//   "=?UTF-8?B?0KHQv9Cw0Lw=?="                    -> "Спам"
//   "=?KOI8-R?Q?=F3=D0=C1=CD?= now"               -> "Спам now"
//   "=?UTF-8?Q?a?= =?UTF-8?Q?b?="                  -> "ab"
//   "=?UTF-8?B?!!!?="                              -> "=?UTF-8?B?!!!?=" (malformed: kept)
//   "=?x-no-such?Q?a?="                            -> "=?x-no-such?Q?a?=" (unknown charset)
// Never throws except std::bad_alloc.
rfc2047_result decode_rfc2047(std::string_view value, std::size_t limit = max_rfc2047_input);

}  // namespace mailwarden::mail
