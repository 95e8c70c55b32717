// password_policy.hpp: R-SAV-5 / R-MYO-3 password rules, checked before anything is
// written: length (in characters), minimum digits / upper / lower / special characters,
// no Cyrillic letters, not a dictionary word (also with digits or symbols stuck on its
// ends: "Password1!" is "password"), not containing the user's names or login.
// The password is never put into a message.
// Rules: R-SAV-5, R-MYO-3.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace mailwarden::account {

struct password_rules {
    std::uint32_t min_length = 8;
    std::uint32_t max_length = 128;
    std::uint32_t min_digits = 1;
    std::uint32_t min_upper = 1;
    std::uint32_t min_lower = 1;
    std::uint32_t min_special = 1;  // ASCII punctuation and space
    bool reject_cyrillic = true;
    bool reject_personal_data = true;
};

struct password_verdict {
    bool ok = true;
    std::string rule;     // the config key that failed, e.g. "password_policy.min_digits"
    std::string message;  // "password has 0 digits, needs at least 1 (R-SAV-5)"
};

// words: lowercase dictionary words; personal: the user's names, login, address local
// part (parts shorter than 3 characters are ignored: "Li" is in too many passwords).
password_verdict check_password(std::string_view password, const password_rules& rules,
                                const std::unordered_set<std::string>& words,
                                const std::vector<std::string>& personal);

// One lowercase word per line ('#' comments and blank lines skipped) -> the set.
std::unordered_set<std::string> parse_word_list(std::string_view text);

}  // namespace mailwarden::account
