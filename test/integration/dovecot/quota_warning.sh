#!/usr/bin/env bash
# quota_warning.sh: warning mails (R-SAV-1: a 20 MB mailbox warns at 25 MB, during the grace
# of R-SAV-2), scaled down to a 20000-byte limit warning at 25000 bytes, through the shipped
# snippets with real slapd and Dovecot. Proves: no warning below the threshold; the delivery
# that crosses it puts exactly one warning mail into the user's INBOX, in the language of the
# directory entry (preferredLanguage sk) with usage, limit and grace end; further deliveries
# do not repeat it; deleting mail below the threshold brings one "back under quota" mail;
# a language we have no template for (de) falls back to English.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/dovecot.sh"
source "$MW_SOURCE_DIR/test/integration/dovecot/common.sh"

so=$(mwq_plugin_so)
mwq_start_slapd
slapd_ldapadd <<LDIF
dn: ou=people,$SLAPD_SUFFIX
objectClass: organizationalUnit
ou: people

dn: uid=warn,ou=people,$SLAPD_SUFFIX
objectClass: inetOrgPerson
objectClass: mwqTestQuotaUser
uid: warn
cn: Warn
sn: Test
mail: warn@example.org
userPassword: {PLAIN}pw-warn
preferredLanguage: sk
mwQuotaBytes: 20000

dn: uid=deutsch,ou=people,$SLAPD_SUFFIX
objectClass: inetOrgPerson
objectClass: mwqTestQuotaUser
uid: deutsch
cn: Deutsch
sn: Test
mail: deutsch@example.org
userPassword: {PLAIN}pw-deutsch
preferredLanguage: de
mwQuotaBytes: 20000
LDIF

dir=$(mw_mktemp_dir dovecot)
qs_port=$(mw_free_port)
mwq_shipped_dovecot_conf "$dir.conf" "$qs_port"
cat >> "$dir.conf" <<'CONF'
# --- the SAV profile scaled down: grace, and a warning above the limit (R-SAV-1, R-SAV-2)
plugin {
  mailwarden_quota_grace = 7d
  mailwarden_quota_hard_storage = 200%%
  mailwarden_quota_warnings = 25000
}
log_debug = category=mailwarden_quota
CONF
mwq_shipped_ldap_ext dovecot-ldap-mailwarden.conf.ext "$dir.ext" "$dir/mail"
mw_on_exit "rm -f $(printf '%q' "$dir.conf") $(printf '%q' "$dir.ext")"
DOVECOT_USERDB=ldap DOVECOT_LDAP_CONF="$dir.ext" DOVECOT_MAIL_PLUGINS="" \
DOVECOT_PLUGIN_SO=$so DOVECOT_EXTRA_CONF="$dir.conf" DOVECOT_WANT_QUOTA_STATUS_PORT=$qs_port \
  dovecot_start "$dir"
mw_on_exit mwq_dump_log_on_failure

notices() {  # USER KIND: the INBOX files carrying X-Mailwarden-Quota: KIND
  grep -l -r -F -- "X-Mailwarden-Quota: $2" "$DOVECOT_MAIL_DIR/$1/Maildir/new" \
    "$DOVECOT_MAIL_DIR/$1/Maildir/cur" 2>/dev/null || true
}
deliver_ok() {  # USER MARKER BYTES
  mwq_lmtp_size "$DOVECOT_LMTP_PORT" "$1" "$2" "$3" > /dev/null ||
    mw_fail "delivery $2 to $1 was refused"
}

user=warn@example.org
for i in 1 2 3 4; do deliver_ok "$user" "mwq-warn-$i" 5000; done
mw_assert_eq "$(notices "$user" warning | wc -l)" 0 \
  "R-SAV-1: over the 20000-byte limit (in grace) but under the 25000-byte threshold: no warning"
deliver_ok "$user" mwq-warn-5 5000
mw_assert_eq "$(notices "$user" warning | wc -l)" 1 \
  "R-SAV-1: the delivery that crosses 25000 bytes brings one warning mail into INBOX"
mail=$(cat "$(notices "$user" warning)")
mw_assert_contains "$mail" "Content-Language: sk" "R-SAV-1: in the user's language (sk)"
mw_assert_contains "$mail" "Subject: =?UTF-8?B?" "with an RFC 2047 subject"
mw_assert_contains "$mail" "Jej limit je 20000 bytes." "stating the limit"
echo "$mail" | grep -Eq 'má teraz obsadených 2[5-9][0-9]{3} bytes' ||
  mw_fail "no usage in the warning:"$'\n'"$mail"
mw_pass "stating the usage"
echo "$mail" | grep -Eq 'doručuje do 20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC' ||
  mw_fail "no grace end in the warning:"$'\n'"$mail"
mw_pass "R-SAV-2: stating when the grace ends"
mw_assert_contains "$mail" "To: $user" "addressed to the user"

deliver_ok "$user" mwq-warn-6 500
deliver_ok "$user" mwq-warn-7 500
mw_assert_eq "$(notices "$user" warning | wc -l)" 1 \
  "R-SAV-1: further deliveries over the threshold do not repeat the warning"

for i in 1 2 3 4; do
  doveadm -c "$DOVECOT_CONF" expunge -u "$user" mailbox INBOX header Subject "mwq-warn-$i" ||
    mw_fail "doveadm expunge failed"
done
# The count backend updates usage at the next sync after an expunge, so the notice may come
# with the expunge or with the next change of the mailbox (here: a delivery).
deliver_ok "$user" mwq-warn-8 500
mw_assert_eq "$(notices "$user" back-under | wc -l)" 1 \
  "R-SAV-1: deleting mail below the threshold brings one back-under-quota mail"
deliver_ok "$user" mwq-warn-9 500
mw_assert_eq "$(notices "$user" back-under | wc -l)" 1 "and only one"
mw_assert_eq "$(notices "$user" warning | wc -l)" 1 "no new warning while under the threshold"

for i in 1 2 3 4 5; do deliver_ok deutsch@example.org "mwq-de-$i" 5000; done
mail=$(cat "$(notices deutsch@example.org warning)")
mw_assert_contains "$mail" "Subject: Your mailbox is nearly full" \
  "a language without a template (de) falls back to English"

mwq_assert_log_clean "$DOVECOT_LOG" "no errors or crashes in the Dovecot log"
mwq_done
