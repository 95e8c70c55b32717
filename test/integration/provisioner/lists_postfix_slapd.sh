#!/usr/bin/env bash
# lists_postfix_slapd.sh: lists and resources made by `mailwarden` work in a real mail
# path: slapd (the schema), mailwarden-milter, Postfix with the shipped
# conf.d/postfix/ldap-lists.cf as virtual_alias_maps, Dovecot (LDAP userdb, LMTP).
#   R-MYO-6: a message to a list reaches each member's mailbox and its outside member;
#            an outsider is refused at RCPT by the internal list, accepted by an open one
#   R-MYO-1: a message to a resource lands in the resource's own mailbox
set -euo pipefail
# shellcheck source=test/servers/slapd.sh
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
# shellcheck source=test/servers/dovecot.sh
source "$MW_SOURCE_DIR/test/servers/dovecot.sh"
# shellcheck source=test/servers/postfix.sh
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
# shellcheck source=test/integration/postfix/milter_lib.sh
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"
# shellcheck source=test/integration/dovecot/common.sh
source "$MW_SOURCE_DIR/test/integration/dovecot/common.sh"
# shellcheck source=test/integration/provisioner/lib.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"
# shellcheck source=test/integration/provisioner/users_common.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/users_common.sh"

WORK=$(mw_mktemp_dir prov-lists-postfix)
mw_on_exit "rm -rf $(printf '%q' "$WORK")"
prov_slapd_start "$(mw_mktemp_dir slapd)"
BASE="ou=mail,$SLAPD_SUFFIX"
CONF=$WORK/mailwarden.yaml
DOMAIN=minfin.example
PASSWORD=Test-Pass-1
prov_slapd_config "$CONF" "$BASE"
mw() { "$MW" -c "$CONF" "$@"; }

# The directory, all through the provisioner.
mw directory init > /dev/null
mw tenant ensure --id minfin --domain "$DOMAIN" > /dev/null
A=$(json_get "$(mw --json user add --region 7 --tenant minfin --cn 'Anna K' --sn K)" \
  'd["entries"][0]["mail"]')
B=$(json_get "$(mw --json user add --region 7 --tenant minfin --cn 'Boris L' --sn L)" \
  'd["entries"][0]["mail"]')
mw user activate "$A" > /dev/null  # A sends (R-PSH-3: a pending account may not)
mw list add --tenant minfin --mail team --display-name Team --member "$A" --member "$B" \
  --member partner@outside.example > /dev/null
mw list add --tenant minfin --mail news --policy open --member "$B" > /dev/null
mw resource-group add --tenant minfin --name Rooms > /dev/null
mw resource add --tenant minfin --group Rooms --type room --mail room-101 \
  --display-name 'Room 101' > /dev/null
mw_pass "accounts, two lists and a resource written by mailwarden"

DOVECOT_USERDB=ldap dovecot_start "$(mw_mktemp_dir dovecot)"
mw_on_exit mwq_dump_log_on_failure
mkdir -p "$WORK/milter"
milter_write_config "$WORK/milter" "unix:$WORK/milter/run/milter.sock" \
  "ldap:" "  uri: \"$SLAPD_URI\"" "  base_dn: \"$BASE\"" "  timeout: 2s" \
  "sender:" "  local_domains: \"$DOMAIN\""
milter_start "$WORK/milter"
POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS=$DOMAIN \
  POSTFIX_LMTP="127.0.0.1:$DOVECOT_LMTP_PORT" POSTFIX_SASL=cyrus \
  POSTFIX_SASL_USERS="$A:$PASSWORD" POSTFIX_MYNETWORKS="" postfix_start "$WORK/postfix"

# The shipped map, only its server, credentials and base substituted.
maps=$POSTFIX_CONFIG_DIR/ldap-lists.cf
sed -e "s|^server_host = .*|server_host = $SLAPD_URI|" \
    -e "s|^bind_dn = .*|bind_dn = $SLAPD_ADMIN_DN|" \
    -e "s|^bind_pw = .*|bind_pw = $(cat "$SLAPD_ADMIN_PW_FILE")|" \
    -e "s|^search_base = .*|search_base = $BASE|" \
    "$MW_SOURCE_DIR/conf.d/postfix/ldap-lists.cf" > "$maps"
chown root:postfix "$maps"
chmod 640 "$maps"
expanded=$(postmap -c "$POSTFIX_CONFIG_DIR" -q "team@$DOMAIN" "ldap:$maps") ||
  mw_fail "postmap finds no expansion of team@$DOMAIN"
