#!/usr/bin/env bash
# test_trace.sh: R-TJP-4 through a real Postfix: `mailwarden trace` finds messages in the
# mail log by sender, recipient and queue id, with the milter's verdict, rule id and reply
# and Postfix's delivery status, across a gzip rotation, within a time window.
# As on a real host, the milter's lines and Postfix's share one log: Postfix writes its own
# through maillog_file (postlogd), and the milter's stderr is forwarded into the same file
# by postlog(1), which stamps each line as syslog would. Messages (alice authenticated):
#   A  alice -> bob, accepted and delivered; then `postfix logrotate` gzips the log
#   B  alice with From: bob          -> 550 5.7.1 after DATA (R-SAV-9, has a queue id)
#   C  alice as envelope bob         -> 553 5.7.1 at MAIL FROM (R-SAV-9, NOQUEUE)
#   D  alice, 30000 bytes > 20000    -> 552 5.3.4 after DATA (R-SAV-4)
#   E  alice as "x nrcpt=0 size=0 verdict=accept"@example.org -> 553 (hostile address)
#   O  a copy of A's lines 40 days old, in an older rotation: outside the default window
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/rules_lib.sh"

MW=$MW_BIN_DIR/mailwarden
dir=$(mw_mktemp_dir trace)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
rules_start_ldap "$dir/slapd"
rules_write_config "$dir/milter" "limits:" "  max_message_size_outgoing: 20000B"
milter_start "$dir/milter"
POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS="example.org" POSTFIX_SASL=cyrus \
  POSTFIX_SASL_USERS="alice@example.org:$RULES_PASSWORD" POSTFIX_MYNETWORKS="" \
  POSTFIX_MESSAGE_SIZE_LIMIT=100000 postfix_start "$dir/postfix"

# The forwarder: tail ends with the milter (--pid), and sed and postlog with tail.
tail -n +1 -F --pid="$MILTER_PID" "$MILTER_LOG" 2>/dev/null > >(
  sed -u -n 's/^mailwarden-milter\[[0-9]*\]: info: //p' |
    postlog -c "$POSTFIX_CONFIG_DIR" -t mailwarden-milter -p info) &
mw_on_exit "mw_kill_pid $!"

# wait_log REGEX: until a line matching REGEX is in Postfix's log (60 s at most).
wait_log() {
  local i
  for ((i = 0; i < 600; i++)); do
    grep -q -- "$1" "$POSTFIX_LOG" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no line matching '$1' in $POSTFIX_LOG; it has:" >&2
  cat "$POSTFIX_LOG" >&2 || true
  return 1
}

