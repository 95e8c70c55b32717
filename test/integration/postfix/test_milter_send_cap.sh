#!/usr/bin/env bash
# test_milter_send_cap.sh: R-PSH-6 through a real Postfix with a small cap (3 a day, 1 for
# bob by his LDAP override mwDailySendLimit), LMDB store:
#   sends 1..3 -> 250; the 4th -> 450 4.7.1 "Sending blocked until <UTC>" after DATA; during
#   the block every submission -> 450 4.7.1 at MAIL FROM; receiving still works;
#   the milter killed with kill -9 and started again -> the block still holds (LMDB);
#   started with the test clock 25 h ahead (milter.allow_test_clock) -> the block has lifted.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/rules_lib.sh"

dir=$(mw_mktemp_dir milter-sendcap)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
rules_start_ldap "$dir/slapd"
ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE" > /dev/null <<LDIF
dn: uid=bob,ou=people,$SLAPD_SUFFIX
changetype: modify
add: mwDailySendLimit
mwDailySendLimit: 1
LDIF
rules_write_config "$dir/milter" "  allow_test_clock: true" \
  "send_cap:" "  daily_limit: 3" "  block_duration: 1d" "  lmdb_path: \"$dir/milter/sendcap.lmdb\""
# allow_test_clock belongs to the milter: section milter_write_config opened; move it there.
sed -i '/^  allow_test_clock: true$/d' "$dir/milter/milter.yaml"
sed -i 's/^  user: nobody$/  user: nobody\n  allow_test_clock: true/' "$dir/milter/milter.yaml"
milter_start "$dir/milter"
POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS="example.org" POSTFIX_SASL=cyrus \
  POSTFIX_MAILBOXES="alice@example.org bob@example.org" POSTFIX_MYNETWORKS="" \
  POSTFIX_SASL_USERS="alice@example.org:$RULES_PASSWORD bob@example.org:$RULES_PASSWORD" \
  postfix_start "$dir/postfix"

send_as() {  # LOGIN [N]
  rules_swaks --auth PLAIN --auth-user "$1" --auth-password "$RULES_PASSWORD" --from "$1" \
    --to bob@example.org --header "Subject: cap ${2:-}"
}

for n in 1 2 3; do
  mw_assert_contains "$(send_as alice@example.org "$n")" "250 2.0.0 Ok: queued as " \
    "alice's message $n of 3 is accepted"
done
out=$(send_as alice@example.org 4)
mw_assert_contains "$out" "<** 450 4.7.1 Sending blocked until " "the 4th message is refused (450 4.7.1)"
mw_assert_contains "$out" " UTC: more than 3 messages sent in the last 24 hours" \
  "the refusal says until when, in UTC"
until=$(sed -n 's/.*Sending blocked until \([0-9-]* [0-9:]*\) UTC.*/\1/p' <<< "$out" | head -n 1)
expect=$(date -u -d '+1 day' '+%Y-%m-%d %H')
case "$until" in "$expect"*) mw_pass "the block ends 24 h from now ($until UTC)" ;;
  *) mw_fail "block end '$until' is not 24 h from now ($expect)" ;; esac
out=$(send_as alice@example.org 5)
mw_assert_contains "$(grep -A1 -- '-> MAIL FROM:' <<< "$out")" \
  "<** 450 4.7.1 Sending blocked until $until UTC" \
  "during the block the next submission is refused at MAIL FROM"
grep -q "warning: alice@example.org: send cap reached (3/3), blocked until $until UTC" \
  "$MILTER_LOG" || mw_fail "no 'send cap reached' line in the milter log"
mw_pass "the milter logged the block with the account and its end"

mw_assert_contains "$(rules_swaks --from friend@elsewhere.test --to alice@example.org)" \
  "250 2.0.0 Ok: queued as " "alice still receives during the block"

mw_assert_contains "$(send_as bob@example.org 1)" "250 2.0.0 Ok: queued as " "bob's first message"
mw_assert_contains "$(send_as bob@example.org 2)" "<** 450 4.7.1 Sending blocked until " \
  "bob's LDAP override (mwDailySendLimit: 1) refuses his second"

# kill -9: nothing in memory matters, the LMDB file holds the block.
kill -9 "$MILTER_PID"
wait "$MILTER_PID" 2>/dev/null || true
milter_start "$dir/milter"
mw_assert_contains "$(send_as alice@example.org 6)" "<** 450 4.7.1 Sending blocked until $until UTC" \
  "after kill -9 and a restart the block still holds"

# 25 hours later (test clock): the block has lifted by itself.
milter_stop
MAILWARDEN_TEST_CLOCK_OFFSET=90000 milter_start "$dir/milter"
grep -q "TEST CLOCK: time is shifted by 90000 s" "$MILTER_LOG" || mw_fail "test clock not in use"
mw_assert_contains "$(send_as alice@example.org 7)" "250 2.0.0 Ok: queued as " \
  "25 h later the block has lifted and alice sends again"
n=$(grep -c " rule=R-PSH-6 " "$MILTER_LOG" || true)
mw_assert_eq "$n" 0 "after the lift nothing more was refused (fresh log of the last start)"
