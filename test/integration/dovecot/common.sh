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

# --- the shipped snippets (conf.d/dovecot, conf.d/postfix), with only addresses, ports,
# paths and the test directory's credentials substituted: they are tested as shipped.

# mwq_shipped_dovecot_conf OUT QS_PORT: conf.d/dovecot/90-mailwarden-quota.conf with the
# quota-status port replaced (for DOVECOT_EXTRA_CONF).
mwq_shipped_dovecot_conf() {
  local out=$1 port=$2 src="$MW_SOURCE_DIR/conf.d/dovecot/90-mailwarden-quota.conf"
  grep -q '^    port = 12340$' "$src" || mw_fail "$src: no quota-status port line to substitute"
  sed "s/^    port = 12340\$/    port = $port/" "$src" > "$out"
}

# mwq_shipped_ldap_ext NAME OUT MAIL_DIR: conf.d/dovecot/NAME pointed at slapd.sh's server
# (uris, dn, dnpass, base) with homes under MAIL_DIR instead of /var/vmail.
mwq_shipped_ldap_ext() {
  local src="$MW_SOURCE_DIR/conf.d/dovecot/$1" out=$2 mail=$3 pw
  pw=$(cat "$SLAPD_ADMIN_PW_FILE")
  sed -e "s|^uris = .*|uris = $SLAPD_URI|" -e "s|^dn = .*|dn = $SLAPD_ADMIN_DN|" \
      -e "s|^dnpass = .*|dnpass = $pw|" -e "s|^base = .*|base = $SLAPD_SUFFIX|" \
      -e "s|=home=/var/vmail/|=home=$mail/|" "$src" > "$out"
  grep -q "=home=$mail/%u" "$out" || mw_fail "$src: no home to substitute"
}

# mwq_postfix_apply_shipped QS_PORT: apply conf.d/postfix/main.cf.quota (the quota-status
# port substituted) to the running test Postfix with postconf -e, then restart it.
mwq_postfix_apply_shipped() {
  local port=$1 src="$MW_SOURCE_DIR/conf.d/postfix/main.cf.quota" line pid i
  grep -q 'inet:127.0.0.1:12340' "$src" || mw_fail "$src: no quota-status address"
  while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    postconf -c "$POSTFIX_CONFIG_DIR" -e "${line//127.0.0.1:12340/127.0.0.1:$port}" ||
      mw_fail "postconf refused: $line"
  done < "$src"
  pid=$POSTFIX_PID
  postfix -c "$POSTFIX_CONFIG_DIR" stop > /dev/null 2>&1 || true
  for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  postfix -c "$POSTFIX_CONFIG_DIR" start > /dev/null 2>&1 || mw_fail "postfix would not restart"
  mw_wait_file "$POSTFIX_DIR/spool/pid/master.pid" 30 || mw_fail "no Postfix master pid"
  for ((i = 0; i < 200; i++)); do
    POSTFIX_PID=$(tr -dc 0-9 < "$POSTFIX_DIR/spool/pid/master.pid")
    [ -n "$POSTFIX_PID" ] && [ "$POSTFIX_PID" != "$pid" ] && break
    sleep 0.05
  done
  _postfix_wait_banner "$POSTFIX_PORT" 30 || mw_fail "Postfix did not come back"
}

# mwq_lmtp_size PORT RCPT MARKER BYTES: like mwq_lmtp_deliver with a body of about BYTES.
mwq_lmtp_size() {
  local port=$1 rcpt=$2 marker=$3 bytes=$4 body
  body=$(head -c "$bytes" /dev/zero | tr '\0' 'x' | fold -w 76)
  swaks --protocol LMTP --server "127.0.0.1:$port" --timeout 20 \
    --helo mwq.test --from sender@example.net --to "$rcpt" \
    --header "Subject: $marker" --header "Message-ID: <$marker@mwq.test>" \
    --body "$body" 2>&1
}

# mwq_smtp PORT RCPT MARKER BYTES: one message through SMTP (Python's smtplib, which sends
# SIZE= when the server offers it, as real MTAs do); prints "accepted: CODE TEXT" or
# "rcpt: CODE TEXT" / "data: CODE TEXT" / "mail: CODE TEXT" for the refusing step.
mwq_smtp() {
  python3 - "$@" <<'PY'
import smtplib, sys
port, rcpt, marker, size = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
body = ("x" * 76 + "\r\n") * max(1, size // 78)
msg = (f"From: sender@example.net\r\nTo: {rcpt}\r\nSubject: {marker}\r\n"
       f"Message-ID: <{marker}@mwq.test>\r\n\r\n{body}")
c = smtplib.SMTP("127.0.0.1", port, timeout=30)
c.ehlo("client.example.net")
try:
    c.sendmail("sender@example.net", [rcpt], msg)
    code, text = c.noop()
    print("accepted: 250")
except smtplib.SMTPRecipientsRefused as e:
    code, text = list(e.recipients.values())[0]
    print(f"rcpt: {code} {text.decode(errors='replace')}")
except smtplib.SMTPSenderRefused as e:
    print(f"mail: {e.smtp_code} {e.smtp_error.decode(errors='replace')}")
except smtplib.SMTPDataError as e:
    print(f"data: {e.smtp_code} {e.smtp_error.decode(errors='replace')}")
c.quit()
PY
}

# mwq_quota_get USER: doveadm quota get for USER (Quota name, Type, Value, Limit, %).
mwq_quota_get() {
  doveadm -c "$DOVECOT_CONF" quota get -u "$1" 2>&1
}

# mwq_start_slapd: a slapd for this test with the test-only quota schema loaded
# (mwq-test-schema.ldif: the mw* quota attributes as docs/SCHEMA.md names them).
mwq_start_slapd() {
  SLAPD_EXTRA_SCHEMA="$MW_SOURCE_DIR/test/integration/dovecot/mwq-test-schema.ldif" \
    slapd_start "$(mw_mktemp_dir slapd)"
}
