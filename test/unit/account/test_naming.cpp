// test_naming.cpp: R-SAV-6 first.last aliases from Slovak, Portuguese, Russian and
// Belarusian names (ICU Any-Latin; Latin-ASCII), hostile names, and de-duplication.
#include <doctest/doctest.h>

#include <set>

#include "core/account/naming.hpp"

using namespace mailwarden::account;

TEST_CASE("R-SAV-6: first.last from names in several scripts") {
    struct row {
        const char* given;
        const char* surname;
        const char* want;
    };
    for (const row r : {
             row{"Ľubomír", "Šťastný", "lubomir.stastny"},
             row{"João", "Conceição", "joao.conceicao"},
             row{"Anne-Marie", "O'Neil", "annemarie.oneil"},
             row{"Иван", "Петров", "ivan.petrov"},
             row{"Ivan", "Petrov", "ivan.petrov"},
         }) {
        CAPTURE(r.given);
        CHECK(alias_local_part(r.given, r.surname) == std::optional<std::string>(r.want));
    }
    // Belarusian: only plain ASCII letters come out, whatever ICU's exact rule.
    const auto by = alias_local_part("Іван", "Пятроў");
    REQUIRE(by.has_value());
    CHECK(by->starts_with("ivan.p"));
    for (const char c : *by) CHECK(((c >= 'a' && c <= 'z') || c == '.'));
}

TEST_CASE("R-SAV-6: names that fold to nothing, or are not UTF-8, give no alias") {
    CHECK_FALSE(alias_local_part("!!!", "Petrov").has_value());
    CHECK_FALSE(alias_local_part("Ivan", "").has_value());
    CHECK_FALSE(alias_local_part("\xff\xfe", "Petrov").has_value());
    CHECK(alias_local_part("*)(uid=*", "a\\29") == std::optional<std::string>("uid.a29"));
}

TEST_CASE("R-SAV-6: the given name inside cn") {
    CHECK(given_from_cn("Ivan Petrov", "Petrov") == "Ivan");
    CHECK(given_from_cn("Petrov Ivan", "Petrov") == "Ivan");
    CHECK(given_from_cn("Ivan", "Petrov") == "Ivan");
    CHECK(given_from_cn("Petrov", "Petrov").empty());
}

TEST_CASE("R-SAV-6: taken names are adjusted: first.last, first.last2, first.last3") {
    std::set<std::string> taken{"ivan.petrov", "ivan.petrov2"};
    auto is_taken = [&](const std::string& c) -> std::optional<bool> { return taken.contains(c); };
    CHECK(first_free("ivan.petrov", is_taken) == std::optional<std::string>("ivan.petrov3"));
    CHECK(first_free("anna.kim", is_taken) == std::optional<std::string>("anna.kim"));
    CHECK_FALSE(first_free("ivan.petrov", is_taken, 2).has_value());
    auto down = [](const std::string&) -> std::optional<bool> { return std::nullopt; };
    CHECK_FALSE(first_free("ivan.petrov", down).has_value());
}
