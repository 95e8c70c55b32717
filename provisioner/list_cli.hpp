// list_cli.hpp: the `list`, `resource-group` and `resource` nouns of the mailwarden CLI
// (CLI11 options -> list.hpp / resource.hpp commands), so main.cpp only constructs them
// and runs the one parsed. Included by main.cpp alone (the library has no CLI11).
// Rules: R-MYO-1, R-MYO-6, R-TJP-6.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "provisioner/list.hpp"
#include "provisioner/resource.hpp"

namespace mailwarden::provisioner {

class group_commands {
public:
    explicit group_commands(CLI::App& app) {
        add_lists(app);
        add_resource_groups(app);
        add_resources(app);
    }
    group_commands(const group_commands&) = delete;
    group_commands& operator=(const group_commands&) = delete;

    // Runs the command of these nouns that was parsed; false when none was.
    bool run(context& ctx) const {
        for (const auto& [cmd, action] : verbs_)
            if (cmd->parsed()) {
                action(ctx);
                return true;
            }
        return false;
    }

private:
    void on(CLI::App* cmd, std::function<void(context&)> action) {
        verbs_.emplace_back(cmd, std::move(action));
    }
    void address_arg(CLI::App* cmd, const char* what) {
        cmd->add_option("address", address_, what)->required();
    }

    void add_lists(CLI::App& app) {
        auto* noun = app.add_subcommand("list", "distribution lists of a tenant (R-MYO-6)");
        noun->require_subcommand(1);
        auto state = [this](CLI::App* cmd) {
            cmd->add_option("--tenant", list_.tenant, "tenant id")->required();
            cmd->add_option("--mail", list_.mail, "list address (or local part)")->required();
            cmd->add_option("--display-name", list_.display_name, "display name (cn)");
            cmd->add_option("--policy", list_.policy,
                            "internal (default: outside senders refused) or open");
            cmd->add_option("--member", list_.members,
                            "NXXXXXX, account or resource address, or outside address (repeat)");
            cmd->add_option("--owner", list_.owners, "NXXXXXX or account address (repeat)");
        };
        auto* add = noun->add_subcommand("add", "create a list; 65 when the address is taken");
        state(add);
        on(add, [this](context& c) { list_add(c, list_); });
        auto* ensure = noun->add_subcommand(
            "ensure", "create, or update to exactly this state, the list with this address");
        state(ensure);
        on(ensure, [this](context& c) { list_ensure(c, list_); });
        auto* show = noun->add_subcommand("show", "one list");
        address_arg(show, "list address");
        on(show, [this](context& c) { list_show(c, address_); });
        auto* modify = noun->add_subcommand("modify", "change display name, policy, owners");
        address_arg(modify, "list address");
        modify->add_option("--display-name", list_.display_name, "display name (cn)");
        modify->add_option("--policy", list_.policy, "internal or open");
        modify->add_option("--owner", list_.owners, "the owners, replacing them (repeat)");
        modify->add_flag("--no-owners", no_owners_, "remove every owner");
        on(modify, [this](context& c) {
            list_.owners_given = no_owners_ || !list_.owners.empty();
            list_modify(c, address_, list_);
        });
        auto* remove = noun->add_subcommand("delete", "remove a list");
        address_arg(remove, "list address");
        on(remove, [this](context& c) { list_delete(c, address_); });
        auto* all = noun->add_subcommand("list", "the lists of a tenant, or of all");
        all->add_option("--tenant", list_.tenant, "tenant id");
        on(all, [this](context& c) { list_list(c, list_.tenant); });
        auto* member = noun->add_subcommand("member", "add or remove members");
        member->require_subcommand(1);
        for (const bool adding : {true, false}) {
            auto* cmd = member->add_subcommand(adding ? "add" : "remove",
                                               adding ? "add members" : "remove members");
            address_arg(cmd, "list address");
            cmd->add_option("members", who_, "NXXXXXX or addresses")->required();
            on(cmd, [this, adding](context& c) { list_members(c, address_, who_, adding); });
        }
    }

