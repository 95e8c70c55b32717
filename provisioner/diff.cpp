// diff.cpp: see diff.hpp. Rules: R-MYO-9.
#include "provisioner/diff.hpp"

#include <fmt/format.h>

#include "provisioner/validate.hpp"

namespace mailwarden::provisioner {

entry_diff diff_entry(const ldap::entry& current, const ldap::attribute_map& wanted) {
    entry_diff out;
    for (const auto& [name, vals] : wanted) {
        const ldap::values& now = current.get(name);
        if (same_values(now, vals)) continue;
        out.mods.push_back({ldap::mod_op::replace, name, vals});
        for (const auto& v : now) out.lines.push_back("-" + name + ": " + v);
        for (const auto& v : vals) out.lines.push_back("+" + name + ": " + v);
    }
    return out;
}

}  // namespace mailwarden::provisioner

namespace mailwarden::provisioner {

std::string generalized_time(std::chrono::sys_seconds t) {
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{t - day};
    return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}Z", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

std::optional<std::chrono::sys_seconds> parse_generalized_time(std::string_view text) {
    if (text.size() != 15 || text.back() != 'Z') return std::nullopt;
    int v[6] = {};
    const int width[6] = {4, 2, 2, 2, 2, 2};
    std::size_t pos = 0;
    for (int i = 0; i < 6; ++i) {
        for (int k = 0; k < width[i]; ++k, ++pos) {
            const char c = text[pos];
            if (c < '0' || c > '9') return std::nullopt;
            v[i] = v[i] * 10 + (c - '0');
        }
    }
    const std::chrono::year_month_day ymd{std::chrono::year{v[0]},
                                          std::chrono::month{static_cast<unsigned>(v[1])},
                                          std::chrono::day{static_cast<unsigned>(v[2])}};
    if (!ymd.ok() || v[3] > 23 || v[4] > 59 || v[5] > 59) return std::nullopt;
    return std::chrono::sys_days{ymd} + std::chrono::hours{v[3]} + std::chrono::minutes{v[4]} +
           std::chrono::seconds{v[5]};
}

}  // namespace mailwarden::provisioner
