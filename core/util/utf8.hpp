// utf8.hpp: the one strict UTF-8 check of the project (RFC 3629: no overlong forms, no
// UTF-16 surrogates, nothing above U+10FFFF), used where a byte loop needs it without ICU
// (log sanitising, config values, DN escaping).
#pragma once

#include <cstddef>
#include <string_view>

namespace mailwarden::utf8 {

// Length of the well-formed sequence starting at s[i]: 1 for an ASCII byte, 2..4 for a
// multi-byte character, 0 when the bytes there are not UTF-8 (or i is past the end).
std::size_t sequence_length(std::string_view s, std::size_t i);

// True for a C1 control character (U+0080..U+009F), given a sequence of length n at s[i].
inline bool is_c1_control(std::string_view s, std::size_t i, std::size_t n) {
    return n == 2 && static_cast<unsigned char>(s[i]) == 0xC2 &&
           static_cast<unsigned char>(s[i + 1]) <= 0x9F;
}

}  // namespace mailwarden::utf8
