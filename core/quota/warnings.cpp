// warnings.cpp: warning thresholds and crossings (warnings.hpp). Rules: R-SAV-1.
#include "core/quota/warnings.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/quota/grace.hpp"
#include "core/util/log.hpp"

namespace mailwarden::quota {

config::parsed<threshold> parse_threshold(std::string_view text) {
    config::parsed<threshold> r;
    if (!text.empty() && text.back() == '%') {
        const auto n = config::parse_count(text.substr(0, text.size() - 1));
        if (!n.ok() || *n.value == 0 || *n.value > 100000) {
            r.error =
                fmt::format("'{}' is not a percentage (1%..100000%)", log::sanitize(text, 40));
            return r;
        }
        r.value = threshold{true, *n.value};
        return r;
    }
    const auto n = config::parse_size(text);
    if (!n.ok() || *n.value == 0) {
        r.error = fmt::format("'{}' is not a size or a percentage: {}", log::sanitize(text, 40),
                              n.ok() ? std::string("0 is not a threshold") : n.error);
        return r;
    }
    r.value = threshold{false, *n.value};
    return r;
}

config::parsed<std::vector<threshold>> parse_thresholds(std::string_view text) {
    config::parsed<std::vector<threshold>> r;
    std::vector<threshold> out;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
        std::size_t j = i;
        while (j < text.size() && text[j] != ' ' && text[j] != ',') ++j;
        if (j > i) {
            auto t = parse_threshold(text.substr(i, j - i));
            if (!t.ok()) {
                r.error = t.error;
                return r;
            }
            out.push_back(*t.value);
        }
        i = j;
    }
    r.value = std::move(out);
    return r;
}

std::vector<std::uint64_t> resolve(const std::vector<threshold>& list, std::uint64_t limit) {
    std::vector<std::uint64_t> out;
    for (const threshold& t : list) {
        if (!t.percent) {
            out.push_back(t.value);
        } else if (limit != 0) {
            // percent_of never goes below its base; a threshold below 100% must
            const std::uint64_t v = t.value >= 100
                                        ? percent_of(limit, t.value)
                                        : limit / 100 * t.value + limit % 100 * t.value / 100;
            if (v != 0) out.push_back(v);
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

warning_decision check_warnings(std::uint64_t bytes, const std::vector<std::uint64_t>& resolved,
                                unsigned announced) {
    warning_decision d;
    unsigned level = 0;
    for (std::uint64_t t : resolved)
        if (bytes >= t) ++level;
    d.level = level;
    if (level > announced) {
        d.send = notice::warning;
        d.threshold = resolved[level - 1];
    } else if (level == 0 && announced > 0) {
        d.send = notice::back_under;
    }
    return d;
}

}  // namespace mailwarden::quota
