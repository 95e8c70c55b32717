#!/usr/bin/env bash
# demo_runs.sh: the README promises that scripts/demo runs mailwarden on a self-contained
# local mail host and that `scripts/demo stop` stops it. Run it (without its setup and
# build steps, which CI has done) against this build, check that the message went through
# the milter into the mailbox, then stop it and check nothing is left running.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/lib.sh"

demo_dir=$(mw_mktemp_dir demo)
export MAILWARDEN_DEMO_DIR=$demo_dir MAILWARDEN_BUILD_DIR=$MW_BUILD_DIR
mw_on_exit "bash '$MW_SOURCE_DIR/scripts/demo' stop >/dev/null 2>&1 || true"

out=$(bash "$MW_SOURCE_DIR/scripts/demo" --no-setup 2>&1) || { echo "$out"; mw_fail "scripts/demo failed"; }
echo "$out"
mw_assert_contains "$out" "verdict=accept" "the milter logged the message"
mw_assert_contains "$out" "status=sent" "Postfix delivered it"
mw_assert_contains "$out" " Saved)" "Dovecot LMTP saved it"
mailbox=$(printf '%s\n' "$out" | sed -n 's/^  mailbox: //p')
[ -n "$mailbox" ] && [ -f "$mailbox" ] || mw_fail "no mailbox file: '$mailbox'"
grep -q "Subject: hello from the mailwarden demo" "$mailbox" || mw_fail "wrong message in $mailbox"
mw_pass "the message is in the mailbox: $mailbox"
grep -q "mailwarden_quota" "$demo_dir/dovecot/dovecot.conf" || mw_fail "plugin not configured"
mw_pass "Dovecot runs with mailwarden_quota"

pids=$(cat "$demo_dir/milter/pid" "$demo_dir/slapd/slapd.pid" 2>/dev/null | tr -dc '0-9\n')
bash "$MW_SOURCE_DIR/scripts/demo" stop
for pid in $pids; do
  ! kill -0 "$pid" 2>/dev/null || mw_fail "pid $pid still runs after scripts/demo stop"
done
[ ! -e "$demo_dir" ] || mw_fail "$demo_dir still exists after stop"
mw_pass "scripts/demo stop stopped every server and removed its state"
