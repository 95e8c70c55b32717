// test_config_dump.cpp: dump() prints every key grouped by section in exact unit form and
// load_string(dump(s)) == s: for the defaults, the rulebook profiles, strings YAML would
// otherwise misread, and thousands of random valid settings drawn from the key table.
// check_config_command prints the effective config (0) or every error (78). validate()
// applies the loader's checks to settings built in code.
// Rules: R-PSH-4, R-PSH-5, R-PSH-6, R-SAV-1, R-SAV-2, R-SAV-4 (exact round trip);
// style guide 27 (--check-config, exit 0 or 78).
#include <doctest/doctest.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/config/config_keys.hpp"
#include "test/unit/config/config_test_util.hpp"

using namespace mailwarden::config;
using mailwarden::config::test::loaded;
using mailwarden::config::test::temp_dir;

namespace {

// load_string(dump(s)) must give s back, field for field.
void check_round_trip(const settings& s) {
    const std::string text = dump(s);
    CAPTURE(text);
    const auto r = load_string(text, s.source_file);
    for (const auto& e : r.errors) FAIL_CHECK(e.to_string());
    REQUIRE(r.ok());
    CHECK(*r.value == s);
    CHECK(dump(*r.value) == text);
}

std::string joined(const std::vector<load_error>& errors) {
    std::string out;
    for (const auto& e : errors) out += e.to_string() + "\n";
    return out;
}

// What an administrator might write in a string that YAML would misread unquoted.
const std::vector<std::string> tricky_strings = {
    "",           "a: b",     "#not a comment", "x # y",      "\"quoted\"", "'single'",
    "back\\slash", " leading", "trailing ",      "Минск",       "yes",        "no",
    "null",       "~",        "true",           "0100",         "1e3",        "- item",
    "[a, b]",     "{a: b}",   "&anchor",        "*alias",       "!tag",       "%directive",
    "@at",        "`tick",    "|",              ">",            "?",          "---",
    "...",        "a\tb",     "ü€𝄞",            "cn=a\\,b,dc=x", "=",          ",",
};

}  // namespace

TEST_CASE("config: dump of the defaults, every key grouped by section") {
    CHECK(dump(settings{}) ==
          R"(# mailwarden: effective configuration (every key, defaults included)

ldap:
  uri: "ldap://127.0.0.1:389"
  base_dn: ""
  bind_dn: ""
  bind_password_file: ""
  start_tls: false
  ca_file: ""
  timeout: 5s
  page_size: 500
  cache_ttl: 1m
  negative_cache_ttl: 10s
  status_cache_ttl: 10s
  write_bind_dn: ""
  write_bind_password_file: ""

log:
  target: syslog
  level: info

milter:
  socket: "unix:/var/spool/postfix/mailwarden/milter.sock"
  user: "mailwarden"
  group: ""
  socket_group: "postfix"
  allow_test_clock: false
  on_dependency_failure: tempfail

limits:
  max_message_size_outgoing: 100MB
  max_message_size_incoming: 100MB
  max_recipients: 0

send_cap:
  daily_limit: 100
  window: 1d
  bucket: 5m
  block_duration: 1d
  count: messages
  store: lmdb
  lmdb_path: "/var/lib/mailwarden/sendcap.lmdb"
  redis_uri: "tcp://127.0.0.1:6379"

sender:
  check_identity: true
  local_domains: ""
  trusted_networks: ""
  activation_address: ""
  submit_networks: ""

rules:
  subject_block_file: ""
  subject_block_action: reject

quota:
  storage_bytes: 2GB
  messages: 0
  warning_bytes: 0
  grace: 0

provisioning:
  activate_on_create: false
  tombstone_retention: 30d
  relationships: "employee contractor phd-student project-collaborator intern external-collaborator"
  mailbox_hosts: ""
  password_scheme: server

password_policy:
  min_length: 8
  max_length: 128
  min_digits: 1
  min_upper: 1
  min_lower: 1
  min_special: 1
  reject_cyrillic: true
  reject_personal_data: true
  dictionary_file: ""

attributes:
  mail: "mail"
  alias: "mwAlias"
  send_as: "mwSendAs"
  status: "mwAccountStatus"
  region: "mwRegion"
  tenant: "mwTenant"
  quota_bytes: "mwQuotaBytes"
  quota_messages: "mwQuotaMessages"
  daily_send_limit: "mwDailySendLimit"
  internal_only: "mwInternalOnly"
  allowed_recipient: "mwAllowedRecipient"
  mailbox_host: "mwMailboxHost"
  relationship: "mwRelationship"
  external_id: "mwExternalId"
  deleted_at: "mwDeletedAt"
  purge_after: "mwPurgeAfter"
  list_policy: "mwListPolicy"
  language: "preferredLanguage"

account_status:
  active: "active"
  pending: "pending"
  blocked: "blocked"
  deleted: "deleted"

classes:
  attribute: ""

class_limits: {}

domain_limits: {}
)");
    check_round_trip(settings{});
}

