// state.cpp: the quota state line and its file (state.hpp). Rules: R-SAV-2, R-SAV-1.
#include "core/quota/state.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/config/units.hpp"
#include "core/util/log.hpp"

namespace mailwarden::quota {

namespace {

constexpr std::string_view magic = "mailwarden-quota";
constexpr std::size_t max_state_file = 4096;

}  // namespace

std::string format_state(const mailbox_state& state) {
    const std::string since =
        state.grace.over_since
            ? fmt::format("{}", state.grace.over_since->time_since_epoch().count())
            : std::string("-");
    return fmt::format("{} 1 over_since={} warned={}\n", magic, since, state.warned_level);
}

std::optional<mailbox_state> parse_state(std::string_view text, std::string* error) {
    std::istringstream in{std::string(text)};
    std::string word, version;
    if (!(in >> word >> version) || word != magic || version != "1") {
        if (error) *error = "not a mailwarden-quota version 1 state";
        return std::nullopt;
    }
    mailbox_state st;
    while (in >> word) {
        const auto eq = word.find('=');
        if (eq == std::string::npos) {
            if (error) *error = fmt::format("malformed field '{}'", log::sanitize(word, 40));
            return std::nullopt;
        }
        const std::string_view key = std::string_view(word).substr(0, eq);
        const std::string_view value = std::string_view(word).substr(eq + 1);
        if (key == "over_since") {
            if (value == "-") continue;
            const auto n = config::parse_count(value);
            if (!n.ok() || *n.value > 1'000'000'000'000ULL) {
                if (error) *error = "malformed over_since";
                return std::nullopt;
            }
            st.grace.over_since = time_point{seconds{static_cast<seconds::rep>(*n.value)}};
        } else if (key == "warned") {
            const auto n = config::parse_count(value);
            if (!n.ok() || *n.value > 1000) {
                if (error) *error = "malformed warned";
                return std::nullopt;
            }
            st.warned_level = static_cast<unsigned>(*n.value);
        }
        // other keys: written by a newer version; ignored
    }
    return st;
}

mailbox_state load_state(const std::string& path, std::string* error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (errno != ENOENT && error)
            *error = fmt::format("cannot read {}: {}", path, std::strerror(errno));
        return {};
    }
    std::string text(max_state_file + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_state_file) {
        if (error) *error = fmt::format("{} is larger than {} bytes", path, max_state_file);
        return {};
    }
    std::string why;
    auto st = parse_state(text, &why);
    if (!st) {
        if (error) *error = fmt::format("{}: {}", path, why);
        return {};
    }
    return *st;
}

bool save_state(const std::string& path, const mailbox_state& state, std::string* error) {
    const std::string tmp = path + ".tmp";
    const std::string text = format_state(state);
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) {
        if (error) *error = fmt::format("cannot create {}: {}", tmp, std::strerror(errno));
        return false;
    }
    const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    const bool closed = std::fclose(f) == 0;
    if (!written || !closed || std::rename(tmp.c_str(), path.c_str()) != 0) {
        if (error) *error = fmt::format("cannot write {}: {}", path, std::strerror(errno));
        std::remove(tmp.c_str());
        return false;
    }
    return true;
}

}  // namespace mailwarden::quota
