#!/usr/bin/env bash
# plugin_requires_quota.sh: "plugin requires quota". With mail_plugins = mailwarden_quota
# alone, Dovecot refuses to load the plugin with its own clear message ("Plugin quota must
# be loaded also (you must set: mail_plugins=$mail_plugins quota)") instead of a dlopen
# "undefined symbol" (our references to the quota plugin are weak), the delivery is not
# accepted, IMAP fails the session cleanly, and nothing crashes: the master keeps running.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/dovecot.sh"
source "$MW_SOURCE_DIR/test/integration/dovecot/common.sh"

so=$(mwq_plugin_so)
dir=$(mw_mktemp_dir dovecot)
# lmtp cannot come up (it loads mail_plugins at start): wait for the others only
DOVECOT_MAIL_PLUGINS="mailwarden_quota" DOVECOT_PLUGIN_SO=$so \
DOVECOT_WAIT_FOR="imap auth" \
  dovecot_start "$dir"
mw_on_exit mwq_dump_log_on_failure

if out=$(mwq_lmtp_deliver "$DOVECOT_LMTP_PORT" alice@example.org mwq-noquota-1); then
  mw_fail "LMTP accepted a message although the plugin cannot load:"$'\n'"$out"
fi
case "$out" in *"<-  250 "*"<alice@example.org>"*) mw_fail "LMTP said 250 for alice:"$'\n'"$out" ;; esac
mw_pass "the delivery is not accepted"
mw_assert_eq "$(mwq_maildir_find alice@example.org mwq-noquota-1 | wc -l)" 0 "nothing was delivered"

out=$(mwq_imap "$DOVECOT_IMAP_PORT" alice@example.org secret || true)
case "$out" in
  *"initialization failed"*|*"error:"*) mw_pass "IMAP refuses the session: $out" ;;
  *) mw_fail "IMAP did not fail the session:"$'\n'"$out" ;;
esac

grep -qE 'lmtp\([0-9]+\): Fatal: .*lib20_mailwarden_quota_plugin\.so: Plugin quota must be loaded also' \
  "$DOVECOT_LOG" || mw_fail "lmtp did not say quota is required:"$'\n'"$(cat "$DOVECOT_LOG")"
mw_pass "lmtp logs that the quota plugin is required"
# shellcheck disable=SC2016 # a literal $mail_plugins: Dovecot's own hint
grep -qF 'Plugin quota must be loaded also (you must set: mail_plugins=$mail_plugins quota)' \
  "$DOVECOT_LOG" || mw_fail "no hint how to fix it in the log"
mw_pass "the log says how to fix it (mail_plugins=\$mail_plugins quota)"
! grep -q 'undefined symbol' "$DOVECOT_LOG" || mw_fail "a dlopen undefined-symbol error was logged"
mw_pass "no undefined-symbol error (weak references to the quota plugin)"

kill -0 "$DOVECOT_PID" 2>/dev/null || mw_fail "the Dovecot master died"
mw_pass "the master is still running"
mwq_assert_log_clean "$DOVECOT_LOG" "no crash, no other errors" \
  'Plugin quota must be loaded also'
mwq_done
