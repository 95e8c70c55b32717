// lexer.cpp: dot-atoms, quoted strings and address literals for the address parsers
// (see lexer.hpp). Rules: R-SAV-9.
#include "core/mail/lexer.hpp"

#include <fmt/format.h>

#include "core/mail/chars.hpp"

namespace mailwarden::mail::lexer {

namespace {

error syntax_at(std::size_t at, std::string message) {
    return error{errc::syntax, at, std::move(message)};
}

bool is_atom_byte(char c) { return chars::is_atext(c) || chars::is_non_ascii(c); }

}  // namespace

std::string describe_at(std::string_view in, std::size_t pos) {
    if (pos >= in.size()) return "end of input";
    const char c = in[pos];
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x21 && b < 0x7F) return fmt::format("'{}'", c);
    if (c == ' ') return "space";
    if (c == '\t') return "TAB";
    if (c == '\r' || c == '\n') return "line break";
    return fmt::format("byte 0x{:02X}", b);
}

result<std::string_view> scan_dot_atom(std::string_view in, std::size_t& pos,
                                       std::string_view what) {
    const std::size_t start = pos;
    std::size_t i = pos;
    if (i < in.size() && in[i] == '.')
        return syntax_at(i, fmt::format("{} starts with a dot", what));
    for (;;) {
        const std::size_t atom_start = i;
        while (i < in.size() && is_atom_byte(in[i])) ++i;
        if (i == atom_start) {
            if (i == start)
                return syntax_at(i,
                                 fmt::format("expected a {}, found {}", what, describe_at(in, i)));
            if (i < in.size() && in[i] == '.')
                return syntax_at(i - 1, fmt::format("two dots in a row in the {}", what));
            return syntax_at(i - 1, fmt::format("{} ends with a dot", what));
        }
        if (i < in.size() && in[i] == '.') {
            ++i;
            continue;
        }
        break;
    }
    pos = i;
    return in.substr(start, i - start);
}

result<std::string> scan_quoted_string(std::string_view in, std::size_t& pos) {
    const std::size_t open = pos;
    std::size_t i = pos + 1;
    std::string out;
    while (i < in.size()) {
        const char c = in[i];
        if (c == '"') {
            pos = i + 1;
            return out;
        }
        if (c == '\\') {
            if (i + 1 >= in.size()) break;
            const char next = in[i + 1];
            if (next == '\r' || next == '\n')
                return syntax_at(i, "backslash before a line break in a quoted string");
            out += next;  // a UTF-8 lead byte: its continuation bytes follow as plain bytes
            i += 2;
            continue;
        }
        if (c == '\r') {  // check_text() guarantees CRLF here; drop it, keep the WSP
            i += 2;
            continue;
        }
        if (c == '\n') {
            ++i;
            continue;
        }
        out += c;
        ++i;
    }
    return syntax_at(open, "unterminated quoted string");
}

result<std::string_view> scan_address_literal(std::string_view in, std::size_t& pos) {
    const std::size_t open = pos;
    std::size_t i = pos + 1;
    while (i < in.size() && in[i] != ']') {
        const auto b = static_cast<unsigned char>(in[i]);
        if (b < 0x21 || b > 0x7E || in[i] == '[' || in[i] == '\\')
            return syntax_at(
                i, fmt::format("{} not allowed in an address literal", describe_at(in, i)));
        ++i;
    }
    if (i >= in.size()) return syntax_at(open, "unterminated address literal (no ']')");
    pos = i + 1;
    return in.substr(open, pos - open);
}

}  // namespace mailwarden::mail::lexer
