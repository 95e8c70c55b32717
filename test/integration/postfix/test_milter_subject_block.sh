#!/usr/bin/env bash
# test_milter_subject_block.sh: R-TJP-3 subject block list through a real Postfix. The
# milter runs with rules.subject_block_file (literal, regex and a quarantine rule):
#   a plain blocked subject            -> 550 5.7.1 at end of DATA, audit rule=R-TJP-3
#   the Cyrillic rule, RFC 2047 B-encoded UTF-8 in other case -> 550 5.7.1 (decoded, folded)
#   the same as KOI8-R Q-encoding, from an authenticated sender (outgoing) -> 550 5.7.1
#   a quarantine rule                  -> 250, and the message sits in Postfix's hold queue
#   a subject not in the list          -> 250 and delivered
#   the file edited + SIGHUP           -> the new rule applies on a connection opened
#                                         before the reload (no restart, nothing dropped)
#   a broken file + SIGHUP             -> refused with FILE:LINE, the running rules stay;
#                                         --check-config and a fresh start exit 78 on it
# No LDAP: without ldap.base_dn the milter's directory knows only logins.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/rules_lib.sh"

dir=$(mw_mktemp_dir milter-subject)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
mkdir -p "$dir/milter"
rules=$dir/milter/subject-block.rules
cat > "$rules" <<'RULES'
# outbreak list for the test
literal Your mailbox is almost full
literal срочно: подтвердите пароль
regex ^invoice #?\d{6,} overdue$ => quarantine
RULES
chmod 644 "$rules"  # the milter rereads it as nobody on SIGHUP
milter_write_config "$dir/milter" "unix:$dir/milter/run/milter.sock" \
  "rules:" "  subject_block_file: \"$rules\"" "  subject_block_action: reject"
milter_start "$dir/milter"
mw_assert_contains "$(cat "$MILTER_LOG")" "subject block list $rules: 3 rule(s)" \
  "the milter loaded the 3 rules at start"
POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS="example.org" POSTFIX_SASL=cyrus \
  POSTFIX_SASL_USERS="alice@example.org:$RULES_PASSWORD" POSTFIX_MYNETWORKS="" \
  postfix_start "$dir/postfix"

# send LOGIN|- FROM SUBJECT...: one connection, one message per SUBJECT (a raw header
# value; a literal \n in it becomes a fold, CRLF); prints "DATA code text" per message.
# A SUBJECT "HUP" instead sends SIGHUP to the milter and waits for its next reload line
# before going on (same connection).
send() {
  python3 - "$POSTFIX_PORT" "$RULES_PASSWORD" "$MILTER_PID" "$MILTER_LOG" "$@" <<'PY'
import os, signal, smtplib, sys, time
port, password, pid, log, login, sender = sys.argv[1:7]
s = smtplib.SMTP("127.0.0.1", int(port), timeout=30)
s.ehlo("client.test")
if login != "-":
    s.login(login, password)
for subject in sys.argv[7:]:
    if subject == "HUP":
        before = open(log, errors="replace").read().count("reload: configuration loaded")
        os.kill(int(pid), signal.SIGHUP)
        for _ in range(100):
            if open(log, errors="replace").read().count("reload: configuration loaded") > before:
                break
            time.sleep(0.05)
        else:
            sys.exit("no reload line after SIGHUP")
        continue
    s.mail(sender)
    s.rcpt("bob@example.org")
    subject = subject.replace("\\n", "\r\n")
    msg = (f"From: {sender}\r\nTo: bob@example.org\r\nSubject: {subject}\r\n"
           "MIME-Version: 1.0\r\n\r\nhello\r\n")
    code, text = s.data(msg.encode())
    print("DATA", code, text.decode())
    s.rset()
s.quit()
PY
}

out=$(send - friend@elsewhere.test "Re: YOUR MAILBOX IS ALMOST FULL - act now")
mw_assert_contains "$out" \
  "DATA 550 5.7.1 Message content rejected: subject blocked by rule 2" \
  "plain blocked subject (other case): 550 5.7.1 at end of DATA"

# "СРОЧНО: Подтвердите ПАРОЛЬ" as one UTF-8 B word, and folded into two words cut inside
# a character (as mailers cut by bytes)
out=$(send - friend@elsewhere.test \
  "=?UTF-8?B?0KHQoNCe0KfQndCeOiDQn9C+0LTRgtCy0LXRgNC00LjRgtC1INCf0JDQoNCe0JvQrA==?=" \
  "=?UTF-8?B?0KHQoNCe0KfQndCeOiDQn9C+0A==?=\\n =?UTF-8?B?tNGC0LLQtdGA0LTQuNGC0LUg0J/QkNCg0J7Qm9Cs?=")
n=$(grep -c "DATA 550 5.7.1 Message content rejected: subject blocked by rule 3" <<< "$out" || true)
mw_assert_eq "$n" 2 \
  "RFC 2047 UTF-8 Cyrillic subject, other case (one word, and folded in two): 550 5.7.1"

