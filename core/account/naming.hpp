// naming.hpp: R-SAV-6 aliases `first.last@domain` made from a person's name: ICU
// transliteration to ASCII ("Any-Latin; Latin-ASCII"), lowercase, then only a-z and 0-9
// kept in each part; de-duplicated against every address already taken (live addresses,
// aliases and tombstones) as first.last, first.last2, first.last3, ...
//   alias_local_part("Ľubomír", "Šťastný")  -> "lubomir.stastny"
//   alias_local_part("Іван", "Пятроў")      -> "ivan.piatrou" (ICU's Cyrillic rules)
//   alias_local_part("João", "Conceição")   -> "joao.conceicao"
//   alias_local_part("Anne-Marie", "O'Neil") -> "annemarie.oneil"
// Rules: R-SAV-6 (alias first.last, adjusted when taken), R-TJP-1 (secondary addresses).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mailwarden::account {

// text transliterated to lowercase ASCII letters and digits only (everything else
// dropped). "" when nothing is left (e.g. only punctuation) or text is not valid UTF-8.
std::string ascii_fold(std::string_view text);

// "first.last" from a given name and a surname; nullopt when either folds to nothing.
// When the given name is empty, the first word of cn is used by the caller.
std::optional<std::string> alias_local_part(std::string_view given, std::string_view surname);

// The given name inside cn: cn without the surname, first word ("Ivan Petrov", "Petrov"
// -> "Ivan"; "Petrov Ivan", "Petrov" -> "Ivan"; "Ivan", "Petrov" -> "Ivan").
std::string given_from_cn(std::string_view cn, std::string_view surname);

// The first of base, base2, base3, ... (up to max_tries) for which taken(candidate)
// is false. taken may fail (a directory error): it returns nullopt then, and so does
// this. nullopt also when all tries are taken.
std::optional<std::string> first_free(
    const std::string& base, const std::function<std::optional<bool>(const std::string&)>& taken,
    int max_tries = 1000);

}  // namespace mailwarden::account
