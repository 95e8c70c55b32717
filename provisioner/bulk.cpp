// bulk.cpp: `mailwarden import FILE` and `mailwarden export`.
// import CSV/YAML (import_rows.hpp): every row is validated, every tenant read once, and
// the directory read ONCE (a paged search of every external id and address below the
// base, import_plan.hpp) before anything is written; then rows whose external id exists
// get only what differs (so a re-run of the same file changes nothing, R-MYO-9), and new
// rows get their numbers in blocks (one compare-and-swap per region and up to max_block
// rows, allocate.hpp) and one add each, up to import_window adds in flight at once
// (docs/benchmarks.md "Provisioner"). Each add is atomic, so no account is ever half
// written; a failure stops the run once the adds in flight are answered, names the rows
// written (they are in the report too) and exits non-zero; the same import run again
// finishes the rest. A progress line on a terminal; a per-row report in the output.
// import LDIF (restore.hpp): the LDIF `export` writes, restored onto this directory:
// missing entries added, differing ones updated, the rest untouched (R-MYO-9).
// export: deterministic LDIF of everything below ldap.base_dn (entries sorted parent
// first then by DN, attributes by name, values sorted; RFC 2849 base64 where needed), so
// two exports of the same data are byte-identical and diff cleanly.
// Rules: R-MYO-9, R-PSH-1, R-PSH-2, R-SAV-6, R-SAV-7, R-SAV-8, R-TJP-1, R-MYO-1.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "core/ldap/filter.hpp"
#include "provisioner/account.hpp"
#include "provisioner/allocate.hpp"
#include "provisioner/commands.hpp"
#include "provisioner/import_plan.hpp"
#include "provisioner/import_rows.hpp"
#include "provisioner/ldif.hpp"
#include "provisioner/restore.hpp"
#include "provisioner/validate.hpp"

