# test/integration/dovecot/common.sh: what the Dovecot plugin tests share. Source it after
# test/servers/dovecot.sh; needs MW_LIB_DIR (set by mailwarden_add_integration_test).
# shellcheck shell=bash

# The module under test: built by the mailwarden_quota_plugin target.
mwq_plugin_so() {
  local so="${MW_LIB_DIR:?MW_LIB_DIR is not set (run through ctest)}/lib20_mailwarden_quota_plugin.so"
  [ -f "$so" ] || mw_fail "no $so: build the mailwarden_quota_plugin target first"
  printf '%s\n' "$so"
}

# mwq_lmtp_deliver PORT RCPT MARKER: one message over LMTP with swaks; prints swaks'
# transcript and returns swaks' exit status (0 only when the message was accepted).
# MARKER goes into Subject and Message-ID, to find the delivered file.
mwq_lmtp_deliver() {
  local port=$1 rcpt=$2 marker=$3
  swaks --protocol LMTP --server "127.0.0.1:$port" --timeout 20 \
    --helo mwq.test --from sender@example.net --to "$rcpt" \
    --header "Subject: $marker" --header "Message-ID: <$marker@mwq.test>" \
    --body "test message $marker" 2>&1
}

# mwq_maildir_find USER MARKER: the delivered files in USER's INBOX carrying MARKER.
mwq_maildir_find() {
  local new="$DOVECOT_MAIL_DIR/$1/Maildir/new"
  [ -d "$new" ] || return 0
  grep -l -r -F -- "Message-ID: <$2@mwq.test>" "$new" || true
}

# mwq_imap PORT USER PASSWORD: log in over IMAP, ask GETQUOTAROOT INBOX, print the
# responses ("login: ...", "getquotaroot: ...") or "error: ...", exit 0 only if all worked.
mwq_imap() {
  python3 - "$@" <<'PY'
import imaplib, sys
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
try:
    c = imaplib.IMAP4("127.0.0.1", port, timeout=20)
    typ, data = c.login(user, password)
    print("login:", typ, data)
    typ, data = c.getquotaroot("INBOX")
    print("getquotaroot:", typ, data)
    c.logout()
    sys.exit(0 if typ == "OK" else 1)
except Exception as e:
    print("error:", type(e).__name__, e)
    sys.exit(1)
PY
}

# mwq_assert_log_clean LOG WHAT: no Dovecot process crashed or logged an error we did not
# expect (style rule 33). Extra arguments are grep -E patterns of expected error lines.
mwq_assert_log_clean() {
  local log=$1 what=$2 bad
  shift 2
  bad=$(grep -E 'Panic:|Fatal:|Error:|killed with signal|core dumped|segfault' "$log" || true)
  local pattern
  for pattern in "$@"; do
    bad=$(printf '%s\n' "$bad" | grep -v -E -- "$pattern" || true)
  done
  bad=$(printf '%s\n' "$bad" | sed '/^$/d')
  [ -z "$bad" ] || mw_fail "$what: unexpected lines in the Dovecot log:"$'\n'"$bad"
  mw_pass "$what"
}

# mwq_dump_log_on_failure: registered with mw_on_exit after dovecot_start (hooks run last
# in, first out, so before the stop removes the log); shows the Dovecot log unless the
# test reached mwq_done.
mwq_dump_log_on_failure() {
  if [ -z "${_mwq_done:-}" ] && [ -f "${DOVECOT_LOG:-}" ]; then
    echo "--- last lines of $DOVECOT_LOG" >&2
    tail -n 60 "$DOVECOT_LOG" >&2
  fi
}

# mwq_done: the test's last line.
mwq_done() { _mwq_done=1; }
