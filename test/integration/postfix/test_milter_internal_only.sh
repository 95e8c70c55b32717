#!/usr/bin/env bash
# test_milter_internal_only.sh: through a real Postfix (Cyrus SASL), accounts and lists in
# slapd:
#   R-TJP-2: the application mailbox app@ (mwInternalOnly TRUE, mwAllowedRecipient
#            @partner.test) may write to our domain and partner.test; any other recipient
#            gets 550 5.7.1 at RCPT
#   R-MYO-6: the list staff@ (groupOfNames + mailwardenList, policy internal by default)
#            refuses an outside sender with 550 5.7.1 at RCPT, takes an authenticated one;
#            the open list news@ (mwListPolicy open) takes anyone
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/rules_lib.sh"

dir=$(mw_mktemp_dir milter-internal)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
rules_start_ldap "$dir/slapd"
slapd_ldapadd <<LDIF
dn: uid=app,ou=people,$SLAPD_SUFFIX
objectClass: inetOrgPerson
objectClass: mailwardenAccount
uid: app
cn: Court App
sn: App
mail: app@example.org
mwAccountStatus: active
mwInternalOnly: TRUE
mwAllowedRecipient: @partner.test

dn: cn=staff,ou=people,$SLAPD_SUFFIX
objectClass: groupOfNames
objectClass: mailwardenList
cn: staff
mail: staff@example.org
member: uid=bob,ou=people,$SLAPD_SUFFIX

dn: cn=news,ou=people,$SLAPD_SUFFIX
objectClass: groupOfNames
objectClass: mailwardenList
cn: news
mail: news@example.org
mwListPolicy: open
member: uid=bob,ou=people,$SLAPD_SUFFIX
LDIF
rules_write_config "$dir/milter" "sender:" "  local_domains: \"example.org\""
milter_start "$dir/milter"
POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS="example.org" POSTFIX_SASL=cyrus \
  POSTFIX_SASL_USERS="app@example.org:$RULES_PASSWORD alice@example.org:$RULES_PASSWORD" \
  POSTFIX_MYNETWORKS="" postfix_start "$dir/postfix"

as() {  # LOGIN RCPT
  rules_swaks --auth PLAIN --auth-user "$1" --auth-password "$RULES_PASSWORD" --from "$1" --to "$2"
}

mw_assert_contains "$(as app@example.org bob@example.org)" "250 2.0.0 Ok: queued as " \
  "the application mailbox writes to an internal recipient"
mw_assert_contains "$(as app@example.org clerk@partner.test)" "250 2.0.0 Ok: queued as " \
  "the application mailbox writes to its allow-listed domain"
mw_assert_contains "$(as app@example.org someone@elsewhere.test)" \
  "<** 550 5.7.1 <someone@elsewhere.test>: Recipient address rejected: only internal recipients allowed for this account" \
  "the application mailbox may not write outside (550 5.7.1 at RCPT)"

mw_assert_contains "$(rules_swaks --from friend@elsewhere.test --to staff@example.org)" \
  "<** 550 5.7.1 <staff@example.org>: Recipient address rejected: this list accepts internal senders only" \
  "an outsider is refused by the internal-only list (550 5.7.1 at RCPT)"
mw_assert_contains "$(as alice@example.org staff@example.org)" "250 2.0.0 Ok: queued as " \
  "an authenticated user writes to the internal-only list"
mw_assert_contains "$(rules_swaks --from friend@elsewhere.test --to news@example.org)" \
  "250 2.0.0 Ok: queued as " "an outsider writes to the open list"
grep -q "rcpt=staff@example.org verdict=reject rule=R-MYO-6" "$MILTER_LOG" ||
  mw_fail "no R-MYO-6 line in the milter log"
grep -q "rcpt=someone@elsewhere.test verdict=reject rule=R-TJP-2" "$MILTER_LOG" ||
  mw_fail "no R-TJP-2 line in the milter log"
mw_pass "each refusal is logged with its rule id"
