#!/usr/bin/env bash
# empty_389ds.sh: a 389 Directory Server of its own that has never seen mailwarden (no
# schema, no uniqueness plugin): `directory init --load-schema` as Directory Manager over
# StartTLS loads the schema into cn=schema, our index entries into the backend holding the
# base and the mail + alias uniqueness plugin; a second run changes nothing; an object
# class of an older mailwarden is replaced; then accounts
# are created (user add with a first.last alias, passwd over RFC 3062) and the loaded
# plugin refuses a duplicate alias. (The shared fixture cannot prove this: other tests
# load the schema into it first.)
# Rules: R-MYO-10, R-SAV-6, R-PSH-1, R-PSH-3.
set -euo pipefail
# shellcheck source=test/servers/389ds.sh
source "$MW_SOURCE_DIR/test/servers/389ds.sh"
# shellcheck source=test/integration/provisioner/lib.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"

json_get() {
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}
WORK=$(mw_mktemp_dir prov-empty389)
mw_on_exit "rm -rf $(printf '%q' "$WORK")"
DS_INSTANCE=mwempty DS_UNIQUE_ATTRS="" ds389_start "$(mw_mktemp_dir ds)"
BASE="ou=mail,$DS_SUFFIX"
CONF=$WORK/mailwarden.yaml
prov_ds389_config "$CONF" "$BASE"
ds_ldap ldapsearch -LLL -s base -b cn=schema attributeTypes 2> /dev/null | tr -d '\n ' |
  grep -q "NAME'mwAlias'" && mw_fail "the new 389ds already has the schema"

out=$("$MW" -c "$CONF" --json directory init --load-schema 2> "$WORK/err") ||
  { cat "$WORK/err" >&2; mw_fail "directory init --load-schema on an empty 389ds failed"; }
mw_assert_eq "$(json_get "$out" 'd["changed"]')" True "R-MYO-10: schema, indexes, plugin, base"
mw_assert_contains "$(ds_ldap ldapsearch -LLL -o ldif-wrap=no -s base -b cn=schema \
  objectClasses 2> /dev/null)" "NAME 'mailwardenAccount'" "R-MYO-10: the schema is live"
mw_assert_contains "$(ds_ldap ldapsearch -LLL -b \
  'cn=mwTenant,cn=index,cn=userRoot,cn=ldbm database,cn=plugins,cn=config' -s base \
  nsIndexType 2> /dev/null)" "nsIndexType: eq" "R-MYO-10: equality index on the tenant"
mw_assert_contains "$(ds_ldap ldapsearch -LLL -b \
  'cn=mailwarden uniqueness,cn=plugins,cn=config' -s base uniqueness-attribute-name \
  2> /dev/null)" "uniqueness-attribute-name: mwAlias" "R-SAV-6: the uniqueness plugin"
out=$("$MW" -c "$CONF" --json directory init --load-schema) || mw_fail "second run failed"
mw_assert_eq "$(json_get "$out" 'd["changed"]')" False "R-MYO-10: a second run changes nothing"

# An older mailwarden's schema: mailwardenTenant without mwMaxMailboxes (R-PSH-2). The
# next --load-schema replaces the class (delete + add in one modify of cn=schema).
val=$(ds_ldap ldapsearch -LLL -o ldif-wrap=no -s base -b cn=schema objectClasses 2> /dev/null |
  sed -n 's/^objectClasses: //p' | grep "NAME 'mailwardenTenant'")
old=${val// \$ mwMaxMailboxes/}
[ "$old" != "$val" ] || mw_fail "mailwardenTenant has no mwMaxMailboxes to take away"
ds_ldap ldapmodify > /dev/null <<LDIF
dn: cn=schema
changetype: modify
delete: objectClasses
objectClasses: $val
-
add: objectClasses
objectClasses: $old
LDIF
"$MW" -c "$CONF" tenant ensure --id old --domain old.example > /dev/null
rc=0
"$MW" -c "$CONF" tenant ensure --id old --domain old.example --max-mailboxes 5 \
  > /dev/null 2>&1 || rc=$?
mw_assert_eq "$rc" 65 "R-MYO-10: with the older class the server refuses mwMaxMailboxes"
out=$("$MW" -c "$CONF" --json directory init --load-schema) || mw_fail "the upgrade failed"
mw_assert_contains "$out" "-objectClasses: " "R-MYO-10: the older class is replaced"
"$MW" -c "$CONF" tenant ensure --id old --domain old.example --max-mailboxes 5 > /dev/null ||
  mw_fail "mwMaxMailboxes still refused after --load-schema"
mw_pass "R-MYO-10 R-PSH-2: after --load-schema a tenant takes its mailbox limit"
out=$("$MW" -c "$CONF" --json directory init --load-schema) || mw_fail "third run failed"
mw_assert_eq "$(json_get "$out" 'd["changed"]')" False "R-MYO-10: then nothing more to do"

"$MW" -c "$CONF" tenant ensure --id minfin --domain minfin.example > /dev/null ||
  mw_fail "tenant ensure"
out=$("$MW" -c "$CONF" --json user add --region 7 --tenant minfin --cn 'Ľubomír Šťastný' \
  --sn 'Šťastný' --with-alias) || mw_fail "user add on the fresh 389ds"
mw_assert_eq "$(json_get "$out" 'd["entries"][0]["mail"]')" 7000001@minfin.example \
  "R-PSH-1: the first mailbox of region 7"
mw_assert_contains "$out" "+mwAlias: lubomir.stastny@minfin.example" "R-SAV-6: first.last"
out=$("$MW" -c "$CONF" --json user show 7000001@minfin.example)
mw_assert_eq "$(json_get "$out" 'd["entries"][0]["attributes"]["mwAccountStatus"][0]')" \
  pending "R-PSH-3: pending until activated"
out=$("$MW" -c "$CONF" --json user passwd 7000001@minfin.example --generate) ||
  mw_fail "passwd (RFC 3062 over StartTLS)"
(umask 077; json_get "$out" 'd["entries"][0]["password"]' | tr -d '\n' > "$WORK/pw")
LDAPTLS_CACERT="$DS_CA_FILE" ldapwhoami -x -ZZ -H "$DS_URI" \
  -D "uid=7000001,ou=users,$BASE" -y "$WORK/pw" > /dev/null ||
  mw_fail "the generated password does not bind"
mw_pass "R-SAV-5: RFC 3062 password set on the fresh 389ds"
"$MW" -c "$CONF" user add --region 7 --tenant minfin --cn 'Olga Kim' --sn Kim > /dev/null
rc=0
ds_ldap ldapmodify > /dev/null 2> "$WORK/err" <<LDIF || rc=$?
dn: uid=7000002,ou=users,$BASE
changetype: modify
add: mwAlias
mwAlias: lubomir.stastny@minfin.example
LDIF
mw_assert_eq "$rc" 19 "R-SAV-6: the loaded plugin refuses a duplicate alias ($(cat "$WORK/err"))"
rc=0
ds_ldap ldapmodify > /dev/null 2> "$WORK/err" <<LDIF || rc=$?
dn: uid=7000002,ou=users,$BASE
changetype: modify
add: mwAlias
mwAlias: 7000001@minfin.example
LDIF
mw_assert_eq "$rc" 19 "R-SAV-6: and an alias equal to another account's mail (mail + alias together)"
