#!/usr/bin/env bash
# test_milter_size_limits.sh: R-PSH-5 / R-SAV-4 / R-MYO-7 through a real Postfix. With the
# SAV-like limits outgoing 20000 bytes (authenticated) and incoming 50000 bytes (everyone
# else), and Postfix's message_size_limit above both (so the milter decides):
#   SIZE= over the limit        -> 552 5.3.4 at MAIL FROM, before any data is sent
#   no SIZE=, counted bytes over -> 552 5.3.4 after DATA
#   under the limit              -> 250; and a size that is over the outgoing limit but
#                                   under the incoming one is fine for incoming mail
# and R-SAV-9 limits.max_recipients 3: the 4th RCPT -> 452 4.5.3, the message goes to 3
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/rules_lib.sh"

dir=$(mw_mktemp_dir milter-size)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
rules_start_ldap "$dir/slapd"
rules_write_config "$dir/milter" "limits:" "  max_message_size_outgoing: 20000B" \
  "  max_message_size_incoming: 50000B" "  max_recipients: 3"
milter_start "$dir/milter"
POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS="example.org" POSTFIX_SASL=cyrus \
  POSTFIX_SASL_USERS="alice@example.org:$RULES_PASSWORD" POSTFIX_MYNETWORKS="" \
  POSTFIX_MESSAGE_SIZE_LIMIT=100000 postfix_start "$dir/postfix"

# send LOGIN|- FROM BYTES SIZE|-: one message; prints "MAIL code text" and, if MAIL was
# accepted, "DATA code text".
send() {
  python3 - "$POSTFIX_PORT" "$RULES_PASSWORD" "$@" <<'PY'
import smtplib, sys
port, password, login, sender, nbytes, size = sys.argv[1:7]
s = smtplib.SMTP("127.0.0.1", int(port), timeout=30)
s.ehlo("client.test")
if login != "-":
    s.login(login, password)
opts = [] if size == "-" else ["SIZE=" + size]
code, text = s.mail(sender, opts)
print("MAIL", code, text.decode())
if code == 250:
    s.rcpt("bob@example.org")
    body = ("x" * 76 + "\r\n") * (int(nbytes) // 78 + 1)
    msg = f"From: {sender}\r\nTo: bob@example.org\r\nSubject: size\r\n\r\n{body}"
    code, text = s.data(msg.encode())
    print("DATA", code, text.decode())
s.quit()
PY
}

out=$(send alice@example.org alice@example.org 15000 -)
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "outgoing 15000 bytes: accepted"
out=$(send alice@example.org alice@example.org 30000 30000)
mw_assert_contains "$out" "MAIL 552 5.3.4 Message size exceeds fixed limit" \
  "outgoing SIZE=30000 > 20000: 552 5.3.4 at MAIL FROM"
out=$(send alice@example.org alice@example.org 30000 -)
mw_assert_contains "$out" "MAIL 250" "outgoing without SIZE=: MAIL FROM accepted"
mw_assert_contains "$out" "DATA 552 5.3.4 Message size exceeds fixed limit" \
  "outgoing 30000 counted bytes > 20000: 552 5.3.4 after DATA"

out=$(send - friend@elsewhere.test 30000 30000)
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" \
  "incoming 30000 bytes (over the outgoing limit, under the incoming one): accepted"
out=$(send - friend@elsewhere.test 55000 55000)
mw_assert_contains "$out" "MAIL 552 5.3.4 Message size exceeds fixed limit" \
  "incoming SIZE=55000 > 50000: 552 5.3.4 at MAIL FROM"
out=$(send - friend@elsewhere.test 55000 -)
mw_assert_contains "$out" "DATA 552 5.3.4 Message size exceeds fixed limit" \
  "incoming 55000 counted bytes > 50000: 552 5.3.4 after DATA"

out=$(python3 - "$POSTFIX_PORT" "$RULES_PASSWORD" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
s.login("alice@example.org", sys.argv[2])
s.mail("alice@example.org")
for i in range(1, 5):
    code, text = s.rcpt(f"r{i}@example.org")
    print("RCPT", i, code, text.decode())
code, text = s.data(b"Subject: many\r\n\r\nhello\r\n")
print("DATA", code, text.decode())
s.quit()
PY
)
mw_assert_contains "$out" "RCPT 3 250" "the 3rd recipient is accepted"
mw_assert_contains "$out" "RCPT 4 452 4.5.3 Error: too many recipients" \
  "the 4th recipient gets 452 4.5.3 (R-SAV-9 max_recipients)"
mw_assert_contains "$out" "DATA 250 2.0.0 Ok: queued as" "the message goes to the first 3"

n=$(grep -c " rule=R-SAV-4 reply=\"552 5.3.4 " "$MILTER_LOG" || true)
mw_assert_eq "$n" 4 "the milter logged rule=R-SAV-4 on each of the 4 refusals"
if grep -q ": error: " "$MILTER_LOG"; then cat "$MILTER_LOG" >&2; mw_fail "milter errors"; fi
mw_pass "no error lines in the milter log"
