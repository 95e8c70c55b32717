#!/usr/bin/env bash
# ansible_role.sh: the mailwarden Ansible role (ansible/roles/mailwarden) run by Debian's
# ansible-core against localhost (connection local: no ssh), with only ansible.builtin
# modules (collections switched off: nothing from the internet), package install and
# systemd switched off by variables, the build's binaries, a scratch /etc tree holding
# Debian's own main.cf and master.cf, and a throwaway slapd. The pashtar profile, the
# schema loaded over ldapi, directory init, two tenants and 60 accounts from inventory.
# Proves (R-MYO-9):
#   run 1     changes things (PLAY RECAP changed > 0, failed=0): the schema, mailwarden.yaml
#             (passes --check-config), the Dovecot snippets, Postfix's main.cf via postconf,
#             the submission services, and the 60 accounts in slapd, all through ONE
#             `mailwarden import` (the binary is wrapped to count its runs)
#   run 2     changes nothing (changed=0)
#   --check   after one account's title changes in the inventory: changed=1 (the import),
#             the planned change is shown, slapd still holds the old title (ldapsearch)
#   run 3     applies it (changed=1); run 4 changes nothing again
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/slapd.sh"

T=$(mw_mktemp_dir ansible-role)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$T")"
command -v ansible-playbook > /dev/null || mw_fail "no ansible-playbook (scripts/setup installs ansible-core)"
# The role loads the schema itself (over ldapi as root), hence none at start.
slapd_start "$T/slapd"

# A scratch host: Debian's default main.cf and master.cf, empty Dovecot and mailwarden dirs.
R=$T/root
mkdir -p "$R/etc/postfix" "$R/etc/dovecot/conf.d" "$R/var/lib/mailwarden"
cp /usr/share/postfix/main.cf.debian "$R/etc/postfix/main.cf"
cp /usr/share/postfix/master.cf.dist "$R/etc/postfix/master.cf"
# The mailwarden binary, wrapped: each run leaves a line with its arguments.
cat > "$T/mailwarden" <<EOF
#!/bin/sh
echo "\$*" >> "$T/mailwarden-runs"
exec "$MW_BIN_DIR/mailwarden" "\$@"
EOF
chmod 755 "$T/mailwarden"

# inventory TITLE: the inventory (JSON is YAML) with account HR-7's title TITLE.
inventory() {
  python3 - "$1" > "$T/inventory.yml" <<PY
import json, sys
accounts = [{"external_id": f"HR-{i}", "region": 7 if i % 2 else 5,
             "tenant": "minfin" if i % 3 else "mintrans",
             "cn": f"Person {i}", "sn": f"Surname{i}",
             "title": sys.argv[1] if i == 7 else "Clerk"} for i in range(1, 61)]
accounts[1]["daily_send_limit"] = 3
print(json.dumps({"all": {"hosts": {"localhost": {
    "ansible_connection": "local", "ansible_python_interpreter": "/usr/bin/python3"}},
  "vars": {
    "mailwarden_profile": "pashtar",
    "mailwarden_install_package": False,
    "mailwarden_manage_services": False,
    "mailwarden_conf_src": "$MW_SOURCE_DIR/conf.d",
    "mailwarden_schema_dir": "$MW_SOURCE_DIR/ldap-schema",
    "mailwarden_bin": "$T/mailwarden",
    "mailwarden_milter_bin": "$MW_BIN_DIR/mailwarden-milter",
    "mailwarden_etc_dir": "$R/etc/mailwarden",
    "mailwarden_dovecot_dir": "$R/etc/dovecot",
    "mailwarden_postfix_dir": "$R/etc/postfix",
    "mailwarden_group": "root",
    "mailwarden_load_schema": True,
    # the harness's slapd indexes mail and uid and runs slapo-unique already:
    # ldap-schema/openldap/indexes.ldif would collide with both
    "mailwarden_load_indexes": False,
    "mailwarden_ldapi_uri": "$SLAPD_LDAPI_URI",
    "mailwarden_directory_init": True,
    "mailwarden_config": {
      "ldap": {"uri": "$SLAPD_URI", "base_dn": "ou=mail,$SLAPD_SUFFIX",
               "bind_dn": "$SLAPD_ADMIN_DN", "bind_password_file": "$SLAPD_ADMIN_PW_FILE"},
      "milter": {"socket": "unix:$R/var/spool/postfix/mailwarden/milter.sock"},
      "send_cap": {"lmdb_path": "$R/var/lib/mailwarden/sendcap.lmdb"},
      "sender": {"local_domains": "mail.example trans.example old-trans.example",
                 "activation_address": "test@mail.example"}},
    "mailwarden_dovecot_ldap_password": "dovecot-secret",
    "mailwarden_dovecot_settings": {"ssl_cert": "<$R/etc/dovecot/cert.pem",
                                    "ssl_key": "<$R/etc/dovecot/key.pem"},
    "mailwarden_postfix_settings": {"smtpd_tls_cert_file": "$R/etc/postfix/cert.pem"},
    "mailwarden_tenants": [
      {"id": "minfin", "domains": ["mail.example"], "display_name": "Ministry of Finance"},
      {"id": "mintrans", "domains": ["trans.example", "old-trans.example"]}],
    "mailwarden_accounts": accounts}}}, indent=1))
PY
}
# No ansible.cfg of the machine or the working directory: this (empty) one.
printf '[defaults]\n' > "$T/ansible.cfg"
cat > "$T/site.yml" <<'EOF'
- name: mailwarden on this host
  hosts: all
  gather_facts: false
  roles:
    - mailwarden
