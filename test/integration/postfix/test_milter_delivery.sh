#!/usr/bin/env bash
# test_milter_delivery.sh: "postfix calls the milter". A real Postfix (smtpd_milters and
# non_smtpd_milters = the milter's unix socket) takes an authenticated SMTP message and a
# local sendmail submission through mailwarden-milter: both are delivered, and the milter
# logs exactly one audit line per message with the right values (R-TJP-4). Then the milter
# is stopped and Postfix answers 451 4.7.1 instead of accepting: nothing is lost and
# nothing passes unchecked (milter_default_action = tempfail; DESIGN "three outcomes").
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"

dir=$(mw_mktemp_dir milter-delivery)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
milter_start "$dir/milter"

POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS="example.org example.net" \
  POSTFIX_MAILBOXES="bob@example.org" POSTFIX_SASL=cyrus \
  POSTFIX_SASL_USERS="alice@example.org:Test-Pass-1" POSTFIX_MYNETWORKS="" \
  postfix_start "$dir/postfix"

# 1. Authenticated SMTP: one local recipient (own maildir), one discarded.
out=$(swaks --server "127.0.0.1:$POSTFIX_PORT" --auth PLAIN --auth-user alice@example.org \
  --auth-password Test-Pass-1 --from alice@example.org \
  --to bob@example.org,carol@elsewhere.test --header "Subject: milter test" \
  --body "hello from the milter test" 2>&1) || true
mw_assert_contains "$out" "250 2.0.0 Ok: queued as " "swaks: message accepted (250)"
qid=$(sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' <<< "$out")
[ -n "$qid" ] || mw_fail "no queue id in swaks output"
delivered=$(postfix_wait_delivered "$POSTFIX_DIR" "$qid" 30) || mw_fail "message $qid not delivered"
mw_assert_contains "$delivered" "to=<bob@example.org>, relay=virtual" "bob's copy delivered"
mw_assert_contains "$delivered" "to=<carol@elsewhere.test>, relay=none" "carol's copy discarded"
count=$(find "$POSTFIX_DIR/mail/example.org/bob/new" -type f | wc -l)
mw_assert_eq "$count" 1 "one message in bob's maildir"
grep -rqs "hello from the milter test" "$POSTFIX_DIR/mail/example.org/bob/new" ||
  mw_fail "bob's maildir file does not hold the body"
mw_pass "the body reached the maildir"

lines=$(grep -F ": $qid: " "$MILTER_LOG" || true)
mw_assert_eq "$(grep -c . <<< "$lines")" 1 "the milter logged exactly one line for $qid"
mw_assert_contains "$lines" "info: $qid: client=127.0.0.1 auth=alice@example.org " \
  "milter line: client and SASL user"
mw_assert_contains "$lines" " from=alice@example.org nrcpt=2 size=" "milter line: from= and nrcpt="
mw_assert_contains "$lines" " verdict=accept" "milter line: verdict"
size=$(sed -n 's/.* size=\([0-9]*\) .*/\1/p' <<< "$lines")
[ "${size:-0}" -gt 100 ] || mw_fail "milter size=$size is not headers + body"
mw_pass "milter size=$size counts headers and body"

# 2. A local submission (sendmail -> pickup -> cleanup) goes through non_smtpd_milters.
printf 'Subject: local\n\nlocal body\n' |
  sendmail -C "$POSTFIX_CONFIG_DIR" -f root@example.net bob@example.org
qid2=
for ((i = 0; i < 100; i++)); do
  qid2=$(sed -n 's/.*pickup\[[0-9]*\]: \([0-9A-Za-z]*\): uid=0 from=<root@example.net>.*/\1/p' \
    "$POSTFIX_LOG" | head -n 1)
  [ -n "$qid2" ] && break
  sleep 0.1
done
[ -n "$qid2" ] || mw_fail "pickup never logged the local submission"
postfix_wait_delivered "$POSTFIX_DIR" "$qid2" 30 > /dev/null || mw_fail "local $qid2 not delivered"
lines2=$(grep -F ": $qid2: " "$MILTER_LOG" || true)
mw_assert_eq "$(grep -c . <<< "$lines2")" 1 "the milter logged exactly one line for local $qid2"
mw_assert_contains "$lines2" "auth=- from=root@example.net nrcpt=1 " \
  "milter line for a local submission: no SASL user, sender, one recipient"

if grep -q ": error: " "$MILTER_LOG"; then
  cat "$MILTER_LOG" >&2
  mw_fail "the milter logged errors"
fi
mw_pass "no error lines in the milter log"

# 3. Milter down: Postfix must refuse with 451 4.7.1, not accept unchecked.
milter_stop
kill -0 "$MILTER_PID" 2>/dev/null && mw_fail "milter $MILTER_PID still running"
mw_pass "milter stopped"
# A client without AUTH, to a local domain, is refused at MAIL FROM.
out=$(swaks --server "127.0.0.1:$POSTFIX_PORT" --from someone@example.net --to bob@example.org \
  --body "must not be accepted" 2>&1) && mw_fail "swaks succeeded with the milter down"
mw_assert_contains "$out" "451 4.7.1" "Postfix answers 451 4.7.1 without the milter"
# An authenticated client is refused too (smtpd refuses AUTH itself: 454 4.3.0).
out2=$(swaks --server "127.0.0.1:$POSTFIX_PORT" --auth PLAIN --auth-user alice@example.org \
  --auth-password Test-Pass-1 --from alice@example.org --to bob@example.org \
  --body "must not be accepted" 2>&1) &&
  mw_fail "authenticated swaks succeeded with the milter down"
mw_assert_contains "$out2" " 4.3.0 " "AUTH is refused with a temporary error without the milter"
case "$out$out2" in *"queued as"*) mw_fail "a message was queued while the milter was down" ;; esac
mw_pass "nothing was queued while the milter was down"
count=$(find "$POSTFIX_DIR/mail/example.org/bob/new" -type f | wc -l)
mw_assert_eq "$count" 2 "bob's maildir holds only the two checked messages"
