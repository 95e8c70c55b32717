#!/usr/bin/env bash
# profile_tjp.sh: conf.d/profiles/tjp installed as its README says into the harness's
# slapd + Dovecot + mailwarden-milter + Postfix (profile_lib.sh: only ports, paths, the
# package's user and secrets substituted), accounts made with the real `mailwarden` CLI,
# then:
#   R-TJP-1  the tenant's new domain is primary (accounts are NXXXXXX@tjp.example); mail
#            to the old-domain address reaches the same mailbox (LDAP alias map)
#   R-TJP-2  the application mailbox (mwInternalOnly, one allowed partner domain, set with
#            the README's LDIF) writes inside and to the partner; elsewhere: 550 5.7.1 at RCPT
#   R-TJP-3  the shipped subject block list refuses its example subject (550 5.7.1); a rule
#            added during an "outbreak" works after a reload (SIGHUP), nothing restarted
#   R-TJP-4  the milter writes one audit line per message (queue id, sender, verdict)
#   size     SIZE= over the profile's 100 MB: 552 5.3.4 at MAIL FROM
#   cap      the profile's cap with one account's LDAP override mwDailySendLimit 3: the 4th
#            message -> 450 4.7.1 "Send limit reached"
#   quota    an account with a 30000-byte quota: the crossing delivery gets 552 5.2.2
#   R-SAV-10 IMAP LOGIN without TLS refused, after STARTTLS accepted (ssl = required)
#   R-MYO-11 failed IMAP logins put the client's IP into Dovecot's auth penalty
#            (doveadm penalty lists 127.0.0.2, the IMAP client's address)
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/dovecot.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/dovecot/common.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"
source "$MW_SOURCE_DIR/test/integration/deploy/profile_lib.sh"

deploy_init tjp
NEW=tjp.example OLD=old-tjp.example
PW='Tjp-Test-Pass-1!'

# --- the provisioning steps of tjp/README.md: the new domain first (primary).
deploy_mw --json directory init > /dev/null || mw_fail "directory init"
out=$(deploy_mw --json tenant ensure --id court --domain "$NEW" --domain "$OLD")
mw_assert_eq "$(json_get "$out" 'd["changed"]')" True "mailwarden tenant ensure (two domains)"
cat > "$W/accounts.yaml" <<YAML
- {external_id: EMP-1, region: 7, tenant: court, cn: Maria Santos, sn: Santos}
- {external_id: EMP-2, region: 7, tenant: court, cn: Joao Silva, sn: Silva, daily_send_limit: 3}
- {external_id: EMP-3, region: 7, tenant: court, cn: Rui Small, sn: Small, quota_bytes: 30000}
- {external_id: APP-1, region: 7, tenant: court, cn: Case Notifier, sn: Application}
YAML
out=$(deploy_mw --json import "$W/accounts.yaml") || mw_fail "import: $out"
mw_assert_contains "$out" "7000001@$NEW" "R-TJP-1: new mailboxes get the new (primary) domain"
MARIA=7000001@$NEW JOAO=7000002@$NEW RUI=7000003@$NEW APP=7000004@$NEW
for a in "$MARIA" "$JOAO" "$RUI" "$APP"; do deploy_set_password "$a" "$PW"; done
# R-TJP-1: every mailbox also answers in the old domain (an alias).
for a in "$MARIA" "$JOAO" "$RUI" "$APP"; do
  deploy_mw alias add "$a" "${a%@*}@$OLD" > /dev/null || mw_fail "alias add ${a%@*}@$OLD"
done
# R-TJP-2: the README's LDIF (its NXXXXXX replaced by the account's number, as the README
# says) makes 7000004 an application mailbox, applied as cn=mailwarden.
sed 's/NXXXXXX/7000004/' "$DEPLOY_PROFILE/ldap/application-mailbox.ldif" > "$W/app.ldif"
ldapmodify -x -H "$SLAPD_URI" -D "cn=mailwarden,ou=services,$SLAPD_SUFFIX" \
  -y "$W/etc/mailwarden/ldap.pw" -f "$W/app.ldif" > /dev/null ||
  mw_fail "tjp/ldap/application-mailbox.ldif does not apply as cn=mailwarden"

deploy_start_dovecot
deploy_start_milter
deploy_start_postfix "$NEW $OLD"

