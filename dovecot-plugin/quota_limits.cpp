// quota_limits.cpp: defaults and parsers for the plugin's per-user limits, on top of core's
// exact unit parsers (core/config/units.hpp). Rules: R-PSH-4, R-SAV-1, R-MYO-8.
#include "dovecot-plugin/quota_limits.hpp"

#include <fmt/format.h>

#include "core/config/config.hpp"

namespace mailwarden::quota_plugin {

limits default_limits() {
    const config::quota_settings defaults{};
    return limits{defaults.storage_bytes, defaults.messages};
}

namespace {

// Userdb values are hostile: refuse an overlong one before any parser sees it, with its
// length but not its text (never cut: a cut value could parse as a different number).
bool too_long(std::string_view text, parse_result& out) {
    if (text.size() <= max_limit_text) return false;
    out.error =
        fmt::format("value of {} bytes is too long (at most {})", text.size(), max_limit_text);
    return true;
}

}  // namespace

parse_result parse_storage_limit(std::string_view text) {
    parse_result r;
    if (too_long(text, r)) return r;
    return config::parse_size(text);
}

parse_result parse_message_limit(std::string_view text) {
    parse_result r;
    if (too_long(text, r)) return r;
    return config::parse_count(text);
}

}  // namespace mailwarden::quota_plugin
