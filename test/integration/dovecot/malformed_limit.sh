#!/usr/bin/env bash
# malformed_limit.sh: "malformed limit". Hostile userdb values (garbage, a negative count,
# an overlong number) are logged as warnings on the user's event with the reason, the
# default is used (R-PSH-4 2 GB storage; messages 0 = unlimited), and the delivery still
# works: a typo in one directory entry never stops that user's mail nor crashes lmtp.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/dovecot.sh"
source "$MW_SOURCE_DIR/test/integration/dovecot/common.sh"

so=$(mwq_plugin_so)
dir=$(mw_mktemp_dir dovecot)
echo 'log_debug = category=mailwarden_quota' > "$dir/extra.conf"
long=$(printf '9%.0s' $(seq 100))
DOVECOT_MAIL_PLUGINS="quota mailwarden_quota" DOVECOT_PLUGIN_SO=$so \
DOVECOT_EXTRA_CONF="$dir/extra.conf" \
DOVECOT_USERS="alice@example.org:secret:mailwarden_quota_storage=garbage,mailwarden_quota_messages=-5
carol@example.org:secret:mailwarden_quota_storage=20M,mailwarden_quota_messages=$long" \
  dovecot_start "$dir"
mw_on_exit mwq_dump_log_on_failure

for user in alice carol; do
  out=$(mwq_lmtp_deliver "$DOVECOT_LMTP_PORT" "$user@example.org" "mwq-bad-$user") ||
    mw_fail "LMTP delivery to $user failed:"$'\n'"$out"
  mw_assert_contains "$out" "<-  250 2.0.0 <$user@example.org>" "LMTP answers 250 for $user"
  mw_assert_eq "$(mwq_maildir_find "$user@example.org" "mwq-bad-$user" | wc -l)" 1 \
    "the message is in $user's maildir"
done

expect_log() {  # REGEX WHAT
  grep -qE -- "$1" "$DOVECOT_LOG" || mw_fail "$2: no line matching $1 in:"$'\n'"$(cat "$DOVECOT_LOG")"
  mw_pass "$2"
}
expect_log ' lmtp\(alice@example\.org\)<[0-9]+><[^>]+>: Warning: .*mailwarden_quota: Invalid mailwarden_quota_storage: .*"garbage".*; using the default 2000000000 \(0 = unlimited\)' \
  "garbage storage is a warning naming the value, and the default is used"
expect_log ' lmtp\(alice@example\.org\)<[0-9]+><[^>]+>: Warning: .*mailwarden_quota: Invalid mailwarden_quota_messages: .*negative.*; using the default 0 ' \
  "a negative message count is a warning"
expect_log ' lmtp\(alice@example\.org\)<[0-9]+><[^>]+>: Debug: .*mailwarden_quota: user limits: storage=2000000000 bytes, messages=0 ' \
  "alice runs with the default limits"
expect_log ' lmtp\(carol@example\.org\)<[0-9]+><[^>]+>: Warning: .*mailwarden_quota: Invalid mailwarden_quota_storage: .*ambiguous' \
  "20M is refused as ambiguous (MB or MiB)"
expect_log ' lmtp\(carol@example\.org\)<[0-9]+><[^>]+>: Warning: .*mailwarden_quota: Invalid mailwarden_quota_messages: value of 100 bytes is too long' \
  "an overlong value is refused, not cut"
! grep -qF -- "$long" "$DOVECOT_LOG" || mw_fail "the overlong value was copied into the log"
mw_pass "the overlong value is not copied into the log"

mwq_assert_log_clean "$DOVECOT_LOG" "no errors or crashes in the Dovecot log"
mwq_done
