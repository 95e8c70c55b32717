#!/usr/bin/env bash
# profile_sav.sh: conf.d/profiles/sav installed as its README says into the harness's
# slapd + Dovecot + mailwarden-milter + Postfix (profile_lib.sh: only ports, paths, the
# package's user and secrets substituted), accounts made with the real `mailwarden` CLI,
# then:
#   R-SAV-5  a weak password is refused naming the rule, nothing stored; a strong one works
#   R-SAV-4  outgoing 3.5 MB: a 3.6 MB message (no SIZE=) gets 552 5.3.4 after DATA, 3.4 MB
#            passes; incoming 5 MB: SIZE=5000001 gets 552 5.3.4 at MAIL FROM, a 4 MB
#            message (over the outgoing limit) comes in
#   R-SAV-6  mail to the first.last alias reaches the mailbox (the LDAP alias map)
#   R-SAV-1  new accounts hold 20 MB and 5000 messages (Dovecot reports 19532 KiB / 5000);
#            an account with a 2-message limit: the 3rd delivery gets 552 5.2.2 at RCPT
#   R-SAV-2  the same Dovecot with the unix server's file added
#            (dovecot/unix/96-mailwarden-sav-unix.conf) lets that 3rd message in (7-day grace)
#   R-SAV-9  the profile's cap with one account's LDAP override mwDailySendLimit 3: the 4th
#            message -> 450 4.7.1 "Send limit reached" (no block in this profile)
#   R-SAV-10 plaintext IMAP does not listen at all; IMAPS (993) logs in
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/dovecot.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/dovecot/common.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"
source "$MW_SOURCE_DIR/test/integration/deploy/profile_lib.sh"

deploy_init sav
D=savba.sk
PW='Sav-Test-Pass-1!'

# --- the provisioning steps of sav/README.md
deploy_mw --json directory init > /dev/null || mw_fail "directory init"
out=$(deploy_mw --json tenant ensure --id sav --domain "$D" --display-name "Slovenska akademia vied")
mw_assert_eq "$(json_get "$out" 'd["changed"]')" True "mailwarden tenant ensure"
cat > "$W/accounts.yaml" <<YAML
- {external_id: SAV-1, region: 1, tenant: sav, cn: Jana Novakova, sn: Novakova, mailbox_host: savba, relationship: employee, alias: yes}
- {external_id: SAV-2, region: 1, tenant: sav, cn: Peter Horvath, sn: Horvath, mailbox_host: unix, relationship: employee, quota_messages: 2}
- {external_id: SAV-3, region: 1, tenant: sav, cn: Eva Kovacova, sn: Kovacova, mailbox_host: savba, relationship: employee, daily_send_limit: 3}
YAML
out=$(deploy_mw --json import "$W/accounts.yaml") || mw_fail "import: $out"
mails=$(json_get "$out" '" ".join(sorted(e["mail"] for e in d["entries"] if e.get("mail")))')
mw_assert_eq "$mails" "1000001@$D 1000002@$D 1000003@$D" "the import made the three accounts"
JANA=1000001@$D PETER=1000002@$D EVA=1000003@$D

# R-SAV-5: the profile's password policy, checked before anything is written.
rc=0
printf 'weakpass\n' | deploy_mw user passwd "$JANA" --password-stdin > /dev/null 2> "$W/err" || rc=$?
mw_assert_eq "$rc" 65 "R-SAV-5: 'weakpass' is refused (exit 65)"
mw_assert_contains "$(cat "$W/err")" "password_policy." "R-SAV-5: the message names the rule"
printf 'Novakova#2026x\n' | deploy_mw user passwd "$JANA" --password-stdin > /dev/null 2> "$W/err" && \
  mw_fail "R-SAV-5: a password with the surname was accepted"
mw_pass "R-SAV-5: a password built on the user's surname is refused"
for a in "$JANA" "$PETER" "$EVA"; do deploy_set_password "$a" "$PW"; done
alias=$(deploy_mw --json user show "$JANA" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["attributes"]["mwAlias"][0])')
mw_assert_eq "$alias" "jana.novakova@$D" "R-SAV-6: the import gave Jana the alias first.last@$D"

# plaintext IMAP is closed by the profile: the harness must not wait for its greeting.
DOVECOT_WAIT_FOR="lmtp auth quota-status" deploy_start_dovecot
mw_wait_port "$DEPLOY_IMAPS_PORT" 30 || mw_fail "nothing listens on the IMAPS port"
deploy_start_milter
deploy_start_postfix "$D"

# --- R-SAV-10: IMAPS only
out=$(deploy_imap plain "$DOVECOT_IMAP_PORT" "$JANA" "$PW")
mw_assert_contains "$out" "CONNECT refused" "R-SAV-10: plaintext IMAP (143) does not listen"
out=$(deploy_imap imaps "$DEPLOY_IMAPS_PORT" "$JANA" "$PW")
mw_assert_contains "$out" "LOGIN OK" "R-SAV-10: IMAPS (993) logs in"

# --- R-SAV-4: 3.5 MB out, 5 MB in
out=$(deploy_submit "$JANA" "$PW" --from "$JANA" --to "$EVA" --bytes 3600000)
mw_assert_contains "$out" "DATA 552 5.3.4 Message size exceeds fixed limit" \
  "R-SAV-4: an outgoing 3.6 MB message gets 552 5.3.4 after DATA"
