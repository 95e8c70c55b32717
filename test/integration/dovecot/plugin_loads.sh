#!/usr/bin/env bash
# plugin_loads.sh: "dovecot loads the plugin". A private Dovecot with
# mail_plugins = quota mailwarden_quota delivers over LMTP and serves IMAP with the plugin
# loaded. Proves: the .so loads (ABI version, dependency, init), the mail_user hook runs in
# the lmtp and imap processes and logs one limits line per user through the user's event;
# limits come from userdb fields (which win over plugin {}) and from plugin {} settings,
# and are parsed by the C++ core (R-SAV-1: 20MB -> 20000000 bytes, 5000 messages;
# R-PSH-4 default 2 GB); stock quota keeps working (GETQUOTAROOT).
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/dovecot.sh"
source "$MW_SOURCE_DIR/test/integration/dovecot/common.sh"

so=$(mwq_plugin_so)
dir=$(mw_mktemp_dir dovecot)
cat > "$dir/extra.conf" <<'CONF'
log_debug = category=mailwarden_quota
plugin {
  mailwarden_quota_messages = 7000
}
CONF
DOVECOT_MAIL_PLUGINS="quota mailwarden_quota" DOVECOT_PLUGIN_SO=$so \
DOVECOT_EXTRA_CONF="$dir/extra.conf" \
DOVECOT_USERS="alice@example.org:secret:mailwarden_quota_storage=20MB,mailwarden_quota_messages=5000
bob@example.org:secret" \
  dovecot_start "$dir"
mw_on_exit mwq_dump_log_on_failure

out=$(mwq_lmtp_deliver "$DOVECOT_LMTP_PORT" alice@example.org mwq-loads-1) ||
  mw_fail "LMTP delivery to alice failed:"$'\n'"$out"
mw_assert_contains "$out" "<-  250 2.0.0 <alice@example.org>" "LMTP answers 250 for alice"
files=$(mwq_maildir_find alice@example.org mwq-loads-1)
mw_assert_eq "$(printf '%s\n' "$files" | sed '/^$/d' | wc -l)" 1 "the message is in alice's maildir"

out=$(mwq_lmtp_deliver "$DOVECOT_LMTP_PORT" bob@example.org mwq-loads-2) ||
  mw_fail "LMTP delivery to bob failed:"$'\n'"$out"
mw_assert_eq "$(mwq_maildir_find bob@example.org mwq-loads-2 | wc -l)" 1 \
  "the message is in bob's maildir"

log=$(cat "$DOVECOT_LOG")
grep -qE '^.* lmtp\([0-9]+\): Debug: mailwarden_quota: plugin initialized \(mailwarden [^,]+, 2\.3\.ABIv' \
  "$DOVECOT_LOG" || mw_fail "no plugin init line from an lmtp process:"$'\n'"$log"
mw_pass "the lmtp process logged the plugin's init line"
# alice: userdb fields (they override plugin {}), parsed by the core
grep -qE ' lmtp\(alice@example\.org\)<[0-9]+><[^>]+>: Debug: .*mailwarden_quota: user limits: storage=20000000 bytes, messages=5000 \(0 = unlimited\), quota enabled$' \
  "$DOVECOT_LOG" || mw_fail "no limits line for alice from lmtp:"$'\n'"$log"
mw_pass "lmtp logged alice's limits from userdb fields (20MB -> 20000000, 5000)"
# bob: no userdb fields: storage is the default (R-PSH-4 2 GB), messages from plugin {}
grep -qE ' lmtp\(bob@example\.org\)<[0-9]+><[^>]+>: Debug: .*mailwarden_quota: user limits: storage=2000000000 bytes, messages=7000 ' \
  "$DOVECOT_LOG" || mw_fail "no limits line for bob from lmtp:"$'\n'"$log"
mw_pass "lmtp logged bob's limits (default storage, messages from plugin {})"

out=$(mwq_imap "$DOVECOT_IMAP_PORT" alice@example.org secret) ||
  mw_fail "IMAP with the plugin loaded failed:"$'\n'"$out"
mw_assert_contains "$out" "login: OK" "IMAP login works with the plugin loaded"
mw_assert_contains "$out" '"User quota" (STORAGE ' "GETQUOTAROOT INBOX reports the quota root"
grep -qE ' imap\(alice@example\.org\)<[0-9]+><[^>]+>: Debug: mailwarden_quota: user limits: storage=20000000 bytes' \
  "$DOVECOT_LOG" || mw_fail "no limits line for alice from imap:"$'\n'"$(cat "$DOVECOT_LOG")"
mw_pass "the imap process logged alice's limits"

mwq_assert_log_clean "$DOVECOT_LOG" "no errors, warnings of ours or crashes in the Dovecot log"
! grep -q 'Warning: .*mailwarden_quota' "$DOVECOT_LOG" || mw_fail "unexpected plugin warning"
mwq_done
