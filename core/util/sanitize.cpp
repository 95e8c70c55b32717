// sanitize.cpp: log::sanitize, in an object of its own so code that only needs it (the
// Dovecot plugin, through the unit parsers) does not pull in the syslog sink.
#include <algorithm>

#include "core/util/log.hpp"
#include "core/util/utf8.hpp"

namespace mailwarden::log {

std::string sanitize(std::string_view text, std::size_t max_bytes) {
    std::string out;
    out.reserve(std::min(text.size(), max_bytes) + 3);
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t len = 1;
        bool printable = c >= 0x20 && c < 0x7F;
        if (c >= 0x80) {
            len = utf8::sequence_length(text, i);
            printable = len != 0 && !utf8::is_c1_control(text, i, len);
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
