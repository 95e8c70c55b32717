#!/usr/bin/env bash
# test_milter_ldap_down.sh: LDAP stopped mid-run. A real Postfix (Cyrus SASL, so logins
# work without LDAP) sends authenticated mail through mailwarden-milter, which looks the
# login up in a real slapd. With slapd paused, a login that is not cached gets
# 451 4.3.0 at MAIL FROM and nothing is queued (milter.on_dependency_failure; DESIGN "three
# outcomes": never accepted unchecked); with slapd resumed, the client's retry is accepted
# and delivered, with no milter restart (the LDAP connection is reopened).
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/rules_lib.sh"

dir=$(mw_mktemp_dir milter-ldap-down)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
rules_start_ldap "$dir/slapd"
rules_write_config "$dir/milter"
milter_start "$dir/milter"
POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS="example.org" POSTFIX_SASL=cyrus \
  POSTFIX_MAILBOXES="alice@example.org bob@example.org" \
  POSTFIX_SASL_USERS="alice@example.org:$RULES_PASSWORD bob@example.org:$RULES_PASSWORD" \
  POSTFIX_MYNETWORKS="" postfix_start "$dir/postfix"

send_as() {  # LOGIN: one authenticated message from LOGIN to alice
  rules_swaks --auth PLAIN --auth-user "$1" --auth-password "$RULES_PASSWORD" --from "$1" \
    --to alice@example.org --header "Subject: ldap down test" --body "from $1"
}

out=$(send_as alice@example.org)
mw_assert_contains "$out" "250 2.0.0 Ok: queued as " "LDAP up: alice's message is accepted"

slapd_pause "$SLAPD_DIR"
mw_pass "slapd paused (LDAP down)"
out=$(send_as bob@example.org)
mw_assert_contains "$out" "<** 451 4.3.0 Temporary lookup failure: account directory unavailable" \
  "LDAP down: MAIL FROM answered 451 4.3.0"
case "$out" in *"queued as"*) mw_fail "a message was queued while LDAP was down" ;; esac
mw_pass "nothing queued while LDAP was down"
grep -q "warning: bob@example.org: account lookup failed: " "$MILTER_LOG" ||
  mw_fail "the milter did not log the failed lookup"
grep -q " from=bob@example.org nrcpt=0 size=2 verdict=tempfail reply=\"451 4.3.0 " \
  "$MILTER_LOG" || mw_fail "no audit line for the tempfailed message"
mw_pass "the milter logged the failure and an audit line (verdict=tempfail)"

slapd_resume "$SLAPD_DIR"
mw_pass "slapd resumed"
out=$(send_as bob@example.org)
mw_assert_contains "$out" "250 2.0.0 Ok: queued as " "LDAP back: the retry is accepted"
qid=$(rules_queue_id "$out")
postfix_wait_delivered "$POSTFIX_DIR" "$qid" 30 > /dev/null || mw_fail "$qid not delivered"
grep -rqs "from bob@example.org" "$POSTFIX_DIR/mail/example.org/alice/new" ||
  mw_fail "bob's retried message is not in alice's maildir"
mw_pass "the retried message was delivered"
kill -0 "$MILTER_PID" || mw_fail "the milter died"
if grep -q ": error: " "$MILTER_LOG"; then cat "$MILTER_LOG" >&2; mw_fail "milter errors"; fi
mw_pass "no error lines in the milter log"
