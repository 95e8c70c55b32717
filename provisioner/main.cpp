// main.cpp: the `mailwarden` provisioner CLI: global options (-c, --json, --check,
// --check-config) and dispatch to the nouns (directory, tenant, user, alias, sendcap; list,
// resource-group and resource in list_cli.hpp).
// Exit codes follow sysexits(3): 0 ok, 64 usage, 65 bad data, 69 directory unavailable,
// 75 temporary failure, 77 permission denied, 78 configuration error.
// Security: run by administrators and Ansible; passwords never come from argv (stdin, a
// file, or generated), and the bind secret is read from the file named in the config.
// Failure: a directory that is down gives 69 (or 75 for a timeout) and changes nothing;
// with --json the error is a JSON document too ({"changed":false,"error":..}).
#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <iostream>
#include <map>
#include <string>

#include "core/config/config.hpp"
#include "core/util/version.hpp"
#include "provisioner/commands.hpp"
#include "provisioner/diff.hpp"
#include "provisioner/list_cli.hpp"

namespace mw = mailwarden::provisioner;

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);  // a server closing the connection must not kill us
    CLI::App app{"mailwarden: provision mail accounts into 389 Directory Server or OpenLDAP"};
    app.set_version_flag("--version", std::string("mailwarden ") + mailwarden::version);
    app.require_subcommand(0, 1);

    std::string config_path = "/etc/mailwarden/mailwarden.yaml";
    bool check_config = false;
    bool json = false;
    bool check = false;
    app.add_option("-c,--config", config_path, "configuration file");
    app.add_flag("--check-config", check_config,
                 "print the effective configuration and exit (78 on errors)");
    app.add_flag("--json", json, "print one JSON document with `changed` and the entries");
    app.add_flag("--check", check, "change nothing; print the changes that would be made");

    // directory
    auto* directory = app.add_subcommand("directory", "base entries, counters, schema");
    directory->require_subcommand(1);
    auto* dir_init = directory->add_subcommand(
        "init", "create the containers and the region counters (idempotent)");
    bool load_schema = false;
    dir_init->add_flag("--load-schema", load_schema,
                       "first load the schema, indexes and uniqueness into the server");
    auto* dir_schema = directory->add_subcommand("schema", "print a schema dialect");
    std::string schema_format = "openldap-ldif";
    dir_schema->add_option("--format", schema_format,
                           "openldap-schema, openldap-ldif, 389ds, openldap-indexes, "
                           "389ds-indexes");

    // tenant
    auto* tenant = app.add_subcommand("tenant", "tenants (organisations) and their domains");
    tenant->require_subcommand(1);
    auto* tenant_ensure = tenant->add_subcommand(
        "ensure", "create or update a tenant; the first --domain is the default");
    mw::tenant_options topt;
    tenant_ensure->add_option("--id", topt.id, "tenant id")->required();
    tenant_ensure->add_option("--domain", topt.domains, "mail domain (repeat)")->required();
    tenant_ensure->add_option("--display-name", topt.display_name, "organisation name");
    tenant_ensure->add_option("--max-mailboxes", topt.max_mailboxes,
                              "mailboxes it applied for (R-PSH-2); none: no limit");
    auto* tenant_sync = tenant->add_subcommand(
        "sync-addresses", "give every live mailbox NXXXXXX@<each tenant domain> (R-TJP-1)");
    tenant_sync->add_option("--id", topt.id, "tenant id")->required();
    bool make_primary = false;
    tenant_sync->add_flag("--make-primary", make_primary,
                          "also make NXXXXXX@<default domain> the mail, the old one an alias");

    // user
    auto* user = app.add_subcommand("user", "mail accounts NXXXXXX@domain");
    user->require_subcommand(1);
    auto* user_add = user->add_subcommand("add", "create the region's next NXXXXXX account");
    mw::user_options uopt;
    user_add->add_option("--region", uopt.region, "region digit 1..7")->required();
    user_add->add_option("--tenant", uopt.tenant, "tenant id")->required();
    user_add->add_option("--cn", uopt.cn, "common name")->required();
    user_add->add_option("--sn", uopt.sn, "surname")->required();
    user_add->add_option("--external-id", uopt.external_id, "caller's stable id");
    // Profile options shared by add, ensure and modify.
    auto profile_options = [&](CLI::App* cmd) {
        cmd->add_option("--given-name", uopt.given_name, "given name");
        cmd->add_option("--display-name", uopt.display_name, "display name");
        cmd->add_option("--title", uopt.title, "title");
        cmd->add_option("--telephone", uopt.telephone, "telephone number");
        cmd->add_option("--quota-bytes", uopt.quota_bytes, "storage limit, bytes");
        cmd->add_option("--quota-messages", uopt.quota_messages, "message count limit");
        cmd->add_option("--daily-send-limit", uopt.daily_send_limit, "send cap override");
        cmd->add_option("--mailbox-host", uopt.mailbox_host, "server of the mailbox");
        cmd->add_option("--relationship", uopt.relationship, "employee, contractor, ...");
    };
    profile_options(user_add);
    std::string who;
    auto who_option = [&](CLI::App* cmd) {
        cmd->add_option("who", who, "NXXXXXX, address, alias or external id")->required();
    };
    auto* user_show = user->add_subcommand("show", "one account by login, mail, alias or id");
    who_option(user_show);
    auto* user_list = user->add_subcommand("list", "search accounts (paged, sorted)");
    mw::list_options lopt;
    user_list->add_option("--tenant", lopt.tenant, "tenant id");
    user_list->add_option("--mail", lopt.mail, "address; * is a wildcard");
    user_list->add_option("--cn", lopt.cn, "common name; * is a wildcard");
    user_list->add_option("--sn", lopt.sn, "surname; * is a wildcard");
    user_list->add_option("--alias", lopt.alias, "alias; * is a wildcard");
    user_list->add_option("--status", lopt.status, "only this status");
    user_list->add_flag("--deleted", lopt.deleted, "include deleted (tombstoned) accounts");
    user_list->add_option("--sort", lopt.sort, "uid, mail, cn or sn");
    auto* user_modify = user->add_subcommand("modify", "change profile attributes");
    who_option(user_modify);
    user_modify->add_option("--cn", uopt.cn, "common name");
    user_modify->add_option("--sn", uopt.sn, "surname");
    profile_options(user_modify);
    auto* user_ensure = user->add_subcommand(
        "ensure", "create, or update to exactly this profile, the account of an external id");
    user_ensure->add_option("--external-id", uopt.external_id, "caller's stable id")->required();
    user_ensure->add_option("--region", uopt.region, "region digit 1..7")->required();
    user_ensure->add_option("--tenant", uopt.tenant, "tenant id")->required();
    user_ensure->add_option("--cn", uopt.cn, "common name")->required();
    user_ensure->add_option("--sn", uopt.sn, "surname")->required();
    profile_options(user_ensure);
    std::map<std::string, CLI::App*> status_verbs;
    for (const char* verb : {"block", "unblock", "activate"}) {
        status_verbs[verb] = user->add_subcommand(verb, std::string(verb) + " an account");
        who_option(status_verbs[verb]);
    }
    auto* user_delete = user->add_subcommand(
        "delete", "tombstone: hidden at once, addresses reserved until purge (R-MYO-4)");
    who_option(user_delete);
    auto* user_restore = user->add_subcommand("restore", "undo a delete before purge");
    who_option(user_restore);
    auto* user_purge = user->add_subcommand("purge", "remove tombstones past their date");
    std::string purge_now;
    user_purge->add_option("--now", purge_now,
                           "purge as if it were this time (YYYYMMDDhhmmssZ, UTC)");
    auto* user_passwd = user->add_subcommand(
        "passwd", "set the password (RFC 3062); never give it on the command line");
    who_option(user_passwd);
    mw::password_options popt;
    user_passwd->add_option("--password-file", popt.file, "read it from this file");
    user_passwd->add_flag("--password-stdin", popt.from_stdin, "read it from standard input");
    user_passwd->add_flag("--generate", popt.generate, "generate one and show it once");

    auto* user_activate_pending = user->add_subcommand(
        "activate-pending",
        "activate every pending account whose activation mail the milter saw (R-PSH-3)");

    // sendcap (R-PSH-6): the milter's counter store.
    auto* sendcap = app.add_subcommand("sendcap", "daily send cap counts and blocks (R-PSH-6)");
    sendcap->require_subcommand(1);
    std::string cap_address;
    auto* sendcap_show = sendcap->add_subcommand(
        "show", "count in the window, limit, remaining allowance, block end (UTC)");
    sendcap_show->add_option("address", cap_address, "the account's address or alias")
        ->required();
    auto* sendcap_reset =
        sendcap->add_subcommand("reset", "lift the block and clear the counts");
    sendcap_reset->add_option("address", cap_address, "the account's address or alias")
        ->required();
    auto* sendcap_blocked = sendcap->add_subcommand("blocked", "every account blocked now");

    // trace (R-TJP-4): reads the mail log only; needs neither the configuration nor LDAP.
    auto* trace_cmd = app.add_subcommand(
        "trace", "find messages in the mail log by sender, recipient or queue id (R-TJP-4)");
    mw::trace_options tropt;
    trace_cmd->add_option("--sender", tropt.sender, "envelope sender; <> for the null sender");
    trace_cmd->add_option("--recipient", tropt.recipient, "a recipient of the message");
    trace_cmd->add_option("--queue-id", tropt.queue_id, "Postfix queue id");
    trace_cmd->add_option("--since", tropt.since,
                          "YYYY-MM-DD[THH:MM[:SS]] (local time) or 7d, 12h before now; "
                          "default 30d");
    trace_cmd->add_option("--until", tropt.until, "end of the window (same forms), exclusive");
    trace_cmd->add_option("--log", tropt.logs,
                          "log file, plain or gzip, - for stdin (repeat; default "
                          "/var/log/mail.log and its rotations)");

    user_add->add_flag("--with-alias", uopt.with_alias, "also a first.last alias (R-SAV-6)");

    // alias
    auto* alias = app.add_subcommand("alias", "further addresses of an account");
    alias->require_subcommand(1);
    auto* alias_add = alias->add_subcommand("add", "add an address, or --generate first.last");
    std::string alias_address;
    bool alias_generate = false;
    who_option(alias_add);
    alias_add->add_option("address", alias_address, "the new address");
    alias_add->add_flag("--generate", alias_generate, "first.last from the name (R-SAV-6)");
    auto* alias_remove = alias->add_subcommand("remove", "remove an address");
    who_option(alias_remove);
    alias_remove->add_option("address", alias_address, "the address")->required();

    mw::group_commands groups(app);  // list, resource-group, resource

    auto* import_cmd = app.add_subcommand(
        "import",
        "CSV or YAML accounts (all rows checked first; idempotent by external_id), or the "
        "LDIF of `export` (restore: adds missing entries, updates differing ones)");
    std::string import_path, import_format;
    import_cmd->add_option("file", import_path, "the file (.csv, .yaml, .ldif)")->required();
    import_cmd->add_option("--format", import_format,
                           "csv, yaml or ldif (default: by extension)");
    auto* export_cmd = app.add_subcommand("export", "deterministic LDIF of the base");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : mw::ex_usage;
    }
    if (check_config)
        return mailwarden::config::check_config_command(config_path, std::cout, std::cerr);
    if (app.get_subcommands().empty()) {
        std::cerr << app.help();
        return mw::ex_usage;
    }
    if (trace_cmd->parsed()) return mw::trace(tropt, json, std::cout, std::cerr);

    mw::context ctx;
    ctx.json = json;
    ctx.check = check;
    auto fail = [&](int code, const std::string& message) {
        // What was written before the failure (an import stopped half-way) is reported.
        if (json) std::cout << mw::to_error_json(ctx.out, check, message, code) << "\n";
        for (const auto& note : ctx.out.notes) std::cerr << note << "\n";  // every row error
        std::cerr << "mailwarden: " << message << "\n";
        return code;
    };
    auto loaded = mailwarden::config::load_file(config_path);
    if (!loaded.ok()) {
        for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
        return fail(mw::ex_config, "configuration errors in " + config_path);
    }
    ctx.settings = std::move(*loaded.value);
    ctx.where.base = ctx.settings.ldap.base_dn;

    try {
        if (dir_schema->parsed()) {
            std::cout << mw::schema_dialect(ctx.settings, schema_format);
            return 0;
        }
        auto now =
            std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
        if (!purge_now.empty()) {
            const auto t = mw::parse_generalized_time(purge_now);
            if (!t) return fail(mw::ex_usage, "--now takes YYYYMMDDhhmmssZ");
            now = *t;
        }
        // sendcap works from the store alone: the directory only adds the limit override
        // and alias resolution, and lifting a block must not wait for LDAP.
        if (sendcap_blocked->parsed()) {
            mw::sendcap_blocked(ctx);
        } else if (sendcap_show->parsed()) {
            const bool reachable = mw::try_connect(ctx);
            mw::sendcap_show(ctx, cap_address, reachable);
        } else if (sendcap_reset->parsed()) {
            const bool reachable = mw::try_connect(ctx);
            mw::sendcap_reset(ctx, cap_address, reachable);
        }
        if (sendcap->parsed()) {
            if (json)
                std::cout << mw::to_json(ctx.out, check) << "\n";
            else
                mw::print_text(ctx.out, check, std::cout);
            return 0;
        }
        ctx.connect();
        if (export_cmd->parsed()) {
            mw::export_ldif(ctx, std::cout);
            return 0;
        }
        if (import_cmd->parsed())
            mw::import_file(ctx, import_path, import_format);
        else if (dir_init->parsed()) {
            if (load_schema) mw::load_schema(ctx);
            mw::directory_init(ctx);
        } else if (tenant_ensure->parsed())
            mw::tenant_ensure(ctx, topt);
        else if (tenant_sync->parsed())
            mw::tenant_sync_addresses(ctx, topt.id, make_primary);
        else if (user_add->parsed())
            mw::user_add(ctx, uopt);
        else if (user_show->parsed())
            mw::user_show(ctx, who);
        else if (user_list->parsed())
            mw::user_list(ctx, lopt);
        else if (user_modify->parsed())
            mw::user_modify(ctx, who, uopt);
        else if (user_ensure->parsed())
            mw::user_ensure(ctx, uopt);
        else if (user_delete->parsed())
            mw::user_delete(ctx, who, now);
        else if (user_restore->parsed())
            mw::user_restore(ctx, who);
        else if (user_purge->parsed())
            mw::user_purge(ctx, now);
        else if (user_passwd->parsed())
            mw::user_passwd(ctx, who, popt);
        else if (user_activate_pending->parsed())
            mw::user_activate_pending(ctx);
        else if (alias_add->parsed())
            mw::alias_add(ctx, who, alias_address, alias_generate);
        else if (alias_remove->parsed())
            mw::alias_remove(ctx, who, alias_address);
        groups.run(ctx);
        for (const auto& [verb, cmd] : status_verbs)
            if (cmd->parsed()) mw::user_set_status(ctx, who, verb);
    } catch (const mw::command_error& e) {
        return fail(e.exit_code, e.what());
    } catch (const std::invalid_argument& e) {
        return fail(mw::ex_dataerr, e.what());
    } catch (const std::exception& e) {
        return fail(70, std::string("internal error: ") + e.what());  // EX_SOFTWARE
    }
    if (json)
        std::cout << mw::to_json(ctx.out, check) << "\n";
    else
        mw::print_text(ctx.out, check, std::cout);
    return 0;
}
