// import_rows.cpp: see import_rows.hpp. Rules: R-MYO-9, R-PSH-1, R-MYO-1, R-MYO-2, R-SAV-7,
// R-SAV-8.
#include "provisioner/import_rows.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <map>
#include <set>

#include "provisioner/validate.hpp"

namespace mailwarden::provisioner {

namespace {

const std::set<std::string> known_columns{
    "external_id",    "region",           "tenant",       "cn",           "sn",
    "given_name",     "display_name",     "title",        "telephone",    "quota_bytes",
    "quota_messages", "daily_send_limit", "mailbox_host", "relationship", "alias"};

// One row's fields -> user_options, every problem appended to errors.
void build_row(int line, const std::map<std::string, std::string>& f, import_parse& out) {
    const std::size_t before = out.errors.size();
    auto err = [&](const std::string& m) {
        out.errors.push_back(fmt::format("row {}: {}", line, m));
    };
    auto get = [&](const char* k) {
        const auto it = f.find(k);
        return it == f.end() ? std::string() : it->second;
    };
    for (const auto& [k, v] : f)
        if (!known_columns.contains(k))
            err(fmt::format("unknown column '{}'", sanitize_for_message(k)));
    import_row row;
    row.line = line;
    user_options& u = row.user;
    u.external_id = get("external_id");
    u.tenant = get("tenant");
    u.cn = get("cn");
    u.sn = get("sn");
    u.given_name = get("given_name");
    u.display_name = get("display_name");
    u.title = get("title");
    u.telephone = get("telephone");
    u.mailbox_host = get("mailbox_host");
    u.relationship = get("relationship");
    const std::string region = get("region");
    if (region.size() == 1 && region[0] >= '0' && region[0] <= '9')
        u.region = region[0] - '0';
    else
        u.region = -1;
    if (auto w = check_text("external_id", u.external_id); !w.empty()) err(w + " (R-MYO-9)");
    if (auto w = check_region(u.region); !w.empty())
        err("region: '" + sanitize_for_message(region) +
            "' is unknown: regions are 1..7 (R-PSH-1)");
    if (auto w = check_tenant_id(u.tenant); !w.empty()) err(w);
    for (const auto& [what, v, required] :
         {std::tuple{"cn", u.cn, true}, std::tuple{"sn", u.sn, true},
          std::tuple{"given_name", u.given_name, false},
          std::tuple{"display_name", u.display_name, false}, std::tuple{"title", u.title, false},
          std::tuple{"telephone", u.telephone, false},
          std::tuple{"mailbox_host", u.mailbox_host, false},
          std::tuple{"relationship", u.relationship, false}})
        if (auto w = check_text(what, v, required); !w.empty()) err(w + " (R-MYO-2)");
    auto number = [&](const char* k, std::optional<std::uint64_t>& into) {
        const std::string v = get(k);
        if (v.empty()) return;
        std::uint64_t n = 0;
        const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
        if (r.ec != std::errc{} || r.ptr != v.data() + v.size())
            err(fmt::format("{}: '{}' is not a whole number", k, sanitize_for_message(v)));
        else
            into = n;
    };
    number("quota_bytes", u.quota_bytes);
    number("quota_messages", u.quota_messages);
    number("daily_send_limit", u.daily_send_limit);
    const std::string alias = get("alias");
    if (alias == "yes" || alias == "true")
        u.with_alias = true;
    else if (!alias.empty() && alias != "no" && alias != "false")
        err(fmt::format("alias: '{}' is not yes or no", sanitize_for_message(alias)));
    if (out.errors.size() == before) out.rows.push_back(std::move(row));
}

void check_duplicates(import_parse& out) {
    std::map<std::string, int> seen;
    for (const auto& r : out.rows) {
        const auto [it, fresh] = seen.emplace(r.user.external_id, r.line);
        if (!fresh)
            out.errors.push_back(fmt::format("row {}: external_id '{}' repeats row {} (R-MYO-9)",
                                             r.line, sanitize_for_message(r.user.external_id),
                                             it->second));
    }
}

}  // namespace

void check_configured_values(const config::provisioning_settings& p, import_parse& parsed) {
    for (const auto& r : parsed.rows) {
        if (auto w = check_relationship(r.user.relationship, p.relationships); !w.empty())
            parsed.errors.push_back(fmt::format("row {}: {}", r.line, w));
        if (auto w = check_mailbox_host(r.user.mailbox_host, p.mailbox_hosts); !w.empty())
            parsed.errors.push_back(fmt::format("row {}: {}", r.line, w));
    }
}

import_parse parse_import_csv(std::string_view text, std::size_t max_rows) {
    import_parse out;
    std::vector<std::vector<std::string>> records;
    std::vector<int> lines;
    std::vector<std::string> rec;
    std::string field;
    bool quoted = false, at_start = true, in_record = false;
    int line = 1, rec_line = 1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (!in_record) {
            in_record = true;
            rec_line = line;
        }
        if (quoted) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else
                    quoted = false;
            } else {
                if (c == '\n') ++line;
                field += c;
            }
            continue;
        }
        if (c == '"' && at_start) {
            quoted = true;
            at_start = false;
            continue;
        }
        if (c == ',') {
            rec.push_back(std::move(field));
            field.clear();
            at_start = true;
            continue;
        }
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
        if (c == '\n') {
            rec.push_back(std::move(field));
            field.clear();
            if (!(rec.size() == 1 && rec[0].empty())) {  // blank lines are skipped
                records.push_back(std::move(rec));
                lines.push_back(rec_line);
            }
            rec.clear();
            at_start = true;
            in_record = false;
            ++line;
            continue;
        }
        if (c == '"') {
            out.errors.push_back(fmt::format("row {}: a quote inside an unquoted field", rec_line));
            return out;
        }
        field += c;
        at_start = false;
    }
    if (quoted) {
        out.errors.push_back(fmt::format("row {}: a quoted field is not closed", rec_line));
        return out;
    }
    if (in_record) {
        rec.push_back(std::move(field));
        records.push_back(std::move(rec));
        lines.push_back(rec_line);
    }
    if (records.empty()) {
        out.errors.push_back("the file is empty: it needs a header row");
        return out;
    }
    const auto& header = records.front();
    if (records.size() - 1 > max_rows) {
        out.errors.push_back(fmt::format("more than {} rows", max_rows));
        return out;
    }
    for (std::size_t r = 1; r < records.size(); ++r) {
        if (records[r].size() != header.size()) {
            out.errors.push_back(fmt::format("row {}: {} fields, the header has {}", lines[r],
                                             records[r].size(), header.size()));
            continue;
        }
        std::map<std::string, std::string> f;
        for (std::size_t k = 0; k < header.size(); ++k) f[header[k]] = records[r][k];
        build_row(lines[r], f, out);
    }
    check_duplicates(out);
    return out;
}

import_parse parse_import_yaml(std::string_view text, std::size_t max_rows) {
    import_parse out;
    YAML::Node root;
    try {
        root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        out.errors.push_back(fmt::format("YAML: line {}: {}", e.mark.line + 1, e.msg));
        return out;
    }
    if (!root.IsSequence()) {
        out.errors.push_back("YAML: the document must be a list of accounts");
        return out;
    }
    if (root.size() > max_rows) {
        out.errors.push_back(fmt::format("more than {} rows", max_rows));
        return out;
    }
    int item = 0;
    for (const auto& node : root) {
        ++item;
        if (!node.IsMap()) {
            out.errors.push_back(fmt::format("row {}: not a mapping", item));
            continue;
        }
        std::map<std::string, std::string> f;
        bool ok = true;
        for (const auto& kv : node) {
            if (!kv.second.IsScalar()) {
                out.errors.push_back(fmt::format("row {}: {}: not a single value", item,
                                                 sanitize_for_message(kv.first.Scalar())));
                ok = false;
                continue;
            }
            f[kv.first.Scalar()] = kv.second.Scalar();
        }
        if (ok) build_row(item, f, out);
    }
    check_duplicates(out);
    return out;
}

}  // namespace mailwarden::provisioner