mw_assert_eq "$(tr ',' '\n' <<< "$expanded" | sort | paste -sd ' ')" \
  "$(printf '%s\n' "$A" "$B" partner@outside.example | sort | paste -sd ' ')" \
  "R-MYO-6: ldap-lists.cf expands the list to its members and its outside member"
rc=0
postmap -c "$POSTFIX_CONFIG_DIR" -q "$A" "ldap:$maps" > /dev/null || rc=$?
mw_assert_eq "$rc" 1 "ldap-lists.cf does not match an account"
postconf -c "$POSTFIX_CONFIG_DIR" -e "virtual_alias_maps = ldap:$maps"
postfix -c "$POSTFIX_CONFIG_DIR" reload > /dev/null 2>&1 || mw_fail "postfix reload"
for ((i = 0; i < 300; i++)); do
  grep -q 'reload -- version' "$POSTFIX_LOG" && break
  sleep 0.1
done
grep -q 'reload -- version' "$POSTFIX_LOG" || mw_fail "Postfix did not log its reload"

send() {  # MARKER ARGS... (swaks options)
  local marker=$1
  shift
  swaks --server "127.0.0.1:$POSTFIX_PORT" --timeout 30 --header "Subject: $marker" \
    --header "Message-ID: <$marker@mwq.test>" --body "list test $marker" "$@" 2>&1 || true
}
delivered_to() {  # OUT: wait for the queue id of swaks' OUT, print the delivery lines
  local qid
  qid=$(sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' <<< "$1" | head -n 1)
  [ -n "$qid" ] || mw_fail "not queued:"$'\n'"$1"
  postfix_wait_delivered "$POSTFIX_DIR" "$qid" 30 || mw_fail "$qid was not delivered"
}
in_mailbox() {  # USER MARKER
  local i
  for ((i = 0; i < 100; i++)); do
    [ -n "$(mwq_maildir_find "$1" "$2")" ] && return 0
    sleep 0.1
  done
  return 1
}

# R-MYO-6: an outsider may not write to the internal list; its member may.
out=$(send m-out --from friend@elsewhere.test --to "team@$DOMAIN")
mw_assert_contains "$out" \
  "<** 550 5.7.1 <team@$DOMAIN>: Recipient address rejected: this list accepts internal senders only" \
  "R-MYO-6: an outsider is refused by the provisioned internal list"
out=$(send m-team --auth PLAIN --auth-user "$A" --auth-password "$PASSWORD" --from "$A" \
  --to "team@$DOMAIN")
lines=$(delivered_to "$out")
mw_assert_contains "$lines" "to=<$A>, orig_to=<team@$DOMAIN>, relay=127.0.0.1" \
  "R-MYO-6: the list's first member gets it over LMTP"
mw_assert_contains "$lines" "to=<$B>, orig_to=<team@$DOMAIN>, relay=127.0.0.1" \
  "R-MYO-6: the second member too"
mw_assert_contains "$lines" "to=<partner@outside.example>, orig_to=<team@$DOMAIN>" \
  "R-MYO-6: and the outside member (discarded by the test instance)"
in_mailbox "$A" m-team || mw_fail "the message is not in $A's mailbox"
in_mailbox "$B" m-team || mw_fail "the message is not in $B's mailbox"
mw_pass "R-MYO-6: the message to the list is in each member's Dovecot mailbox"

# An open list takes an outsider.
out=$(send m-news --from friend@elsewhere.test --to "news@$DOMAIN")
delivered_to "$out" > /dev/null
in_mailbox "$B" m-news || mw_fail "the open list's message is not in $B's mailbox"
mw_pass "R-MYO-6: an open list takes an outsider's message"

# R-MYO-1: the resource's mailbox.
out=$(send m-room --from friend@elsewhere.test --to "room-101@$DOMAIN")
delivered_to "$out" > /dev/null
in_mailbox "room-101@$DOMAIN" m-room || mw_fail "the message is not in the room's mailbox"
mw_pass "R-MYO-1: a message to a resource lands in its own Dovecot mailbox"

# Deleting the list makes its address unknown to Postfix at once.
mw list delete "team@$DOMAIN" > /dev/null
rc=0
postmap -c "$POSTFIX_CONFIG_DIR" -q "team@$DOMAIN" "ldap:$maps" > /dev/null || rc=$?
mw_assert_eq "$rc" 1 "a deleted list expands to nothing"
mwq_done
