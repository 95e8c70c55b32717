#!/usr/bin/env bash
# quota_grace.sh: the time-based grace period (R-SAV-2) in real Dovecot behind real Postfix,
# users in slapd, through the shipped snippets (conf.d/dovecot, conf.d/postfix) plus the
# grace settings of the SAV profile (mailwarden_quota_grace = 7d, hard ceiling 150%).
# The 7 days pass through mailwarden_quota_test_clock_offset, a setting read only by tests
# that moves the plugin's clock (dovecot-plugin/quota_bridge.cpp); nothing sleeps.
# Proves: the delivery that crosses the soft limit is let in and starts the grace; mail keeps
# coming in during the grace up to the hard ceiling (which refuses); the "over since" state
# is a file in the home that survives a Dovecot restart; after 7 days the mailbox refuses at
# LMTP RCPT and the SMTP client gets 552 5.2.2 at RCPT; deleting mail below the soft limit
# reopens the mailbox and resets the grace.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/dovecot.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/dovecot/common.sh"

so=$(mwq_plugin_so)
mwq_start_slapd
slapd_ldapadd <<LDIF
dn: ou=people,$SLAPD_SUFFIX
objectClass: organizationalUnit
ou: people

dn: uid=grace,ou=people,$SLAPD_SUFFIX
objectClass: inetOrgPerson
objectClass: mwqTestQuotaUser
uid: grace
cn: Grace
sn: Test
mail: grace@example.org
userPassword: {PLAIN}pw-grace
mwQuotaBytes: 20000
LDIF

dir=$(mw_mktemp_dir dovecot)
qs_port=$(mw_free_port)
mwq_shipped_dovecot_conf "$dir.conf" "$qs_port"
cat >> "$dir.conf" <<'CONF'
# --- the SAV grace profile (R-SAV-2), and the test clock
plugin {
  mailwarden_quota_grace = 7d
  mailwarden_quota_hard_storage = 150%%
  mailwarden_quota_test_clock_offset = 0
}
CONF
mwq_shipped_ldap_ext dovecot-ldap-mailwarden.conf.ext "$dir.ext" "$dir/mail"
mw_on_exit "rm -f $(printf '%q' "$dir.conf") $(printf '%q' "$dir.ext")"
DOVECOT_USERDB=ldap DOVECOT_LDAP_CONF="$dir.ext" DOVECOT_MAIL_PLUGINS="" \
DOVECOT_PLUGIN_SO=$so DOVECOT_EXTRA_CONF="$dir.conf" DOVECOT_WANT_QUOTA_STATUS_PORT=$qs_port \
  dovecot_start "$dir"
mw_on_exit mwq_dump_log_on_failure
pfdir=$(mw_mktemp_dir postfix)
POSTFIX_LMTP="127.0.0.1:$DOVECOT_LMTP_PORT" POSTFIX_DOMAINS=example.org postfix_start "$pfdir"
mwq_postfix_apply_shipped "$qs_port"

user=grace@example.org
state="$DOVECOT_MAIL_DIR/$user/.mailwarden-quota.state"
deliver_ok() {  # MARKER BYTES WHAT
  local out
  out=$(mwq_lmtp_size "$DOVECOT_LMTP_PORT" "$user" "$1" "$2") ||
    mw_fail "$3: refused:"$'\n'"$out"
  mw_pass "$3"
}
set_clock() {  # OFFSET: edit the test clock in the config and restart Dovecot
  sed -i "s/^  mailwarden_quota_test_clock_offset = .*/  mailwarden_quota_test_clock_offset = $1/" \
    "$DOVECOT_CONF"
  dovecot_restart "$DOVECOT_DIR" || mw_fail "Dovecot did not restart"
}

for i in 1 2 3; do deliver_ok "mwq-grace-$i" 5000 "message $i fits under the 20000-byte limit"; done
[ ! -e "$state" ] || mw_fail "a state file exists before the mailbox went over: $(cat "$state")"
deliver_ok mwq-grace-4 5000 "R-SAV-2: the message that crosses the soft limit is let in (grace)"
grep -Eq '^mailwarden-quota 1 over_since=[0-9]+ ' "$state" ||
  mw_fail "no over_since in the state file: $(cat "$state" 2>&1)"
since=$(sed -E 's/.*over_since=([0-9]+).*/\1/' "$state")
mw_pass "R-SAV-2: the grace start is kept in the user's home ($state)"
out=$(mwq_quota_get "$user")
echo "$out" | grep -Eq 'User quota +STORAGE +2[0-9] +20 +1[0-9][0-9] *$' ||
  mw_fail "doveadm does not show the mailbox over its 20000-byte limit:"$'\n'"$out"
mw_pass "doveadm quota get shows usage over the (soft) limit"
out=$(mwq_smtp "$POSTFIX_PORT" "$user" mwq-grace-smtp 1000)
mw_assert_contains "$out" "accepted: 250" "R-SAV-2: during the grace Postfix accepts at RCPT"
deliver_ok mwq-grace-5 2000 "R-SAV-2: mail keeps coming in during the grace"
out=$(mwq_lmtp_size "$DOVECOT_LMTP_PORT" "$user" mwq-grace-hard 6000 || true)
mw_assert_contains "$out" "552 5.2.2 <$user> Mailbox is full" \
  "R-SAV-2: the hard ceiling (150% = 30000 bytes) refuses even during the grace"

set_clock 6d
deliver_ok mwq-grace-6 500 "R-SAV-2: after a restart, day 6: still in the grace"
mw_assert_eq "$(sed -E 's/.*over_since=([0-9]+).*/\1/' "$state")" "$since" \
  "the grace start survived the restart"

set_clock 7d1s
out=$(mwq_lmtp_deliver "$DOVECOT_LMTP_PORT" "$user" mwq-grace-late || true)
mw_assert_contains "$out" "<** 552 5.2.2 <$user> Mailbox is full" \
  "R-SAV-2: after 7 days the mailbox refuses at LMTP RCPT"
out=$(mwq_smtp "$POSTFIX_PORT" "$user" mwq-grace-late-smtp 500)
mw_assert_contains "$out" "rcpt: 552 5.2.2" "R-SAV-2: ... and the SMTP client gets 552 at RCPT"
grep -q 'mwq_quota.*grace\|grace period has ended' "$DOVECOT_LOG" ||
  mw_fail "no log line for the refusal after the grace"
mw_pass "the refusal is logged with its reason"

# delete mail below the soft limit: the mailbox reopens and the grace resets
for i in 1 2 3 4; do
  doveadm -c "$DOVECOT_CONF" expunge -u "$user" mailbox INBOX header Subject "mwq-grace-$i" ||
    mw_fail "doveadm expunge failed"
done
deliver_ok mwq-grace-reopen 500 "R-SAV-2: after deleting mail below the limit, mail comes in"
mw_assert_contains "$(cat "$state")" "over_since=-" "R-SAV-2: the grace is reset"
out=$(mwq_smtp "$POSTFIX_PORT" "$user" mwq-grace-reopen-smtp 500)
mw_assert_contains "$out" "accepted: 250" "and Postfix accepts again"

mwq_assert_log_clean "$DOVECOT_LOG" "no errors or crashes in the Dovecot log"
mwq_done
