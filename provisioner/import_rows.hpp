// import_rows.hpp: the rows of `mailwarden import FILE`, from CSV (RFC 4180: a header row
// naming the columns, quoted fields with "" escapes, commas and newlines inside quotes) or
// YAML (a list of mappings with the same keys). Every row is validated before anything is
// written; each error names the row (CSV: the line number of its first line; YAML: the
// 1-based item number) and the rule. Columns: external_id, region, tenant, cn, sn
// (required), given_name, display_name, title, telephone, quota_bytes, quota_messages,
// daily_send_limit, mailbox_host, relationship, alias (yes/no: a first.last alias).
// Rules: R-MYO-9 (idempotent through the external id), R-PSH-1, R-MYO-1, R-MYO-2,
// R-SAV-7, R-SAV-8.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "provisioner/commands.hpp"

namespace mailwarden::provisioner {

struct import_row {
    int line = 0;  // where the row starts (CSV line, or YAML item number)
    user_options user;
};

struct import_parse {
    std::vector<import_row> rows;
    std::vector<std::string> errors;  // "row 3: region: 9 is unknown ... (R-PSH-1)"
};

// CSV text; at most max_rows data rows (more is an error, never a cut).
import_parse parse_import_csv(std::string_view text, std::size_t max_rows = 1'000'000);
// YAML text: a sequence of mappings.
import_parse parse_import_yaml(std::string_view text, std::size_t max_rows = 1'000'000);
// The values the configuration restricts, row by row: relationship against
// provisioning.relationships (R-SAV-8), mailbox_host against provisioning.mailbox_hosts
// (R-SAV-7); errors appended to parsed.errors.
void check_configured_values(const config::provisioning_settings& p, import_parse& parsed);

}  // namespace mailwarden::provisioner
