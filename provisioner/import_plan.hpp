// import_plan.hpp: what `mailwarden import FILE` (CSV/YAML) will do, decided in memory
// from ONE paged read of the directory (every account's external id and every address
// below the base) and the tenants read once each, so the import costs about one add per
// new row instead of a handful of round trips (docs/benchmarks.md "Provisioner"). Every
// row is checked here, before anything is written: an external id whose account moved
// region or tenant, a tenant's mailbox limit (R-PSH-2, counted over the whole file), the
// first.last aliases (R-SAV-6) made unique against every address, tombstones included,
// and against each other. Pure: unit-tested without a server.
// Rules: R-MYO-9 (idempotent through the external id), R-PSH-1, R-PSH-2, R-SAV-6, R-TJP-1,
// R-MYO-1, R-MYO-4.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/ldap/entry.hpp"
#include "provisioner/account.hpp"
#include "provisioner/diff.hpp"
#include "provisioner/import_rows.hpp"

namespace mailwarden::provisioner {

// What the import knows of the directory. Accounts are the mailwardenAccount entries
// directly below ou=users (as `user ensure` finds them); addresses come from every entry.
struct import_snapshot {
    std::map<std::string, std::vector<ldap::entry>> accounts;  // by external id
    std::set<std::string> addresses;            // every mail and alias below the base, lowercase
    std::set<std::string> uids;                 // logins of existing accounts
    std::map<std::string, std::uint64_t> live;  // tenant -> accounts that are not tombstones
};

// The attributes the snapshot search must return.
std::vector<std::string> snapshot_attributes(const config::settings& s);
// The snapshot of entries (a subtree search of the base for entries with a mail, an alias
// or an external id, returning snapshot_attributes).
// users_dn: the accounts' container (layout::users()).
import_snapshot make_snapshot(const config::settings& s, const std::string& users_dn,
                              const std::vector<ldap::entry>& entries);

// Is NXXXXXX `id` free in tenant t: no account has that login, and none of its addresses
// (R-TJP-1: one per tenant domain) is anyone's mail or alias.
bool number_free(const import_snapshot& snap, const std::string& id, const tenant_info& t);

struct planned_update {
    const import_row* row = nullptr;
    std::string dn;
    entry_diff diff;  // empty: the account is already as the row says
};

struct planned_add {
    const import_row* row = nullptr;
    std::string first_last;  // the generated alias (alias column yes), or ""
};

struct import_plan {
    std::vector<std::string> errors;               // "row 7: ..." naming the rule; non-empty: stop
    std::vector<planned_update> updates;           // rows whose external id exists, in file order
    std::map<int, std::vector<planned_add>> adds;  // new rows by region, in file order
    std::size_t new_rows = 0;
};

// The plan for rows. tenants holds every tenant the rows name (the caller reports
// unknown ones). The first.last aliases it hands out are added to snap.addresses.
import_plan plan_import(const config::settings& s, const std::vector<import_row>& rows,
                        const std::map<std::string, tenant_info>& tenants, import_snapshot& snap);

}  // namespace mailwarden::provisioner
