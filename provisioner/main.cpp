// main.cpp: the `mailwarden` provisioner CLI: global options and dispatch to the nouns
// (user, alias, list, resource, domain, tenant, import, export, sendcap, directory).
// Exit codes follow sysexits(3): 0 ok, 64 usage, 65 bad data, 69 directory unavailable,
// 75 temporary failure, 77 permission denied, 78 configuration error.
// Security: run by administrators and Ansible; passwords never come from argv (stdin, a
// file, or generated), and the bind secret is read from the file named in the config.
// Failure: a directory that is down gives 69 (or 75 for a timeout) and changes nothing.
#include <sysexits.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "core/config/config.hpp"
#include "core/util/version.hpp"

int main(int argc, char** argv) {
    CLI::App app{"mailwarden: provision mail accounts into 389 Directory Server or OpenLDAP"};
    app.set_version_flag("--version", std::string("mailwarden ") + mailwarden::version);

    std::string config_path = "/etc/mailwarden/mailwarden.yaml";
    bool check_config = false;
    app.add_option("-c,--config", config_path, "configuration file");
    app.add_flag("--check-config", check_config,
                 "print the effective configuration and exit (78 on errors)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : EX_USAGE;
    }

    if (check_config)
        return mailwarden::config::check_config_command(config_path, std::cout, std::cerr);

    std::cerr << app.help();
    return EX_USAGE;
}
