// test_config_load.cpp: load_string/load_file accept what they should and report each class
// of error with its exact "FILE:LINE: KEY: message": unknown keys (with "did you mean"),
// duplicates, wrong types, negatives, out of range, bad enum words, YAML syntax, a top level
// that is not a mapping, unreadable files, cross-key checks; and all errors, not just one.
// Rules: R-PSH-4, R-PSH-5, R-PSH-6, R-SAV-1, R-SAV-2, R-SAV-4, R-MYO-7 (their values load
// exactly); style guide 13 and 25 (config errors with file:line:key, unknown keys refused).
#include <doctest/doctest.h>

#include <unistd.h>

#include <string>
#include <string_view>

#include "core/config/config.hpp"
#include "test/unit/config/config_test_util.hpp"

using namespace mailwarden::config;
using mailwarden::config::test::errors_of;
using mailwarden::config::test::loaded;
using mailwarden::config::test::temp_dir;

namespace {

// All errors joined by newlines, so a failing CHECK shows them in full.
std::string errors_text(std::string_view yaml) {
    std::string out;
    for (const auto& e : errors_of(yaml)) out += e + "\n";
    return out;
}

struct error_case {
    std::string_view yaml;
    std::string_view errors;  // every error, in order, newline-terminated
};

void check_cases(std::initializer_list<error_case> cases) {
    for (const auto& c : cases) {
        CAPTURE(c.yaml);
        CHECK(errors_text(c.yaml) == c.errors);
    }
}

settings defaults_from(const std::string& file) {
    settings s;
    s.source_file = file;
    return s;
}

}  // namespace

TEST_CASE("config: an empty file, comments only, or an empty document mean all defaults") {
    for (std::string_view yaml : {"", "\n", "# nothing set\n", "---\n", "---\n...\n"}) {
        CAPTURE(yaml);
        CHECK(loaded(yaml) == defaults_from("t.yaml"));
    }
    // A section with every key commented out is empty, not an error.
    CHECK(loaded("send_cap:\n  # daily_limit: 5\n") == defaults_from("t.yaml"));
}

