// password_policy.cpp: see password_policy.hpp. Rules: R-SAV-5, R-MYO-3.
#include "core/account/password_policy.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/account/naming.hpp"

namespace mailwarden::account {

namespace {

password_verdict fail(std::string rule, std::string message) {
    return {false, std::move(rule), std::move(message)};
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    });
    return out;
}

}  // namespace

password_verdict check_password(std::string_view password, const password_rules& rules,
                                const std::unordered_set<std::string>& words,
                                const std::vector<std::string>& personal) {
    std::uint32_t chars = 0, digits = 0, upper = 0, lower = 0, special = 0;
    bool cyrillic = false;
    for (std::size_t i = 0; i < password.size();) {
        const auto c = static_cast<unsigned char>(password[i]);
        std::uint32_t cp = c;
        std::size_t len = 1;
        if (c >= 0x80) {
            len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
            if (len == 0 || i + len > password.size())
                return fail("password_policy", "the password is not valid UTF-8");
            cp = c & (0x7fu >> len);
            for (std::size_t k = 1; k < len; ++k) {
                const auto d = static_cast<unsigned char>(password[i + k]);
                if ((d & 0xc0) != 0x80)
                    return fail("password_policy", "the password is not valid UTF-8");
                cp = (cp << 6) | (d & 0x3fu);
            }
        }
        if (cp < 0x20 || cp == 0x7f)
            return fail("password_policy", "the password holds a control character");
        ++chars;
        if (cp >= '0' && cp <= '9')
            ++digits;
        else if (cp >= 'A' && cp <= 'Z')
            ++upper;
        else if (cp >= 'a' && cp <= 'z')
            ++lower;
        else if (cp < 0x80)
            ++special;
        if (cp >= 0x400 && cp <= 0x52f) cyrillic = true;
        i += len;
    }
    if (chars < rules.min_length)
        return fail("password_policy.min_length",
                    fmt::format("the password has {} characters, needs at least {} (R-SAV-5, "
                                "R-MYO-3)",
                                chars, rules.min_length));
    if (chars > rules.max_length)
        return fail("password_policy.max_length",
                    fmt::format("the password has {} characters, at most {} allowed (R-MYO-3)",
                                chars, rules.max_length));
    if (digits < rules.min_digits)
        return fail("password_policy.min_digits",
                    fmt::format("the password has {} digits, needs at least {} (R-SAV-5, "
                                "R-MYO-3)",
                                digits, rules.min_digits));
    if (upper < rules.min_upper)
        return fail("password_policy.min_upper",
                    fmt::format("the password has {} upper-case letters, needs at least {} "
                                "(R-SAV-5, R-MYO-3)",
                                upper, rules.min_upper));
    if (lower < rules.min_lower)
        return fail("password_policy.min_lower",
                    fmt::format("the password has {} lower-case letters, needs at least {} "
                                "(R-SAV-5, R-MYO-3)",
                                lower, rules.min_lower));
    if (special < rules.min_special)
        return fail("password_policy.min_special",
                    fmt::format("the password has {} special characters, needs at least {} "
                                "(R-SAV-5, R-MYO-3)",
                                special, rules.min_special));
    if (rules.reject_cyrillic && cyrillic)
        return fail("password_policy.reject_cyrillic",
                    "the password contains Cyrillic letters (R-MYO-3)");
    const std::string low = lower_ascii(password);
    if (!words.empty()) {
        const auto first = low.find_first_of("abcdefghijklmnopqrstuvwxyz");
        const auto last = low.find_last_of("abcdefghijklmnopqrstuvwxyz");
        const std::string core =
            first == std::string::npos ? "" : low.substr(first, last - first + 1);
        if (words.contains(low) || words.contains(core))
            return fail("password_policy.dictionary_file",
                        "the password is a dictionary word (R-SAV-5)");
    }
    if (rules.reject_personal_data) {
        for (const auto& p : personal) {
            for (const std::string& part : {lower_ascii(p), ascii_fold(p)}) {
                if (part.size() >= 3 && low.find(part) != std::string::npos)
                    return fail("password_policy.reject_personal_data",
                                "the password contains the user's name or login (R-SAV-5)");
            }
        }
    }
    return {};
}

std::unordered_set<std::string> parse_word_list(std::string_view text) {
    std::unordered_set<std::string> out;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t end = std::min(text.find('\n', pos), text.size());
        std::string line = lower_ascii(text.substr(pos, end - pos));
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty() && line.front() != '#') out.insert(line);
        if (end == text.size()) break;
        pos = end + 1;
    }
    return out;
}

}  // namespace mailwarden::account
