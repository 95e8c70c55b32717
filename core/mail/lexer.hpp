// lexer.hpp (private to core/mail): the tokens the envelope and the header parser share:
// dot-atoms, quoted strings and address literals. Each function scans `in` from `pos`,
// moves `pos` past what it accepted, and returns the token or an error whose offset is
// into `in`. They assume `in` has passed chars::check_text() (well-formed UTF-8, no NUL
// or stray controls), so multi-byte sequences are never split.
// Rules: R-SAV-9.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/mail/result.hpp"

namespace mailwarden::mail::lexer {

// RFC 5322 dot-atom-text / RFC 5321 Dot-string: 1*atext *("." 1*atext), where atext
// includes UTF8-non-ascii (RFC 6531/6532). `what` names the part for messages
// ("local part", "domain"). Examples: "john.doe@" -> "john.doe"; ".john" -> error
// "local part starts with a dot"; "a..b" -> "two dots in a row in the local part";
// "a." -> "local part ends with a dot"; "" -> "expected a local part".
result<std::string_view> scan_dot_atom(std::string_view in, std::size_t& pos,
                                       std::string_view what);

// A quoted string starting at in[pos] == '"', decoded: quotes dropped, quoted-pairs
// unescaped, line folds (CRLF/LF before WSP) removed and the WSP kept (RFC 5322 3.2.4).
// Example: "\"john \\\"jd\\\" doe\"" -> `john "jd" doe`.
// Errors: unterminated (reported at the opening quote), backslash at the end of input or
// before a line break.
result<std::string> scan_quoted_string(std::string_view in, std::size_t& pos);

// An address literal starting at in[pos] == '[', returned with its brackets and not yet
// interpreted (normalize_domain() does that). Inside: printable ASCII except "[", "\" and
// "]" (RFC 5322 dtext; no whitespace). Errors: unterminated, a character not allowed.
result<std::string_view> scan_address_literal(std::string_view in, std::size_t& pos);

// Text for "unexpected ..." messages: "'x'", "' '", "end of input", "byte 0xC3".
std::string describe_at(std::string_view in, std::size_t pos);

}  // namespace mailwarden::mail::lexer
