#!/usr/bin/env bash
# test_activate_pending.sh: R-PSH-3 end to end through the real milter, Postfix and slapd
# (LMDB store): two pending accounts; 7000123 sends its activation mail through Postfix,
# 7000124 does not. Then
#   `mailwarden --check user activate-pending` lists 7000123 and changes nothing;
#   `mailwarden user activate-pending` sets 7000123 active in LDAP, leaves 7000124 pending;
#   a second run changes nothing ("changed": false); 7000123 may now write to anyone.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/rules_lib.sh"

dir=$(mw_mktemp_dir activate-pending)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
rules_start_ldap "$dir/slapd"
slapd_ldapadd <<LDIF
dn: uid=7000123,ou=people,$SLAPD_SUFFIX
objectClass: inetOrgPerson
objectClass: mailwardenAccount
uid: 7000123
cn: New User
sn: User
mail: 7000123@example.org
mwAccountStatus: pending

dn: uid=7000124,ou=people,$SLAPD_SUFFIX
objectClass: inetOrgPerson
objectClass: mailwardenAccount
uid: 7000124
cn: Other User
sn: User
mail: 7000124@example.org
mwAccountStatus: pending
LDIF
store="$dir/milter/sendcap.lmdb"
# cache_ttl 0 (inside rules_write_config's ldap: section): the milter caches account lookups
# for ldap.cache_ttl, so in production the activation reaches it within that time; here
# the test reads the new status at once.
rules_write_config "$dir/milter" "  cache_ttl: 0s" "sender:" "  activation_address: \"test@example.org\"" \
  "send_cap:" "  lmdb_path: \"$store\""
milter_start "$dir/milter"
POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS="example.org" POSTFIX_SASL=cyrus \
  POSTFIX_MAILBOXES="test@example.org bob@example.org" POSTFIX_MYNETWORKS="" \
  POSTFIX_SASL_USERS="7000123@example.org:$RULES_PASSWORD" \
  postfix_start "$dir/postfix"
cat > "$dir/cli.yaml" <<YAML
ldap:
  uri: "$SLAPD_URI"
  base_dn: "$SLAPD_SUFFIX"
  bind_dn: "$SLAPD_ADMIN_DN"
  bind_password_file: "$SLAPD_ADMIN_PW_FILE"
  timeout: 2s
send_cap:
  lmdb_path: "$store"
YAML
mw() { "$MW_BIN_DIR/mailwarden" -c "$dir/cli.yaml" "$@"; }
login() {  # LOGIN RCPT
  rules_swaks --auth PLAIN --auth-user "$1" --auth-password "$RULES_PASSWORD" --from "$1" --to "$2"
}
status_of() {  # UID
  ldapsearch -x -LLL -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE" \
    -b "uid=$1,ou=people,$SLAPD_SUFFIX" -s base mwAccountStatus | sed -n 's/^mwAccountStatus: //p'
}

mw_assert_contains "$(login 7000123@example.org test@example.org)" "250 2.0.0 Ok: queued as " \
  "R-PSH-3: the pending account's activation mail goes through"
grep -q "info: 7000123@example.org: activation mail seen (R-PSH-3)" "$MILTER_LOG" ||
  mw_fail "the milter did not record the activation"
mw_pass "R-PSH-3: the milter recorded the activation"

out=$(mw --json --check user activate-pending)
mw_assert_contains "$out" "\"dn\":\"uid=7000123,ou=people,$SLAPD_SUFFIX\",\"action\":\"modify\"" \
  "R-PSH-3: --check lists the account it would activate"
case "$out" in *7000124*) mw_fail "--check would activate 7000124: $out" ;; esac
mw_assert_eq "$(status_of 7000123)" pending "R-PSH-3: --check changes nothing in LDAP"

out=$(mw --json user activate-pending)
mw_assert_contains "$out" '"changed":true' "R-PSH-3: activate-pending reports a change"
mw_assert_contains "$out" '"activation_seen":' "R-PSH-3: with the time the activation mail was seen"
mw_assert_eq "$(status_of 7000123)" active "R-PSH-3: the account is active in LDAP"
mw_assert_eq "$(status_of 7000124)" pending "R-PSH-3: an account without activation mail stays pending"

out=$(mw --json user activate-pending)
mw_assert_contains "$out" '"changed":false' "R-PSH-3: a second run changes nothing"
mw_assert_contains "$out" '"entries":[]' "R-PSH-3: and touches no entry"

mw_assert_contains "$(login 7000123@example.org bob@example.org)" "250 2.0.0 Ok: queued as " \
  "R-PSH-3: once active the account writes to anyone"