namespace mailwarden::provisioner {

namespace {

constexpr std::size_t max_import_bytes = 256u * 1024 * 1024;

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
    return fmt::format("{}:: {}\n", name, encode_base64(value));
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

namespace {

// Adds in flight at once during an import: the round trips overlap (the server still
// applies each add on its own, atomically).
constexpr std::size_t import_window = 32;

std::string read_import_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw command_error(ex_dataerr, "cannot read " + path);
    std::ostringstream buf;
    buf << in.rdbuf();
    std::string text = buf.str();
    if (text.size() > max_import_bytes)
        throw command_error(ex_dataerr, path + " is larger than 256 MiB: split it");
    return text;
}

[[noreturn]] void refuse_rows(context& ctx, const std::string& path,
                              const std::vector<std::string>& errors) {
    for (const auto& e : errors) ctx.out.notes.push_back(path + ": " + e);
    throw command_error(ex_dataerr, fmt::format("{}: {} error(s), nothing written; first: {}", path,
                                                errors.size(), errors.front()));
}

// A progress line on a terminal (never with --json, never into a pipe).
struct progress_line {
    bool on = false;
    std::size_t total = 0, done = 0;
    void step() {
        if (on && (++done % 50 == 0 || done == total))
            std::cerr << fmt::format("\rimport: {}/{}", done, total) << std::flush;
    }
    ~progress_line() {
        if (on && done > 0) std::cerr << "\n";
    }
};

entry_report add_report(const std::string& dn, const ldap::attribute_map& attrs,
                        const std::string& mail, int line) {
    entry_report e(dn, "add");
    for (const auto& [name, vals] : attrs)
        for (const auto& v : vals) e.changes.push_back(fmt::format("+{}: {}", name, v));
    if (!mail.empty()) e.extra["mail"] = mail;
    e.extra["row"] = std::to_string(line);
    return e;
}

// The rows' lines, compactly: "2-5, 9".
std::string line_ranges(std::vector<int> lines) {
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (std::size_t i = 0; i < lines.size();) {
        std::size_t k = i;
        while (k + 1 < lines.size() && lines[k + 1] == lines[k] + 1) ++k;
        out += (out.empty() ? "" : ", ") + std::to_string(lines[i]) +
               (k > i ? "-" + std::to_string(lines[k]) : "");
        i = k + 1;
    }
    return out.empty() ? "none" : out;
}

// Writes the new rows of one region: numbers in blocks (allocate.hpp), one pipelined add
// per row. Throws command_error after a failed add, once every add in flight is answered,
// naming the rows written so far (they are in the report; a re-run finishes the rest).
void add_region(context& ctx, int region, const std::vector<planned_add>& adds,
                const std::map<std::string, tenant_info>& tenants, import_snapshot& snap,
                progress_line& progress, std::vector<int>& written) {
    const auto& mail_attr = ctx.settings.attributes.mail;
    const counter_ops ops = region_counter_ops(ctx, region);
    const auto r = static_cast<mail::region>(region);
    std::size_t next = 0;  // the first row of adds without a number yet
    while (next < adds.size()) {
        const auto wanted =
            static_cast<std::uint32_t>(std::min<std::size_t>(adds.size() - next, max_block));
        const block_allocation block = allocate_block(r, wanted, ops);
        ctx.require(block.outcome, "allocating numbers in region " + std::to_string(region));
        // Numbers to rows, skipping any already in use (a counter edited by hand): a gap,
        // never a reuse.
        std::vector<ldap::add_request> requests;
        std::vector<std::size_t> row_of;    // request -> index into adds
        std::vector<std::uint32_t> seq_of;  // request -> sequence number
        for (std::uint32_t k = 0; k < block.count && next < adds.size(); ++k) {
            const std::string id = fmt::format("{}{:06}", region, block.first + k);
            const tenant_info& t = tenants.at(adds[next].row->user.tenant);
            if (!number_free(snap, id, t)) {
                ctx.out.notes.push_back(id + " is already in use; skipped");
                continue;
            }
            requests.push_back({ctx.where.user(id), new_account(ctx.settings, adds[next].row->user,
                                                                id, t, adds[next].first_last)});
            for (const auto& address : mailbox_addresses(id, t)) snap.addresses.insert(address);
            snap.uids.insert(id);
            row_of.push_back(next++);
            seq_of.push_back(block.first + k);
        }
        std::optional<std::pair<std::size_t, ldap::result>> failed;
        const std::size_t sent = ctx.conn.add_pipelined(
            requests, import_window, [&](std::size_t i, const ldap::result& outcome) {
                progress.step();
                const import_row& row = *adds[row_of[i]].row;
                if (outcome.is_ok()) {
                    const auto& attrs = requests[i].attributes;
                    ctx.record(
                        add_report(requests[i].dn, attrs, attrs.at(mail_attr).front(), row.line));
                    written.push_back(row.line);
                    return true;
                }
                if (!failed || row.line < adds[row_of[failed->first]].row->line)
                    failed = {i, outcome};
                return false;
            });
        // Numbers never sent (a failure stopped the pipeline, or rows ran out before the
        // block did) go back when nobody took a number since; otherwise they stay a gap.
        const std::uint32_t used = sent < seq_of.size()
                                       ? seq_of[sent] - block.first
                                       : (seq_of.empty() ? 0 : seq_of.back() - block.first + 1);
        if (used < block.count) (void)give_back(block, used, ops);
        if (failed) {
            const import_row& row = *adds[row_of[failed->first]].row;
            const ldap::result& why = failed->second;
            // A timeout or a lost connection leaves the adds in flight unknown: the re-run
            // finds whichever were written by their external id.
            const bool unknown = why.what == ldap::status::temporary;
            throw command_error(
                exit_code_for(why),
                fmt::format("row {}: adding {}: {}; {} row(s) of this file were written "
                            "(rows {}), {}: {}run the same import again to finish it",
                            row.line, requests[failed->first].dn, why.describe(), written.size(),
                            line_ranges(written),
                            unknown ? "the adds in flight may or may not have been applied"
                                    : "the others were not",
                            unknown ? "" : "fix the cause and "));
        }
    }
}

// R-MYO-9 restore: the LDIF `export` writes, onto this directory (restore.hpp).
void import_ldif(context& ctx, const std::string& path, const std::string& text) {
    const ldif_parse parsed = parse_ldif(text);
    if (!parsed.error.empty()) refuse_rows(ctx, path, {parsed.error});
    ldap::search_request q;
    q.base = ctx.where.base;
    q.attributes = {"*"};
    q.page_size = ctx.settings.ldap.page_size;
    ldap::search_result now = ctx.conn.search(q);
    if (now.what == ldap::status::not_found)
        now.entries.clear();  // an empty directory: the base itself comes from the file
    else
        ctx.require(now, "reading " + ctx.where.base);
    const restore_plan plan =
        plan_restore(ctx.settings, ctx.where.base, parsed.records, now.entries);
    if (!plan.errors.empty()) refuse_rows(ctx, path, plan.errors);
    progress_line progress{.on = !ctx.json && isatty(STDERR_FILENO), .total = plan.steps.size()};
    std::vector<int> written;
    for (const auto& step : plan.steps) {
        progress.step();
        entry_report rep(step.dn, step.add ? "add" : "modify");
        if (step.add) {
            for (const auto& [name, vals] : step.attributes)
                for (const auto& v : vals)
                    rep.changes.push_back(
                        fmt::format("+{}: {}", name,
                                    ldap::attribute_name_less{}(name, "userPassword") ||
                                            ldap::attribute_name_less{}("userPassword", name)
                                        ? v
                                        : std::string("(hidden)")));
        } else {
            rep.changes = step.diff.lines;
        }
        rep.extra["line"] = std::to_string(step.line);
        if (!ctx.check) {
            const ldap::result r =
                step.add ? static_cast<ldap::result>(ctx.conn.add(step.dn, step.attributes))
                         : static_cast<ldap::result>(ctx.conn.modify(step.dn, step.diff.mods));
            if (!r.is_ok())
                throw command_error(
                    exit_code_for(r),
                    fmt::format("line {}: {} {}: {}; {} entr(y/ies) of this file were written "
                                "(lines {}), the others were not: fix the cause and import the "
                                "same file again to finish",
                                step.line, step.add ? "adding" : "modifying", step.dn, r.describe(),
                                written.size(), line_ranges(written)));
            written.push_back(step.line);
        }
        ctx.record(std::move(rep));
    }
    for (const auto& n : plan.notes) ctx.out.notes.push_back(n);
    ctx.out.notes.push_back(fmt::format("{}: {} entries ({} to add, {} to update, {} unchanged)",
                                        path, parsed.records.size(),
                                        std::count_if(plan.steps.begin(), plan.steps.end(),
                                                      [](const restore_step& x) { return x.add; }),
                                        std::count_if(plan.steps.begin(), plan.steps.end(),
                                                      [](const restore_step& x) { return !x.add; }),
                                        plan.unchanged));
}

}  // namespace

void import_file(context& ctx, const std::string& path, const std::string& format) {
    std::string kind = format;
    if (kind.empty()) {
        if (path.ends_with(".csv"))
            kind = "csv";
        else if (path.ends_with(".yaml") || path.ends_with(".yml"))
            kind = "yaml";
        else if (path.ends_with(".ldif"))
            kind = "ldif";
        else
            throw command_error(ex_usage, "import: say --format csv, yaml or ldif");
    }
    if (kind != "csv" && kind != "yaml" && kind != "ldif")
        throw command_error(ex_usage, "--format is csv, yaml or ldif");
    const std::string text = read_import_file(path);
    if (kind == "ldif") {
        import_ldif(ctx, path, text);
        return;
    }
    import_parse p = kind == "csv" ? parse_import_csv(text) : parse_import_yaml(text);
    check_configured_values(ctx.settings.provisioning, p);
    // Every tenant once; unknown ones are row errors.
    std::map<std::string, tenant_info> tenants;
    std::set<std::string> unknown;
    for (const auto& row : p.rows) {
        const std::string& id = row.user.tenant;
        if (!tenants.contains(id) && !unknown.contains(id)) {
            try {
                tenants.emplace(id, read_tenant(ctx, id));
            } catch (const command_error& e) {
                if (e.exit_code != ex_dataerr) throw;
                unknown.insert(id);
            }
        }
        if (unknown.contains(id))
            p.errors.push_back(
                fmt::format("row {}: tenant '{}' is unknown (R-MYO-1)", row.line, id));
    }
    if (!p.errors.empty()) refuse_rows(ctx, path, p.errors);

    // ONE paged read of what the rows are checked against.
    ldap::search_request q{
        .base = ctx.where.base,
        .filter = ldap::or_({ldap::present(ctx.settings.attributes.mail),
                             ldap::present(ctx.settings.attributes.alias),
                             ldap::present(ctx.settings.attributes.external_id)}),
        .attributes = snapshot_attributes(ctx.settings),
        .page_size = ctx.settings.ldap.page_size,
    };
    const ldap::search_result all = ctx.conn.search(q);
    ctx.require(all, "reading the accounts below " + ctx.where.base);
    import_snapshot snap = make_snapshot(ctx.settings, ctx.where.users(), all.entries);
    const import_plan plan = plan_import(ctx.settings, p.rows, tenants, snap);
    if (!plan.errors.empty()) refuse_rows(ctx, path, plan.errors);

    progress_line progress{.on = !ctx.json && isatty(STDERR_FILENO), .total = p.rows.size()};
    std::vector<int> written;
    // Existing accounts: only what differs (R-MYO-9).
    for (const auto& u : plan.updates) {
        progress.step();
        if (u.diff.mods.empty()) {
            entry_report rep(u.dn, "none");
            rep.extra["row"] = std::to_string(u.row->line);
            ctx.record(std::move(rep));
            continue;
        }
        if (!ctx.check) {
            const auto r = ctx.conn.modify(u.dn, u.diff.mods);
            if (!r.is_ok())
                throw command_error(exit_code_for(r),
                                    fmt::format("row {}: modifying {}: {}; {} row(s) of this "
                                                "file were written (rows {})",
                                                u.row->line, u.dn, r.describe(), written.size(),
                                                line_ranges(written)));
            written.push_back(u.row->line);
        }
        entry_report rep(u.dn, "modify");
        rep.changes = u.diff.lines;
        rep.extra["row"] = std::to_string(u.row->line);
        ctx.record(std::move(rep));
    }
    if (ctx.check) {
        // The numbers are the counters' current values: another provisioner may take
        // them first.
        for (const auto& [region, adds] : plan.adds) {
            const std::string next = read_counter(ctx, region);
            auto seq = parse_counter_value(next).value_or(0);
            if (seq == 0)
                throw command_error(ex_dataerr,
                                    fmt::format("the counter of region {} holds no valid number "
                                                "('{}') (R-PSH-1)",
                                                region, sanitize_for_message(next)));
            for (const auto& add : adds) {
                const tenant_info& t = tenants.at(add.row->user.tenant);
                std::string id;
                do id = fmt::format("{}{:06}", region, seq++);
                while (seq <= mail::mailbox_id::max_sequence && !number_free(snap, id, t));
                snap.uids.insert(id);
                const auto attrs = new_account(ctx.settings, add.row->user, id, t, add.first_last);
                ctx.record(add_report(ctx.where.user(id), attrs, "", add.row->line));
            }
        }
        if (plan.new_rows > 0)
            ctx.out.notes.push_back(
                "the numbers shown are the counters' current values; another provisioner "
                "may take them first");
    } else {
        for (const auto& [region, adds] : plan.adds) {
            (void)read_counter(ctx, region);  // a region without a counter: 65, named
            add_region(ctx, region, adds, tenants, snap, progress, written);
        }
    }
    ctx.out.notes.push_back(fmt::format(
        "{}: {} rows ({} new, {} updated, {} unchanged)", path, p.rows.size(), plan.new_rows,
        std::count_if(plan.updates.begin(), plan.updates.end(),
                      [](const planned_update& u) { return !u.diff.mods.empty(); }),
        std::count_if(plan.updates.begin(), plan.updates.end(),
                      [](const planned_update& u) { return u.diff.mods.empty(); })));
}

}  // namespace mailwarden::provisioner
