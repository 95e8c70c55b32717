#!/usr/bin/env bash
# profile_pashtar.sh: conf.d/profiles/pashtar installed as its README says into the
# harness's slapd + Dovecot + mailwarden-milter + Postfix (profile_lib.sh: only ports,
# paths, the package's user and secrets substituted), accounts made with the real
# `mailwarden` CLI (directory init, tenant ensure, one import), then:
#   R-PSH-1  the accounts are 7000001@, 7000002@, 5000001@pashtar.example
#   R-PSH-3  a new account may only write to test@pashtar.example; that mail activates it
#            (mailwarden user activate-pending)
#   R-PSH-5  SIZE= over 100 MB: 552 5.3.4 at MAIL FROM, outgoing and incoming
#   R-PSH-6  the profile's cap (100 a day, 24 h block) with one account's LDAP override
#            mwDailySendLimit 3: the 4th message -> 450 4.7.1 "Sending blocked until",
#            the next one refused at MAIL FROM; the account still receives and logs in
#   R-PSH-4  new accounts hold 2 GB (Dovecot reports 1953125 KiB); an account with a
#            30000-byte quota: the delivery that crosses it gets 552 5.2.2 at RCPT
#   R-SAV-10 IMAP LOGIN without TLS refused, after STARTTLS accepted (ssl = required)
#   R-MYO-11 Postfix's AUTH rate limit: past 30 AUTH commands a minute from one IP, 450 4.7.1
#   R-TJP-4 / R-MYO-13  the milter's audit line names rule=R-PSH-6 for the refusals
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/dovecot.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/dovecot/common.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"
source "$MW_SOURCE_DIR/test/integration/deploy/profile_lib.sh"

deploy_init pashtar
D=pashtar.example
PW='Pashtar-Test-1!'

# --- the provisioning steps of pashtar/README.md
out=$(deploy_mw --json directory init) || mw_fail "directory init: $out"
mw_assert_eq "$(json_get "$out" 'd["changed"]')" True "mailwarden directory init"
out=$(deploy_mw --json tenant ensure --id minfin --domain "$D" --display-name "Ministry of Finance")
mw_assert_eq "$(json_get "$out" 'd["changed"]')" True "mailwarden tenant ensure"
cat > "$W/accounts.yaml" <<YAML
- {external_id: HR-1, region: 7, tenant: minfin, cn: Ivan Petrov, sn: Petrov}
- {external_id: HR-2, region: 7, tenant: minfin, cn: Anna Zubova, sn: Zubova, daily_send_limit: 3}
- {external_id: HR-3, region: 5, tenant: minfin, cn: Oleg Small, sn: Small, quota_bytes: 30000}
YAML
out=$(deploy_mw --json import "$W/accounts.yaml") || mw_fail "import: $out"
mails=$(json_get "$out" '" ".join(sorted(e["mail"] for e in d["entries"] if e.get("mail")))')
mw_assert_eq "$mails" "5000001@$D 7000001@$D 7000002@$D" \
  "R-PSH-1: the import made NXXXXXX@$D mailboxes (region digit + sequence)"
IVAN=7000001@$D ANNA=7000002@$D SMALL=5000001@$D
for a in "$IVAN" "$ANNA" "$SMALL"; do deploy_set_password "$a" "$PW"; done
status=$(deploy_mw --json user show "$IVAN" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["attributes"]["mwAccountStatus"][0])')
mw_assert_eq "$status" pending "R-PSH-3: a new mailbox starts pending"

# Anna and Oleg are activated by the administrator; Ivan goes the R-PSH-3 way below.
for a in "$ANNA" "$SMALL"; do deploy_mw user activate "$a" > /dev/null; done

deploy_start_dovecot
deploy_start_milter
deploy_start_postfix "$D"

# --- R-PSH-3: activation by a test message
out=$(deploy_submit "$IVAN" "$PW" --from "$IVAN" --to "colleague@$D")
mw_assert_contains "$out" "RCPT colleague@$D 550 5.7.1 <colleague@$D>: Recipient address rejected: account not activated" \
  "R-PSH-3: a pending account may not write to anyone but the activation address"
out=$(deploy_submit "$IVAN" "$PW" --from "$IVAN" --to "test@$D" --subject activation)
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "R-PSH-3: the activation mail is accepted"
out=$(deploy_mw --json user activate-pending) || mw_fail "activate-pending: $out"
mw_assert_contains "$out" '"dn":"uid=7000001,ou=users,ou=mail,dc=example,dc=org","action":"modify","changes":["-mwAccountStatus: pending","+mwAccountStatus: active"]' \
  "R-PSH-3: activate-pending activates the account whose activation mail the milter saw"
status=$(deploy_mw --json user show "$IVAN" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["attributes"]["mwAccountStatus"][0])')
mw_assert_eq "$status" active "R-PSH-3: Ivan is active now (the milter sees it after ldap.cache_ttl)"

# --- R-PSH-5: 100 MB
out=$(deploy_submit "$ANNA" "$PW" --from "$ANNA" --to "$IVAN" --size 100000001)
mw_assert_contains "$out" "MAIL 552 5.3.4 Message size exceeds fixed limit" \
  "R-PSH-5: outgoing SIZE=100000001 is refused at MAIL FROM (552 5.3.4)"
