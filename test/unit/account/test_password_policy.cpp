// test_password_policy.cpp: R-SAV-5 / R-MYO-3: every rule at its boundary, and the
// message names the failed rule (and never holds the password).
#include <doctest/doctest.h>

#include "core/account/password_policy.hpp"

using namespace mailwarden::account;

namespace {
const std::unordered_set<std::string> words = parse_word_list("# words\npassword\nsummer\n\n");
const std::vector<std::string> me{"Ivan Petrov", "Petrov", "7000001"};
}  // namespace

TEST_CASE("R-SAV-5: a password meeting every rule passes") {
    CHECK(check_password("Xk9!trQ2", password_rules{}, words, me).ok);
}

TEST_CASE("R-SAV-5 R-MYO-3: each rule fails on its own, named in the verdict") {
    struct row {
        const char* password;
        const char* rule;
    };
    for (const row r : {
             row{"Xk9!trQ", "password_policy.min_length"},  // 7 < 8
             row{"Xkz!trQa", "password_policy.min_digits"},
             row{"xk9!trq2", "password_policy.min_upper"},
             row{"XK9!TRQ2", "password_policy.min_lower"},
             row{"Xk9ztrQ2", "password_policy.min_special"},
             row{"Xk9!trQ2ж", "password_policy.reject_cyrillic"},
             row{"Password1!", "password_policy.dictionary_file"},
             row{"1Summer!!9", "password_policy.dictionary_file"},
             row{"Petrov#2026", "password_policy.reject_personal_data"},
             row{"Ab!7000001", "password_policy.reject_personal_data"},
         }) {
        CAPTURE(std::string(r.password));
        const auto v = check_password(r.password, password_rules{}, words, me);
        CHECK_FALSE(v.ok);
        CHECK(v.rule == r.rule);
        CHECK(v.message.find(r.password) == std::string::npos);
    }
}

TEST_CASE("R-MYO-3: length counts characters, both ends inclusive") {
    password_rules r;
    r.min_length = 6;
    r.max_length = 8;
    r.reject_cyrillic = false;
    CHECK(check_password("Aa1!aa", r, {}, {}).ok);
    CHECK(check_password("Aa1!aaaa", r, {}, {}).ok);
    CHECK(check_password("Aa1!aaaaa", r, {}, {}).rule == "password_policy.max_length");
    CHECK(check_password("Aa1!ääää", r, {}, {}).ok);  // 8 characters, 12 bytes
    CHECK(check_password("Aa1!a", r, {}, {}).rule == "password_policy.min_length");
}

TEST_CASE("R-SAV-5: control bytes and broken UTF-8 are refused, never crash") {
    CHECK_FALSE(check_password(std::string("Xk9!t\0Q2", 8), {}, {}, {}).ok);
    CHECK_FALSE(check_password("Xk9!trQ2\xc3", {}, {}, {}).ok);
    CHECK_FALSE(check_password("Xk9!t\nQ2", {}, {}, {}).ok);
}