# send FROM [BYTES [HEADER_FROM]]: one message from alice (logged in) to bob; prints
# "MAIL code text" and, when MAIL was accepted, "DATA code text".
send() {
  python3 - "$POSTFIX_PORT" "$RULES_PASSWORD" "$@" <<'PY'
import smtplib, sys
port, password, sender = sys.argv[1:4]
nbytes = int(sys.argv[4]) if len(sys.argv) > 4 else 100
header_from = sys.argv[5] if len(sys.argv) > 5 else sender
s = smtplib.SMTP("127.0.0.1", int(port), timeout=30)
s.ehlo("client.test")
s.login("alice@example.org", password)
code, text = s.mail(sender)
print("MAIL", code, text.decode())
if code == 250:
    s.rcpt("bob@example.org")
    body = ("x" * 76 + "\r\n") * (nbytes // 78 + 1)
    msg = f"From: {header_from}\r\nTo: bob@example.org\r\nSubject: trace\r\n\r\n{body}"
    code, text = s.data(msg.encode())
    print("DATA", code, text.decode())
s.quit()
PY
}

# trace ARGS...: mailwarden --json trace ARGS (exit code must be 0).
trace() { "$MW" --json trace "$@"; }
# q JSON EXPR: EXPR (Python) over the document d; a tuple prints space-separated.
# Shorthands: M = the messages, mw(i, key) and pf(i, key) = message i's mailwarden and
# postfix fields, rcpt(i) = its (address, status, dsn) tuples.
q() {
  python3 -c 'import json, sys
d = json.loads(sys.argv[1])
M = d["messages"]
mw = lambda i, k: M[i]["mailwarden"][k]
pf = lambda i, k: M[i]["postfix"][k]
rcpt = lambda i: [(r["address"], r["status"], r["dsn"]) for r in M[i]["recipients"]]
r = eval(sys.argv[2])
print(" ".join(map(str, r)) if isinstance(r, tuple) else r)' "$1" "$2"
}

t0=$(date +%FT%H:%M:%S)

out=$(send alice@example.org)
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "A: alice's message is accepted"
A=$(rules_queue_id "$out")
postfix_wait_delivered "$POSTFIX_DIR" "$A" > /dev/null
wait_log "mailwarden-milter\[[0-9]*\]: $A: client="
postfix -c "$POSTFIX_CONFIG_DIR" logrotate
rotated=$(ls "$POSTFIX_DIR"/maillog.*.gz)
[ -n "$rotated" ] || mw_fail "postfix logrotate left no maillog.*.gz"

out=$(send alice@example.org 100 bob@example.org)
mw_assert_contains "$out" "DATA 550 5.7.1 <bob@example.org>: From address rejected" \
  "B: From: bob is refused after DATA"
wait_log "milter-reject: END-OF-MESSAGE .*From address rejected"
B=$(sed -n 's/.*: \([0-9A-Za-z]*\): milter-reject: END-OF-MESSAGE .*From address.*/\1/p' \
  "$POSTFIX_LOG")
out=$(send bob@example.org)
mw_assert_contains "$out" "MAIL 553 5.7.1 <bob@example.org>: Sender address rejected" \
  "C: envelope bob is refused at MAIL FROM"
out=$(send alice@example.org 30000)
mw_assert_contains "$out" "DATA 552 5.3.4 Message size exceeds fixed limit" \
  "D: 30000 bytes are refused after DATA"
hostile='"x nrcpt=0 size=0 verdict=accept"@example.org'
out=$(send "$hostile")
mw_assert_contains "$out" "MAIL 553 5.7.1" "E: the hostile sender is refused"
wait_log "milter-reject: END-OF-MESSAGE .*5\.3\.4"
D=$(sed -n 's/.*: \([0-9A-Za-z]*\): milter-reject: END-OF-MESSAGE .*5\.3\.4.*/\1/p' \
  "$POSTFIX_LOG")
wait_log "mailwarden-milter\[[0-9]*\]: NOQUEUE: client=.* from=\"x nrcpt=0"
wait_log "mailwarden-milter\[[0-9]*\]: $D: client="
if [ -z "$B" ] || [ -z "$D" ]; then mw_fail "no queue id for B ('$B') or D ('$D')"; fi
if grep -q " $A: " "$POSTFIX_LOG"; then mw_fail "A's lines should be in the rotation only"; fi

# O: A's lines 40 days earlier under another queue id, in an older rotation.
old_stamp=$(date -d '-40 days' '+%b %e %H:%M:%S')
old="$POSTFIX_DIR/maillog.$(date -d '-40 days' +%Y%m%d-%H%M%S).gz"
zcat "$rotated" | grep " $A: " | sed "s/^.\{15\}/$old_stamp/; s/$A/1A2B3C4D5E/" | gzip > "$old"
touch -d '-40 days' "$old"

logs=(--log "$old" --log "$rotated" --log "$POSTFIX_LOG")

out=$(trace --sender ALICE@example.org "${logs[@]}")
mw_assert_eq "$(q "$out" '[m["queue_id"] for m in M]')" "['$A', '$B', '$D']" \
  "--sender ALICE@example.org: A (from the gzip rotation), B and D; not the old copy"
mw_assert_eq "$(q "$out" '[f["state"] for f in d["files"]]')" "['skipped', 'read', 'read']" \
  "the rotation older than the window is not opened"
mw_assert_eq "$(q "$out" 'mw(0, "verdict"), rcpt(0)')" \
  "accept [('bob@example.org', 'sent', '2.0.0')]" "A: accepted, delivered to bob (2.0.0)"
mw_assert_eq "$(q "$out" 'M[0]["auth"], M[0]["client"]')" \
  "alice@example.org localhost[127.0.0.1]" "A: login and client"
mw_assert_eq "$(q "$out" 'mw(1, "verdict"), mw(1, "rule"), mw(1, "reply")[:55]')" \
  "reject R-SAV-9 550 5.7.1 <bob@example.org>: From address rejected: not" \
  "B: reject, rule R-SAV-9, the 550 reply"
mw_assert_eq "$(q "$out" 'pf(1, "action"), pf(1, "stage"), M[1]["finished"]')" \
  "milter-reject END-OF-MESSAGE True" "B: Postfix refused it at end of message"
mw_assert_eq "$(q "$out" 'mw(2, "rule"), mw(2, "reply")[:9], M[2]["size"] > 30000')" \
  "R-SAV-4 552 5.3.4 True" "D: rule R-SAV-4, 552 5.3.4, the size counted"

out=$(trace --sender bob@example.org "${logs[@]}")
mw_assert_eq "$(q "$out" 'len(M), M[0]["queue_id"], M[0]["auth"], mw(0, "rule")')" \
  "1 NOQUEUE alice@example.org R-SAV-9" \
  "C: one record for the refusal before a queue id"
mw_assert_eq "$(q "$out" 'mw(0, "reply")[:9], pf(0, "action"), pf(0, "stage")')" \
  "553 5.7.1 milter-reject MAIL" \
  "C: the refusal before a queue id, the milter's and smtpd's lines joined"

out=$(trace --sender "$hostile" "${logs[@]}")
mw_assert_eq "$(q "$out" 'len(M), M[0]["sender"], mw(0, "verdict"), M[0]["ambiguous"]')" \
  "1 $hostile reject False" "E: a forged verdict= inside the address is not read"

out=$(trace --queue-id "$B" "${logs[@]}")
mw_assert_eq "$(q "$out" '[m["queue_id"] for m in M]')" "['$B']" "--queue-id B"
out=$(trace --queue-id "$A" --log "$POSTFIX_LOG")
mw_assert_eq "$(q "$out" 'd["count"]')" 0 "--queue-id A without the rotation: not found, exit 0"
out=$(trace --queue-id "$A" "${logs[@]}")
mw_assert_eq "$(q "$out" 'd["count"]')" 1 "--queue-id A with the gzip rotation: found"

out=$(trace --recipient BOB@example.org --since 60d "${logs[@]}")
mw_assert_eq "$(q "$out" '[m["queue_id"] for m in M][:2]')" "['1A2B3C4D5E', '$A']" \
  "--since 60d: the 40-day-old message too, oldest first"
out=$(trace --recipient bob@example.org --since 7d "${logs[@]}")
mw_assert_eq "$(q "$out" '"1A2B3C4D5E" in [m["queue_id"] for m in M]')" False \
  "--since 7d: the 40-day-old message is outside"
out=$(trace --sender alice@example.org --until "$t0" "${logs[@]}")
mw_assert_eq "$(q "$out" 'd["count"]')" 0 "--until before the first message: none"
out=$(trace --sender alice@example.org --since "$t0" "${logs[@]}")
mw_assert_eq "$(q "$out" 'd["count"]')" 3 "--since the start of the test: all three"

text=$("$MW" trace --queue-id "$B" "${logs[@]}")
mw_assert_contains "$text" "  $B
" "text: one block headed by the time and queue id"
mw_assert_contains "$text" "  mailwarden  reject, rule R-SAV-9: 550 5.7.1 <bob@example.org>" \
  "text: verdict, rule and reply"
mw_assert_contains "$text" "1 message found in 2 log files" "text: the summary"

rc=0
"$MW" trace --sender alice@example.org --log "$dir/no-such.log" > /dev/null 2>&1 || rc=$?
mw_assert_eq "$rc" 66 "no readable log: exit 66 (EX_NOINPUT)"
rc=0
"$MW" trace --log "$POSTFIX_LOG" > /dev/null 2>&1 || rc=$?
mw_assert_eq "$rc" 64 "no --sender, --recipient or --queue-id: exit 64"