out=$(deploy_incoming --from sender@elsewhere.test --to "$IVAN" --size 100000001)
mw_assert_contains "$out" "MAIL 552 5.3.4 Message size exceeds fixed limit" \
  "R-PSH-5: incoming SIZE=100000001 is refused at MAIL FROM (552 5.3.4)"
out=$(deploy_incoming --from sender@elsewhere.test --to "$IVAN" --size 99000000 --bytes 1000)
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "R-PSH-5: SIZE=99000000 passes the size check"

# --- R-PSH-6: the cap, 3 for Anna by her LDAP override (the profile's own is 100)
for n in 1 2 3; do
  out=$(deploy_submit "$ANNA" "$PW" --from "$ANNA" --to "$IVAN" --subject "cap $n" --marker "cap-$n")
  mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "R-PSH-6: Anna's message $n of 3"
done
deploy_wait_maildir "$IVAN" cap-1
mw_pass "submission -> milter -> Postfix -> Dovecot LMTP delivered it into Ivan's INBOX"
out=$(deploy_submit "$ANNA" "$PW" --from "$ANNA" --to "$IVAN" --subject "cap 4")
mw_assert_contains "$out" "DATA 450 4.7.1 Sending blocked until " \
  "R-PSH-6: the 4th message starts the block (450 4.7.1)"
mw_assert_contains "$out" "UTC: more than 3 messages sent in the last 24 hours" \
  "R-PSH-6: the refusal names the window"
until=$(sed -n 's/.*Sending blocked until \([0-9-]* [0-9:]*\) UTC.*/\1/p' <<< "$out" | head -n 1)
case "$until" in "$(date -u -d '+1 day' '+%Y-%m-%d %H')"*) mw_pass "R-PSH-6: the block lasts 24 h ($until UTC)" ;;
  *) mw_fail "R-PSH-6: block end '$until' is not 24 h from now" ;; esac
out=$(deploy_submit "$ANNA" "$PW" --from "$ANNA" --to "$IVAN" --subject "cap 5")
mw_assert_contains "$out" "MAIL 450 4.7.1 Sending blocked until $until UTC" \
  "R-PSH-6: during the block the next message is refused at MAIL FROM"
out=$(deploy_incoming --from sender@elsewhere.test --to "$ANNA" --marker anna-in)
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "R-PSH-6: during the block Anna still receives"
deploy_wait_maildir "$ANNA" anna-in
out=$(deploy_imap starttls "$DOVECOT_IMAP_PORT" "$ANNA" "$PW")
mw_assert_contains "$out" "LOGIN OK" "R-PSH-6: during the block Anna still logs in (IMAP)"
out=$(deploy_mw --json sendcap blocked)
mw_assert_contains "$out" "$ANNA" "R-PSH-6: mailwarden sendcap blocked lists her"
n=$(grep -c " rule=R-PSH-6 " "$MILTER_LOG" || true)
[ "$n" -ge 2 ] || mw_fail "no audit lines with rule=R-PSH-6 in the milter log"
mw_pass "R-TJP-4 R-MYO-13: the milter's audit lines name rule=R-PSH-6 ($n)"

# --- R-PSH-4: 2 GB for new accounts; a small mailbox refuses the delivery that crosses it
out=$(mwq_quota_get "$IVAN")
echo "$out" | grep -Eq 'User quota +STORAGE +[0-9]+ +1953125 ' ||
  mw_fail "R-PSH-4: 2GB did not reach Dovecot as 1953125 KiB:"$'\n'"$out"
mw_pass "R-PSH-4: Dovecot holds 2 GB (1953125 KiB) for a new account"
for n in 1 2; do
  out=$(deploy_incoming --from sender@elsewhere.test --to "$SMALL" --bytes 12000 --size 12500 \
        --marker "small-$n")
  mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "R-PSH-4: 12 kB message $n into 30000 bytes"
  deploy_wait_maildir "$SMALL" "small-$n"
done
out=$(deploy_incoming --from sender@elsewhere.test --to "$SMALL" --bytes 12000 --size 12500 \
      --marker small-3)
mw_assert_contains "$out" "RCPT $SMALL 552 5.2.2" \
  "R-PSH-4: the message that would cross the quota gets 552 5.2.2 at RCPT (the sender's NDR)"

# --- R-SAV-10 (ssl = required), R-MYO-11
deploy_assert_tls_login "$IVAN" "$PW"
# Up to 62 sessions, stopping at the first refusal: however anvil's minute falls across
# the burst (the submissions above count too), one minute sees more than 30.
out=$(python3 "$DEPLOY_CLIENT" auth-burst --port "$DEPLOY_SUBMISSION_PORT" --login "$IVAN" \
      --password "$PW" --count 62 --stop-at-refusal 2>&1 || true)
ok=$(grep -c ' 235 ' <<< "$out" || true)
mw_assert_contains "$out" "4.7.1 Error: too many AUTH commands" \
  "R-MYO-11: past smtpd_client_auth_rate_limit Postfix refuses AUTH ($ok accepted first)"
[ "$ok" -le 30 ] || mw_fail "R-MYO-11: $ok AUTH commands accepted in a minute (limit 30)"

mwq_assert_log_clean "$DOVECOT_LOG" "no errors or crashes in the Dovecot log" \
  'test@pashtar\.example' 'User doesn.t exist'
if grep -q ": error: " "$MILTER_LOG"; then cat "$MILTER_LOG" >&2; mw_fail "milter errors"; fi
mwq_done
