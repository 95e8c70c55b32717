// context.cpp: connection, exit codes and the report (see context.hpp).
#include "provisioner/context.hpp"

#include <fmt/format.h>

namespace mailwarden::provisioner {

int exit_code_for(const ldap::result& r, bool connecting) {
    switch (r.what) {
        case ldap::status::ok:
            return ex_ok;
        case ldap::status::temporary:
            return connecting ? ex_unavailable : ex_tempfail;
        case ldap::status::permission:
            return ex_noperm;
        case ldap::status::not_found:
        case ldap::status::conflict:
        case ldap::status::invalid:
            return ex_dataerr;
        case ldap::status::other:
            return ex_unavailable;
    }
    return ex_unavailable;
}

void context::connect() {
    if (settings.ldap.base_dn.empty())
        throw command_error(ex_config, "ldap.base_dn is empty: the provisioner needs a base");
    ldap::connection_options o;
    o.uri = settings.ldap.uri;
    o.bind_dn = settings.ldap.bind_dn;
    o.password_file = settings.ldap.bind_password_file;
    o.start_tls = settings.ldap.start_tls;
    o.ca_file = settings.ldap.ca_file;
    o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(settings.ldap.timeout);
    // Over ldapi:// without a bind DN the provisioner binds with SASL EXTERNAL: the server
    // knows the local user from the socket (OpenLDAP maps root to the cn=config manager),
    // so no secret is needed at all. An anonymous provisioner could write nothing anyway.
    o.sasl_external = settings.ldap.bind_dn.empty() && settings.ldap.uri.starts_with("ldapi://");
    const ldap::result r = conn.open(o);
    if (!r.is_ok()) {
        const int code = r.what == ldap::status::invalid ? ex_config : exit_code_for(r, true);
        throw command_error(
            code, "cannot reach the directory at " + settings.ldap.uri + ": " + r.describe());
    }
}

void context::require(const ldap::result& r, const std::string& what) const {
    if (!r.is_ok()) throw command_error(exit_code_for(r), what + ": " + r.describe());
}

void context::record(entry_report e) {
    if (e.action != "none" && e.action != "show") out.changed = true;
    out.entries.push_back(std::move(e));
}

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (u < 0x20 || u == 0x7f)
                    out += fmt::format("\\u{:04x}", u);
                else
                    out += c;
        }
    }
    return out + "\"";
}

namespace {

std::string json_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + json_string(items[i]);
    return out + "]";
}

}  // namespace

std::string to_json(const report& r, bool check) {
    std::string out = fmt::format("{{\"changed\":{},\"check\":{},\"entries\":[",
                                  r.changed ? "true" : "false", check ? "true" : "false");
    for (std::size_t i = 0; i < r.entries.size(); ++i) {
        const auto& e = r.entries[i];
        out += fmt::format("{}{{\"dn\":{},\"action\":{},\"changes\":{}", i ? "," : "",
                           json_string(e.dn), json_string(e.action), json_list(e.changes));
        if (!e.attributes.empty()) {
            out += ",\"attributes\":{";
            bool first = true;
            for (const auto& [name, vals] : e.attributes) {
                out += (first ? "" : ",") + json_string(name) + ":" + json_list(vals);
                first = false;
            }
            out += "}";
        }
        for (const auto& [k, v] : e.extra) out += "," + json_string(k) + ":" + json_string(v);
        out += "}";
    }
    return out + "],\"notes\":" + json_list(r.notes) + "}";
}

std::string to_error_json(const report& r, bool check, const std::string& message, int code) {
    std::string out = to_json(r, check);
    out.pop_back();  // the closing brace
    return out + fmt::format(",\"error\":{},\"exit_code\":{}}}", json_string(message), code);
}

void print_text(const report& r, bool check, std::ostream& out) {
    for (const auto& e : r.entries) {
        if (e.action == "show") {
            out << "dn: " << e.dn << "\n";
            for (const auto& [name, vals] : e.attributes)
                for (const auto& v : vals) out << name << ": " << v << "\n";
            out << "\n";
            continue;
        }
        out << (check ? "would " : "") << e.action << ": " << e.dn << "\n";
        for (const auto& c : e.changes) out << "  " << c << "\n";
        for (const auto& [k, v] : e.extra) out << "  " << k << ": " << v << "\n";
    }
    for (const auto& n : r.notes) out << n << "\n";
    if (!r.changed && !check) out << "no change\n";
}

}  // namespace mailwarden::provisioner
