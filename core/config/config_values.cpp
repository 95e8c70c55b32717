// config_values.cpp: one key's value: parsed from YAML scalar text, checked against the
// key's table entry, and written back as a YAML scalar that parses to the same value.
// Rules: R-PSH-4, R-PSH-5, R-PSH-6, R-SAV-1, R-SAV-2, R-SAV-4 (exact numbers, via units.hpp).
// Hostile text (any value may be a typo or worse) gets an error naming it, sanitised;
// nothing is truncated or guessed.
#include <algorithm>

#include <fmt/format.h>

#include "core/config/config_keys.hpp"
#include "core/util/log.hpp"
#include "core/util/utf8.hpp"

namespace mailwarden::config {

namespace {

std::string quoted(std::string_view text) {
    return fmt::format("\"{}\"", log::sanitize(text, 64));
}

std::string word_list(std::span<const enum_word> words) {
    std::string out;
    for (const auto& w : words) {
        if (!out.empty()) out += ", ";
        out += w.word;
    }
    return out;
}


// "" for UTF-8 text without control characters (C0, DEL, C1), else where and what.
std::string text_problem(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = utf8::sequence_length(s, i);
        if (n == 0) return fmt::format("is not valid UTF-8 (byte {} of the value)", i + 1);
        const auto b = static_cast<unsigned char>(s[i]);
        const bool c1 = utf8::is_c1_control(s, i, n);
        if ((n == 1 && (b < 0x20 || b == 0x7F)) || c1)
            return fmt::format("contains a control character (byte {} of the value)", i + 1);
        i += n;
    }
    return {};
}

std::string format_bound(const key_info& key, std::uint64_t v) {
    if (key.kind == key_kind::size) return format_size(v);
    return format_duration(seconds{static_cast<std::int64_t>(v)});
}

// "must be between 1 and 100000 entries, got 0"; "must be between 1s and 5m, got 10m".
std::string range_problem(const key_info& key, std::uint64_t v) {
    if (v >= key.min && v <= key.max) return {};
    if (key.kind == key_kind::count) {
        const std::string unit = key.unit.empty() ? "" : fmt::format(" {}", key.unit);
        if (key.min == 0) return fmt::format("must be at most {}{}, got {}", key.max, unit, v);
        return fmt::format("must be between {} and {}{}, got {}", key.min, key.max, unit, v);
    }
    if (key.min == 0)
        return fmt::format("must be at most {}, got {}", format_bound(key, key.max),
                           format_bound(key, v));
    return fmt::format("must be between {} and {}, got {}", format_bound(key, key.min),
                       format_bound(key, key.max), format_bound(key, v));
}

std::string string_problem(const key_info& key, const std::string& s) {
    if (s.size() < key.min)
        return key.min == 1 ? std::string("must not be empty")
                            : fmt::format("must be at least {} bytes long", key.min);
    if (s.size() > key.max)
        return fmt::format("is too long: {} bytes, at most {}", s.size(), key.max);
    if (auto p = text_problem(s); !p.empty()) return p;
    if (key.kind == key_kind::path && !s.empty() && s[0] != '/')
        return fmt::format("must be an absolute path (the daemon runs from /), got {}",
                           quoted(s));
    if (key.check != nullptr) return key.check(s);
    return {};
}

// Double-quoted YAML: only backslash, the quote and control bytes need escapes; UTF-8 is
// written as is (yaml-cpp reads it back unchanged).
std::string yaml_quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (b < 0x20 || b == 0x7F) {
            out += fmt::format("\\x{:02x}", b);
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

}  // namespace

std::string_view to_string(key_kind k) {
    switch (k) {
        case key_kind::string: return "string";
        case key_kind::path: return "path";
        case key_kind::boolean: return "boolean";
        case key_kind::count: return "count";
        case key_kind::size: return "size";
        case key_kind::duration: return "duration";
        case key_kind::enumeration: return "enumeration";
    }
    return "string";
}

std::string describe_kind(const key_info& key) {
    switch (key.kind) {
        case key_kind::string: return "text";
        case key_kind::path: return "an absolute path";
        case key_kind::boolean: return "true or false";
        case key_kind::count:
            return key.unit.empty() ? std::string("a whole number")
                                    : fmt::format("a whole number of {}", key.unit);
        case key_kind::size: return "a size such as 100MB, 3.5MB or 2GiB";
        case key_kind::duration: return "a duration such as 24h, 7d or 1h30m";
        case key_kind::enumeration: return fmt::format("one of: {}", word_list(key.words));
    }
    return "a value";
}

namespace {

// One way out for every success: building the result in place keeps GCC 12's
// -Wmaybe-uninitialized quiet about optional<variant<string, ...>> under sanitizers.
parsed<key_value> success(key_value v) {
    parsed<key_value> r;
    r.value.emplace(std::move(v));
    return r;
}

parsed<key_value> failure(std::string why) {
    parsed<key_value> r;
    r.error = std::move(why);
    return r;
}

}  // namespace

parsed<key_value> parse_value(const key_info& key, std::string_view text) {
    const auto lift = [](auto r) -> parsed<key_value> {
        if (!r.ok()) return failure(std::move(r.error));
        return success(key_value{*r.value});
    };
    switch (key.kind) {
        case key_kind::string:
        case key_kind::path: return success(key_value{std::string(text)});
        case key_kind::boolean:
            // YAML 1.1 and Dovecot write yes/no; both spellings mean the same here, and
            // nothing else is guessed (not "on", "1", "True").
            if (text == "true" || text == "yes") return success(key_value{true});
            if (text == "false" || text == "no") return success(key_value{false});
            return failure(fmt::format("expected true or false, got {}", quoted(text)));
        case key_kind::count: {
            auto r = parse_count(text);
            if (!r.ok() && r.error.starts_with("expected"))
                r.error = fmt::format("expected {}, got {}", describe_kind(key), quoted(text));
            return lift(std::move(r));
        }
        case key_kind::size: return lift(parse_size(text));
        case key_kind::duration: return lift(parse_duration(text));
        case key_kind::enumeration:
            for (const auto& w : key.words)
                if (w.word == text) return success(key_value{enum_value{w.value}});
            return failure(fmt::format("{} is not one of: {}", quoted(text), word_list(key.words)));
    }
    return failure("unsupported key kind");
}

std::string check_value(const key_info& key, const key_value& value) {
    switch (key.kind) {
        case key_kind::string:
        case key_kind::path: return string_problem(key, std::get<std::string>(value));
        case key_kind::boolean: return {};
        case key_kind::count:
        case key_kind::size: return range_problem(key, std::get<std::uint64_t>(value));
        case key_kind::duration: {
            const auto s = std::get<seconds>(value).count();
            if (s < 0) return fmt::format("must not be negative, got {}s", s);
            return range_problem(key, static_cast<std::uint64_t>(s));
        }
        case key_kind::enumeration: {
            const int v = std::get<enum_value>(value).value;
            const bool known = std::any_of(key.words.begin(), key.words.end(),
                                           [&](const enum_word& w) { return w.value == v; });
            if (known) return {};
            return fmt::format("holds a value ({}) that is not one of: {}", v,
                               word_list(key.words));
        }
    }
    return "unsupported key kind";
}

std::string format_value(const key_info& key, const key_value& value) {
    switch (key.kind) {
        case key_kind::string:
        case key_kind::path: return yaml_quote(std::get<std::string>(value));
        case key_kind::boolean: return std::get<bool>(value) ? "true" : "false";
        case key_kind::count: return std::to_string(std::get<std::uint64_t>(value));
        case key_kind::size: return format_size(std::get<std::uint64_t>(value));
        case key_kind::duration: {
            const seconds s = std::get<seconds>(value);
            // A negative duration cannot be written; this string fails to load, naming it.
            if (s.count() < 0) return yaml_quote(fmt::format("{}s", s.count()));
            return format_duration(s);
        }
        case key_kind::enumeration: {
            const int v = std::get<enum_value>(value).value;
            for (const auto& w : key.words)
                if (w.value == v) return std::string(w.word);
            return yaml_quote(fmt::format("invalid value {}", v));
        }
    }
    return "\"\"";
}

}  // namespace mailwarden::config
