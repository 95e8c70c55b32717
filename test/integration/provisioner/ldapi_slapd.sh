#!/usr/bin/env bash
# ldapi_slapd.sh: `directory init --load-schema` on an OpenLDAP that has never seen
# mailwarden, over ldapi:// with SASL EXTERNAL (ldap.uri ldapi://..., no bind_dn, no
# secret at all: slapd maps local root to the cn=config manager). It loads the schema as
# a cn=config entry, our indexes on the database holding the base and the slapo-unique
# overlay on mail + alias; a second run changes nothing; an object class of an older
# mailwarden is replaced in place; accounts can then be written over the same connection,
# and the overlay refuses a duplicate alias.
# Rules: R-MYO-10, R-SAV-6, R-PSH-1.
set -euo pipefail
# shellcheck source=test/servers/slapd.sh
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
# shellcheck source=test/integration/provisioner/lib.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"

json_get() {
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}
WORK=$(mw_mktemp_dir prov-ldapi)
mw_on_exit "rm -rf $(printf '%q' "$WORK")"
# No mailwarden schema, no uniqueness overlay: what a stock slapd has.
SLAPD_EXTRA_SCHEMA="" SLAPD_UNIQUE_ATTRS="" slapd_start "$(mw_mktemp_dir slapd)"
BASE="ou=mail,$SLAPD_SUFFIX"
CONF=$WORK/mailwarden.yaml
cat > "$CONF" <<YAML
ldap:
  uri: "$SLAPD_LDAPI_URI"
  base_dn: "$BASE"
log:
  target: stderr
YAML
config() {  # ldapsearch of cn=config as root over ldapi
  ldapsearch -LLL -Q -Y EXTERNAL -H "$SLAPD_LDAPI_URI" -o ldif-wrap=no "$@" 2> /dev/null
}
[ -z "$(config -b cn=schema,cn=config '(cn=*mailwarden)' dn)" ] ||
  mw_fail "the stock slapd already has the schema"

out=$("$MW" -c "$CONF" --json --check directory init --load-schema) || mw_fail "--check failed"
mw_assert_contains "$out" "cn=mailwarden,cn=schema,cn=config" "R-MYO-10: --check names the entry"
[ -z "$(config -b cn=schema,cn=config '(cn=*mailwarden)' dn)" ] || mw_fail "--check wrote"
mw_pass "R-MYO-10: --load-schema --check writes nothing"

out=$("$MW" -c "$CONF" --json directory init --load-schema 2> "$WORK/err") ||
  { cat "$WORK/err" >&2; mw_fail "directory init --load-schema over ldapi failed"; }
mw_assert_eq "$(json_get "$out" 'd["changed"]')" True "R-MYO-10: schema, indexes and base loaded"
mw_assert_contains "$(config -b cn=schema,cn=config '(cn=*mailwarden)' olcObjectClasses)" \
  "NAME 'mailwardenAccount'" "R-MYO-10: the schema is a cn=config entry"
idx=$(config -b 'olcDatabase={1}mdb,cn=config' -s base olcDbIndex)
mw_assert_contains "$idx" "olcDbIndex: mwTenant eq" "R-MYO-10: equality index on the tenant"
mw_assert_contains "$idx" "olcDbIndex: employeeType eq" "R-MYO-10: index on employeeType"
mw_assert_contains "$(config -b 'olcDatabase={1}mdb,cn=config' '(objectClass=olcUniqueConfig)' \
  olcUniqueURI)" "ldap:///?mail,mwAlias?sub" "R-SAV-6: the uniqueness overlay on mail + alias"
mw_assert_contains "$out" "cn=region-7,ou=counters,$BASE" "R-PSH-1: the counters are created"

out=$("$MW" -c "$CONF" --json directory init --load-schema) || mw_fail "second run failed"
mw_assert_eq "$(json_get "$out" 'd["changed"]')" False "R-MYO-10: a second run changes nothing"

# An older mailwarden's schema: mailwardenTenant without mwMaxMailboxes (R-PSH-2). The
# next --load-schema replaces the class in place.
schema_dn=$(config -b cn=schema,cn=config '(cn=*mailwarden)' dn | sed -n 's/^dn: //p')
val=$(config -b "$schema_dn" -s base olcObjectClasses | sed -n 's/^olcObjectClasses: //p' |
  grep "NAME 'mailwardenTenant'")
old=${val#\{*\}}
old=${old// \$ mwMaxMailboxes/}
ldapmodify -Q -Y EXTERNAL -H "$SLAPD_LDAPI_URI" > /dev/null <<LDIF
dn: $schema_dn
changetype: modify
delete: olcObjectClasses
olcObjectClasses: $val
-
add: olcObjectClasses
olcObjectClasses: $old
LDIF
"$MW" -c "$CONF" tenant ensure --id old --domain old.example > /dev/null
rc=0
"$MW" -c "$CONF" tenant ensure --id old --domain old.example --max-mailboxes 5 \
  > /dev/null 2>&1 || rc=$?
mw_assert_eq "$rc" 65 "R-MYO-10: with the older class the server refuses mwMaxMailboxes"
out=$("$MW" -c "$CONF" --json directory init --load-schema) || mw_fail "the upgrade failed"
mw_assert_contains "$out" "-olcObjectClasses: " "R-MYO-10: the older class is replaced"
"$MW" -c "$CONF" tenant ensure --id old --domain old.example --max-mailboxes 5 > /dev/null ||
  mw_fail "mwMaxMailboxes still refused after --load-schema"
mw_pass "R-MYO-10 R-PSH-2: after --load-schema a tenant takes its mailbox limit"
out=$("$MW" -c "$CONF" --json directory init --load-schema) || mw_fail "third run failed"
mw_assert_eq "$(json_get "$out" 'd["changed"]')" False "R-MYO-10: then nothing more to do"

# Accounts over the same SASL EXTERNAL connection.
"$MW" -c "$CONF" tenant ensure --id minfin --domain minfin.example > /dev/null ||
  mw_fail "tenant ensure over ldapi"
out=$("$MW" -c "$CONF" --json user add --region 7 --tenant minfin --cn 'Ivan Petrov' \
  --sn Petrov --with-alias) || mw_fail "user add over ldapi"
mw_assert_eq "$(json_get "$out" 'd["entries"][0]["mail"]')" 7000001@minfin.example \
  "R-PSH-1: an account written over ldapi with SASL EXTERNAL"
"$MW" -c "$CONF" user add --region 7 --tenant minfin --cn 'Olga Kim' --sn Kim > /dev/null
rc=0
ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE" \
  > /dev/null 2> "$WORK/err" <<LDIF || rc=$?
dn: uid=7000002,ou=users,$BASE
changetype: modify
add: mwAlias
mwAlias: ivan.petrov@minfin.example
LDIF
mw_assert_eq "$rc" 19 "R-SAV-6: the loaded overlay refuses a duplicate alias ($(cat "$WORK/err"))"