TEST_CASE("config: dump names the file it was loaded from, sanitised") {
    settings s;
    s.source_file = "/etc/mailwarden/mailwarden.yaml";
    CHECK(dump(s).find("# loaded from /etc/mailwarden/mailwarden.yaml\n") != std::string::npos);
    s.source_file = "evil\nldap:\n  uri: x";
    const std::string text = dump(s);
    CHECK(text.find("# loaded from evil?ldap:?  uri: x\n") != std::string::npos);
    check_round_trip(s);
}

TEST_CASE("R-PSH-4 R-PSH-5 R-PSH-6 R-SAV-1 R-SAV-2 R-SAV-4: rulebook profiles round-trip") {
    const settings sav = loaded(R"(
limits:
  max_message_size_outgoing: 3.5 MB
  max_message_size_incoming: 5 MB
quota:
  storage_bytes: 20 MB
  messages: 5000
  warning_bytes: 25 MB
  grace: 7 d
)");
    const std::string text = dump(sav);
    for (std::string_view line :
         {"  max_message_size_outgoing: 3.5MB\n", "  max_message_size_incoming: 5MB\n",
          "  storage_bytes: 20MB\n", "  messages: 5000\n", "  warning_bytes: 25MB\n",
          "  grace: 1w\n"}) {
        CAPTURE(line);
        CHECK(text.find(line) != std::string::npos);
    }
    check_round_trip(sav);

    const settings psh = loaded(R"(
quota:
  storage_bytes: 2 GB
limits:
  max_message_size_outgoing: 100 MB
send_cap:
  daily_limit: 100
  block_duration: 24 h
)");
    const std::string psh_text = dump(psh);
    CHECK(psh_text.find("  storage_bytes: 2GB\n") != std::string::npos);
    CHECK(psh_text.find("  daily_limit: 100\n") != std::string::npos);
    CHECK(psh_text.find("  block_duration: 1d\n") != std::string::npos);
    check_round_trip(psh);
}

TEST_CASE("config: strings with ':', '#', quotes and YAML words survive dump and load") {
    for (const std::string& text : tricky_strings) {
        CAPTURE(text);
        settings s;
        s.ldap.base_dn = text;
        s.milter.group = text;
        if (text.find('\t') != std::string::npos) {
            // a tab is a control character: dumped escaped, refused on load and by validate
            CHECK_FALSE(validate(s).empty());
            CHECK(dump(s).find("base_dn: \"a\\x09b\"") != std::string::npos);
            CHECK_FALSE(load_string(dump(s), "").ok());
            continue;
        }
        CHECK(validate(s).empty());
        check_round_trip(s);
    }
}

TEST_CASE("config: thousands of random valid settings round-trip exactly") {
    std::mt19937_64 rng(42);
    const auto pick = [&](std::uint64_t lo, std::uint64_t hi) {
        // Half the time a boundary or a round number, else uniform.
        switch (rng() % 6) {
            case 0: return lo;
            case 1: return hi;
            case 2: return std::min(hi, lo + rng() % 10);
        }
        const std::uint64_t span = hi - lo;
        return span == UINT64_MAX ? rng() : lo + rng() % (span + 1);
    };
    int validated = 0;
    for (int round = 0; round < 3000; ++round) {
        settings s;
        s.source_file = "random.yaml";
        for (const key_info& k : keys()) {
            key_value v;
            switch (k.kind) {
                case key_kind::string:
                case key_kind::path: {
                    std::string text = tricky_strings[rng() % tricky_strings.size()];
                    if (k.kind == key_kind::path) text = "/" + text;
                    v = text;
                    // keys with a syntax check or a minimum keep their default when the pick
                    // does not suit them
                    if (!check_value(k, v).empty()) v = std::string(k.default_text);
                    break;
                }
                case key_kind::boolean: v = (rng() % 2) == 0; break;
                case key_kind::count:
                case key_kind::size: v = pick(k.min, k.max); break;
                case key_kind::duration:
                    v = seconds{static_cast<std::int64_t>(pick(k.min, k.max))};
                    break;
                case key_kind::enumeration:
                    v = enum_value{k.words[rng() % k.words.size()].value};
                    break;
            }
            k.field.set(s, v);
        }
        // Satisfy the cross-key checks half the time; otherwise validate() must say why.
        if (rng() % 2 == 0) {
            s.send_cap.window = s.send_cap.bucket * std::max<std::int64_t>(
                                                        1, 60 / s.send_cap.bucket.count() + 1);
            s.ldap.bind_password_file = s.ldap.bind_dn.empty() ? "" : "/etc/secret";
            s.ldap.start_tls = false;
            if (s.send_cap.lmdb_path.empty()) s.send_cap.lmdb_path = "/x";
            if (s.send_cap.redis_uri.empty()) s.send_cap.redis_uri = "unix:/r";
        }
        const auto problems = validate(s);
        if (!problems.empty()) {
            const auto r = load_string(dump(s), s.source_file);
            CHECK_FALSE(r.ok());  // what validate() refuses, the loader refuses too
            continue;
        }
        ++validated;
        check_round_trip(s);
    }
    CHECK(validated > 1000);
}

