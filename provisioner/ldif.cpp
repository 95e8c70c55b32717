// ldif.cpp: see ldif.hpp. Rules: R-MYO-9.
#include "provisioner/ldif.hpp"

#include <fmt/format.h>

#include "provisioner/validate.hpp"

namespace mailwarden::provisioner {

namespace {

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// One logical line: its text with folded continuations joined, and where it started.
struct logical_line {
    int line = 0;
    std::string text;  // empty: a record separator
};

// Splits text into logical lines (comments dropped, folds joined).
std::vector<logical_line> unfold(std::string_view text) {
    std::vector<logical_line> out;
    int number = 0;
    bool in_comment = false;  // the last physical line was a comment (its folds are too)
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view l = text.substr(pos, end - pos);
        pos = end + 1;
        ++number;
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        if (!l.empty() && l.front() == ' ') {  // a continuation
            if (in_comment) continue;
            if (out.empty() || out.back().text.empty()) {
                // A folded line with nothing to continue: keep it as a line of its own so
                // the parser names it.
                out.push_back({number, std::string(l)});
                continue;
            }
            out.back().text.append(l.substr(1));
            continue;
        }
        in_comment = !l.empty() && l.front() == '#';
        if (in_comment) continue;
        out.push_back({number, std::string(l)});
    }
    return out;
}

}  // namespace

std::string encode_base64(std::string_view in) {
    static constexpr char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8) |
                           static_cast<unsigned char>(in[i + 2]);
        out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
    }
    if (i + 1 == in.size()) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16;
        out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == in.size()) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8);
        out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
    }
    return out;
}

bool decode_base64(std::string_view in, std::string& out) {
    out.clear();
    if (in.size() % 4 != 0) return false;
    for (std::size_t i = 0; i < in.size(); i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = in[i + static_cast<std::size_t>(k)];
            if (c == '=' && i + 4 == in.size() && k >= 2) {
                v[k] = 0;
                ++pad;
                continue;
            }
            if (pad > 0) return false;  // data after '='
            v[k] = base64_value(c);
            if (v[k] < 0) return false;
        }
        const unsigned n = (static_cast<unsigned>(v[0]) << 18) |
                           (static_cast<unsigned>(v[1]) << 12) |
                           (static_cast<unsigned>(v[2]) << 6) | static_cast<unsigned>(v[3]);
        out += static_cast<char>((n >> 16) & 0xff);
        if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
        if (pad < 1) out += static_cast<char>(n & 0xff);
    }
    return true;
}

ldif_parse parse_ldif(std::string_view text, std::size_t max_records) {
    ldif_parse out;
    const auto lines = unfold(text);
    bool in_record = false, first = true;
    for (const auto& l : lines) {
        const auto fail = [&](const std::string& why) {
            out.error = fmt::format("line {}: {}", l.line, why);
        };
        if (l.text.empty()) {
            in_record = false;
            continue;
        }
        const std::size_t colon = l.text.find(':');
        if (colon == std::string::npos || colon == 0) {
            fail(l.text == "-"
                     ? "change records are not read (only entries, as `mailwarden "
                       "export` writes them)"
                     : fmt::format("'{}' is not 'attribute: value'", sanitize_for_message(l.text)));
            return out;
        }
        const std::string name = l.text.substr(0, colon);
        std::string_view rest = std::string_view(l.text).substr(colon + 1);
        std::string value;
        if (!rest.empty() && rest.front() == ':') {
            rest.remove_prefix(1);
            while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
            if (!decode_base64(rest, value)) {
                fail(fmt::format("the base64 value of {} does not decode",
                                 sanitize_for_message(name)));
                return out;
            }
        } else if (!rest.empty() && rest.front() == '<') {
            fail(fmt::format("{}:< (a value from a URL) is not read", sanitize_for_message(name)));
            return out;
        } else {
            while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
            value = std::string(rest);
        }
        if (first && !in_record && name == "version") {
            first = false;
            if (value != "1") {
                fail(fmt::format("LDIF version '{}': only version 1 is read",
                                 sanitize_for_message(value)));
                return out;
            }
            continue;
        }
        first = false;
        if (!in_record) {
            if (name != "dn") {
                fail(fmt::format("a record must start with dn:, not {}:",
                                 sanitize_for_message(name)));
                return out;
            }
            if (out.records.size() >= max_records) {
                fail(fmt::format("more than {} entries", max_records));
                return out;
            }
            out.records.push_back({l.line, value, {}, {}});
            in_record = true;
            continue;
        }
        if (name == "changetype" || name == "control") {
            fail(
                fmt::format("{}: change records are not read (only entries, as `mailwarden "
                            "export` writes them)",
                            name));
            return out;
        }
        if (name == "dn") {
            fail("a second dn: in one record (a blank line must separate entries)");
            return out;
        }
        if (!ldap::is_valid_attribute_name(name)) {
            fail(fmt::format("'{}' is not an attribute name", sanitize_for_message(name)));
            return out;
        }
        out.records.back().attributes[name].push_back(std::move(value));
        out.records.back().lines[name].push_back(l.line);
    }
    return out;
}

}  // namespace mailwarden::provisioner