    void add_resource_groups(CLI::App& app) {
        auto* noun = app.add_subcommand("resource-group", "resource groups of a tenant (R-MYO-1)");
        noun->require_subcommand(1);
        auto names = [this](CLI::App* cmd) {
            cmd->add_option("--tenant", group_.tenant, "tenant id")->required();
            cmd->add_option("--name", group_.name, "group name")->required();
        };
        for (const bool is_new : {true, false}) {
            auto* cmd = noun->add_subcommand(
                is_new ? "add" : "ensure", is_new ? "create a group" : "create or update a group");
            names(cmd);
            cmd->add_option("--display-name", group_.display_name, "display name");
            cmd->add_option("--description", group_.description, "description");
            on(cmd, [this, is_new](context& c) { resource_group_put(c, group_, is_new); });
        }
        auto* show = noun->add_subcommand("show", "one group");
        names(show);
        on(show, [this](context& c) { resource_group_show(c, group_.tenant, group_.name); });
        auto* remove = noun->add_subcommand("delete", "remove an empty group");
        names(remove);
        on(remove, [this](context& c) { resource_group_delete(c, group_.tenant, group_.name); });
        auto* all = noun->add_subcommand("list", "the groups of a tenant, or of all");
        all->add_option("--tenant", group_.tenant, "tenant id");
        on(all, [this](context& c) { resource_group_list(c, group_.tenant); });
    }

    void add_resources(CLI::App& app) {
        auto* noun = app.add_subcommand("resource", "rooms and equipment with a mailbox (R-MYO-1)");
        noun->require_subcommand(1);
        auto profile = [this](CLI::App* cmd, bool required) {
            auto* type = cmd->add_option("--type", resource_.type, "room or equipment");
            auto* name = cmd->add_option("--display-name", resource_.display_name, "name (cn)");
            if (required) {
                type->required();
                name->required();
            }
            cmd->add_option("--description", resource_.description, "description");
            cmd->add_option("--locality", resource_.locality, "city (l)");
        };
        for (const bool is_new : {true, false}) {
            auto* cmd = noun->add_subcommand(
                is_new ? "add" : "ensure",
                is_new ? "create a resource with its mailbox; 65 when the address is taken"
                       : "create, or update to exactly this state, the resource of an address");
            cmd->add_option("--tenant", resource_.tenant, "tenant id")->required();
            cmd->add_option("--group", resource_.group, "resource group")->required();
            cmd->add_option("--mail", resource_.mail, "address (or local part)")->required();
            profile(cmd, true);
            on(cmd, [this, is_new](context& c) { resource_put(c, resource_, is_new); });
        }
        auto* show = noun->add_subcommand("show", "one resource");
        address_arg(show, "resource address");
        on(show, [this](context& c) { resource_show(c, address_); });
        auto* modify = noun->add_subcommand("modify", "change name, description, city, type");
        address_arg(modify, "resource address");
        profile(modify, false);
        on(modify, [this](context& c) { resource_modify(c, address_, resource_); });
        auto* remove = noun->add_subcommand("delete", "remove a resource (its mail stays on disk)");
        address_arg(remove, "resource address");
        on(remove, [this](context& c) { resource_delete(c, address_); });
        auto* all = noun->add_subcommand("list", "resources of a tenant, group or type");
        all->add_option("--tenant", resource_.tenant, "tenant id");
        all->add_option("--group", resource_.group, "resource group (with --tenant)");
        all->add_option("--type", resource_.type, "room or equipment");
        on(all, [this](context& c) { resource_list(c, resource_); });
    }

    mail_list_options list_;
    resource_group_options group_;
    resource_options resource_;
    std::string address_;
    std::vector<std::string> who_;
    bool no_owners_ = false;
    std::vector<std::pair<CLI::App*, std::function<void(context&)>>> verbs_;
};

}  // namespace mailwarden::provisioner