# --- R-TJP-1: the old address delivers to the same mailbox
out=$(deploy_incoming --from lawyer@elsewhere.test --to "7000001@$OLD" --marker maria-old)
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "R-TJP-1: mail to the old-domain address is accepted"
deploy_wait_maildir "$MARIA" maria-old
mw_pass "R-TJP-1: and lands in the mailbox of the new, primary address"
qid=$(sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' <<< "$out" | head -n 1)
line=$(grep " $qid: client=" "$MILTER_LOG" || true)
mw_assert_contains "$line" "from=lawyer@elsewhere.test nrcpt=1 " \
  "R-TJP-4: the milter's audit line for queue id $qid names the sender and recipients"
mw_assert_contains "$line" "verdict=" "R-TJP-4: ... and the verdict"

# --- R-TJP-2: application mailbox
out=$(deploy_submit "$APP" "$PW" --from "$APP" --to "$MARIA")
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "R-TJP-2: the application writes to an internal user"
out=$(deploy_submit "$APP" "$PW" --from "$APP" --to "clerk@partner.example")
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "R-TJP-2: ... and to its related external party"
out=$(deploy_submit "$APP" "$PW" --from "$APP" --to "someone@elsewhere.test")
mw_assert_contains "$out" "RCPT someone@elsewhere.test 550 5.7.1 <someone@elsewhere.test>: Recipient address rejected: only internal recipients allowed for this account" \
  "R-TJP-2: anyone else: 550 5.7.1 at RCPT"

# --- R-TJP-3: subject blocks, as shipped and during an outbreak
out=$(deploy_incoming --from x@elsewhere.test --to "$MARIA" \
      --subject "Your mailbox is almost full, verify your account")
mw_assert_contains "$out" "DATA 550 5.7.1 Message content rejected: subject blocked by rule" \
  "R-TJP-3: the shipped list's subject is refused (550 5.7.1)"
out=$(deploy_incoming --from x@elsewhere.test --to "$MARIA" --subject "Court summons attached")
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "R-TJP-3: before the outbreak rule it passes"
before=$(grep -c "reload: configuration loaded" "$MILTER_LOG" || true)
echo 'literal court summons attached' >> "$W/etc/mailwarden/subject-block.rules"
kill -HUP "$MILTER_PID"
for ((i = 0; i < 600; i++)); do
  [ "$(grep -c "reload: configuration loaded" "$MILTER_LOG" || true)" -gt "$before" ] && break
  sleep 0.05
done
[ "$i" -lt 600 ] || mw_fail "the milter did not reload after SIGHUP"
out=$(deploy_incoming --from x@elsewhere.test --to "$MARIA" --subject "Court summons attached")
mw_assert_contains "$out" "DATA 550 5.7.1 Message content rejected: subject blocked by rule" \
  "R-TJP-3: a rule added during an outbreak refuses after a reload"

# --- size, cap, quota
out=$(deploy_submit "$MARIA" "$PW" --from "$MARIA" --to "$JOAO" --size 100000001)
mw_assert_contains "$out" "MAIL 552 5.3.4 Message size exceeds fixed limit" \
  "R-MYO-7: SIZE= over the profile's 100 MB is refused at MAIL FROM (552 5.3.4)"
for n in 1 2 3; do
  out=$(deploy_submit "$JOAO" "$PW" --from "$JOAO" --to "$MARIA" --subject "cap $n")
  mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "R-PSH-6: Joao's message $n of 3"
done
out=$(deploy_submit "$JOAO" "$PW" --from "$JOAO" --to "$MARIA" --subject "cap 4")
mw_assert_contains "$out" "DATA 450 4.7.1 Send limit reached: 3 of 3 messages in the last 24 hours" \
  "R-PSH-6: his 4th message in 24 h is refused (450 4.7.1)"
for n in 1 2; do
  out=$(deploy_incoming --from x@elsewhere.test --to "$RUI" --bytes 12000 --size 12500 --marker "rui-$n")
  mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "quota: 12 kB message $n into 30000 bytes"
  deploy_wait_maildir "$RUI" "rui-$n"
done
out=$(deploy_incoming --from x@elsewhere.test --to "$RUI" --bytes 12000 --size 12500)
mw_assert_contains "$out" "RCPT $RUI 552 5.2.2" "quota: the crossing delivery gets 552 5.2.2 at RCPT"

# --- R-SAV-10, R-MYO-11 (Dovecot's part)
deploy_assert_tls_login "$MARIA" "$PW"
for n in 1 2; do
  out=$(deploy_imap starttls "$DOVECOT_IMAP_PORT" "$MARIA" "wrong-password-$n")
  mw_assert_contains "$out" "LOGIN refused" "R-MYO-11: failed login $n"
done
out=$(doveadm -c "$DOVECOT_CONF" penalty 2>&1 || true)
grep -Eq '^127\.0\.0\.2 +[1-9]' <<< "$out" ||
  mw_fail "R-MYO-11: 127.0.0.2 is not in Dovecot's auth penalty:"$'\n'"$out"
mw_pass "R-MYO-11: the failing client's IP is in Dovecot's auth penalty (doveadm penalty)"

mwq_assert_log_clean "$DOVECOT_LOG" "no errors or crashes in the Dovecot log"
if grep -q ": error: " "$MILTER_LOG"; then cat "$MILTER_LOG" >&2; mw_fail "milter errors"; fi
mwq_done
