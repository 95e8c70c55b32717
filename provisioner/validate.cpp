// validate.cpp: see validate.hpp. Rules: R-PSH-1, R-MYO-1, R-MYO-2, R-SAV-7, R-SAV-8.
#include "provisioner/validate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "core/util/log.hpp"

namespace mailwarden::provisioner {

namespace {

// Well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF) without C0/C1 controls.
bool clean_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7f) return false;
        if (c < 0x80) {
            ++i;
            continue;
        }
        int len = 0;
        std::uint32_t cp = 0;
        if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1fu;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0fu;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07u;
        } else
            return false;
        if (i + static_cast<std::size_t>(len) > s.size()) return false;
        for (int k = 1; k < len; ++k) {
            const auto d = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
            if ((d & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3fu);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
            return false;
        i += static_cast<std::size_t>(len);
    }
    return true;
}

}  // namespace

std::string sanitize_for_message(std::string_view value) { return log::sanitize(value, 80); }

std::string check_tenant_id(std::string_view id) {
    const bool ok = !id.empty() && id.size() <= 64 && id.front() != '-' &&
                    std::all_of(id.begin(), id.end(), [](char c) {
                        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                    });
    if (ok) return {};
    return fmt::format(
        "tenant id '{}' is not valid: 1..64 of a-z, 0-9 and '-', not starting "
        "with '-' (R-MYO-1)",
        sanitize_for_message(id));
}

std::string check_text(std::string_view what, std::string_view value, bool required) {
    if (value.empty())
        return required ? fmt::format("{} is required and may not be empty", what) : "";
    if (value.size() > 256)
        return fmt::format("{} is longer than 256 bytes ({} bytes)", what, value.size());
    if (!clean_utf8(value))
        return fmt::format(
            "{} '{}' is not clean UTF-8 text (control characters or invalid "
            "bytes)",
            what, sanitize_for_message(value));
    if (value.front() == ' ' || value.back() == ' ')
        return fmt::format("{} '{}' starts or ends with a space", what,
                           sanitize_for_message(value));
    return {};
}

namespace {

// The words of a space-separated list.
std::vector<std::string_view> words_of(std::string_view list) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos < list.size()) {
        const std::size_t end = std::min(list.find(' ', pos), list.size());
        if (end > pos) out.push_back(list.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// "" when value is empty, allowed is empty, or value is one of allowed's words.
bool allowed_word(std::string_view value, std::string_view allowed, bool ignore_case) {
    const auto words = words_of(allowed);
    if (value.empty() || words.empty()) return true;
    return std::any_of(words.begin(), words.end(), [&](std::string_view w) {
        return ignore_case ? iequal(w, value) : w == value;
    });
}

std::string joined(std::string_view list) {
    std::string out;
    for (const auto w : words_of(list)) out += (out.empty() ? "" : ", ") + std::string(w);
    return out;
}

}  // namespace

std::string check_relationship(std::string_view value, std::string_view allowed) {
    if (allowed_word(value, allowed, false)) return {};
    return fmt::format("relationship '{}' is not one of {} (provisioning.relationships, R-SAV-8)",
                       sanitize_for_message(value), joined(allowed));
}

std::string check_mailbox_host(std::string_view value, std::string_view allowed) {
    if (allowed_word(value, allowed, true)) return {};
    return fmt::format("mailbox host '{}' is not one of {} (provisioning.mailbox_hosts, R-SAV-7)",
                       sanitize_for_message(value), joined(allowed));
}

std::string check_region(int region) {
    if (region >= 1 && region <= 7) return {};
    return fmt::format("region {} is unknown: regions are 1..7 (R-PSH-1)", region);
}

bool same_values(const ldap::values& a, const ldap::values& b) {
    if (a.size() != b.size()) return false;
    ldap::values x = a, y = b;
    std::sort(x.begin(), x.end());
    std::sort(y.begin(), y.end());
    return x == y;
}

}  // namespace mailwarden::provisioner
