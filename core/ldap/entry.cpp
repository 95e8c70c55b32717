// entry.cpp: attribute name validation and entry accessors (see entry.hpp).
#include "core/ldap/entry.hpp"

#include <algorithm>

namespace mailwarden::ldap {

namespace {

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_keychar(char c) { return is_alpha(c) || is_digit(c) || c == '-'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// descr = ALPHA *keychar
bool is_descr(std::string_view s) {
    if (s.empty() || !is_alpha(s.front())) return false;
    return std::all_of(s.begin(), s.end(), is_keychar);
}

// numericoid = number 1*( DOT number ); number = DIGIT / ( LDIGIT 1*DIGIT )
bool is_numericoid(std::string_view s) {
    std::size_t parts = 0;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = s.find('.', start);
        const std::string_view number =
            s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (number.empty() || !std::all_of(number.begin(), number.end(), is_digit)) return false;
        if (number.size() > 1 && number.front() == '0') return false;
        ++parts;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return parts >= 2;
}

}  // namespace

bool is_valid_attribute_name(std::string_view text) {
    const std::size_t semi = text.find(';');
    const std::string_view type = text.substr(0, semi);
    if (!is_descr(type) && !is_numericoid(type)) return false;
    if (semi == std::string_view::npos) return true;
    std::string_view options = text.substr(semi + 1);
    while (true) {
        const std::size_t next = options.find(';');
        const std::string_view option = options.substr(0, next);
        if (option.empty() || !std::all_of(option.begin(), option.end(), is_keychar))
            return false;
        if (next == std::string_view::npos) return true;
        options.remove_prefix(next + 1);
    }
}

bool attribute_name_less::operator()(std::string_view a, std::string_view b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                        [](char x, char y) { return lower(x) < lower(y); });
}

const values& entry::get(std::string_view name) const {
    static const values none;
    const auto it = attributes.find(name);
    return it == attributes.end() ? none : it->second;
}

std::optional<std::string> entry::single(std::string_view name) const {
    const values& v = get(name);
    if (v.size() != 1) return std::nullopt;
    return v.front();
}

}  // namespace mailwarden::ldap
