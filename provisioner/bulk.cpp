// bulk.cpp: `mailwarden import FILE` and `mailwarden export`.
// import: CSV or YAML (import_rows.hpp); every row is validated, and every tenant looked
// up, before anything is written; then each row is `user ensure`d, so a re-run of the
// same file changes nothing (R-MYO-9) and a run stopped half-way (LDAP down) is finished
// by running it again. A progress line on a terminal; a per-row report in the output.
// export: deterministic LDIF of everything below ldap.base_dn (entries sorted parent
// first then by DN, attributes by name, values sorted; RFC 2849 base64 where needed), so
// two exports of the same data are byte-identical and diff cleanly.
// Rules: R-MYO-9, R-PSH-1, R-MYO-1.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "provisioner/commands.hpp"
#include "provisioner/import_rows.hpp"
#include "provisioner/validate.hpp"

namespace mailwarden::provisioner {

namespace {

constexpr std::size_t max_import_bytes = 256u * 1024 * 1024;

std::string base64(std::string_view in) {
    static constexpr char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8) |
                           static_cast<unsigned char>(in[i + 2]);
        out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
    }
    if (i + 1 == in.size()) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16;
        out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == in.size()) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8);
        out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
    }
    return out;
}

}  // namespace

// RFC 2849 SAFE-STRING: no NUL/CR/LF, all ASCII, not starting with space, ':' or '<',
// not ending with a space (readers may strip it).
bool ldif_safe(std::string_view v) {
    if (v.empty()) return true;
    if (v.front() == ' ' || v.front() == ':' || v.front() == '<' || v.back() == ' ') return false;
    return std::none_of(v.begin(), v.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u == 0 || u == '\n' || u == '\r' || u >= 0x80;
    });
}

std::string ldif_line(std::string_view name, std::string_view value) {
    if (ldif_safe(value)) return fmt::format("{}: {}\n", name, value);
    return fmt::format("{}:: {}\n", name, base64(value));
}

std::string to_ldif(std::vector<ldap::entry> entries) {
    auto depth = [](const std::string& dn) { return std::count(dn.begin(), dn.end(), ','); };
    std::sort(entries.begin(), entries.end(), [&](const ldap::entry& a, const ldap::entry& b) {
        const auto da = depth(a.dn), db = depth(b.dn);
        return da != db ? da < db : a.dn < b.dn;
    });
    std::string out = "version: 1\n";
    for (auto& e : entries) {
        out += "\n" + ldif_line("dn", e.dn);
        for (auto& [name, vals] : e.attributes) {  // attribute_map: sorted by name
            std::sort(vals.begin(), vals.end());
            for (const auto& v : vals) out += ldif_line(name, v);
        }
    }
    return out;
}

void export_ldif(context& ctx, std::ostream& out) {
    ldap::search_request q;
    q.base = ctx.where.base;
    q.attributes = {"*"};
    q.page_size = ctx.settings.ldap.page_size;
    ldap::search_result r = ctx.conn.search(q);
    ctx.require(r, "reading " + ctx.where.base);
    out << to_ldif(std::move(r.entries));
}

void import_file(context& ctx, const std::string& path, const std::string& format) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw command_error(ex_dataerr, "cannot read " + path);
    std::ostringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    if (text.size() > max_import_bytes)
        throw command_error(ex_dataerr, path + " is larger than 256 MiB: split it");
    std::string kind = format;
    if (kind.empty()) {
        if (path.ends_with(".csv"))
            kind = "csv";
        else if (path.ends_with(".yaml") || path.ends_with(".yml"))
            kind = "yaml";
        else
            throw command_error(ex_usage, "import: say --format csv or yaml");
    }
    if (kind != "csv" && kind != "yaml") throw command_error(ex_usage, "--format is csv or yaml");
    import_parse p = kind == "csv" ? parse_import_csv(text) : parse_import_yaml(text);
    // Tenants must exist before anything is written.
    std::map<std::string, bool> tenants;
    for (const auto& row : p.rows) {
        auto [it, fresh] = tenants.emplace(row.user.tenant, true);
        if (fresh) {
            const auto t = ctx.conn.read(ctx.where.tenant(row.user.tenant), {"1.1"});
            if (t.what == ldap::status::not_found)
                it->second = false;
            else
                ctx.require(t, "reading tenant " + row.user.tenant);
        }
        if (!it->second)
            p.errors.push_back(
                fmt::format("row {}: tenant '{}' is unknown (R-MYO-1)", row.line, row.user.tenant));
    }
    if (!p.errors.empty()) {
        for (const auto& e : p.errors) ctx.out.notes.push_back(path + ": " + e);
        std::string first = p.errors.front();
        throw command_error(ex_dataerr, fmt::format("{}: {} error(s), nothing written; first: {}",
                                                    path, p.errors.size(), first));
    }
    const bool progress = !ctx.json && isatty(STDERR_FILENO);
    std::size_t done = 0;
    for (const auto& row : p.rows) {
        user_ensure(ctx, row.user);
        if (progress && (++done % 50 == 0 || done == p.rows.size()))
            std::cerr << fmt::format("\rimport: {}/{}", done, p.rows.size()) << std::flush;
    }
    if (progress) std::cerr << "\n";
    ctx.out.notes.push_back(fmt::format("{}: {} rows", path, p.rows.size()));
}

}  // namespace mailwarden::provisioner