TEST_CASE("config: validate() checks settings built in code like the loader does") {
    CHECK(validate(settings{}).empty());

    settings s;
    s.source_file = "code";
    s.send_cap.bucket = seconds{600};
    s.quota.grace = seconds{-1};
    s.ldap.page_size = 0;
    s.milter.on_dependency_failure = mailwarden::policy::action::discard;
    s.milter.socket = "tcp:1";
    CHECK(joined(validate(s)) ==
          "code: ldap.page_size: must be between 1 and 100000 entries, got 0\n"
          "code: milter.socket: \"tcp:1\" is not a milter socket: write unix:/PATH, "
          "local:/PATH, inet:PORT@HOST or inet6:PORT@HOST\n"
          "code: milter.on_dependency_failure: holds a value (3) that is not one of: "
          "tempfail, reject\n"
          "code: send_cap.bucket: must be between 1s and 5m, got 10m\n"
          "code: quota.grace: must not be negative, got -1s\n");

    // dump never throws; what it cannot write faithfully fails to load, naming the key
    // (line 2 of the dump is "# loaded from code").
    const std::string text = dump(s);
    CHECK(text.find("  on_dependency_failure: \"invalid value 3\"\n") != std::string::npos);
    CHECK(text.find("  grace: \"-1s\"\n") != std::string::npos);
    CHECK(joined(load_string(text, "code").errors) ==
          "code:12: ldap.page_size: must be between 1 and 100000 entries, got 0\n"
          "code:24: milter.socket: \"tcp:1\" is not a milter socket: write unix:/PATH, "
          "local:/PATH, inet:PORT@HOST or inet6:PORT@HOST\n"
          "code:29: milter.on_dependency_failure: \"invalid value 3\" is not one of: "
          "tempfail, reject\n"
          "code:39: send_cap.bucket: must be between 1s and 5m, got 10m\n"
          "code:61: quota.grace: must not be negative, got \"-1s\"\n");

    settings cross;
    cross.send_cap.bucket = seconds{7};
    CHECK(validate(cross).at(0).to_string() ==
          "<config>: send_cap.bucket: 7s does not divide the window 1d into whole buckets");
}

TEST_CASE("config: --check-config prints the effective config (0) or every error (78)") {
    temp_dir dir;
    const std::string good = dir.write("good.yaml", "send_cap:\n  daily_limit: 50\n");
    {
        std::ostringstream out, err;
        CHECK(check_config_command(good, out, err) == 0);
        CHECK(err.str().empty());
        CHECK(out.str() == dump(*load_file(good).value));
        CHECK(out.str().find("  daily_limit: 50\n") != std::string::npos);
    }
    const std::string bad =
        dir.write("bad.yaml", "send_cap:\n  daily_limit: many\nlog:\n  level: loud\n");
    {
        std::ostringstream out, err;
        CHECK(check_config_command(bad, out, err) == ex_config);
        CHECK(ex_config == 78);
        CHECK(out.str().empty());
        CHECK(err.str() ==
              bad + ":2: send_cap.daily_limit: expected a whole number of messages, got "
                    "\"many\"\n" +
                  bad + ":4: log.level: \"loud\" is not one of: debug, info, warning, error\n");
    }
    {
        std::ostringstream out, err;
        const std::string missing = (dir.path() / "none.yaml").string();
        CHECK(check_config_command(missing, out, err) == 78);
        CHECK(out.str().empty());
        CHECK(err.str() == missing + ": cannot open: No such file or directory\n");
    }
}
