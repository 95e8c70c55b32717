# test/integration/postfix/rules_lib.sh: what the milter rule tests share. Source after
# test/servers/slapd.sh and milter_lib.sh.
#
#   rules_start_ldap DIR      slapd with the test schema (mw-milter-test-schema.ldif) and
#                             the accounts below (plain LDIF with docs/SCHEMA.md's names)
#   rules_write_config DIR [YAML...]  DIR/milter.yaml: milter_write_config's lines plus
#                             ldap.uri/base_dn of that slapd, then the extra lines
#   rules_swaks ARGS...       swaks against $POSTFIX_PORT; prints its transcript, never fails
#   rules_queue_id TEXT       the queue id of "250 2.0.0 Ok: queued as ID" in TEXT
# Accounts (password Test-Pass-1 for all; mail = login):
#   alice@example.org  active, alias a.smith@example.org, may send as office@example.org
#   bob@example.org    active
# shellcheck shell=bash

RULES_PASSWORD=Test-Pass-1

rules_start_ldap() {
  local dir=$1
  SLAPD_EXTRA_SCHEMA="$MW_SOURCE_DIR/test/integration/postfix/mw-milter-test-schema.ldif" \
    SLAPD_UNIQUE_ATTRS="mail mwAlias" slapd_start "$dir"
  slapd_ldapadd <<LDIF
dn: ou=people,$SLAPD_SUFFIX
objectClass: organizationalUnit
ou: people

dn: uid=alice,ou=people,$SLAPD_SUFFIX
objectClass: inetOrgPerson
objectClass: mailwardenAccount
uid: alice
cn: Alice Smith
sn: Smith
mail: alice@example.org
mwAlias: a.smith@example.org
mwSendAs: office@example.org
mwAccountStatus: active
userPassword: $RULES_PASSWORD

dn: uid=bob,ou=people,$SLAPD_SUFFIX
objectClass: inetOrgPerson
objectClass: mailwardenAccount
uid: bob
cn: Bob Jones
sn: Jones
mail: bob@example.org
mwAccountStatus: active
userPassword: $RULES_PASSWORD
LDIF
}

rules_write_config() {
  local dir=$1
  shift
  mkdir -p "$dir"
  milter_write_config "$dir" "unix:$dir/run/milter.sock" \
    "ldap:" \
    "  uri: \"$SLAPD_URI\"" \
    "  base_dn: \"$SLAPD_SUFFIX\"" \
    "  timeout: 2s" \
    "$@"
}

rules_swaks() {
  swaks --server "127.0.0.1:$POSTFIX_PORT" --timeout 30 "$@" 2>&1 || true
}

rules_queue_id() {
  sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' <<< "$1" | head -n 1
}
