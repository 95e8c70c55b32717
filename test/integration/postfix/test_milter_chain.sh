#!/usr/bin/env bash
# test_milter_chain.sh: R-MYO-12, mailwarden-milter in a chain with another milter: a
# stand-in antivirus (av_milter.py, Debian's python3-milter) that rejects the EICAR test
# string (554 5.7.1) and adds "X-Virus-Scanned" to everything else, through a real Postfix
# (Cyrus SASL) and slapd. Send cap 2 a day.
# Order 1, smtpd_milters = mailwarden, antivirus:
#   clean mail                -> 250, delivered with the antivirus's header; both milters saw
#                                it (mailwarden's audit line, the antivirus's log)
#   mailwarden's rules fire   -> 553 5.7.1 at MAIL FROM (foreign envelope sender), 550 5.7.1
#                                after DATA (foreign From:); the antivirus is told abort
#   the antivirus fires       -> 554 5.7.1 Virus found; but mailwarden had already accepted
#                                and COUNTED that message (its end of message came first):
#                                alice's next clean message is over her cap of 2
# Order 2, smtpd_milters = antivirus, mailwarden (what conf.d/postfix/main.cf.milter
# recommends, and why):
#   the antivirus rejects     -> mailwarden is told abort: nothing counted, bob can still
#                                send his 2 clean messages, and the 3rd is over his cap
#   mailwarden's rules fire   -> 550 5.7.1 for a foreign From: after the antivirus passed it
# Local submissions (non_smtpd_milters, the same two) are delivered with the header too.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/rules_lib.sh"

/usr/bin/python3 -c 'import Milter' 2> /dev/null ||
  mw_fail "python3-milter is not installed (scripts/setup installs it)"

dir=$(mw_mktemp_dir milter-chain)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
rules_start_ldap "$dir/slapd"
rules_write_config "$dir/milter" "sender:" "  local_domains: \"example.org\"" \
  "send_cap:" "  daily_limit: 2" "  lmdb_path: \"$dir/milter/sendcap.lmdb\""
milter_start "$dir/milter"

av_port=$(mw_free_port)
av_log=$dir/av.log
/usr/bin/python3 "$MW_SOURCE_DIR/test/integration/postfix/av_milter.py" \
  "inet:$av_port@127.0.0.1" "$av_log" < /dev/null > "$dir/av.out" 2>&1 &
av_pid=$!
mw_on_exit "mw_kill_pid $av_pid 20"
mw_wait_port "$av_port" 30 || { cat "$dir/av.out" >&2; mw_fail "the antivirus milter did not start"; }
av="inet:127.0.0.1:$av_port"

start_postfix() {  # DIR MILTERS...
  local where=$1
  shift
  POSTFIX_MILTER="$*" POSTFIX_DOMAINS="example.org" POSTFIX_SASL=cyrus \
    POSTFIX_MAILBOXES="alice@example.org bob@example.org" POSTFIX_MYNETWORKS="" \
    POSTFIX_SASL_USERS="alice@example.org:$RULES_PASSWORD bob@example.org:$RULES_PASSWORD" \
    postfix_start "$where"
}

