// text.hpp: small text helpers shared by the config-driven lists (trusted networks,
// local domains, ...).
#pragma once

#include <string_view>
#include <vector>

namespace mailwarden::text {

// The items of a list written with spaces, commas or tabs between them, empty ones
// dropped: "a, b\tc,,d" -> {"a", "b", "c", "d"}. The views point into `list`.
std::vector<std::string_view> split_list(std::string_view list);

}  // namespace mailwarden::text
