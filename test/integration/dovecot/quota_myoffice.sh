#!/usr/bin/env bash
# quota_myoffice.sh: a MyOffice-style directory (R-MYO-2: `quota` in bytes, `lang`) through
# the SHIPPED conf.d/dovecot/dovecot-ldap-myoffice.conf.ext and 90-mailwarden-quota.conf
# (ports, paths, credentials substituted), real slapd, Dovecot and doveadm. Proves R-MYO-8:
# the quota comes from that attribute in bytes; 0 = unlimited (the mailbox takes mail
# without limit); an absent attribute = mailwarden_quota_default_storage; IMAP GETQUOTAROOT
# shows the limit. The `quota`/`lang` attributes come from the test-only schema.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/dovecot.sh"
source "$MW_SOURCE_DIR/test/integration/dovecot/common.sh"

so=$(mwq_plugin_so)
mwq_start_slapd
entry() {  # UID [ATTR: VALUE...]
  local uid=$1 a
  shift
  printf 'dn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nobjectClass: mwqTestQuotaUser\n' \
    "$uid" "$SLAPD_SUFFIX"
  printf 'uid: %s\ncn: %s\nsn: Test\nmail: %s@example.org\nuserPassword: {PLAIN}pw-%s\n' \
    "$uid" "$uid" "$uid" "$uid"
  for a in "$@"; do printf '%s\n' "$a"; done
  echo
}
{
  printf 'dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n' "$SLAPD_SUFFIX"
  entry mo20 'quota: 20000000' 'lang: ru'
  entry mozero 'quota: 0'
  entry moabsent
} | slapd_ldapadd

dir=$(mw_mktemp_dir dovecot)
qs_port=$(mw_free_port)
mwq_shipped_dovecot_conf "$dir.conf" "$qs_port"
mwq_shipped_ldap_ext dovecot-ldap-myoffice.conf.ext "$dir.ext" "$dir/mail"
mw_on_exit "rm -f $(printf '%q' "$dir.conf") $(printf '%q' "$dir.ext")"
DOVECOT_USERDB=ldap DOVECOT_LDAP_CONF="$dir.ext" DOVECOT_MAIL_PLUGINS="" \
DOVECOT_PLUGIN_SO=$so DOVECOT_EXTRA_CONF="$dir.conf" DOVECOT_WANT_QUOTA_STATUS_PORT=$qs_port \
  dovecot_start "$dir"
mw_on_exit mwq_dump_log_on_failure

out=$(mwq_quota_get mo20@example.org)
echo "$out" | grep -Eq 'User quota +STORAGE +[0-9]+ +19532 ' ||
  mw_fail "quota: 20000000 did not reach Dovecot:"$'\n'"$out"
mw_pass "R-MYO-8: the MyOffice quota attribute (bytes) is the mailbox limit"
out=$(mwq_imap "$DOVECOT_IMAP_PORT" mo20@example.org pw-mo20) || mw_fail "IMAP failed:"$'\n'"$out"
mw_assert_contains "$out" "STORAGE 0 19532" "IMAP GETQUOTAROOT shows it"

out=$(mwq_quota_get mozero@example.org)
echo "$out" | grep -Eq 'User quota +STORAGE +[0-9]+ +- ' ||
  mw_fail "quota: 0 is not unlimited:"$'\n'"$out"
mw_pass "R-MYO-8: quota 0 is unlimited (Limit -)"
for i in 1 2 3; do
  mwq_lmtp_size "$DOVECOT_LMTP_PORT" mozero@example.org "mwq-mozero-$i" 60000 > /dev/null ||
    mw_fail "the unlimited mailbox refused message $i"
done
mw_pass "R-MYO-8: the unlimited mailbox takes mail"

out=$(mwq_quota_get moabsent@example.org)
echo "$out" | grep -Eq 'User quota +STORAGE +[0-9]+ +1953125 ' ||
  mw_fail "an absent quota is not the 2GB default:"$'\n'"$out"
mw_pass "R-MYO-8: an absent quota is mailwarden_quota_default_storage (2GB)"

mwq_assert_log_clean "$DOVECOT_LOG" "no errors or crashes in the Dovecot log"
mwq_done
