// suggest.hpp: "did you mean ...?" for unknown configuration keys: the one candidate close
// enough to a misspelt name, by edit distance.
// Rules: none directly; it serves every key (config errors name the likely intended key).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace mailwarden::config {

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// adjacent characters each cost 1. edit_distance("daly_limit", "daily_limit") == 1;
// edit_distance("tiemout", "timeout") == 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close (at most 1 edit for names of up to 3
// characters, 2 up to 6, else 3) and no other candidate is as close; otherwise none, since
// a suggestion that may be wrong is worse than none.
std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates);

}  // namespace mailwarden::config
