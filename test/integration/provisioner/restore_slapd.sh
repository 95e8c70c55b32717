#!/usr/bin/env bash
# restore_slapd.sh: R-MYO-9 restore. `export` of one slapd imported into an empty second
# one recreates it (its own export is byte-identical); entries changed there afterwards
# are put back by importing the same file again (only those entries change, passwords
# included, and the output never shows a hash), a third run changes nothing, --check
# writes nothing, a counter never goes back, and hostile files (a DN outside the base, an
# unknown object class, a change record) are refused with their line, writing nothing.
# Rules: R-MYO-9, R-PSH-1.
set -euo pipefail
# shellcheck source=test/servers/slapd.sh
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
# shellcheck source=test/integration/provisioner/lib.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"

json_get() {
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}
WORK=$(mw_mktemp_dir prov-restore)
mw_on_exit "rm -rf $(printf '%q' "$WORK")"
DOMAIN=restore.example

# A: a directory with tenants, accounts, aliases, a tombstone and a password.
prov_slapd_start "$(mw_mktemp_dir slapd)"
BASE="ou=mail,$SLAPD_SUFFIX"
A_URI=$SLAPD_URI
prov_slapd_config "$WORK/a.yaml" "$BASE"
"$MW" -c "$WORK/a.yaml" directory init > /dev/null
"$MW" -c "$WORK/a.yaml" tenant ensure --id court --domain "$DOMAIN" --domain "old.$DOMAIN" \
  --max-mailboxes 50 > /dev/null
cat > "$WORK/people.csv" <<'CSV'
external_id,region,tenant,cn,sn,title,alias
R-1,7,court,Ľubomír Šťastný,Šťastný,Judge,yes
R-2,7,court,"Petrov, Ivan",Petrov,Clerk,yes
R-3,5,court,Anna Kim,Kim,,no
CSV
"$MW" -c "$WORK/a.yaml" import "$WORK/people.csv" > /dev/null
printf 'Old-Secret.2026\n' | "$MW" -c "$WORK/a.yaml" user passwd "7000001@$DOMAIN" \
  --password-stdin > /dev/null
"$MW" -c "$WORK/a.yaml" user delete "5000001@$DOMAIN" > /dev/null
"$MW" -c "$WORK/a.yaml" export > "$WORK/a.ldif"
grep -q '^userPassword' "$WORK/a.ldif" || mw_fail "the export holds no password"
grep -q '^cn:: ' "$WORK/a.ldif" || mw_fail "the export holds no base64 value"

# B: an empty directory (schema only). The import recreates A.
prov_slapd_start "$(mw_mktemp_dir slapd)"
prov_slapd_config "$WORK/b.yaml" "$BASE"
[ "$SLAPD_URI" != "$A_URI" ] || mw_fail "the second slapd is the first"
out=$("$MW" -c "$WORK/b.yaml" --json import "$WORK/a.ldif") || mw_fail "restore into B failed"
mw_assert_eq "$(json_get "$out" 'd["changed"]')" True "R-MYO-9: the restore creates"
mw_assert_eq "$(json_get "$out" 'len(d["entries"])')" "$(grep -c '^dn:' "$WORK/a.ldif")" \
  "R-MYO-9: every entry of the file is added"
mw_assert_eq "$(json_get "$out" 'len([c for e in d["entries"] for c in e["changes"] if "SSHA" in c])')" 0 \
  "R-MYO-9: no password hash in the output"
"$MW" -c "$WORK/b.yaml" export > "$WORK/b.ldif"
cmp -s "$WORK/a.ldif" "$WORK/b.ldif" || { diff "$WORK/a.ldif" "$WORK/b.ldif" | head >&2;
  mw_fail "B's export differs from A's"; }
mw_pass "R-MYO-9: the restored directory exports byte-identical LDIF"
(umask 077; printf 'Old-Secret.2026' > "$WORK/old.pw")
ldapwhoami -x -H "$SLAPD_URI" -D "uid=7000001,ou=users,$BASE" -y "$WORK/old.pw" > /dev/null ||
  mw_fail "the restored password does not bind"
mw_pass "R-MYO-9: the restored account binds with its password"

# Change some entries in B; the same file puts exactly those back.
"$MW" -c "$WORK/b.yaml" user modify "7000001@$DOMAIN" --title Chief > /dev/null
"$MW" -c "$WORK/b.yaml" alias add "7000002@$DOMAIN" "conference@$DOMAIN" > /dev/null
"$MW" -c "$WORK/b.yaml" user block "7000002@$DOMAIN" > /dev/null
printf 'New-Secret.2026\n' | "$MW" -c "$WORK/b.yaml" user passwd "7000001@$DOMAIN" \
  --password-stdin > /dev/null
"$MW" -c "$WORK/b.yaml" tenant ensure --id court --domain "$DOMAIN" --domain "old.$DOMAIN" \
  --max-mailboxes 60 > /dev/null