EOF

# play NAME [ARGS...]: ansible-playbook, output in $T/NAME.log; sets CHANGED and FAILED from
# the PLAY RECAP line of localhost.
play() {
  local name=$1 rc=0 recap
  shift
  ( cd "$T" &&
    ANSIBLE_CONFIG="$T/ansible.cfg" ANSIBLE_HOME="$T/ansible-home" ANSIBLE_LOCAL_TEMP="$T/ansible-tmp" \
    ANSIBLE_REMOTE_TEMP="$T/ansible-remote" ANSIBLE_ROLES_PATH="$MW_SOURCE_DIR/ansible/roles" \
    ANSIBLE_COLLECTIONS_PATH="$T/no-collections" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
    ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_STDOUT_CALLBACK=default \
    ANSIBLE_DEPRECATION_WARNINGS=0 PYTHONPATH='' \
      ansible-playbook -i "$T/inventory.yml" "$T/site.yml" "$@" ) > "$T/$name.log" 2>&1 || rc=$?
  recap=$(grep -E '^localhost +: ok=' "$T/$name.log" || true)
  if [ "$rc" != 0 ] || [ -z "$recap" ]; then
    tail -n 60 "$T/$name.log" >&2
    mw_fail "$name: ansible-playbook exited $rc"
  fi
  CHANGED=$(sed -n 's/.* changed=\([0-9]*\) .*/\1/p' <<< "$recap")
  FAILED=$(sed -n 's/.* failed=\([0-9]*\) .*/\1/p' <<< "$recap")
  echo "$name: $recap"
}
title_of() {  # EXTERNAL_ID: the account's title as slapd has it
  ldapsearch -LLL -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE" \
    -b "ou=mail,$SLAPD_SUFFIX" "(mwExternalId=$1)" title | sed -n 's/^title: //p'
}
accounts_in_slapd() {
  ldapsearch -LLL -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE" \
    -b "ou=users,ou=mail,$SLAPD_SUFFIX" '(objectClass=mailwardenAccount)' 1.1 | grep -c '^dn:' || true
}

# --- run 1: everything is new
inventory Clerk
play run1
if [ "$CHANGED" = 0 ] || [ "$FAILED" != 0 ]; then mw_fail "run 1: changed=$CHANGED failed=$FAILED"; fi
mw_pass "run 1 changes the host (changed=$CHANGED, failed=0)"
mw_assert_eq "$(accounts_in_slapd)" 60 "R-MYO-9: the 60 accounts of the inventory are in slapd"
mw_assert_eq "$(grep -c ' import ' "$T/mailwarden-runs")" 1 \
  "R-MYO-9: all 60 accounts went through ONE mailwarden import"
