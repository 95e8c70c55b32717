// test_suggest.cpp: edit distance and "did you mean" pick the one close candidate, and
// nothing when two are as close or none is close (a wrong hint is worse than none).
#include <doctest/doctest.h>

#include <string_view>
#include <vector>

#include "core/config/suggest.hpp"

using mailwarden::config::closest;
using mailwarden::config::edit_distance;

TEST_CASE("config suggest: edit distance counts insertions, deletions, changes and swaps") {
    struct row {
        std::string_view a, b;
        std::size_t distance;
    };
    const row rows[] = {
        {"", "", 0},
        {"", "abc", 3},
        {"abc", "", 3},
        {"timeout", "timeout", 0},
        {"daly_limit", "daily_limit", 1},   // deletion
        {"dailly_limit", "daily_limit", 1}, // insertion
        {"daily_limet", "daily_limit", 1},  // change
        {"tiemout", "timeout", 1},          // swap
        {"ab", "ba", 1},
        {"kitten", "sitting", 3},
        {"sendcap", "send_cap", 1},
        {"quota", "limits", 5},  // q/l u/i o/m +i t a/s
    };
    for (const auto& r : rows) {
        CAPTURE(r.a);
        CAPTURE(r.b);
        CHECK(edit_distance(r.a, r.b) == r.distance);
        CHECK(edit_distance(r.b, r.a) == r.distance);
    }
}

TEST_CASE("config suggest: one close candidate, or none") {
    const std::vector<std::string_view> keys = {"uri", "url_base", "timeout", "page_size",
                                                "cache_ttl", "negative_cache_ttl"};
    CHECK(closest("tiemout", keys) == std::optional<std::string_view>("timeout"));
    CHECK(closest("pagesize", keys) == std::optional<std::string_view>("page_size"));
    CHECK(closest("uri", keys) == std::optional<std::string_view>("uri"));
    CHECK(closest("ur", keys) == std::optional<std::string_view>("uri"));  // 1 edit, short name
    CHECK_FALSE(closest("u", keys).has_value());                           // 2 edits: too far
    CHECK_FALSE(closest("frobnicate", keys).has_value());
    CHECK_FALSE(closest("", keys).has_value());
    CHECK_FALSE(closest("x", {}).has_value());
    // two candidates equally close: no guess
    const std::vector<std::string_view> twins = {"level_a", "level_b"};
    CHECK_FALSE(closest("level_c", twins).has_value());
    // thresholds: 2 edits for up to 6 characters, 3 beyond
    const std::vector<std::string_view> one = {"window", "block_duration"};
    CHECK(closest("windoo", one) == std::optional<std::string_view>("window"));
    CHECK(closest("wndww", one) == std::optional<std::string_view>("window"));
    CHECK_FALSE(closest("wnd", one).has_value());
    CHECK(closest("blok_duratoin", one) == std::optional<std::string_view>("block_duration"));
}
