#!/usr/bin/env bash
# test_milter_activation_write.sh: R-PSH-3 with the milter's own write credential
# (ldap.write_bind_dn + ldap.write_bind_password_file, here slapd's admin and its password
# file, mode 0600 root: the milter, running as nobody, cannot read it after the privilege
# drop), through a real Postfix (Cyrus SASL) and slapd, without running the CLI:
#   7000123 (pending) -> test@example.org: 250, and its status is active in slapd at once;
#     its next message to anyone is accepted (the milter forgot its cached "pending")
#   7000124 (pending, seen by the milter), then blocked by an admin: its activation mail is
#     accepted on the milter's cached view, but the modify (delete pending, add active)
#     finds no "pending" and changes nothing: it stays blocked
#   7000125 while slapd is down (its account cached): accepted, the write fails and is
#     logged, the recorded activation waits; `mailwarden user activate-pending` applies it
#   7000126 after slapd came back: written again (the write connection reconnects with the
#     password the milter kept from before the privilege drop)
# and ldap.status_cache_ttl (reloaded to 0 with SIGHUP): alice, cached for cache_ttl 1h, is
# blocked by an admin and her next message is refused at once (R-TJP-5).
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/rules_lib.sh"

dir=$(mw_mktemp_dir activation-write)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
rules_start_ldap "$dir/slapd"
for n in 7000123 7000124 7000125 7000126; do
  slapd_ldapadd <<LDIF
dn: uid=$n,ou=people,$SLAPD_SUFFIX
objectClass: inetOrgPerson
objectClass: mailwardenAccount
uid: $n
cn: New User $n
sn: User
mail: $n@example.org
mwAccountStatus: pending
LDIF
done
[ "$(stat -c '%U %a' "$SLAPD_ADMIN_PW_FILE")" = "root 600" ] ||
  mw_fail "the write password file is not root's alone"
if runuser -u nobody -- cat "$SLAPD_ADMIN_PW_FILE" > /dev/null 2>&1; then
  mw_fail "nobody can read the write password file; the test would prove nothing"
fi
store="$dir/milter/sendcap.lmdb"
write_config() {  # STATUS_CACHE_TTL
  # ldap: lines go into rules_write_config's ldap: section. A long cache_ttl: the tests
  # below rely on the milter's cached view of an account.
  rules_write_config "$dir/milter" "  cache_ttl: 1h" "  status_cache_ttl: $1" \
    "  write_bind_dn: \"$SLAPD_ADMIN_DN\"" \
    "  write_bind_password_file: \"$SLAPD_ADMIN_PW_FILE\"" \
    "sender:" "  activation_address: \"test@example.org\"" \
    "send_cap:" "  lmdb_path: \"$store\""
}
write_config 1h
milter_start "$dir/milter"
grep -q "info: ldap: write connection as $SLAPD_ADMIN_DN open: activations are written" \
  "$MILTER_LOG" || mw_fail "the milter did not open its write connection at start"
[ "$(awk '/^Uid:/ {print $2}' "/proc/$MILTER_PID/status")" = 65534 ] ||
  mw_fail "the milter does not run as nobody"
mw_pass "write connection opened at start; the milter then runs as nobody"
users=""
for n in 7000123 7000124 7000125 7000126 alice; do
  users="$users $n@example.org:$RULES_PASSWORD"
done
POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS="example.org" POSTFIX_SASL=cyrus \
  POSTFIX_MAILBOXES="test@example.org bob@example.org" POSTFIX_MYNETWORKS="" \
  POSTFIX_SASL_USERS="$users" postfix_start "$dir/postfix"

login() {  # LOGIN RCPT
  rules_swaks --auth PLAIN --auth-user "$1" --auth-password "$RULES_PASSWORD" --from "$1" \
    --to "$2"
}
status_of() {  # UID: the status slapd holds now
  ldapsearch -x -LLL -H "$SLAPD_URI" -b "uid=$1,ou=people,$SLAPD_SUFFIX" -s base \
    mwAccountStatus | sed -n 's/^mwAccountStatus: //p'
}
set_status() {  # UID WORD: an admin's change behind the milter's back
  ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE" > /dev/null <<LDIF
dn: uid=$1,ou=people,$SLAPD_SUFFIX
changetype: modify
replace: mwAccountStatus
mwAccountStatus: $2
LDIF
}
not_activated="<** 550 5.7.1 <bob@example.org>: Recipient address rejected: account not activated"

# 1. The milter writes the activation itself.
mw_assert_contains "$(login 7000123@example.org bob@example.org)" "$not_activated" \
  "a pending account may not write to others"
mw_assert_contains "$(login 7000123@example.org test@example.org)" "250 2.0.0 Ok: queued as " \
  "its message to the activation address is accepted"
