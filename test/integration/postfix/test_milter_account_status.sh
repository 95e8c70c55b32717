#!/usr/bin/env bash
# test_milter_account_status.sh: account status through a real Postfix (Cyrus SASL) with
# accounts in slapd:
#   R-TJP-5 / R-SAV-11: a blocked account -> 550 5.7.1 at MAIL FROM; mail TO it still lands
#   R-PSH-3: a pending account -> 550 5.7.1 at RCPT for anyone but the activation address;
#            its message to the activation address is accepted and recorded in the LMDB
#            counter store (its key is in the LMDB file)
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/rules_lib.sh"

dir=$(mw_mktemp_dir milter-status)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
rules_start_ldap "$dir/slapd"
slapd_ldapadd <<LDIF
dn: uid=carol,ou=people,$SLAPD_SUFFIX
objectClass: inetOrgPerson
objectClass: mailwardenAccount
uid: carol
cn: Carol Blocked
sn: Blocked
mail: carol@example.org
mwAccountStatus: blocked

dn: uid=7000123,ou=people,$SLAPD_SUFFIX
objectClass: inetOrgPerson
objectClass: mailwardenAccount
uid: 7000123
cn: New User
sn: User
mail: 7000123@example.org
mwAccountStatus: pending
LDIF
rules_write_config "$dir/milter" "sender:" "  activation_address: \"test@example.org\""
milter_start "$dir/milter"
POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS="example.org" POSTFIX_SASL=cyrus \
  POSTFIX_MAILBOXES="carol@example.org test@example.org bob@example.org" POSTFIX_MYNETWORKS="" \
  POSTFIX_SASL_USERS="carol@example.org:$RULES_PASSWORD 7000123@example.org:$RULES_PASSWORD" \
  postfix_start "$dir/postfix"

login() {  # LOGIN RCPT...
  local user=$1
  shift
  rules_swaks --auth PLAIN --auth-user "$user" --auth-password "$RULES_PASSWORD" --from "$user" \
    --to "$(IFS=,; echo "$*")"
}

out=$(login carol@example.org bob@example.org)
mw_assert_contains "$out" "<** 550 5.7.1 <carol@example.org>: Sender address rejected: account is blocked" \
  "a blocked account cannot send (550 5.7.1 at MAIL FROM)"
mw_assert_contains "$(rules_swaks --from friend@elsewhere.test --to carol@example.org)" \
  "250 2.0.0 Ok: queued as " "a blocked account still receives"

out=$(login 7000123@example.org bob@example.org)
mw_assert_contains "$out" \
  "<** 550 5.7.1 <bob@example.org>: Recipient address rejected: account not activated; send a message to test@example.org first" \
  "a pending account may not write to others (550 5.7.1 at RCPT)"
out=$(login 7000123@example.org test@example.org)
mw_assert_contains "$out" "250 2.0.0 Ok: queued as " "its message to the activation address is accepted"
grep -q "info: 7000123@example.org: activation mail seen (R-PSH-3)" "$MILTER_LOG" ||
  mw_fail "the milter did not log the activation"
mw_pass "the milter logged the activation"
milter_stop
test -s "$dir/milter/sendcap.lmdb" || mw_fail "no LMDB store file"
grep -aq "activation:7000123@example.org" "$dir/milter/sendcap.lmdb" ||
  mw_fail "the activation is not in the LMDB store"
mw_pass "the activation is recorded in the counter store (LMDB)"
