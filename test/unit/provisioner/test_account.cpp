// test_account.cpp: what a new mailbox entry holds: NXXXXXX@<default domain> as mail and
// NXXXXXX@<each other tenant domain> as aliases (R-TJP-1), pending status and config
// defaults, the tenant's mailbox limit (R-PSH-2), the tenant read from its entry.
#include <doctest/doctest.h>

#include "provisioner/account.hpp"

using namespace mailwarden;
using namespace mailwarden::provisioner;

namespace {

tenant_info court() {
    tenant_info t;
    t.id = "court";
    t.default_domain = "new.example";
    t.domains = {"new.example", "old.example"};
    return t;
}

}  // namespace

TEST_CASE("R-TJP-1: a mailbox has an address in every tenant domain, the default primary") {
    CHECK(mailbox_addresses("7000001", court()) ==
          std::vector<std::string>{"7000001@new.example", "7000001@old.example"});
    tenant_info one = court();
    one.domains = {"new.example"};
    CHECK(mailbox_addresses("7000001", one) == std::vector<std::string>{"7000001@new.example"});
    // What an existing account lacks, compared without case; its own mail never again.
    CHECK(missing_secondary_addresses("7000001", court(), {"7000001@NEW.example"}) ==
          std::vector<std::string>{"7000001@old.example"});
    CHECK(missing_secondary_addresses("7000001", court(),
                                      {"7000001@old.example", "7000001@new.example", "x@y"})
              .empty());
    // An account made when old.example was the default gets the new address as an alias.
    CHECK(missing_secondary_addresses("7000001", court(), {"7000001@old.example"}) ==
          std::vector<std::string>{"7000001@new.example"});
}

TEST_CASE("R-TJP-1 R-PSH-1 R-PSH-3: the entry of a new account") {
    config::settings s;
    user_options o;
    o.region = 7;
    o.tenant = "court";
    o.cn = "Ivan Petrov";
    o.sn = "Petrov";
    o.external_id = "HR-1";
    const auto attrs = new_account(s, o, "7000001", court(), "ivan.petrov@new.example");
    CHECK(attrs.at("uid") == ldap::values{"7000001"});
    CHECK(attrs.at("mail") == ldap::values{"7000001@new.example"});
    CHECK(attrs.at("mwAlias") == ldap::values{"7000001@old.example", "ivan.petrov@new.example"});
    CHECK(attrs.at("mwAccountStatus") == ldap::values{"pending"});
    CHECK(attrs.at("mwRegion") == ldap::values{"7"});
    CHECK(attrs.at("mwTenant") == ldap::values{"court"});
    CHECK(attrs.at("mwExternalId") == ldap::values{"HR-1"});
    CHECK(attrs.at("mwQuotaBytes") == ldap::values{"2000000000"});  // R-PSH-4 default
    CHECK_FALSE(attrs.contains("title"));
    CHECK_FALSE(attrs.contains("mwQuotaMessages"));  // 0 = the default: not written
    // One domain, no first.last: no alias at all; activate_on_create; quota 0 = default.
    tenant_info one = court();
    one.domains = {"new.example"};
    s.provisioning.activate_on_create = true;
    o.quota_bytes = 0;
    const auto plain = new_account(s, o, "7000002", one, "");
    CHECK_FALSE(plain.contains("mwAlias"));
    CHECK_FALSE(plain.contains("mwQuotaBytes"));
    CHECK(plain.at("mwAccountStatus") == ldap::values{"active"});
    // Mapped names (R-MYO-8).
    s.attributes.alias = "alias";
    s.attributes.mail = "mailPrimary";
    const auto mapped = new_account(s, o, "7000003", court(), "");
    CHECK(mapped.at("alias") == ldap::values{"7000003@old.example"});
    CHECK(mapped.at("mailPrimary") == ldap::values{"7000003@new.example"});
}

TEST_CASE("R-PSH-2: a tenant's live mailboxes stay within its limit") {
    tenant_info t = court();
    CHECK(check_mailbox_limit(t, 1000, 1).empty());  // no limit
    t.max_mailboxes = 3;
    CHECK(check_mailbox_limit(t, 2, 1).empty());
    CHECK(check_mailbox_limit(t, 0, 3).empty());
    const std::string one = check_mailbox_limit(t, 3, 1);
    CHECK(one.find("tenant 'court'") != std::string::npos);
    CHECK(one.find("limit of 3") != std::string::npos);
    CHECK(one.find("R-PSH-2") != std::string::npos);
    CHECK(check_mailbox_limit(t, 1, 5).find("5 new would make 6") != std::string::npos);
    t.max_mailboxes = 0;
    CHECK_FALSE(check_mailbox_limit(t, 0, 1).empty());
}

TEST_CASE("R-MYO-1 R-PSH-2: a tenant from its entry") {
    ldap::entry e;
    e.dn = "ou=court,ou=tenants,dc=x";
    e.attributes = {{"mwDefaultDomain", {"New.Example"}},
                    {"mwMailDomain", {"old.example", "new.example"}},
                    {"mwMaxMailboxes", {"40"}}};
    std::string error;
    const auto t = tenant_from_entry("court", e, error);
    CHECK(error.empty());
    CHECK(t.default_domain == "new.example");
    CHECK(t.domains == std::vector<std::string>{"new.example", "old.example"});
    CHECK(t.max_mailboxes == std::optional<std::uint64_t>(40));
    e.attributes["mwMaxMailboxes"] = {"forty"};
    (void)tenant_from_entry("court", e, error);
    CHECK(error.find("mwMaxMailboxes") != std::string::npos);
    e.attributes.erase("mwDefaultDomain");
    (void)tenant_from_entry("court", e, error);
    CHECK(error.find("no default domain") != std::string::npos);
}