TEST_CASE("R-PSH-4 R-PSH-5 R-PSH-6 R-SAV-1 R-SAV-2 R-SAV-4: rulebook numbers load exactly") {
    const settings psh = loaded(R"(
limits:
  max_message_size_outgoing: 100 MB   # R-PSH-5, written as the rulebook does
quota:
  storage_bytes: 2 GB                 # R-PSH-4
send_cap:
  daily_limit: 100                    # R-PSH-6: 100 a day
  window: 24h
  block_duration: 24 h
)");
    CHECK(psh.limits.max_message_size_outgoing == 100'000'000);
    CHECK(psh.quota.storage_bytes == 2'000'000'000);
    CHECK(psh.send_cap.daily_limit == 100);
    CHECK(psh.send_cap.window == seconds{86'400});
    CHECK(psh.send_cap.block_duration == seconds{86'400});

    const settings sav = loaded(R"(
limits:
  max_message_size_outgoing: 3.5MB   # R-SAV-4
  max_message_size_incoming: 5MB     # R-SAV-4
quota:
  storage_bytes: 20MB                # R-SAV-1
  messages: 5000                     # R-SAV-1
  warning_bytes: 25MB                # R-SAV-1
  grace: 7d                          # R-SAV-2
)");
    CHECK(sav.limits.max_message_size_outgoing == 3'500'000);
    CHECK(sav.limits.max_message_size_incoming == 5'000'000);
    CHECK(sav.quota.storage_bytes == 20'000'000);
    CHECK(sav.quota.messages == 5000);
    CHECK(sav.quota.warning_bytes == 25'000'000);
    CHECK(sav.quota.grace == seconds{604'800});
}

TEST_CASE("config: every kind of value loads") {
    const settings s = loaded(R"(
ldap:
  uri: "ldaps://ldap1.example:636 ldaps://ldap2.example:636"
  base_dn: "ou=Минск,dc=example,dc=by"
  bind_dn: cn=milter,dc=example
  bind_password_file: /etc/mailwarden/ldap.secret
  ca_file: /etc/ssl/certs/ca.pem
  timeout: 10s
  page_size: 1000
  cache_ttl: 0
  negative_cache_ttl: 1m
log:
  target: stderr
  level: debug
milter:
  socket: inet:8891@127.0.0.1
  user: postfix-milter
  group: mail
  on_dependency_failure: reject
send_cap:
  count: recipients
  store: redis
  redis_uri: unix:/run/redis/redis.sock
  lmdb_path: ""
)");
    CHECK(s.ldap.uri == "ldaps://ldap1.example:636 ldaps://ldap2.example:636");
    CHECK(s.ldap.base_dn == "ou=Минск,dc=example,dc=by");
    CHECK(s.ldap.bind_dn == "cn=milter,dc=example");
    CHECK(s.ldap.bind_password_file == "/etc/mailwarden/ldap.secret");
    CHECK(s.ldap.ca_file == "/etc/ssl/certs/ca.pem");
    CHECK(s.ldap.timeout == seconds{10});
    CHECK(s.ldap.page_size == 1000);
    CHECK(s.ldap.cache_ttl == seconds{0});
    CHECK(s.ldap.negative_cache_ttl == seconds{60});
    CHECK(s.log.target == log_target::stderr_stream);
    CHECK(s.log.level == mailwarden::log::level::debug);
    CHECK(s.milter.socket == "inet:8891@127.0.0.1");
    CHECK(s.milter.user == "postfix-milter");
    CHECK(s.milter.group == "mail");
    CHECK(s.milter.on_dependency_failure == mailwarden::policy::action::reject);
    CHECK(s.send_cap.count == count_mode::recipients);
    CHECK(s.send_cap.store == store_backend::redis);
    CHECK(s.send_cap.redis_uri == "unix:/run/redis/redis.sock");
    CHECK(s.send_cap.lmdb_path.empty());
    CHECK(s.source_file == "t.yaml");
}

TEST_CASE("config: a UTF-8 byte order mark and CRLF line ends (files edited elsewhere)") {
    CHECK(loaded("\xEF\xBB\xBFsend_cap:\n  daily_limit: 7\n").send_cap.daily_limit == 7);
    CHECK(loaded("send_cap:\r\n  daily_limit: 7\r\n").send_cap.daily_limit == 7);
    check_cases({
        {"send_cap:\r\n  daily_limit: 7\r\n  bucket: 10m\r\n",
         "t.yaml:3: send_cap.bucket: must be between 1s and 5m, got 10m\n"},
    });
}

TEST_CASE("config: booleans are true/false or yes/no, nothing else") {
    CHECK(loaded("ldap:\n  start_tls: true\n").ldap.start_tls);
    CHECK(loaded("ldap:\n  start_tls: yes\n").ldap.start_tls);
    CHECK_FALSE(loaded("ldap:\n  start_tls: false\n").ldap.start_tls);
    CHECK_FALSE(loaded("ldap:\n  start_tls: no\n").ldap.start_tls);
    check_cases({
        {"ldap:\n  start_tls: on\n",
         "t.yaml:2: ldap.start_tls: expected true or false, got \"on\"\n"},
        {"ldap:\n  start_tls: 1\n",
         "t.yaml:2: ldap.start_tls: expected true or false, got \"1\"\n"},
        {"ldap:\n  start_tls: True\n",
         "t.yaml:2: ldap.start_tls: expected true or false, got \"True\"\n"},
    });
}

TEST_CASE("config: unknown keys are errors, with a suggestion when one key is close") {
    check_cases({
        {"send_cap:\n  daly_limit: 5\n",
         "t.yaml:2: send_cap.daly_limit: unknown key; did you mean send_cap.daily_limit?\n"},
        {"ldap:\n  tiemout: 5s\n",
         "t.yaml:2: ldap.tiemout: unknown key; did you mean ldap.timeout?\n"},
        // the right key in the wrong section
        {"limits:\n  daily_limit: 5\n",
         "t.yaml:2: limits.daily_limit: unknown key; did you mean send_cap.daily_limit?\n"},
        {"sendcap:\n  daily_limit: 5\n",
         "t.yaml:1: sendcap: unknown key; did you mean send_cap?\n"},
        // nothing close: list what the section has
        {"quota:\n  zzzzzzzz: 1\n",
         "t.yaml:2: quota.zzzzzzzz: unknown key; quota has: storage_bytes, messages, "
         "warning_bytes, grace\n"},
        {"frobnicate: 1\n",
         "t.yaml:1: frobnicate: unknown section; the sections are: ldap, log, milter, limits, "
         "send_cap, sender, rules, quota, provisioning, password_policy, attributes, account_status, "
         "classes, class_limits, domain_limits\n"},
        // a key under a key
        {"send_cap:\n  daily_limit:\n    per_user: 5\n",
         "t.yaml:2: send_cap.daily_limit: expected a whole number of messages, got a "
         "mapping\n"},
        // merge keys are not YAML 1.2 and not supported
        {"ldap:\n  <<: {uri: \"ldap://x\"}\n",
         "t.yaml:2: ldap.<<: unknown key; ldap has: uri, base_dn, bind_dn, bind_password_file, "
         "start_tls, ca_file, timeout, page_size, cache_ttl, negative_cache_ttl, status_cache_ttl, "
         "write_bind_dn, write_bind_password_file\n"},
        // a hostile key is echoed sanitised
        {"\"a\\x01b\": 1\n",
         "t.yaml:1: a?b: unknown section; the sections are: ldap, log, milter, limits, "
         "send_cap, sender, rules, quota, provisioning, password_policy, attributes, account_status, "
         "classes, class_limits, domain_limits\n"},
        {"? [a, b]\n: 1\n", "t.yaml:1: a key must be a name, got a list\n"},
        {"send_cap:\n  ? {a: 1}\n  : 1\n",
         "t.yaml:2: send_cap: a key must be a name, got a mapping\n"},
    });
}

TEST_CASE("config: duplicate keys are errors (yaml-cpp alone would keep one silently)") {
    check_cases({
        {"send_cap:\n  daily_limit: 100\n  daily_limit: 200\n",
         "t.yaml:3: send_cap.daily_limit: duplicate key (first at line 2); remove one\n"},
        {"log:\n  level: info\n  level: debug\n  level: error\n",
         "t.yaml:3: log.level: duplicate key (first at line 2); remove one\n"
         "t.yaml:4: log.level: duplicate key (first at line 2); remove one\n"},
        // quoting does not make a different key
        {"log:\n  level: info\n  \"level\": debug\n",
         "t.yaml:3: log.level: duplicate key (first at line 2); remove one\n"},
        // a duplicated section, whose contents are still checked
        {"send_cap:\n  daily_limit: 1\nquota:\n  grace: 0\nsend_cap:\n  bucket: 10m\n",
         "t.yaml:5: send_cap: duplicate key (first at line 1); remove one\n"
         "t.yaml:6: send_cap.bucket: must be between 1s and 5m, got 10m\n"},
    });
}

TEST_CASE("config: wrong types name the key and what was expected") {
    check_cases({
        {"send_cap:\n  daily_limit: abc\n",
         "t.yaml:2: send_cap.daily_limit: expected a whole number of messages, got \"abc\"\n"},
        {"send_cap:\n  daily_limit: 1.5\n",
         "t.yaml:2: send_cap.daily_limit: expected a whole number of messages, got \"1.5\"\n"},
        {"send_cap:\n  daily_limit: [1, 2]\n",
         "t.yaml:2: send_cap.daily_limit: expected a whole number of messages, got a list\n"},
        {"send_cap:\n  window:\n    - 1h\n",
         "t.yaml:2: send_cap.window: expected a duration such as 24h, 7d or 1h30m, got a "
         "list\n"},
        {"ldap:\n  uri: {host: x}\n", "t.yaml:2: ldap.uri: expected text, got a mapping\n"},
        {"quota:\n  storage_bytes:\n",
         "t.yaml:2: quota.storage_bytes: has no value: write a size such as 100MB, 3.5MB or "
         "2GiB, or remove the line for the default (2GB)\n"},
        {"ldap:\n  uri:\n",
         "t.yaml:2: ldap.uri: has no value: write \"\" for an empty one, or remove the line for "
         "the default (\"ldap://127.0.0.1:389\")\n"},
        {"ldap:\n  timeout: 5\n",
         "t.yaml:2: ldap.timeout: \"5\" needs a unit: 24h, 7d, 300s (a bare number could mean "
         "seconds or minutes)\n"},
        {"quota:\n  storage_bytes: 2G\n",
         "t.yaml:2: quota.storage_bytes: \"2G\" is ambiguous: write 2GB (powers of 1000) or "
         "2GiB (powers of 1024)\n"},
        {"quota:\n  storage_bytes: 2 gb\n",
         "t.yaml:2: quota.storage_bytes: unit \"gb\" is not accepted: units are case-sensitive "
         "(b is a bit, m is milli); write GB\n"},
        {"quota:\n  messages: 0100\n",
         "t.yaml:2: quota.messages: leading zero in \"0100\": write the number without it (YAML "
         "1.1 reads 0100 as octal 64)\n"},
        // a section where a key belongs, and a value where a section belongs
        {"send_cap: 5\n",
         "t.yaml:1: send_cap: expected a mapping of send_cap keys (daily_limit, window, bucket, "
         "block_duration, count, store, lmdb_path, redis_uri), got \"5\"\n"},
        {"log: [syslog]\n",
         "t.yaml:1: log: expected a mapping of log keys (target, level), got a list\n"},
    });
}

TEST_CASE("R-PSH-6 R-SAV-1: negative numbers are refused, never wrapped") {
    check_cases({
        {"send_cap:\n  daily_limit: -5\n",
         "t.yaml:2: send_cap.daily_limit: must not be negative, got \"-5\"\n"},
        {"quota:\n  storage_bytes: -1MB\n",
         "t.yaml:2: quota.storage_bytes: must not be negative, got \"-1MB\"\n"},
        {"quota:\n  grace: -1h\n", "t.yaml:2: quota.grace: must not be negative, got \"-1h\"\n"},
        {"quota:\n  messages: -0\n",
         "t.yaml:2: quota.messages: must not be negative, got \"-0\"\n"},
    });
}

TEST_CASE("R-PSH-6: out-of-range values give the allowed range in the key's unit") {
    check_cases({
        {"send_cap:\n  bucket: 10m\n",
         "t.yaml:2: send_cap.bucket: must be between 1s and 5m, got 10m\n"},
        {"send_cap:\n  bucket: 0\n",
         "t.yaml:2: send_cap.bucket: must be between 1s and 5m, got 0\n"},
        {"send_cap:\n  daily_limit: 10000001\n",
         "t.yaml:2: send_cap.daily_limit: must be at most 10000000 messages, got 10000001\n"},
        {"send_cap:\n  window: 59s\n",
         "t.yaml:2: send_cap.window: must be between 1m and 31d, got 59s\n"},
        {"ldap:\n  page_size: 0\n",
         "t.yaml:2: ldap.page_size: must be between 1 and 100000 entries, got 0\n"},
        {"ldap:\n  page_size: 18446744073709551616\n",
         "t.yaml:2: ldap.page_size: \"18446744073709551616\" is too large: at most "
         "18446744073709551615\n"},
        {"limits:\n  max_message_size_incoming: 1.5TB\n",
         "t.yaml:2: limits.max_message_size_incoming: must be at most 1TB, got 1.5TB\n"},
        {"quota:\n  grace: 366d\n", "t.yaml:2: quota.grace: must be at most 365d, got 366d\n"},
    });
    // the boundaries themselves are accepted
    CHECK(loaded("send_cap:\n  bucket: 5m\n  window: 31d\n  daily_limit: 10000000\n")
              .send_cap.daily_limit == 10'000'000);
    CHECK(loaded("send_cap:\n  bucket: 1s\n  window: 1m\n  daily_limit: 0\n").send_cap.bucket ==
          seconds{1});
    CHECK(loaded("limits:\n  max_message_size_incoming: 1TB\n").limits.max_message_size_incoming ==
          1'000'000'000'000);
}

TEST_CASE("config: unknown enum words list the allowed ones") {
    check_cases({
        {"log:\n  level: loud\n",
         "t.yaml:2: log.level: \"loud\" is not one of: debug, info, warning, error\n"},
        {"log:\n  target: file\n",
         "t.yaml:2: log.target: \"file\" is not one of: syslog, stderr\n"},
        {"log:\n  level: INFO\n",
         "t.yaml:2: log.level: \"INFO\" is not one of: debug, info, warning, error\n"},
        // a dependency failure never accepts mail silently (DESIGN "three outcomes")
        {"milter:\n  on_dependency_failure: accept\n",
         "t.yaml:2: milter.on_dependency_failure: \"accept\" is not one of: tempfail, reject\n"},
        {"send_cap:\n  store: memory\n",
         "t.yaml:2: send_cap.store: \"memory\" is not one of: lmdb, redis\n"},
    });
}

TEST_CASE("config: string values are checked, never truncated") {
    check_cases({
        {"ldap:\n  base_dn: \"a\\x01b\"\n",
         "t.yaml:2: ldap.base_dn: contains a control character (byte 2 of the value)\n"},
        {"ldap:\n  base_dn: \"line\\nbreak\"\n",
         "t.yaml:2: ldap.base_dn: contains a control character (byte 5 of the value)\n"},
        {"ldap:\n  base_dn: \"a\xff b\"\n",
         "t.yaml:2: ldap.base_dn: is not valid UTF-8 (byte 2 of the value)\n"},
        {"ldap:\n  base_dn: |\n    two\n    lines\n",
         "t.yaml:2: ldap.base_dn: contains a control character (byte 4 of the value)\n"},
        {"send_cap:\n  lmdb_path: var/sendcap.lmdb\n",
         "t.yaml:2: send_cap.lmdb_path: must be an absolute path (the daemon runs from /), got "
         "\"var/sendcap.lmdb\"\n"},
        {"milter:\n  socket: \"\"\n", "t.yaml:2: milter.socket: must not be empty\n"},
        {"milter:\n  socket: tcp:8891\n",
         "t.yaml:2: milter.socket: \"tcp:8891\" is not a milter socket: write unix:/PATH, "
         "local:/PATH, inet:PORT@HOST or inet6:PORT@HOST\n"},
        {"milter:\n  socket: inet:0@127.0.0.1\n",
         "t.yaml:2: milter.socket: \"inet:0@127.0.0.1\": expected PORT@HOST with a port "
         "1..65535; write unix:/PATH, local:/PATH, inet:PORT@HOST or inet6:PORT@HOST\n"},
        {"milter:\n  socket: unix:run/milter.sock\n",
         "t.yaml:2: milter.socket: \"unix:run/milter.sock\": the socket path must be absolute; "
         "write unix:/PATH, local:/PATH, inet:PORT@HOST or inet6:PORT@HOST\n"},
        {"ldap:\n  uri: http://ldap.example\n",
         "t.yaml:2: ldap.uri: \"http://ldap.example\" is not an LDAP URI: write ldap://HOST:PORT, "
         "ldaps://HOST:PORT or ldapi://SOCKET\n"},
        {"send_cap:\n  redis_uri: tcp://redis.example\n",
         "t.yaml:2: send_cap.redis_uri: \"tcp://redis.example\" is not a Redis address: write "
         "tcp://HOST:PORT or unix:/PATH\n"},
    });
    const std::string long_dn = "ldap:\n  base_dn: " + std::string(4097, 'a') + "\n";
    CHECK(errors_text(long_dn) ==
          "t.yaml:2: ldap.base_dn: is too long: 4097 bytes, at most 4096\n");
    const std::string max_dn = "ldap:\n  base_dn: " + std::string(4096, 'a') + "\n";
    CHECK(loaded(max_dn).ldap.base_dn.size() == 4096);
    // ':' and '#' inside quotes are part of the value
    CHECK(loaded("ldap:\n  bind_dn: \"cn=a: b #1\"\n  bind_password_file: /p\n").ldap.bind_dn ==
          "cn=a: b #1");
}

TEST_CASE("R-PSH-6: cross-key checks run after every key has loaded") {
    check_cases({
        {"send_cap:\n  bucket: 7s\n",
         "t.yaml:2: send_cap.bucket: 7s does not divide the window 1d into whole buckets\n"},
        // the line is the bucket's, even when the window is the key written later
        {"send_cap:\n  bucket: 5m\n  window: 7m\n",
         "t.yaml:2: send_cap.bucket: 5m does not divide the window 7m into whole buckets\n"},
        // only the window is in the file: its line, the bucket named
        {"send_cap:\n  window: 7m\n",
         "t.yaml:2: send_cap.bucket: 5m does not divide the window 7m into whole buckets\n"},
        {"send_cap:\n  store: redis\n  redis_uri: \"\"\n",
         "t.yaml:3: send_cap.redis_uri: is empty but send_cap.store is redis\n"},
        {"send_cap:\n  lmdb_path: \"\"\n",
         "t.yaml:2: send_cap.lmdb_path: is empty but send_cap.store is lmdb\n"},
        {"ldap:\n  bind_dn: cn=milter,dc=example\n",
         "t.yaml:2: ldap.bind_password_file: is empty but ldap.bind_dn is set (a DN without a "
         "password binds unauthenticated)\n"},
        {"ldap:\n  bind_password_file: /etc/mailwarden/ldap.secret\n",
         "t.yaml:2: ldap.bind_password_file: is set but ldap.bind_dn is empty (anonymous binds "
         "take no password)\n"},
        {"ldap:\n  uri: ldaps://ldap.example\n  start_tls: true\n",
         "t.yaml:3: ldap.start_tls: is true but ldap.uri uses ldaps:// (already TLS)\n"},
        // a key that failed on its own is not cross-checked with its default
        {"send_cap:\n  bucket: 10m\n  window: 7m\n",
         "t.yaml:2: send_cap.bucket: must be between 1s and 5m, got 10m\n"},
    });
    CHECK(loaded("send_cap:\n  bucket: 1m\n  window: 7m\n").send_cap.window == seconds{420});
    CHECK(loaded("send_cap:\n  store: redis\n  lmdb_path: \"\"\n").send_cap.store ==
          store_backend::redis);
}

TEST_CASE("config: YAML syntax errors and a top level that is not a mapping") {
    check_cases({
        {"send_cap:\n  daily_limit: [1\n",
         "t.yaml:3: YAML syntax: end of sequence flow not found\n"},
        {"send_cap:\n  daily_limit: 1\n   window: 2\n",
         "t.yaml:3: YAML syntax: illegal map value\n"},
        {"log:\n  level: {info\n", "t.yaml:3: YAML syntax: end of map flow not found\n"},
        {"a: *nowhere\n", "t.yaml:1: YAML syntax: the referenced anchor is not defined\n"},
        {"- ldap\n- log\n",
         "t.yaml:1: the top level must be a mapping of sections (ldap, log, milter, limits, "
         "send_cap, sender, rules, quota, provisioning, password_policy, attributes, account_status, "
         "classes, class_limits, domain_limits), got a list\n"},
        {"hello\n",
         "t.yaml:1: the top level must be a mapping of sections (ldap, log, milter, limits, "
         "send_cap, sender, rules, quota, provisioning, password_policy, attributes, account_status, "
         "classes, class_limits, domain_limits), got \"hello\"\n"},
        {"log:\n  level: info\n---\nlog:\n  level: debug\n",
         "t.yaml:4: a second YAML document (after ---): put every key in one document\n"},
        {std::string_view("log:\n  level: info\0\n", 20), "t.yaml:2: contains a NUL byte\n"},
    });
    // Deep nesting is a syntax error, not a stack overflow.
    CHECK(errors_text(std::string(100'000, '[')) == "t.yaml:1: YAML syntax: nested too deeply\n");
    std::string deep;
    for (int i = 0; i < 1000; ++i) deep += std::string(static_cast<std::size_t>(i), ' ') + "a:\n";
    CHECK(errors_text(deep) == "t.yaml:499: YAML syntax: nested too deeply\n");
    // Anchors and aliases are fine; the line is the key's.
    CHECK(loaded("send_cap:\n  daily_limit: &n 5\nquota:\n  messages: *n\n").quota.messages == 5);
    CHECK(errors_text("send_cap:\n  window: &w 7m\nquota:\n  grace: *w\n  messages: *w\n") ==
          "t.yaml:2: send_cap.bucket: 5m does not divide the window 7m into whole buckets\n"
          "t.yaml:5: quota.messages: expected a whole number of messages, got \"7m\"\n");
}

TEST_CASE("config: every error is reported, sorted by line, not only the first") {
    CHECK(errors_text(R"(log:
  level: loud
send_cap:
  daly_limit: 5
  bucket: 10m
  window: -1h
quota:
  storage_bytes: 2G
  storage_bytes: 2GB
frobnicate: 1
)") == "t.yaml:2: log.level: \"loud\" is not one of: debug, info, warning, error\n"
       "t.yaml:4: send_cap.daly_limit: unknown key; did you mean send_cap.daily_limit?\n"
       "t.yaml:5: send_cap.bucket: must be between 1s and 5m, got 10m\n"
       "t.yaml:6: send_cap.window: must not be negative, got \"-1h\"\n"
       "t.yaml:8: quota.storage_bytes: \"2G\" is ambiguous: write 2GB (powers of 1000) or 2GiB "
       "(powers of 1024)\n"
       "t.yaml:9: quota.storage_bytes: duplicate key (first at line 8); remove one\n"
       "t.yaml:10: frobnicate: unknown section; the sections are: ldap, log, milter, limits, "
       "send_cap, sender, rules, quota, provisioning, password_policy, attributes, account_status, "
         "classes, class_limits, domain_limits\n");
    const auto r = load_string("log:\n  level: loud\n", "t.yaml");
    CHECK_FALSE(r.ok());
    CHECK_FALSE(r.value.has_value());
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].file == "t.yaml");
    CHECK(r.errors[0].line == 2);
    CHECK(r.errors[0].key == "log.level");
    CHECK(r.errors[0].message == "\"loud\" is not one of: debug, info, warning, error");
}

TEST_CASE("config: load_error formats as FILE:LINE: KEY: message, leaving out what is unknown") {
    CHECK(load_error{"a.yaml", 3, "log.level", "bad"}.to_string() == "a.yaml:3: log.level: bad");
    CHECK(load_error{"a.yaml", 0, "log.level", "bad"}.to_string() == "a.yaml: log.level: bad");
    CHECK(load_error{"a.yaml", 3, "", "bad"}.to_string() == "a.yaml:3: bad");
    CHECK(load_error{"", 3, "k", "bad"}.to_string() == "<config>:3: k: bad");
}

TEST_CASE("config: load_file reads a file, and says why when it cannot") {
    temp_dir dir;
    const std::string good = dir.write("good.yaml", "send_cap:\n  daily_limit: 7\n");
    const auto r = load_file(good);
    REQUIRE(r.ok());
    CHECK(r.value->send_cap.daily_limit == 7);
    CHECK(r.value->source_file == good);

    const std::string bad = dir.write("bad.yaml", "\nsend_cap:\n  daily_limit: x\n");
    const auto b = load_file(bad);
    REQUIRE(b.errors.size() == 1);
    CHECK(b.errors[0].to_string() ==
          bad + ":3: send_cap.daily_limit: expected a whole number of messages, got \"x\"");

    const std::string missing = (dir.path() / "missing.yaml").string();
    const auto m = load_file(missing);
    REQUIRE(m.errors.size() == 1);
    CHECK(m.errors[0].to_string() == missing + ": cannot open: No such file or directory");

    const auto d = load_file(dir.path().string());
    REQUIRE(d.errors.size() == 1);
    CHECK(d.errors[0].to_string() == dir.path().string() + ": cannot read: Is a directory");

    const auto dev = load_file("/dev/null");
    REQUIRE(dev.errors.size() == 1);
    CHECK(dev.errors[0].to_string() == "/dev/null: cannot read: not a regular file");

    const std::string big = dir.write("big.yaml", std::string(max_config_bytes + 1, '#'));
    const auto g = load_file(big);
    REQUIRE(g.errors.size() == 1);
    CHECK(g.errors[0].to_string() ==
          big + ": is larger than 4194304 bytes; a configuration is never that large");

    CHECK(load_file(std::string("a\0b", 3)).errors.at(0).message ==
          "the file name contains a NUL byte");

    // Root reads any file, so the permission case only means something for other users.
    if (::geteuid() != 0) {
        const std::string secret = dir.write("secret.yaml", "");
        std::filesystem::permissions(secret, std::filesystem::perms::none);
        CHECK(load_file(secret).errors.at(0).to_string() ==
              secret + ": cannot open: Permission denied");
    }
}
