// config_dump.cpp: the effective configuration as YAML (every key, defaults included) and
// the `--check-config` command every binary shares (style guide 27: exit 0 or 78).
// Rules: R-PSH-4, R-PSH-5, R-PSH-6, R-SAV-1, R-SAV-2, R-SAV-4 (their numbers are printed in
// the exact unit form that loads back to the same bytes and seconds).
#include <ostream>

#include <fmt/format.h>

#include "core/config/config.hpp"
#include "core/config/config_keys.hpp"
#include "core/util/log.hpp"

namespace mailwarden::config {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t pos = 0;
    for (;;) {
        const std::size_t dot = path.find('.', pos);
        parts.push_back(path.substr(pos, dot - pos));
        if (dot == std::string_view::npos) return parts;
        pos = dot + 1;
    }
}

}  // namespace

std::string dump(const settings& s) {
    std::string out = "# mailwarden: effective configuration (every key, defaults included)\n";
    if (!s.source_file.empty())
        out += fmt::format("# loaded from {}\n", log::sanitize(s.source_file, 1024));

    // Keys come in table order, whose sections are contiguous (checked at compile time), so
    // a section opens once: close the sections the next key is not in, open the new ones.
    std::vector<std::string_view> open;
    for (const key_info& key : keys()) {
        const auto parts = split_path(key.path);
        const std::size_t depth = parts.size() - 1;  // sections above the key
        std::size_t common = 0;
        while (common < open.size() && common < depth && open[common] == parts[common])
            ++common;
        open.resize(common);
        for (std::size_t i = common; i < depth; ++i) {
            if (i == 0) out += '\n';  // a blank line before each top-level section
            out += fmt::format("{:{}}{}:\n", "", 2 * i, parts[i]);
            open.push_back(parts[i]);
        }
        out += fmt::format("{:{}}{}: {}\n", "", 2 * depth, parts[depth],
                           format_value(key, key.field.get(s)));
    }
    // class_limits / domain_limits: each name (quoted, as every string) with the override
    // keys it sets, in table order; an empty section as {} so it still loads as one.
    constexpr key_info name_form{.kind = key_kind::string};
    for (const repeated_section& r : repeated_sections()) {
        const auto& entries = s.*r.field;
        if (entries.empty()) {
            out += fmt::format("\n{}: {{}}\n", r.path);
            continue;
        }
        out += fmt::format("\n{}:\n", r.path);
        for (const named_limits& entry : entries) {
            std::string body;
            for (const override_key& k : override_keys())
                if (const auto& v = entry.limits.*k.field)
                    body += fmt::format("    {}: {}\n", k.name, format_value(base_key(k), *v));
            const std::string name = format_value(name_form, entry.name);
            out += body.empty() ? fmt::format("  {}: {{}}\n", name)
                                : fmt::format("  {}:\n{}", name, body);
        }
    }
    return out;
}

int check_config_command(const std::string& path, std::ostream& out, std::ostream& err) {
    const load_result r = load_file(path);
    if (!r.ok()) {
        for (const load_error& e : r.errors) err << e.to_string() << '\n';
        err.flush();
        return ex_config;
    }
    out << dump(*r.value);
    out.flush();
    return 0;
}

}  // namespace mailwarden::config