mw_assert_eq "$(wc -l < "$T/mailwarden-runs")" 4 \
  "the role ran mailwarden 4 times in all (directory init, 2 tenants, 1 import), not per account"
ldapsearch -Q -LLL -Y EXTERNAL -H "$SLAPD_LDAPI_URI" -b cn=schema,cn=config '(cn=*mailwarden)' dn |
  grep -q mailwarden || mw_fail "the schema was not loaded"
mw_pass "the role loaded ldap-schema/openldap/mailwarden.ldif over ldapi"
"$MW_BIN_DIR/mailwarden-milter" -c "$R/etc/mailwarden/mailwarden.yaml" --check-config > /dev/null ||
  mw_fail "the role's mailwarden.yaml does not pass --check-config"
mw_pass "the role's mailwarden.yaml (pashtar + site values) passes mailwarden-milter --check-config"
grep -q '^  daily_limit: 100$' "$R/etc/mailwarden/mailwarden.yaml" || mw_fail "not the pashtar cap"
for f in 80-mailwarden-security.conf 90-mailwarden-quota.conf 95-mailwarden-pashtar.conf \
         99-mailwarden-site.conf; do
  [ -f "$R/etc/dovecot/conf.d/$f" ] || mw_fail "no $f in Dovecot's conf.d"
done
grep -q '^dnpass = dovecot-secret$' "$R/etc/dovecot/dovecot-ldap.conf.ext" || mw_fail "no dnpass"
mw_pass "the Dovecot snippets and dovecot-ldap.conf.ext are in place"
mw_assert_eq "$(postconf -c "$R/etc/postfix" -h message_size_limit)" 100000000 \
  "R-PSH-5: Postfix's message_size_limit is the profile's 100 MB"
mw_assert_eq "$(postconf -c "$R/etc/postfix" -h smtpd_milters)" "$(sed -n 's/^smtpd_milters = //p' \
  "$MW_SOURCE_DIR/conf.d/postfix/main.cf.milter")" "Postfix calls the milter (main.cf.milter)"
mw_assert_eq "$(postconf -c "$R/etc/postfix" -h smtpd_tls_cert_file)" "$R/etc/postfix/cert.pem" \
  "the site's Postfix setting wins over the profile's"
postconf -c "$R/etc/postfix" -M submission/inet 2> /dev/null | grep -q smtpd ||
  mw_fail "no submission service in master.cf"
mw_pass "master.cf has the submission services"

# --- run 2: nothing to do
play run2
mw_assert_eq "$CHANGED/$FAILED" 0/0 "R-MYO-9: the second run changes nothing (changed=0)"

# --- check mode after one change in the inventory
inventory 'Chief Clerk'
play check --check
mw_assert_eq "$CHANGED/$FAILED" 1/0 "R-MYO-9: check mode reports exactly one change (the import)"
grep -q '+title: Chief Clerk' "$T/check.log" || { cat "$T/check.log" >&2; mw_fail "no diff shown"; }
mw_pass "R-MYO-9: check mode shows the planned change (+title: Chief Clerk)"
mw_assert_eq "$(title_of HR-7)" Clerk "R-MYO-9: check mode changed nothing in slapd"

# --- the real run applies it, the next one is quiet again
play run3
mw_assert_eq "$CHANGED/$FAILED" 1/0 "R-MYO-9: the real run changes one thing"
mw_assert_eq "$(title_of HR-7)" 'Chief Clerk' "R-MYO-9: slapd holds the new title"
play run4
mw_assert_eq "$CHANGED/$FAILED" 0/0 "R-MYO-9: and the run after it changes nothing"
mw_assert_eq "$(grep -c ' import ' "$T/mailwarden-runs")" 5 "one import per run, five runs (check mode included)"
