#!/usr/bin/env bash
# test_milter_classes.sh: limits per account class and per domain (issue 4) through a real
# Postfix (Cyrus SASL) with the accounts in slapd. classes.attribute employeeType: alice is
# "staff", bob is "student". Global: 50000 bytes both ways, 5 messages a day.
#   class student: outgoing 10000 bytes, 2 a day  -> bob: 20000 bytes 552 5.3.4 (after DATA
#                                                    and, with SIZE=, at MAIL FROM); his 3rd
#                                                    message 450 4.7.1 (blocked)
#   class staff: 4 a day (size global)             -> alice: 20000 bytes 250; her 5th
#                                                    message 450 4.7.1, not the global 5th+1
#   domain other.test: incoming 10000 bytes        -> an outsider's 20000 bytes to it: 552
#                                                    5.3.4 at RCPT (SIZE=) / after DATA; the
#                                                    same to example.org: 250
#   `mailwarden sendcap show` reports the class caps (4, 2) the milter enforced
#   a reload that drops the student class           -> carol (student, 20000 bytes refused
#                                                    before) sends them
# Rules: R-PSH-5, R-SAV-4, R-MYO-7 (sizes per class and domain), R-PSH-6 (cap per class).
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/rules_lib.sh"

dir=$(mw_mktemp_dir milter-classes)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
rules_start_ldap "$dir/slapd"
ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE" > /dev/null <<LDIF
dn: uid=alice,ou=people,$SLAPD_SUFFIX
changetype: modify
add: employeeType
employeeType: staff

dn: uid=bob,ou=people,$SLAPD_SUFFIX
changetype: modify
add: employeeType
employeeType: Student
LDIF
slapd_ldapadd <<LDIF
dn: uid=carol,ou=people,$SLAPD_SUFFIX
objectClass: inetOrgPerson
objectClass: mailwardenAccount
uid: carol
cn: Carol Student
sn: Student
mail: carol@example.org
mwAccountStatus: active
employeeType: student
LDIF

write_config() {  # STUDENT_CLASS(yes|no)
  local student=()
  [ "$1" = yes ] && student=("  student:" "    max_message_size_outgoing: 10000B" \
    "    daily_limit: 2")
  rules_write_config "$dir/milter" \
    "limits:" "  max_message_size_outgoing: 50000B" "  max_message_size_incoming: 50000B" \
    "send_cap:" "  daily_limit: 5" "  lmdb_path: \"$dir/milter/sendcap.lmdb\"" \
    "classes:" "  attribute: employeeType" \
    "class_limits:" "${student[@]}" "  staff:" "    daily_limit: 4" \
    "domain_limits:" "  other.test:" "    max_message_size_incoming: 10000B"
}
write_config yes
"$MILTER_BIN" --check-config -c "$dir/milter/milter.yaml" > "$dir/effective.yaml" ||
  mw_fail "the test config does not load"
grep -q '^  "student":$' "$dir/effective.yaml" || mw_fail "--check-config does not show the class"
mw_pass "--check-config prints class_limits and domain_limits"
milter_start "$dir/milter"
POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS="example.org other.test" POSTFIX_SASL=cyrus \
  POSTFIX_MAILBOXES="alice@example.org bob@example.org" POSTFIX_MYNETWORKS="" \
  POSTFIX_SASL_USERS="alice@example.org:$RULES_PASSWORD bob@example.org:$RULES_PASSWORD
    carol@example.org:$RULES_PASSWORD" \
  POSTFIX_MESSAGE_SIZE_LIMIT=100000 postfix_start "$dir/postfix"