# Outgoing too: alice (authenticated) with the KOI8-R Q-encoded phrase.
koi8=$(printf 'срочно: подтвердите пароль' | iconv -f UTF-8 -t KOI8-R | python3 -c '
import sys; b=sys.stdin.buffer.read()
q = "".join("_" if c == 32 else ("=%02X" % c if c > 126 or c in b"=?_:" else chr(c)) for c in b)
print("=?koi8-r?Q?" + q + "?=")')
out=$(send alice@example.org alice@example.org "$koi8")
mw_assert_contains "$out" "DATA 550 5.7.1 Message content rejected: subject blocked by rule 3" \
  "outgoing (authenticated) KOI8-R Q-encoded subject: 550 5.7.1"

out=$(send - friend@elsewhere.test "INVOICE #2026117 OVERDUE")
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "quarantine rule: the client gets 250"
held=$(rules_queue_id "$out")
[ -n "$held" ] || mw_fail "no queue id in: $out"
on_hold=""
for ((i = 0; i < 100; i++)); do
  on_hold=$(postqueue -c "$POSTFIX_CONFIG_DIR" -j 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m["queue_id"] == sys.argv[1]: print(m["queue_name"])' "$held")
  [ "$on_hold" = hold ] && break
  sleep 0.05
done
mw_assert_eq "$on_hold" hold "quarantine rule: message $held is in Postfix's hold queue"
mw_assert_contains "$(cat "$POSTFIX_LOG")" "$held: milter-hold: END-OF-MESSAGE" \
  "Postfix logged the milter hold"
mw_assert_contains "$(postqueue -c "$POSTFIX_CONFIG_DIR" -p)" "${held}!" \
  "postqueue -p marks it held (!)"

out=$(send - friend@elsewhere.test "Quarterly report")
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "a subject not in the list: 250"
postfix_wait_delivered "$POSTFIX_DIR" "$(rules_queue_id "$out")" > /dev/null ||
  mw_fail "the unlisted subject was not delivered"
mw_pass "a subject not in the list is delivered"

# Edit the file, SIGHUP while a connection is open: the next message on that connection
# meets the new rule; no restart (same PID).
pid_before=$MILTER_PID
echo "literal brand new outbreak => reject" >> "$rules"
out=$(send - friend@elsewhere.test "a brand new OUTBREAK" HUP "a brand new OUTBREAK")
mw_assert_contains "$(sed -n 1p <<< "$out")" "DATA 250 2.0.0 Ok: queued as" \
  "before the reload the new subject passes"
mw_assert_contains "$(sed -n 2p <<< "$out")" \
  "DATA 550 5.7.1 Message content rejected: subject blocked by rule 5" \
  "after editing the file and SIGHUP the new rule refuses it, on the same connection"
kill -0 "$pid_before" || mw_fail "the milter is gone"
mw_assert_contains "$(cat "$MILTER_LOG")" "reload: subject block list $rules: 4 rule(s)" \
  "the reload logged the 4 rules"

# A broken file: FILE:LINE logged, the running rules kept.
echo "regex (unclosed" >> "$rules"
kill -HUP "$MILTER_PID"
for ((i = 0; i < 100; i++)); do
  grep -q "keeping the running configuration and subject rules" "$MILTER_LOG" && break
  sleep 0.05
done
mw_assert_contains "$(cat "$MILTER_LOG")" "error: $rules:6: regex: U_REGEX_" \
  "a broken rules file is refused with FILE:LINE"
out=$(send - friend@elsewhere.test "brand new outbreak again" "Quarterly report")
mw_assert_contains "$out" "DATA 550 5.7.1 Message content rejected: subject blocked by rule 5" \
  "after the refused reload the running rules still apply"
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "and other mail still passes"

n=$(grep -c " rule=R-TJP-3 reply=\"550 5.7.1 Message content rejected: subject blocked by rule " \
  "$MILTER_LOG" || true)
mw_assert_eq "$n" 6 "the audit line names rule=R-TJP-3 for each of the 6 refusals"
mw_assert_contains "$(cat "$MILTER_LOG")" "verdict=quarantine rule=R-TJP-3" \
  "the audit line of the held message says verdict=quarantine rule=R-TJP-3"
# The broken file (line 6) is refused by --check-config and at start, exit 78 (EX_CONFIG).
rc=0
check=$("$MILTER_BIN" --check-config -c "$dir/milter/milter.yaml" 2>&1 > /dev/null) || rc=$?
mw_assert_eq "$rc" 78 "--check-config with a broken rules file exits 78"
mw_assert_contains "$check" "$rules:6: regex: U_REGEX_" "--check-config names FILE:LINE"
rc=0
start=$("$MILTER_BIN" -f -c "$dir/milter/milter.yaml" 2>&1 < /dev/null) || rc=$?
mw_assert_eq "$rc" 78 "a start with a broken rules file exits 78"
mw_assert_contains "$start" "$rules:6: regex: U_REGEX_" "and names FILE:LINE"

errors=$(grep ": error: " "$MILTER_LOG" |
  grep -v "$rules:6: \|keeping the running configuration" || true)
[ -z "$errors" ] || mw_fail "unexpected milter errors: $errors"
mw_pass "no other error lines in the milter log"