# An attribute mailwarden does not manage stays as it is.
ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE" > /dev/null <<LDIF
dn: uid=7000002,ou=users,$BASE
changetype: modify
add: carLicense
carLicense: MW-1
LDIF
"$MW" -c "$WORK/b.yaml" export > "$WORK/b2.ldif"
out=$("$MW" -c "$WORK/b.yaml" --json --check import "$WORK/a.ldif")
mw_assert_contains "$out" '"+title: Judge"' "R-MYO-9: --check prints the diff"
"$MW" -c "$WORK/b.yaml" export | cmp -s - "$WORK/b2.ldif" || mw_fail "--check wrote something"
mw_pass "R-MYO-9: --check writes nothing"
out=$("$MW" -c "$WORK/b.yaml" --json import "$WORK/a.ldif") || mw_fail "the second restore failed"
mw_assert_eq "$(json_get "$out" 'd["changed"]')" True "R-MYO-9: the differing entries are updated"
mw_assert_eq "$(json_get "$out" 'sorted(e["dn"] for e in d["entries"])')" \
  "['ou=court,ou=tenants,$BASE', 'uid=7000001,ou=users,$BASE', 'uid=7000002,ou=users,$BASE']" \
  "R-MYO-9: exactly the changed entries are touched"
mw_assert_contains "$out" '"+userPassword: (hidden)"' "R-MYO-9: the password is put back, hidden"
mw_assert_contains "$out" "\"-mwAlias: conference@$DOMAIN\"" \
  "R-MYO-9: an alias the backup lacks is removed (aliases are managed)"
ldapwhoami -x -H "$SLAPD_URI" -D "uid=7000001,ou=users,$BASE" -y "$WORK/old.pw" > /dev/null ||
  mw_fail "the password from the file does not bind"
mw_pass "R-MYO-9: the file's password binds again"
"$MW" -c "$WORK/b.yaml" export | grep -v '^carLicense' | cmp -s - "$WORK/a.ldif" ||
  mw_fail "B does not equal A again (apart from carLicense)"
mw_pass "R-MYO-9: B equals A again"
mw_assert_contains "$(ldapsearch -LLL -x -H "$SLAPD_URI" -b "uid=7000002,ou=users,$BASE" \
  -s base carLicense)" "carLicense: MW-1" "R-MYO-9: an attribute mailwarden does not manage stays"
out=$("$MW" -c "$WORK/b.yaml" --json import "$WORK/a.ldif")
mw_assert_eq "$(json_get "$out" 'd["changed"]')" False "R-MYO-9: the third run changes nothing"

# A counter never goes back: B has handed out more numbers since the backup.
"$MW" -c "$WORK/b.yaml" user add --region 5 --tenant court --cn 'New One' --sn One > /dev/null
out=$("$MW" -c "$WORK/b.yaml" --json import "$WORK/a.ldif")
mw_assert_eq "$(json_get "$out" 'd["changed"]')" False "R-PSH-1: an older backup changes nothing"
mw_assert_contains "$out" "never goes back" "R-PSH-1: and says why the counter stays"

# Hostile files: the line is named, nothing is written, exit 65.
snapshot() { "$MW" -c "$WORK/b.yaml" export | md5sum; }
before=$(snapshot)
hostile() {  # WHAT EXPECTED-MESSAGE (LDIF on stdin)
  local rc=0
  cat > "$WORK/h.ldif"
  "$MW" -c "$WORK/b.yaml" import "$WORK/h.ldif" > /dev/null 2> "$WORK/err" || rc=$?
  mw_assert_eq "$rc" 65 "R-MYO-9: $1: exit 65"
  mw_assert_contains "$(cat "$WORK/err")" "$2" "R-MYO-9: $1: the message names the line"
}
hostile "a DN outside the base" "line 6: uid=x,dc=elsewhere is outside ldap.base_dn" <<LDIF
version: 1

dn: uid=7000001,ou=users,$BASE
objectClass: top

dn: uid=x,dc=elsewhere
objectClass: top
uid: x
LDIF
hostile "an unknown object class" "line 6: objectClass 'extensibleObject'" <<LDIF
# a comment
dn: uid=7000009,ou=users,$BASE
uid: 7000009
objectClass: top
objectClass: inetOrgPerson
objectClass: extensibleObject
cn: x
sn: x
LDIF
hostile "a change record" "line 2: changetype" <<LDIF
dn: uid=7000001,ou=users,$BASE
changetype: delete
LDIF
hostile "broken base64" "line 3: the base64" <<LDIF
dn: uid=7000001,ou=users,$BASE
objectClass: top
cn:: %%%
LDIF
mw_assert_eq "$(snapshot)" "$before" "R-MYO-9: hostile files leave the directory unchanged"
