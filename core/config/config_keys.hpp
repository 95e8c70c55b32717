// config_keys.hpp: the declarative table behind config.hpp. One key_info per key says
// everything about it: dotted path, kind, default, bounds, unit, the rules it serves, a
// one-line help, and which `settings` field holds it. The loader, validate(), dump() and
// --check-config are written once against this table, so adding a key is one table entry
// (config_keys.cpp) plus one struct field (config.hpp); the table is checked at compile
// time (kind matches the field's type, bounds fit the field, paths unique) and the
// defaults against the struct initialisers by a unit test.
// Rules: every R-ID that has a key (see the table); R-MYO-7 (one setting per limit).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/config/config.hpp"
#include "core/config/units.hpp"

namespace mailwarden::config {

enum class key_kind {
    string,       // UTF-8 text without control characters; min/max bound its length in bytes
    path,         // an absolute file path, or empty for "none"; min/max bound its length
    boolean,      // true or false (yes and no accepted, as in Dovecot and Postfix)
    count,        // a whole number (units.hpp parse_count); min/max bound it
    size,         // bytes, written with a unit (units.hpp parse_size); min/max in bytes
    duration,     // whole seconds, written with a unit (parse_duration); min/max in seconds
    enumeration,  // one of `words`
};

std::string_view to_string(key_kind k);

// An enumeration's value, as the integer of its C++ enum.
struct enum_value {
    int value = 0;
    auto operator<=>(const enum_value&) const = default;
};

// One key's value, independent of where it is stored: string and path keys hold a string,
// count and size keys a uint64, durations seconds.
using key_value = std::variant<std::string, bool, std::uint64_t, seconds, enum_value>;

// The C++ type of a settings field, as far as the table cares.
enum class field_type { string, boolean, unsigned_integer, duration, enumeration };

// How a key reaches its field: get and set copy between `settings` and key_value.
struct field_binding {
    field_type type = field_type::string;
    std::uint64_t type_max = 0;  // the largest value an unsigned_integer field holds
    key_value (*get)(const settings&) = nullptr;
    void (*set)(settings&, const key_value&) = nullptr;
};

struct enum_word {
    std::string_view word;
    int value = 0;
};

template <typename E>
constexpr enum_word word(std::string_view w, E e) {
    static_assert(std::is_enum_v<E>);
    return {w, static_cast<int>(e)};
}

// An extra syntax check on a string key: "" when the value is fine, else why not.
using string_check = std::string (*)(std::string_view value);

struct key_info {
    std::string_view path = {};     // "send_cap.daily_limit": section(s), then the key
    key_kind kind = key_kind::string;
    std::string_view default_text = {};  // as an administrator writes it: "100MB", "24h", "syslog"
    std::uint64_t min = 0;          // see key_kind: value, bytes, seconds or string length
    std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    std::string_view unit = {};     // what a number counts: "bytes", "seconds", "messages"
    std::string_view rules = {};    // R-IDs it serves, space-separated; empty for plumbing
    std::string_view help = {};     // one line, for conf.d and --check-config readers
    std::span<const enum_word> words = {};  // enumeration only, in the order help lists them
    string_check check = nullptr;   // string and path only; optional
    field_binding field = {};
};

// A check involving several keys, run after every key has loaded.
struct cross_check {
    std::array<std::string_view, 2> keys = {};  // keys[0] is named in the error
    std::string_view rules = {};
    std::string (*check)(const settings&) = nullptr;  // "" when fine, else why not
};

// The table, in the order dump() and conf.d present it.
std::span<const key_info> keys();
std::span<const cross_check> cross_checks();

// nullptr when `path` is not a key.
const key_info* find_key(std::string_view path);
// Is `path` a section, i.e. a proper prefix ("send_cap") of some key's path?
bool is_section(std::string_view path);
// The names directly under a section, in table order ("" for the top level, where the
// repeated sections follow the table's): child_names("send_cap") -> {"daily_limit",
// "window", ...}; child_names("") -> {"ldap", ..., "class_limits", "domain_limits"}.
std::vector<std::string_view> child_names(std::string_view section);

// One key's value from its YAML scalar text. Fails with a message (no key, no file) on a
// wrong type, a sign, a bad unit or an unknown word; range is left to check_value.
parsed<key_value> parse_value(const key_info& key, std::string_view text);
// "" when the value suits the key (range, length, UTF-8, control characters, absolute
// path, enum word, the key's own check), else why not.
std::string check_value(const key_info& key, const key_value& value);
// The value as a YAML scalar that parse_value reads back: strings double-quoted and escaped,
// sizes and durations in their shortest unit form, enum words bare.
std::string format_value(const key_info& key, const key_value& value);
// What an administrator must write, for "expected ..." messages: "a size such as 100MB".
std::string describe_kind(const key_info& key);

// ---- binding a key to its field: member<&settings::send_cap, &send_cap_settings::window>()

namespace detail {

template <auto... Members>
struct member_path {
    static auto& ref(settings& s) { return (s .* ... .* Members); }
    static const auto& ref(const settings& s) { return (s .* ... .* Members); }
};

}  // namespace detail

template <auto... Members>
constexpr field_binding member() {
    using path = detail::member_path<Members...>;
    using field_t = std::remove_cvref_t<decltype(path::ref(std::declval<settings&>()))>;
    if constexpr (std::is_same_v<field_t, std::string>) {
        return {field_type::string, 0,
                [](const settings& s) -> key_value { return path::ref(s); },
                [](settings& s, const key_value& v) { path::ref(s) = std::get<std::string>(v); }};
    } else if constexpr (std::is_same_v<field_t, bool>) {
        return {field_type::boolean, 1,
                [](const settings& s) -> key_value { return path::ref(s); },
                [](settings& s, const key_value& v) { path::ref(s) = std::get<bool>(v); }};
    } else if constexpr (std::is_same_v<field_t, seconds>) {
        return {field_type::duration, 0,
                [](const settings& s) -> key_value { return path::ref(s); },
                [](settings& s, const key_value& v) { path::ref(s) = std::get<seconds>(v); }};
    } else if constexpr (std::is_enum_v<field_t>) {
        return {field_type::enumeration, 0,
                [](const settings& s) -> key_value {
                    return enum_value{static_cast<int>(path::ref(s))};
                },
                [](settings& s, const key_value& v) {
                    path::ref(s) = static_cast<field_t>(std::get<enum_value>(v).value);
                }};
    } else {
        static_assert(std::is_integral_v<field_t> && std::is_unsigned_v<field_t> &&
                          !std::is_same_v<field_t, bool>,
                      "a config field is std::string, bool, seconds, an enum or unsigned");
        // The table's max (checked at compile time against type_max) keeps the narrowing
        // below exact.
        return {field_type::unsigned_integer, std::numeric_limits<field_t>::max(),
                [](const settings& s) -> key_value {
                    return static_cast<std::uint64_t>(path::ref(s));
                },
                [](settings& s, const key_value& v) {
                    path::ref(s) = static_cast<field_t>(std::get<std::uint64_t>(v));
                }};
    }
}

// Compile-time consistency of one entry (used by static_assert in config_keys.cpp).
constexpr bool kind_matches_field(const key_info& k) {
    switch (k.kind) {
        case key_kind::string:
        case key_kind::path: return k.field.type == field_type::string;
        case key_kind::boolean: return k.field.type == field_type::boolean;
        case key_kind::count:
        case key_kind::size:
            return k.field.type == field_type::unsigned_integer && k.max <= k.field.type_max;
        case key_kind::duration:
            return k.field.type == field_type::duration &&
                   k.max <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        case key_kind::enumeration:
            return k.field.type == field_type::enumeration && !k.words.empty();
    }
    return false;
}

// ---- repeated sections: class_limits and domain_limits (issue 4, limits per account class
// and per domain; core/policy/limits.hpp decides which applies). A repeated section maps
// names the administrator chooses to a mapping of override keys:
//   class_limits:
//     staff:
//       max_message_size_outgoing: 3.5MB
// Every override key reuses the kind, bounds and unit of the global key it overrides
// (base), so a value means exactly what it means globally and is parsed, checked, dumped
// and reported by the same code; errors name file, line and the dotted path
// (class_limits.staff.daily_limit).

struct override_key {
    std::string_view name;  // "daily_limit"
    std::string_view base;  // the global key it overrides: "send_cap.daily_limit"
    std::optional<std::uint64_t> limit_overrides::*field = nullptr;
};

struct repeated_section {
    std::string_view path;  // "class_limits" (top level)
    std::string_view what;  // what a name is, for messages: "class", "domain"
    std::string_view rules;
    std::string_view help;
    std::string (*check_name)(std::string_view name) = nullptr;  // "" when fine
    // Two names that are the same entry ("Staff" and "staff"; IDN spellings of a domain).
    std::string (*name_key)(std::string_view name) = nullptr;
    std::vector<named_limits> settings::*field = nullptr;
};

std::span<const override_key> override_keys();
std::span<const repeated_section> repeated_sections();
// nullptr when `path` is not a repeated section / not an override key.
const repeated_section* find_repeated_section(std::string_view path);
const override_key* find_override_key(std::string_view name);
// The global key an override key borrows its kind and bounds from (never null).
const key_info& base_key(const override_key& k);

}  // namespace mailwarden::config
