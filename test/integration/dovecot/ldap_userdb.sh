#!/usr/bin/env bash
# ldap_userdb.sh: "dovecot with an LDAP userdb". Users come from a private OpenLDAP
# (test/servers/slapd.sh): an inetOrgPerson entry found by mail=%u, password in
# userPassword. Proves: LMTP delivery to the LDAP user works with the plugin loaded, the
# plugin reads a limit that Dovecot's LDAP userdb maps from a directory attribute
# (R-MYO-8: a quota from any attribute, here description = "25MB" via user_attrs), IMAP
# login goes through the LDAP passdb, and Postfix's SASL port authenticates the same user.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
source "$MW_SOURCE_DIR/test/servers/dovecot.sh"
source "$MW_SOURCE_DIR/test/integration/dovecot/common.sh"

so=$(mwq_plugin_so)
slapd_start "$(mw_mktemp_dir slapd)"
slapd_ldapadd <<LDIF
dn: ou=people,$SLAPD_SUFFIX
objectClass: organizationalUnit
ou: people

dn: uid=dave,ou=people,$SLAPD_SUFFIX
objectClass: inetOrgPerson
uid: dave
cn: Dave Example
sn: Example
mail: dave@example.org
userPassword: ldap-secret
description: 25MB
LDIF
mw_pass "the user entry is in slapd"

dir=$(mw_mktemp_dir dovecot)
echo 'log_debug = category=mailwarden_quota' > "$dir/extra.conf"
DOVECOT_USERDB=ldap DOVECOT_MAIL_PLUGINS="quota mailwarden_quota" DOVECOT_PLUGIN_SO=$so \
DOVECOT_EXTRA_CONF="$dir/extra.conf" \
DOVECOT_LDAP_USER_ATTRS='=mailwarden_quota_storage=%{ldap:description}' \
  dovecot_start "$dir"
mw_on_exit mwq_dump_log_on_failure

out=$(mwq_lmtp_deliver "$DOVECOT_LMTP_PORT" dave@example.org mwq-ldap-1) ||
  mw_fail "LMTP delivery to the LDAP user failed:"$'\n'"$out"
mw_assert_contains "$out" "<-  250 2.0.0 <dave@example.org>" "LMTP answers 250 for the LDAP user"
mw_assert_eq "$(mwq_maildir_find dave@example.org mwq-ldap-1 | wc -l)" 1 \
  "the message is in the LDAP user's maildir"
grep -qE ' lmtp\(dave@example\.org\)<[0-9]+><[^>]+>: Debug: .*mailwarden_quota: user limits: storage=25000000 bytes' \
  "$DOVECOT_LOG" || mw_fail "no limits line from the LDAP attribute:"$'\n'"$(cat "$DOVECOT_LOG")"
mw_pass "the plugin got storage=25MB from the LDAP attribute (R-MYO-8)"

out=$(mwq_lmtp_deliver "$DOVECOT_LMTP_PORT" nobody@example.org mwq-ldap-2 || true)
mw_assert_contains "$out" "<** 550 5.1.1 <nobody@example.org> User doesn't exist" \
  "a user not in LDAP is refused"

out=$(mwq_imap "$DOVECOT_IMAP_PORT" dave@example.org ldap-secret) ||
  mw_fail "IMAP login of the LDAP user failed:"$'\n'"$out"
mw_assert_contains "$out" "login: OK" "IMAP login checks the password in LDAP"

out=$(python3 - "$DOVECOT_AUTH_PORT" <<'PY'
import base64, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
resp = base64.b64encode(b"\0dave@example.org\0ldap-secret").decode()
s.sendall(f"VERSION\t1\t2\nCPID\t{1}\nAUTH\t1\tPLAIN\tservice=smtp\tnologin\tresp={resp}\n".encode())
data = b""
while b"\n" not in data.split(b"DONE\n", 1)[-1]:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data.decode(errors="replace").strip().splitlines()[-1])
PY
)
mw_assert_contains "$out" "OK	1	user=dave@example.org" "the SASL port (Postfix smtpd_sasl_type = dovecot) authenticates"

mwq_assert_log_clean "$DOVECOT_LOG" "no errors or crashes in the Dovecot log"
mwq_done