# send LOGIN FROM RCPT KIND [FROM_HEADER]: KIND clean|eicar; prints the last step that was
# answered: "MAIL|RCPT|DATA code text".
send() {
  python3 - "$POSTFIX_PORT" "$RULES_PASSWORD" "$@" <<'PY'
import smtplib, sys
port, password, login, sender, rcpt, kind = sys.argv[1:7]
header_from = sys.argv[7] if len(sys.argv) > 7 else sender
eicar = r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
body = (eicar + "\r\n") if kind == "eicar" else "a clean test message\r\n"
msg = f"From: {header_from}\r\nTo: {rcpt}\r\nSubject: chain {kind}\r\n\r\n{body}"
s = smtplib.SMTP("127.0.0.1", int(port), timeout=60)
s.ehlo("client.test")
s.login(login, password)
steps = [("MAIL", lambda: s.mail(sender)), ("RCPT", lambda: s.rcpt(rcpt)),
         ("DATA", lambda: s.data(msg.encode()))]
for step, call in steps:
    code, text = call()
    if code != 250 or step == "DATA":
        print(step, code, text.decode())
        break
s.quit()
PY
}
# delivered MAILBOX SUBJECT: the delivered message with that subject, or nothing.
delivered() {
  local f
  for f in "$POSTFIX_DIR/mail/example.org/$1"/new/*; do
    [ -f "$f" ] && grep -q "^Subject: $2\r\?$" "$f" && { cat "$f"; return 0; }
  done
  return 0
}
wait_delivered() {  # TRANSCRIPT WHAT
  local qid
  qid=$(rules_queue_id "$1")
  [ -n "$qid" ] || mw_fail "$2: not queued"
  postfix_wait_delivered "$POSTFIX_DIR" "$qid" 30 > /dev/null || mw_fail "$2: not delivered"
}

# ---- Order 1: mailwarden first, then the antivirus.
start_postfix "$dir/postfix1" "$MILTER_SOCKET" "$av"
grep -q "^smtpd_milters = $MILTER_SOCKET $av\$" "$POSTFIX_CONFIG_DIR/main.cf" ||
  mw_fail "smtpd_milters is not 'mailwarden, antivirus'"

out=$(send alice@example.org alice@example.org bob@example.org clean)
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "order 1: clean mail is accepted"
wait_delivered "$out" "order 1 clean mail"
mw_assert_contains "$(delivered bob 'chain clean')" "X-Virus-Scanned: clean (mailwarden test-av)" \
  "order 1: it is delivered with the antivirus's header"
grep -q "from=alice@example.org nrcpt=1 size=[0-9]* verdict=accept" "$MILTER_LOG" ||
  mw_fail "order 1: mailwarden did not log the clean message as accepted"
grep -q "eom clean from=<alice@example.org>" "$av_log" ||
  mw_fail "order 1: the antivirus never saw the clean message"
mw_pass "order 1: both milters saw the clean message"

mw_assert_contains "$(send alice@example.org boss@example.org bob@example.org clean)" \
  "MAIL 553 5.7.1 <boss@example.org>: Sender address rejected: not owned by user alice@example.org" \
  "order 1: mailwarden's envelope rule still fires at MAIL FROM (R-SAV-9)"
mw_assert_contains "$(send alice@example.org alice@example.org bob@example.org clean \
  'Boss <boss@example.org>')" \
  "DATA 550 5.7.1 <boss@example.org>: From address rejected: not owned by user alice@example.org" \
  "order 1: mailwarden's header rule still fires after DATA (R-SAV-9)"
mw_assert_contains "$(send alice@example.org alice@example.org bob@example.org eicar)" \
  "DATA 554 5.7.1 Virus found: EICAR-Test-File" "order 1: the antivirus still rejects EICAR"
grep -q "eom virus from=<alice@example.org>" "$av_log" || mw_fail "the antivirus log has no virus"
mw_assert_contains "$(send alice@example.org alice@example.org bob@example.org clean)" \
  "DATA 450 4.7.1 Sending blocked until " \
  "order 1: mailwarden had counted the virus message (cap 2 reached): why mailwarden goes last"

# ---- Order 2 (recommended): the antivirus first, mailwarden last.
start_postfix "$dir/postfix2" "$av" "$MILTER_SOCKET"
for n in 1 2; do
  mw_assert_contains "$(send bob@example.org bob@example.org alice@example.org eicar)" \
    "DATA 554 5.7.1 Virus found: EICAR-Test-File" "order 2: the antivirus rejects EICAR ($n)"
done
grep -q "from=bob@example.org nrcpt=1 .*verdict=accept" "$MILTER_LOG" &&
  mw_fail "order 2: mailwarden logged a virus message as accepted"
mw_pass "order 2: mailwarden was told abort, logged and counted nothing"
mw_assert_contains "$(send bob@example.org bob@example.org alice@example.org clean \
  'Boss <boss@example.org>')" \
  "DATA 550 5.7.1 <boss@example.org>: From address rejected: not owned by user bob@example.org" \
  "order 2: mailwarden's header rule fires after the antivirus passed the message"
for n in 1 2; do
  out=$(send bob@example.org bob@example.org alice@example.org clean)
  mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" \
    "order 2: bob's clean message $n of 2 (the refused ones did not count)"
done
wait_delivered "$out" "order 2 clean mail"
mw_assert_contains "$(delivered alice 'chain clean')" "X-Virus-Scanned: clean (mailwarden test-av)" \
  "order 2: clean mail is delivered with the antivirus's header"
mw_assert_contains "$(send bob@example.org bob@example.org alice@example.org clean)" \
  "DATA 450 4.7.1 Sending blocked until " "order 2: bob's 3rd clean message is over his cap"

# Local submissions go through non_smtpd_milters, the same chain.
printf 'Subject: chain local\n\nlocal body\n' |
  sendmail -C "$POSTFIX_CONFIG_DIR" -f root@example.org bob@example.org
for ((i = 0; i < 300; i++)); do
  [ -n "$(delivered bob 'chain local')" ] && break
  sleep 0.1
done
mw_assert_contains "$(delivered bob 'chain local')" "X-Virus-Scanned: clean (mailwarden test-av)" \
  "a local submission passes both milters (non_smtpd_milters) and is delivered"
grep -q "client=- auth=- from=root@example.org nrcpt=1 size=[0-9]* verdict=accept" "$MILTER_LOG" ||
  mw_fail "mailwarden did not log the local submission"
mw_pass "mailwarden logged the local submission"

n=$(grep -c " rule=R-SAV-9 " "$MILTER_LOG" || true)
mw_assert_eq "$n" 3 "mailwarden's refusals in the chain are logged with rule=R-SAV-9"
if grep -q ": error: " "$MILTER_LOG"; then cat "$MILTER_LOG" >&2; mw_fail "milter errors"; fi
mw_pass "no error lines in the milter log"
