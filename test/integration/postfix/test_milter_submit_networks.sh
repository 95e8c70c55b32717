#!/usr/bin/env bash
# test_milter_submit_networks.sh: R-PSH-9 part 2, client networks allowed to submit at all,
# through a real Postfix (Cyrus SASL) whose own mynetworks (127.0.0.0/8) would let the test
# client relay: the milter holds the line. sender.submit_networks 192.0.2.0/24 (the test
# client, 127.0.0.1, is outside it), local_domains example.org:
#   a login from 127.0.0.1                    -> 550 5.7.1 Client host rejected at MAIL FROM
#   no login, to example.org                  -> 250 (incoming mail is untouched)
#   no login, to elsewhere.test               -> 554 5.7.1 Relay access denied at RCPT, even
#                                                though Postfix's mynetworks permits it; with
#                                                a local recipient too, only that one is kept
#   no login, RCPT TO:<postmaster>            -> accepted (RFC 5321 4.5.1)
#   a local submission (sendmail) to outside  -> accepted (non_smtpd_milters: trusted)
#   after SIGHUP with 127.0.0.0/8 listed      -> the login sends anywhere; without a login
#                                                the same client still may not relay
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/rules_lib.sh"

dir=$(mw_mktemp_dir milter-submit)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
rules_start_ldap "$dir/slapd"
rules_write_config "$dir/milter" "sender:" "  local_domains: \"example.org\"" \
  "  submit_networks: \"192.0.2.0/24\""
milter_start "$dir/milter"
# POSTFIX_MYNETWORKS left at its default 127.0.0.0/8: Postfix alone would relay for us.
POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS="example.org" POSTFIX_SASL=cyrus \
  POSTFIX_MAILBOXES="bob@example.org" \
  POSTFIX_SASL_USERS="alice@example.org:$RULES_PASSWORD" postfix_start "$dir/postfix"

as_alice() {  # RCPT
  rules_swaks --auth PLAIN --auth-user alice@example.org --auth-password "$RULES_PASSWORD" \
    --from alice@example.org --to "$1"
}

out=$(as_alice bob@example.org)
mw_assert_contains "$out" "<** 550 5.7.1 <" "a login from outside the submit networks: 550 5.7.1"
mw_assert_contains "$out" \
  "[127.0.0.1]>: Client host rejected: submission from this network is not allowed" \
  "the reply names the client and says why (at MAIL FROM)"
mw_assert_contains "$(grep -A1 -- '-> MAIL FROM:' <<< "$out")" "<** 550 5.7.1" \
  "refused at MAIL FROM, before any recipient"

mw_assert_contains "$(rules_swaks --from friend@elsewhere.test --to bob@example.org)" \
  "250 2.0.0 Ok: queued as " "without a login, mail to our domain is accepted"
out=$(rules_swaks --from friend@elsewhere.test --to someone@elsewhere.test)
mw_assert_contains "$out" "<** 554 5.7.1 <someone@elsewhere.test>: Relay access denied" \
  "without a login, relaying is refused at RCPT although mynetworks would permit it"
case "$out" in *"queued as"*) mw_fail "a relayed message was queued" ;; esac
out=$(rules_swaks --from friend@elsewhere.test --to bob@example.org,someone@elsewhere.test)
mw_assert_contains "$out" "<** 554 5.7.1 <someone@elsewhere.test>: Relay access denied" \
  "a mixed message: the outside recipient is refused"
qid=$(rules_queue_id "$out")
[ -n "$qid" ] || mw_fail "the mixed message was not queued for its local recipient"
postfix_wait_delivered "$POSTFIX_DIR" "$qid" 30 > /dev/null || mw_fail "$qid not delivered"
grep -q "info: $qid: client=127.0.0.1 auth=- from=friend@elsewhere.test nrcpt=1 " "$MILTER_LOG" ||
  mw_fail "the milter did not log the message with its one recipient"
mw_pass "the mixed message went to its local recipient only"
mw_assert_contains "$(rules_swaks --from friend@elsewhere.test --to postmaster \
  --header 'Subject: hello postmaster')" "250 2.0.0 Ok: queued as " \
  "RCPT TO:<postmaster> without a domain is accepted (RFC 5321)"

# A local submission has no client address: sendmail may send anywhere.
printf 'Subject: local\n\nlocal body\n' |
  sendmail -C "$POSTFIX_CONFIG_DIR" -f root@example.org someone@elsewhere.test
qid=
for ((i = 0; i < 300; i++)); do
  qid=$(sed -n 's/.*pickup\[[0-9]*\]: \([0-9A-Za-z]*\): uid=0 from=<root@example.org>.*/\1/p' \
    "$POSTFIX_LOG" | head -n 1)
  [ -n "$qid" ] && break
  sleep 0.1
done
[ -n "$qid" ] || mw_fail "pickup never logged the local submission"
postfix_wait_delivered "$POSTFIX_DIR" "$qid" 30 > /dev/null || mw_fail "local $qid not sent"
grep -q "info: $qid: client=- auth=- from=root@example.org nrcpt=1 .* verdict=accept" \
  "$MILTER_LOG" || mw_fail "the local submission is not in the milter log as accepted"
mw_pass "a local submission (sendmail) may write outside"

# The operator lists the VPN the test client stands in for; reload.
rules_write_config "$dir/milter" "sender:" "  local_domains: \"example.org\"" \
  "  submit_networks: \"192.0.2.0/24 127.0.0.0/8\""
kill -HUP "$MILTER_PID"
for ((i = 0; i < 200; i++)); do
  grep -q "reload: configuration loaded" "$MILTER_LOG" && break
  sleep 0.05
done
grep -q "reload: configuration loaded" "$MILTER_LOG" || mw_fail "the milter did not reload"
mw_assert_contains "$(as_alice someone@elsewhere.test)" "250 2.0.0 Ok: queued as " \
  "from a listed network the login sends anywhere"
mw_assert_contains "$(rules_swaks --from friend@elsewhere.test --to someone@elsewhere.test)" \
  "<** 554 5.7.1 <someone@elsewhere.test>: Relay access denied" \
  "a submit network grants nothing without a login: still no relaying"

n=$(grep -c " rule=R-PSH-9 " "$MILTER_LOG" || true)
mw_assert_eq "$n" 4 "each of the 4 refusals is logged with rule=R-PSH-9"
if grep -q ": error: " "$MILTER_LOG"; then cat "$MILTER_LOG" >&2; mw_fail "milter errors"; fi
mw_pass "no error lines in the milter log"