mw_assert_eq "$(status_of 7000123)" active "the status is active in slapd, without the CLI"
grep -q "info: 7000123@example.org: activation mail seen (R-PSH-3); account activated in LDAP (uid=7000123,ou=people,$SLAPD_SUFFIX)" \
  "$MILTER_LOG" || mw_fail "the milter did not log the activation it wrote"
mw_pass "the milter logged the activation it wrote, with the DN"
mw_assert_contains "$(login 7000123@example.org bob@example.org)" "250 2.0.0 Ok: queued as " \
  "its next message to anyone is accepted at once (the cached pending was forgotten)"

# 2. A concurrent change is never overwritten.
mw_assert_contains "$(login 7000124@example.org bob@example.org)" "$not_activated" \
  "7000124 is pending (and now cached by the milter)"
set_status 7000124 blocked
mw_assert_contains "$(login 7000124@example.org test@example.org)" "250 2.0.0 Ok: queued as " \
  "its activation mail is accepted on the milter's cached view"
mw_assert_eq "$(status_of 7000124)" blocked "the admin's block was not overwritten"
grep -q "warning: 7000124@example.org: activation mail seen (R-PSH-3); its status is no longer pending in LDAP, left as it is" \
  "$MILTER_LOG" || mw_fail "the refused write is not logged"
mw_pass "the refused write (status changed meanwhile) is logged"

# 3. LDAP down: the write fails, the activation waits for the CLI.
mw_assert_contains "$(login 7000125@example.org bob@example.org)" "$not_activated" \
  "7000125 is pending (and cached)"
slapd_pause "$SLAPD_DIR"
mw_assert_contains "$(login 7000125@example.org test@example.org)" "250 2.0.0 Ok: queued as " \
  "with LDAP down, the activation mail is still accepted (recorded in the counter store)"
grep -q "warning: 7000125@example.org: activation mail seen (R-PSH-3); cannot write the status (.*); left for mailwarden user activate-pending" \
  "$MILTER_LOG" || mw_fail "the failed write is not logged"
mw_pass "the failed write is logged and left for activate-pending"
slapd_resume "$SLAPD_DIR"
mw_assert_eq "$(status_of 7000125)" pending "7000125 is still pending in slapd"
cat > "$dir/cli.yaml" <<YAML
ldap:
  uri: "$SLAPD_URI"
  base_dn: "$SLAPD_SUFFIX"
  bind_dn: "$SLAPD_ADMIN_DN"
  bind_password_file: "$SLAPD_ADMIN_PW_FILE"
  timeout: 2s
send_cap:
  lmdb_path: "$store"
YAML
"$MW_BIN_DIR/mailwarden" -c "$dir/cli.yaml" user activate-pending > "$dir/cli.out" 2>&1 ||
  { cat "$dir/cli.out" >&2; mw_fail "mailwarden user activate-pending failed"; }
mw_assert_eq "$(status_of 7000125)" active "mailwarden user activate-pending applied the record"
mw_assert_eq "$(status_of 7000124)" blocked "and left the blocked account alone"

# 4. After LDAP came back, the write connection reconnects (as nobody, from the memfd).
mw_assert_contains "$(login 7000126@example.org test@example.org)" "250 2.0.0 Ok: queued as " \
  "7000126's activation mail after LDAP came back"
mw_assert_eq "$(status_of 7000126)" active "written again: the write connection reconnected"

# 5. ldap.status_cache_ttl 0 (SIGHUP): a block reaches the milter at once, cache_ttl 1h.
write_config 0s
kill -HUP "$MILTER_PID"
for ((i = 0; i < 200; i++)); do
  grep -q "reload: configuration loaded" "$MILTER_LOG" && break
  sleep 0.05
done
grep -q "reload: configuration loaded" "$MILTER_LOG" || mw_fail "the milter did not reload"
if grep -q "reload: ldap.\* (but status_cache_ttl) takes effect at the next restart" \
  "$MILTER_LOG"; then mw_fail "a status_cache_ttl change asked for a restart"; fi
mw_assert_contains "$(login alice@example.org bob@example.org)" "250 2.0.0 Ok: queued as " \
  "alice sends (her account is now cached for cache_ttl 1h)"
set_status alice blocked
mw_assert_contains "$(login alice@example.org bob@example.org)" \
  "<** 550 5.7.1 <alice@example.org>: Sender address rejected: account is blocked" \
  "the admin's block refuses her next message at once (status_cache_ttl 0)"

if grep -q ": error: " "$MILTER_LOG"; then cat "$MILTER_LOG" >&2; mw_fail "milter errors"; fi
mw_pass "no error lines in the milter log"
