// test_conf_d.cpp: the shipped conf.d/mailwarden.yaml is the administrator's reference: it
// loads without error to exactly the built-in defaults, sets every key of the table
// explicitly, and the comment above each key names its unit and the rules it serves.
// Rules: R-PSH-4, R-PSH-5, R-PSH-6 (the shipped defaults); style guide 29 (conf.d covers
// every key with its default and R-IDs).
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/config/config_keys.hpp"

using namespace mailwarden::config;

namespace {

const std::string shipped = std::string(MW_SOURCE_DIR) + "/conf.d/mailwarden.yaml";

std::vector<std::string> file_lines(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The comment lines directly above line `index` (0-based), joined.
std::string comment_above(const std::vector<std::string>& lines, std::size_t index) {
    std::string out;
    while (index > 0) {
        const std::string& l = lines[--index];
        const auto start = l.find_first_not_of(' ');
        if (start == std::string::npos || l[start] != '#') break;
        out = l.substr(start) + "\n" + out;
    }
    return out;
}

}  // namespace

TEST_CASE("R-PSH-4 R-PSH-5 R-PSH-6: conf.d/mailwarden.yaml loads to exactly the defaults") {
    const auto r = load_file(shipped);
    for (const auto& e : r.errors) FAIL_CHECK(e.to_string());
    REQUIRE(r.ok());
    settings expected;
    expected.source_file = shipped;
    CHECK(*r.value == expected);
    CHECK(r.value->quota.storage_bytes == 2'000'000'000);
    CHECK(r.value->limits.max_message_size_outgoing == 100'000'000);
    CHECK(r.value->send_cap.daily_limit == 100);
    CHECK(r.value->send_cap.block_duration == seconds{86'400});
}

TEST_CASE("config: conf.d/mailwarden.yaml sets every key, commented with unit and rules") {
    const YAML::Node root = YAML::LoadFile(shipped);
    const auto lines = file_lines(shipped);
    for (const key_info& k : keys()) {
        CAPTURE(k.path);
        const std::string path(k.path);
        const std::string section = path.substr(0, path.find('.'));
        const std::string name = path.substr(path.find('.') + 1);
        const YAML::Node value = root[section][name];
        REQUIRE_MESSAGE(value.IsDefined(), "key missing from conf.d/mailwarden.yaml");
        // the line of the key: the value's line, or the next one for an empty value
        std::size_t line = 0;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (lines[i].rfind("  " + name + ":", 0) == 0 &&
                static_cast<int>(i) >= value.Mark().line - 1) {
                line = i;
                break;
            }
        }
        REQUIRE(line > 0);
        const std::string comment = comment_above(lines, line);
        CAPTURE(comment);
        CHECK_FALSE(comment.empty());
        std::istringstream rules{std::string(k.rules)};
        for (std::string rule; rules >> rule;) CHECK(comment.find(rule) != std::string::npos);
        if (k.rules.empty()) CHECK(comment.find("Rules: plumbing.") != std::string::npos);
        if (k.kind == key_kind::size) CHECK(comment.find("Size") != std::string::npos);
        if (k.kind == key_kind::duration) CHECK(comment.find("Duration") != std::string::npos);
        if (k.kind == key_kind::count)
            CHECK(comment.find(std::string(k.unit)) != std::string::npos);
    }
}
