#!/usr/bin/env bash
# quota_limits.sh: per-mailbox limits from LDAP through the SHIPPED snippets
# (conf.d/dovecot/90-mailwarden-quota.conf, dovecot-ldap-mailwarden.conf.ext,
# conf.d/postfix/main.cf.quota; only ports, paths and the test directory's credentials
# substituted) with real slapd, Dovecot (LMTP, IMAP, doveadm, quota-status) and Postfix.
# Proves:
#   R-SAV-1: 20MB / 5000 from LDAP parse and reach Dovecot (doveadm quota get, IMAP
#            GETQUOTAROOT); the delivery that crosses the message limit or the storage limit
#            is refused with 552 5.2.2 (small limits keep it fast);
#   R-PSH-4: with Postfix in front, the SMTP client gets 552 5.2.2 at RCPT (nothing is
#            accepted and then bounced); an over-size message gets 552 5.3.4 at RCPT in SMTP
#            and a permanent 552 (not 451 4.2.0) at LMTP;
#   R-MYO-8: with our schema 0 and an absent attribute = mailwarden_quota_default_storage
#            (2GB shipped; docs/SCHEMA.md); quota_myoffice.sh: 0 = unlimited.
# Test-only: the LDAP attributes come from mwq-test-schema.ldif until ldap-schema/ lands;
# quota_max_mail_size = 50k is added after the shipped file to exercise the over-size path.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/dovecot.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/dovecot/common.sh"

so=$(mwq_plugin_so)
mwq_start_slapd
entry() {  # UID [ATTR: VALUE...]
  local uid=$1
  shift
  printf 'dn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nobjectClass: mwqTestQuotaUser\n' \
    "$uid" "$SLAPD_SUFFIX"
  printf 'uid: %s\ncn: %s\nsn: Test\nmail: %s@example.org\nuserPassword: {PLAIN}pw-%s\n' \
    "$uid" "$uid" "$uid" "$uid"
  local a
  for a in "$@"; do printf '%s\n' "$a"; done
  echo
}
{
  printf 'dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n' "$SLAPD_SUFFIX"
  entry sav 'mwQuotaBytes: 20000000' 'mwQuotaMessages: 5000'
  entry few 'mwQuotaBytes: 20000000' 'mwQuotaMessages: 3'
  entry small 'mwQuotaBytes: 20000'
  entry zero 'mwQuotaBytes: 0' 'mwQuotaMessages: 0'
  entry absent
} | slapd_ldapadd
mw_pass "the users are in slapd (test-only schema for the quota attributes)"

dir=$(mw_mktemp_dir dovecot)
qs_port=$(mw_free_port)
mwq_shipped_dovecot_conf "$dir.conf" "$qs_port"
{ echo 'plugin {'; echo '  quota_max_mail_size = 50k'; echo '}'; } >> "$dir.conf"
mwq_shipped_ldap_ext dovecot-ldap-mailwarden.conf.ext "$dir.ext" "$dir/mail"
mw_on_exit "rm -f $(printf '%q' "$dir.conf") $(printf '%q' "$dir.ext")"
DOVECOT_USERDB=ldap DOVECOT_LDAP_CONF="$dir.ext" DOVECOT_MAIL_PLUGINS="" \
DOVECOT_PLUGIN_SO=$so DOVECOT_EXTRA_CONF="$dir.conf" DOVECOT_WANT_QUOTA_STATUS_PORT=$qs_port \
  dovecot_start "$dir"
mw_on_exit mwq_dump_log_on_failure

# --- R-SAV-1: 20MB / 5000 reach Dovecot
out=$(mwq_quota_get sav@example.org)
mw_assert_contains "$out" "STORAGE" "doveadm quota get works for the LDAP user"
echo "$out" | grep -Eq 'User quota +STORAGE +[0-9]+ +19532 ' ||
  mw_fail "20MB did not reach Dovecot as 19532 KiB:"$'\n'"$out"
echo "$out" | grep -Eq 'User quota +MESSAGE +[0-9]+ +5000 ' ||
  mw_fail "5000 messages did not reach Dovecot:"$'\n'"$out"
mw_pass "R-SAV-1: doveadm quota get reports 20MB (19532 KiB) and 5000 messages from LDAP"
out=$(mwq_imap "$DOVECOT_IMAP_PORT" sav@example.org pw-sav) ||
  mw_fail "IMAP GETQUOTAROOT failed:"$'\n'"$out"
mw_assert_contains "$out" "STORAGE 0 19532 MESSAGE 0 5000" \
  "R-SAV-1: IMAP GETQUOTAROOT shows the LDAP limits"

