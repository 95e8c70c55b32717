// config_test_util.hpp: helpers shared by the core/config unit tests: a config's errors as
// "FILE:LINE: KEY: message" strings, and a temporary directory removed at scope exit.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"

namespace mailwarden::config::test {

// Every error of load_string(yaml, "t.yaml"), formatted; empty when it loaded.
inline std::vector<std::string> errors_of(std::string_view yaml) {
    std::vector<std::string> out;
    for (const auto& e : load_string(yaml, "t.yaml").errors) out.push_back(e.to_string());
    return out;
}

// Loads and requires success.
inline settings loaded(std::string_view yaml, const std::string& file = "t.yaml") {
    auto r = load_string(yaml, file);
    for (const auto& e : r.errors) INFO(e.to_string());
    REQUIRE_MESSAGE(r.ok(), (r.errors.empty() ? std::string() : r.errors[0].to_string()));
    return *r.value;
}

class temp_dir {
public:
    temp_dir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "mw-config-test-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const { return path_; }

    std::string write(const std::string& name, std::string_view content) const {
        const auto p = path_ / name;
        std::ofstream out(p, std::ios::binary);
        out << content;
        REQUIRE(out.good());
        return p.string();
    }

private:
    std::filesystem::path path_;
};

}  // namespace mailwarden::config::test
