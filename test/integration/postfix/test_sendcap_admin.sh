#!/usr/bin/env bash
# test_sendcap_admin.sh: R-PSH-6 administration through the real milter, Postfix and
# slapd (LMDB store): alice is blocked by a cap of 2, then
#   `mailwarden sendcap show` reports count, limit, nothing remaining and the block end;
#   bob's LDAP override (mwDailySendLimit: 5) is the limit shown for him, reached by alias too;
#   `mailwarden sendcap blocked` lists alice (and not bob) with the block end;
#   `mailwarden --check sendcap reset` changes nothing (alice still refused);
#   `mailwarden sendcap reset` lifts the block; her next message is accepted; a second
#   reset reports no change; with LDAP stopped `show` still answers with the default;
#   a missing store file -> exit 69.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/rules_lib.sh"

dir=$(mw_mktemp_dir sendcap-admin)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
rules_start_ldap "$dir/slapd"
ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE" > /dev/null <<LDIF
dn: uid=bob,ou=people,$SLAPD_SUFFIX
changetype: modify
add: mwDailySendLimit
mwDailySendLimit: 5
LDIF
store="$dir/milter/sendcap.lmdb"
rules_write_config "$dir/milter" \
  "send_cap:" "  daily_limit: 2" "  block_duration: 1d" "  lmdb_path: \"$store\""
milter_start "$dir/milter"
POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS="example.org" POSTFIX_SASL=cyrus \
  POSTFIX_MAILBOXES="alice@example.org bob@example.org" POSTFIX_MYNETWORKS="" \
  POSTFIX_SASL_USERS="alice@example.org:$RULES_PASSWORD bob@example.org:$RULES_PASSWORD" \
  postfix_start "$dir/postfix"
# The CLI's configuration: the same directory and store as the milter.
cat > "$dir/cli.yaml" <<YAML
ldap:
  uri: "$SLAPD_URI"
  base_dn: "$SLAPD_SUFFIX"
  bind_dn: "$SLAPD_ADMIN_DN"
  bind_password_file: "$SLAPD_ADMIN_PW_FILE"
  timeout: 2s
send_cap:
  daily_limit: 2
  block_duration: 1d
  lmdb_path: "$store"
YAML
mw() { "$MW_BIN_DIR/mailwarden" -c "$dir/cli.yaml" "$@"; }

send_as() {  # LOGIN N
  rules_swaks --auth PLAIN --auth-user "$1" --auth-password "$RULES_PASSWORD" --from "$1" \
    --to bob@example.org --header "Subject: cap $2"
}

for n in 1 2; do
  mw_assert_contains "$(send_as alice@example.org "$n")" "250 2.0.0 Ok: queued as " \
    "R-PSH-6: alice's message $n of 2 is accepted"
done
mw_assert_contains "$(send_as alice@example.org 3)" "<** 450 4.7.1 Sending blocked until " \
  "R-PSH-6: the 3rd message is refused and starts the block"
mw_assert_contains "$(send_as bob@example.org 1)" "250 2.0.0 Ok: queued as " "bob sends one"

out=$(mw --json sendcap show Alice@Example.ORG)
until=$(date -u -d '+1 day' '+%Y-%m-%d %H')
mw_assert_contains "$out" '"address":["alice@example.org"]' "R-PSH-6: show normalises the key as the milter does"
mw_assert_contains "$out" '"count":["2"]' "R-PSH-6: show counts alice's 2 sends"
mw_assert_contains "$out" '"limit":["2"],"limit_source":["default"]' "R-PSH-6: show gives the default limit"
mw_assert_contains "$out" '"remaining":["0"]' "R-PSH-6: show: nothing remains while blocked"
mw_assert_contains "$out" "\"blocked_until\":[\"$until" "R-PSH-6: show gives the block end (UTC, 24 h on)"
mw_assert_contains "$out" "\"dn\":\"uid=alice,ou=people,$SLAPD_SUFFIX\"" "R-PSH-6: show names the account"

out=$(mw --json sendcap show bob@example.org)
mw_assert_contains "$out" '"limit":["5"],"limit_source":["ldap"]' "R-PSH-6: bob's LDAP override is the limit shown"
mw_assert_contains "$out" '"remaining":["4"]' "R-PSH-6: bob has 4 of 5 left"
mw_assert_contains "$out" '"blocked_until":["not blocked"]' "R-PSH-6: bob is not blocked"
mw_assert_contains "$(mw --json sendcap show a.smith@example.org)" '"address":["alice@example.org"]' \
  "R-PSH-6: an alias shows its account's counts"

out=$(mw --json sendcap blocked)
mw_assert_contains "$out" "\"dn\":\"alice@example.org\",\"action\":\"show\"" "R-PSH-6: blocked lists alice"
mw_assert_contains "$out" "\"blocked_until\":[\"$until" "R-PSH-6: blocked gives her block end"
case "$out" in *bob@*) mw_fail "bob is listed as blocked: $out" ;; esac
mw_pass "R-PSH-6: blocked does not list bob"

out=$(mw --json --check sendcap reset alice@example.org)
mw_assert_contains "$out" '"changed":true,"check":true' "R-PSH-6: --check reset reports the change"
mw_assert_contains "$(send_as alice@example.org 4)" "<** 450 4.7.1 Sending blocked until " \
  "R-PSH-6: after --check reset alice is still blocked"

out=$(mw sendcap reset alice@example.org)
mw_assert_contains "$out" "reset: uid=alice,ou=people,$SLAPD_SUFFIX" "R-PSH-6: reset lifts the block"
mw_assert_contains "$(send_as alice@example.org 5)" "250 2.0.0 Ok: queued as " \
  "R-PSH-6: after reset alice's next message is accepted"
mw_assert_contains "$(mw --json sendcap show alice@example.org)" '"count":["1"]' \
  "R-PSH-6: after reset the count starts again"
mw_assert_contains "$(mw --json sendcap blocked)" '"entries":[]' "R-PSH-6: nobody is blocked now"

# Lifting a block must not depend on LDAP: with slapd stopped show gives the default.
slapd_pause "$dir/slapd"
out=$(mw --json sendcap show bob@example.org)
mw_assert_contains "$out" '"limit":["2"],"limit_source":["default"]' \
  "R-PSH-6: without the directory show falls back to the default limit"
mw_assert_contains "$out" "directory not reachable" "R-PSH-6: and says so in a note"

rc=0
sed "s|$store|$dir/none.lmdb|" "$dir/cli.yaml" > "$dir/none.yaml"
"$MW_BIN_DIR/mailwarden" -c "$dir/none.yaml" --json sendcap blocked > "$dir/none.out" 2>&1 || rc=$?
mw_assert_eq "$rc" 69 "R-PSH-6: a store that cannot be opened exits 69"
test ! -e "$dir/none.lmdb" || mw_fail "the CLI created a store file"
mw_pass "R-PSH-6: the CLI never creates the store file"