# --- R-MYO-8: with our schema, 0 and absent = the default (docs/SCHEMA.md; the shipped
# user_attrs set mailwarden_quota_zero=default); quota_myoffice.sh proves 0 = unlimited.
for u in zero absent; do
  out=$(mwq_quota_get "$u@example.org")
  echo "$out" | grep -Eq 'User quota +STORAGE +[0-9]+ +1953125 ' ||
    mw_fail "$u: not the 2GB default:"$'\n'"$out"
  mw_pass "R-MYO-8: a quota of '$u' is mailwarden_quota_default_storage (2GB = 1953125 KiB)"
done

# --- R-SAV-1: the delivery that crosses the message limit is refused at LMTP RCPT
for i in 1 2 3; do
  mwq_lmtp_deliver "$DOVECOT_LMTP_PORT" few@example.org "mwq-few-$i" > /dev/null ||
    mw_fail "message $i of 3 to few@ was refused"
done
out=$(mwq_lmtp_deliver "$DOVECOT_LMTP_PORT" few@example.org mwq-few-4 || true)
mw_assert_contains "$out" "<** 552 5.2.2 <few@example.org> Mailbox is full" \
  "R-SAV-1: the 4th message over a 3-message limit gets 552 5.2.2 at LMTP RCPT"
mw_assert_eq "$(mwq_maildir_find few@example.org mwq-few-4 | wc -l)" 0 "and is not stored"

# --- R-SAV-1: the delivery that crosses the storage limit is refused
for i in 1 2 3; do
  mwq_lmtp_size "$DOVECOT_LMTP_PORT" small@example.org "mwq-small-$i" 5000 > /dev/null ||
    mw_fail "message $i (5 kB) to small@ (20000 bytes) was refused"
done
out=$(mwq_lmtp_size "$DOVECOT_LMTP_PORT" small@example.org mwq-small-4 5000 || true)
mw_assert_contains "$out" "552 5.2.2 <small@example.org> Mailbox is full" \
  "R-SAV-1: the message that crosses 20000 bytes gets 552 5.2.2"

# --- R-PSH-4: over-size at LMTP is permanent
out=$(mwq_lmtp_size "$DOVECOT_LMTP_PORT" sav@example.org mwq-big 60000 || true)
mw_assert_contains "$out" "552 5.2.2 <sav@example.org>" \
  "R-PSH-4: an over-size LMTP delivery is refused permanently (552, not 451 4.2.0)"

# --- R-PSH-4: through the shipped Postfix snippet the SMTP client gets 552 at RCPT
pfdir=$(mw_mktemp_dir postfix)
POSTFIX_LMTP="127.0.0.1:$DOVECOT_LMTP_PORT" POSTFIX_DOMAINS=example.org postfix_start "$pfdir"
mwq_postfix_apply_shipped "$qs_port"
out=$(mwq_smtp "$POSTFIX_PORT" few@example.org mwq-smtp-few 1000)
mw_assert_contains "$out" "rcpt: 552 5.2.2" \
  "R-PSH-4: the SMTP client gets 552 5.2.2 at RCPT for the full (message count) mailbox"
out=$(mwq_smtp "$POSTFIX_PORT" small@example.org mwq-smtp-small 5000)
mw_assert_contains "$out" "rcpt: 552 5.2.2" \
  "R-PSH-4: ... and for a message (SIZE=) that would cross the storage limit"
out=$(mwq_smtp "$POSTFIX_PORT" sav@example.org mwq-smtp-big 60000)
mw_assert_contains "$out" "rcpt: 552 5.3.4" "R-PSH-4: an over-size message gets 552 5.3.4 at RCPT"
out=$(mwq_smtp "$POSTFIX_PORT" sav@example.org mwq-smtp-ok 1000)
mw_assert_contains "$out" "accepted: 250" "a mailbox with room accepts through Postfix"
for ((i = 0; i < 100; i++)); do
  [ "$(mwq_maildir_find sav@example.org mwq-smtp-ok | wc -l)" = 1 ] && break
  sleep 0.1
done
mw_assert_eq "$(mwq_maildir_find sav@example.org mwq-smtp-ok | wc -l)" 1 \
  "Postfix delivered it to Dovecot over LMTP"
if grep -q 'mwq-smtp-few\|status=bounced' "$POSTFIX_LOG" 2>/dev/null; then
  mw_fail "Postfix accepted and bounced a refused message:"$'\n'"$(grep bounced "$POSTFIX_LOG")"
fi
mw_pass "nothing was accepted and then bounced"

mwq_assert_log_clean "$DOVECOT_LOG" "no errors or crashes in the Dovecot log"
mwq_done