out=$(deploy_submit "$JANA" "$PW" --from "$JANA" --to "$EVA" --bytes 3400000)
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "R-SAV-4: an outgoing 3.4 MB message passes"
out=$(deploy_incoming --from sender@elsewhere.test --to "$EVA" --size 5000001)
mw_assert_contains "$out" "MAIL 552 5.3.4 Message size exceeds fixed limit" \
  "R-SAV-4: incoming SIZE=5000001 is refused at MAIL FROM"
out=$(deploy_incoming --from sender@elsewhere.test --to "$EVA" --bytes 4000000 --marker eva-4mb)
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" \
  "R-SAV-4: an incoming 4 MB message (over the outgoing limit) comes in"
deploy_wait_maildir "$EVA" eva-4mb
n=$(grep -c " rule=R-SAV-4 " "$MILTER_LOG" || true)
[ "$n" -ge 1 ] || mw_fail "no audit line with rule=R-SAV-4"
mw_pass "R-TJP-4 R-MYO-13: the milter's audit line names rule=R-SAV-4"

# --- R-SAV-6: the alias delivers
out=$(deploy_incoming --from sender@elsewhere.test --to "jana.novakova@$D" --marker jana-alias)
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "R-SAV-6: mail to the alias is accepted"
deploy_wait_maildir "$JANA" jana-alias
mw_pass "R-SAV-6: and lands in Jana's mailbox (virtual_alias_maps from LDAP)"

# --- R-SAV-9: the cap (Eva's override 3)
for n in 1 2 3; do
  out=$(deploy_submit "$EVA" "$PW" --from "$EVA" --to "$JANA" --subject "cap $n")
  mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "R-SAV-9: Eva's message $n of 3"
done
out=$(deploy_submit "$EVA" "$PW" --from "$EVA" --to "$JANA" --subject "cap 4")
mw_assert_contains "$out" "DATA 450 4.7.1 Send limit reached: 3 of 3 messages in the last 24 hours" \
  "R-SAV-9: the 4th message in 24 h is refused (450 4.7.1), no block in this profile"

# --- R-SAV-1: 20 MB / 5000 for new accounts; the message limit refuses at RCPT
out=$(mwq_quota_get "$JANA")
echo "$out" | grep -Eq 'User quota +STORAGE +[0-9]+ +19532 ' ||
  mw_fail "R-SAV-1: 20MB did not reach Dovecot as 19532 KiB:"$'\n'"$out"
echo "$out" | grep -Eq 'User quota +MESSAGE +[0-9]+ +5000 ' ||
  mw_fail "R-SAV-1: 5000 messages did not reach Dovecot:"$'\n'"$out"
mw_pass "R-SAV-1: Dovecot holds 20 MB (19532 KiB) and 5000 messages for a new account"
for n in 1 2; do
  out=$(deploy_incoming --from sender@elsewhere.test --to "$PETER" --marker "peter-$n")
  mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "R-SAV-1: message $n of Peter's 2"
  deploy_wait_maildir "$PETER" "peter-$n"
done
out=$(deploy_incoming --from sender@elsewhere.test --to "$PETER" --marker peter-3)
mw_assert_contains "$out" "RCPT $PETER 552 5.2.2" \
  "R-SAV-1: over the limit nothing more is delivered: 552 5.2.2 at RCPT"

# --- R-SAV-2: the unix server's class file added to the same Dovecot: 7-day grace
deploy_subst "$DEPLOY_PROFILE/dovecot/unix/96-mailwarden-sav-unix.conf" "$W/unix.conf"
{ echo "# --- 96-mailwarden-sav-unix.conf (the unix server only)"; cat "$W/unix.conf"; } \
  >> "$DOVECOT_CONF"
# As on a host after copying the file: `doveadm reload` (systemctl reload dovecot). The
# master re-reads the configuration and replaces its service processes; it logs the reload.
before=$(grep -c 'master: Warning: SIGHUP received - reloading configuration' "$DOVECOT_LOG" || true)
doveadm -c "$DOVECOT_CONF" reload || mw_fail "doveadm reload"
for ((i = 0; i < 600; i++)); do
  [ "$(grep -c 'master: Warning: SIGHUP received - reloading configuration' "$DOVECOT_LOG" || true)" \
    -gt "$before" ] && break
  sleep 0.05
done
[ "$i" -lt 600 ] || mw_fail "Dovecot did not log the reload"
mw_assert_eq "$(doveconf -c "$DOVECOT_CONF" -h plugin/mailwarden_quota_grace)" 7d \
  "R-SAV-2: the unix server's Dovecot has mailwarden_quota_grace = 7d"
out=$(deploy_incoming --from sender@elsewhere.test --to "$PETER" --marker peter-3)
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" \
  "R-SAV-2: on the unix server the same 3rd message comes in (grace)"
deploy_wait_maildir "$PETER" peter-3

mwq_assert_log_clean "$DOVECOT_LOG" "no errors or crashes in the Dovecot log"
if grep -q ": error: " "$MILTER_LOG"; then cat "$MILTER_LOG" >&2; mw_fail "milter errors"; fi
mwq_done
