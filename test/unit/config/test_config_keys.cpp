// test_config_keys.cpp: the key table agrees with config.hpp: each entry's default is the
// struct's initialiser (so settings{} is the documented default), every key can be set from
// YAML, sections and names are well formed; and the defaults the rulebooks demand are the
// shipped ones (R-PSH: 2 GB quota, 100 MB size, 100 a day, 24 h block).
// Rules: R-PSH-4, R-PSH-5, R-PSH-6 (defaults); style guide 25 (one declarative table).
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>

#include "core/config/config.hpp"
#include "core/config/config_keys.hpp"
#include "test/unit/config/config_test_util.hpp"

using namespace mailwarden::config;
using mailwarden::config::test::loaded;

TEST_CASE("R-PSH-4 R-PSH-5 R-PSH-6: the defaults are the Pashtar rulebook's numbers") {
    const settings s;
    CHECK(s.quota.storage_bytes == 2'000'000'000);              // R-PSH-4: 2 GB
    CHECK(s.limits.max_message_size_outgoing == 100'000'000);  // R-PSH-5: 100 MB
    CHECK(s.limits.max_message_size_incoming == 100'000'000);
    CHECK(s.send_cap.daily_limit == 100);                      // R-PSH-6: 100 a day
    CHECK(s.send_cap.window == seconds{86'400});
    CHECK(s.send_cap.block_duration == seconds{86'400});       // R-PSH-6: 24 hours
    CHECK(s.send_cap.bucket <= seconds{300});                  // DESIGN: at most 5 minutes
    CHECK(s.milter.on_dependency_failure == mailwarden::policy::action::tempfail);
}

TEST_CASE("config keys: each table default equals the struct initialiser") {
    const settings defaults;
    for (const key_info& k : keys()) {
        CAPTURE(k.path);
        const auto v = parse_value(k, k.default_text);
        REQUIRE_MESSAGE(v.ok(), v.error);
        CHECK(check_value(k, *v.value).empty());
        CHECK(*v.value == k.field.get(defaults));
        // and the default is written in its canonical form (strings are quoted by dump)
        if (k.kind != key_kind::string && k.kind != key_kind::path)
            CHECK(format_value(k, *v.value) == k.default_text);
    }
}

TEST_CASE("config keys: every key can be set from YAML, and only its field changes") {
    for (const key_info& k : keys()) {
        CAPTURE(k.path);
        // A value other than the default, within range.
        key_value other;
        switch (k.kind) {
            case key_kind::string: other = std::string(k.default_text) + "x"; break;
            case key_kind::path: other = std::string("/other"); break;
            case key_kind::boolean: other = !std::get<bool>(k.field.get(settings{})); break;
            case key_kind::count:
            case key_kind::size: other = k.max; break;
            case key_kind::duration: other = seconds{static_cast<std::int64_t>(k.max)}; break;
            case key_kind::enumeration: {
                const auto current = std::get<enum_value>(k.field.get(settings{}));
                other = enum_value{k.words.front().value == current.value ? k.words.back().value
                                                                          : k.words.front().value};
                break;
            }
        }
        if (!check_value(k, other).empty()) continue;  // e.g. a URI with a syntax check
        const std::string dot = std::string(k.path);
        const std::size_t split = dot.find('.');
        const std::string yaml = dot.substr(0, split) + ":\n  " + dot.substr(split + 1) + ": " +
                                 format_value(k, other) + "\n";
        CAPTURE(yaml);
        const auto r = load_string(yaml, "t.yaml");
        // A changed key may trip a cross-key check; then the error names a related key.
        if (!r.ok()) {
            CHECK(r.errors.size() == 1);
            continue;
        }
        CHECK(k.field.get(*r.value) == other);
        settings expected;
        expected.source_file = "t.yaml";
        k.field.set(expected, other);
        CHECK(*r.value == expected);
    }
}

TEST_CASE("config keys: paths, sections, units, help and enum words are well formed") {
    std::set<std::string_view> paths;
    for (const key_info& k : keys()) {
        CAPTURE(k.path);
        CHECK(paths.insert(k.path).second);
        CHECK(find_key(k.path) == &k);
        CHECK(std::count(k.path.begin(), k.path.end(), '.') == 1);  // section.key (dump relies)
        for (char c : k.path) CHECK(((c >= 'a' && c <= 'z') || c == '_' || c == '.'));
        CHECK_FALSE(k.help.empty());
        CHECK(k.help.size() <= 100);  // one line
        if (k.kind == key_kind::count || k.kind == key_kind::size ||
            k.kind == key_kind::duration)
            CHECK_FALSE(k.unit.empty());
        std::set<std::string_view> words;
        std::set<int> values;
        for (const auto& w : k.words) {
            CHECK(words.insert(w.word).second);
            CHECK(values.insert(w.value).second);
        }
        if (!k.rules.empty()) CHECK(k.rules.starts_with("R-"));
    }
    CHECK(find_key("send_cap") == nullptr);
    CHECK(find_key("send_cap.daily") == nullptr);
    CHECK(is_section("send_cap"));
    CHECK_FALSE(is_section("send"));
    CHECK_FALSE(is_section("send_cap.daily_limit"));
    CHECK_FALSE(is_section(""));
    CHECK(child_names("") ==
          std::vector<std::string_view>{"ldap", "log", "milter", "limits", "send_cap", "sender",
                                        "rules", "quota", "provisioning", "password_policy",
                                        "attributes", "account_status", "classes",
                                        "class_limits", "domain_limits"});
    CHECK(child_names("log") == std::vector<std::string_view>{"target", "level"});
    CHECK(child_names("nothing").empty());
    for (const cross_check& c : cross_checks()) {
        // a key, or a repeated section (class_limits)
        CHECK((find_key(c.keys[0]) != nullptr || find_repeated_section(c.keys[0]) != nullptr));
        CHECK((find_key(c.keys[1]) != nullptr || find_repeated_section(c.keys[1]) != nullptr));
        CHECK(c.check(settings{}).empty());  // the defaults pass every cross-key check
    }
}

TEST_CASE("config keys: describe_kind says what to write") {
    CHECK(describe_kind(*find_key("send_cap.daily_limit")) == "a whole number of messages");
    CHECK(describe_kind(*find_key("quota.storage_bytes")) == "a size such as 100MB, 3.5MB or 2GiB");
    CHECK(describe_kind(*find_key("quota.grace")) == "a duration such as 24h, 7d or 1h30m");
    CHECK(describe_kind(*find_key("log.level")) == "one of: debug, info, warning, error");
    CHECK(describe_kind(*find_key("ldap.start_tls")) == "true or false");
    CHECK(describe_kind(*find_key("ldap.ca_file")) == "an absolute path");
    CHECK(to_string(key_kind::enumeration) == "enumeration");
}