# send LOGIN|- FROM RCPT BYTES SIZE|-: one message; prints "MAIL code text", then
# "RCPT code text" and "DATA code text" for the steps that were reached.
send() {
  python3 - "$POSTFIX_PORT" "$RULES_PASSWORD" "$@" <<'PY'
import smtplib, sys
port, password, login, sender, rcpt, nbytes, size = sys.argv[1:8]
s = smtplib.SMTP("127.0.0.1", int(port), timeout=30)
s.ehlo("client.test")
if login != "-":
    s.login(login, password)
code, text = s.mail(sender, [] if size == "-" else ["SIZE=" + size])
print("MAIL", code, text.decode())
if code == 250:
    code, text = s.rcpt(rcpt)
    print("RCPT", code, text.decode())
if code == 250:
    body = ("x" * 76 + "\r\n") * (int(nbytes) // 78 + 1)
    msg = f"From: {sender}\r\nTo: {rcpt}\r\nSubject: classes\r\n\r\n{body}"
    code, text = s.data(msg.encode())
    print("DATA", code, text.decode())
s.quit()
PY
}
as() {  # LOGIN BYTES [SIZE]
  send "$1" "$1" friend@elsewhere.test "$2" "${3:--}"
}

# Sizes: the class sets bob's outgoing limit; alice (staff) keeps the global 50000.
mw_assert_contains "$(as alice@example.org 20000)" "DATA 250 2.0.0 Ok: queued as" \
  "staff (no size of its own): 20000 bytes out accepted (global 50000)"
mw_assert_contains "$(as bob@example.org 20000)" "DATA 552 5.3.4 Message size exceeds fixed limit" \
  "student: 20000 bytes out refused after DATA (class limit 10000)"
mw_assert_contains "$(as bob@example.org 20000 20000)" \
  "MAIL 552 5.3.4 Message size exceeds fixed limit" \
  "student: SIZE=20000 refused at MAIL FROM"

# Daily caps: student 2, staff 4 (global 5). Refused messages did not count.
mw_assert_contains "$(as bob@example.org 3000)" "DATA 250 2.0.0 Ok: queued as" "bob's 1st"
mw_assert_contains "$(as bob@example.org 3000)" "DATA 250 2.0.0 Ok: queued as" "bob's 2nd"
mw_assert_contains "$(as bob@example.org 3000)" "DATA 450 4.7.1 Sending blocked until " \
  "student: the 3rd message of the day is refused and blocks (class cap 2)"
for n in 2 3 4; do
  mw_assert_contains "$(as alice@example.org 3000)" "DATA 250 2.0.0 Ok: queued as" \
    "alice's message $n of 4"
done
out=$(as alice@example.org 3000)
mw_assert_contains "$out" "DATA 450 4.7.1 Sending blocked until " \
  "staff: the 5th message is refused (class cap 4, not the global 5)"
mw_assert_contains "$out" "more than 4 messages sent in the last 24 hours" \
  "the refusal names the class's cap"
# The admin sees the same caps the milter enforces (one resolution, config::limit_policy_of).
mwcli() { "$MW_BIN_DIR/mailwarden" -c "$dir/milter/milter.yaml" --json sendcap show "$1"; }
mw_assert_contains "$(mwcli alice@example.org)" '"limit":["4"],"limit_source":["class staff"]' \
  "R-PSH-6: sendcap show gives alice's class cap"
mw_assert_contains "$(mwcli bob@example.org)" '"limit":["2"],"limit_source":["class student"]' \
  "R-PSH-6: sendcap show gives bob's class cap"

# Incoming, per recipient domain: other.test takes 10000 bytes, example.org 50000.
mw_assert_contains "$(send - friend@elsewhere.test someone@other.test 20000 20000)" \
  "RCPT 552 5.3.4 Message size exceeds fixed limit" \
  "other.test: SIZE=20000 refused for its recipient at RCPT"
mw_assert_contains "$(send - friend@elsewhere.test someone@other.test 20000 -)" \
  "DATA 552 5.3.4 Message size exceeds fixed limit" \
  "other.test: 20000 counted bytes refused after DATA"
mw_assert_contains "$(send - friend@elsewhere.test bob@example.org 20000 20000)" \
  "DATA 250 2.0.0 Ok: queued as" "example.org (global 50000): the same 20000 bytes accepted"
mw_assert_contains "$(send - friend@elsewhere.test someone@other.test 5000 5000)" \
  "DATA 250 2.0.0 Ok: queued as" "other.test: 5000 bytes accepted"

grep -q "debug: bob@example.org: limits of class student / domain -: out 10000 B" "$MILTER_LOG" ||
  mw_fail "no debug line naming bob's class"
n=$(grep -c " rule=R-SAV-4 reply=\"552 5.3.4 " "$MILTER_LOG" || true)
mw_assert_eq "$n" 4 "the 3 messages and 1 recipient refused by size are logged with rule=R-SAV-4"
grep -q "rcpt=someone@other.test verdict=reject rule=R-SAV-4 " "$MILTER_LOG" ||
  mw_fail "the refused recipient is not logged with rule=R-SAV-4"
n=$(grep -c " rule=R-PSH-6 " "$MILTER_LOG" || true)
mw_assert_eq "$n" 2 "two cap refusals are logged with rule=R-PSH-6"

# SIGHUP without the student class: carol's 20000 bytes, refused before, now pass.
mw_assert_contains "$(as carol@example.org 20000)" \
  "DATA 552 5.3.4 Message size exceeds fixed limit" "carol (student): 20000 bytes refused"
write_config no
kill -HUP "$MILTER_PID"
for ((i = 0; i < 200; i++)); do
  grep -q "reload: configuration loaded" "$MILTER_LOG" && break
  sleep 0.05
done
grep -q "reload: configuration loaded" "$MILTER_LOG" || mw_fail "the milter did not reload"
mw_assert_contains "$(as carol@example.org 20000)" "DATA 250 2.0.0 Ok: queued as" \
  "after a reload without the student class carol's 20000 bytes are accepted"
if grep -q ": error: " "$MILTER_LOG"; then cat "$MILTER_LOG" >&2; mw_fail "milter errors"; fi
mw_pass "no error lines in the milter log"
