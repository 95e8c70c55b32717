#!/usr/bin/env bash
# test_milter_sender_identity.sh: R-SAV-9 and R-PSH-9 through a production-like chain:
# swaks -> Postfix (SASL through Dovecot's auth service, users in slapd) -> mailwarden-milter
# (accounts from the same slapd). Each case checks Postfix's exact reply:
#   authenticated, own address / alias / granted send-as address    -> 250
#   authenticated, someone else's envelope sender                   -> 553 5.7.1 at MAIL FROM
#   authenticated, own envelope but someone else's From: / Sender: -> 550 5.7.1 after DATA
#   unauthenticated outsider with our domain in the envelope        -> 553 5.7.1 not logged in
#   unauthenticated outsider with our domain in From:               -> 550 5.7.1 not logged in
#   unauthenticated outsider with its own domain                    -> 250
#   after SIGHUP with 127.0.0.1 as a trusted relay (R-PSH-9)        -> our domain accepted
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/dovecot.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/rules_lib.sh"

dir=$(mw_mktemp_dir milter-sender)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
rules_start_ldap "$dir/slapd"
DOVECOT_USERDB=ldap DOVECOT_WAIT_FOR="auth" dovecot_start "$dir/dovecot"
rules_write_config "$dir/milter" "sender:" "  local_domains: \"example.org\""
milter_start "$dir/milter"
POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS="example.org" \
  POSTFIX_SASL="dovecot-inet:$DOVECOT_AUTH_PORT" POSTFIX_MAILBOXES="bob@example.org" \
  POSTFIX_MYNETWORKS="" postfix_start "$dir/postfix"

as_alice() {
  rules_swaks --auth PLAIN --auth-user alice@example.org --auth-password "$RULES_PASSWORD" \
    --to bob@example.org "$@"
}
accepted() {  # TRANSCRIPT WHAT
  mw_assert_contains "$1" "250 2.0.0 Ok: queued as " "$2"
}

accepted "$(as_alice --from alice@example.org)" "alice sends as her login"
accepted "$(as_alice --from a.smith@example.org --header 'From: Alice <a.smith@example.org>')" \
  "alice sends as her alias (envelope and From:)"
accepted "$(as_alice --from office@example.org --header 'From: Office <office@example.org>' \
  --header 'Sender: alice@example.org')" "alice sends as office@ (granted send-as)"

out=$(as_alice --from boss@example.org)
mw_assert_contains "$out" \
  "<** 553 5.7.1 <boss@example.org>: Sender address rejected: not owned by user alice@example.org" \
  "someone else's envelope sender: 553 5.7.1 at MAIL FROM"
out=$(as_alice --from alice@example.org --header 'From: The Boss <boss@example.org>')
mw_assert_contains "$out" \
  "<** 550 5.7.1 <boss@example.org>: From address rejected: not owned by user alice@example.org" \
  "someone else's From: 550 5.7.1 after DATA"
out=$(as_alice --from alice@example.org --header 'Sender: BOB@example.org')
mw_assert_contains "$out" \
  "<** 550 5.7.1 <BOB@example.org>: Sender address rejected: not owned by user alice@example.org" \
  "someone else's Sender: 550 5.7.1 after DATA"

out=$(rules_swaks --from ceo@example.org --to bob@example.org)
mw_assert_contains "$out" "<** 553 5.7.1 <ceo@example.org>: Sender address rejected: not logged in" \
  "outsider claiming our domain in the envelope: 553 5.7.1"
out=$(rules_swaks --from friend@elsewhere.test --to bob@example.org \
  --header 'From: CEO <ceo@example.org>')
mw_assert_contains "$out" "<** 550 5.7.1 <ceo@example.org>: From address rejected: not logged in" \
  "outsider claiming our domain in From: 550 5.7.1"
accepted "$(rules_swaks --from friend@elsewhere.test --to bob@example.org)" \
  "an outsider with its own address is accepted"

# R-PSH-9: the operator lists the organisation's relay (here: 127.0.0.1); reload.
rules_write_config "$dir/milter" "sender:" "  local_domains: \"example.org\"" \
  "  trusted_networks: \"127.0.0.1\""
kill -HUP "$MILTER_PID"
for ((i = 0; i < 100; i++)); do
  grep -q "reload: configuration loaded" "$MILTER_LOG" && break
  sleep 0.05
done
grep -q "reload: configuration loaded" "$MILTER_LOG" || mw_fail "the milter did not reload"
accepted "$(rules_swaks --from ceo@example.org --to bob@example.org \
  --header 'From: CEO <ceo@example.org>')" "a trusted relay may send for our domain (R-PSH-9)"

n=$(grep -c " rule=R-SAV-9 " "$MILTER_LOG" || true)
mw_assert_eq "$n" 5 "the milter logged rule=R-SAV-9 on each of the 5 refusals"
if grep -q ": error: " "$MILTER_LOG"; then cat "$MILTER_LOG" >&2; mw_fail "milter errors"; fi
mw_pass "no error lines in the milter log"
