# features_common.sh: the issue 3 additions run against both servers (features_slapd.sh,
# features_389ds.sh): secondary-domain addresses (R-TJP-1) from user add, import and
# tenant ensure / sync-addresses; the tenant mailbox limit (R-PSH-2) in user add and
# import; the configured relationship and mailbox host lists (R-SAV-8, R-SAV-7); {SSHA512}
# passwords that the server binds with and Dovecot verifies (provisioning.password_scheme);
# an import stopped half-way by the server (names the rows written, a re-run finishes
# it); imports and single adds in one region at once (blocks of numbers stay distinct).
# Needs: $MW, CONF, BASE, WORK, DOMAIN, search_dn FILTER, attr_of DN ATTR (the values of
# ATTR, one per line), dump_all (every entry below BASE with its attributes, as LDIF),
# bind_as DN PWFILE (like users_common.sh).
# shellcheck shell=bash

json_get() {
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}
snapshot() { dump_all | md5sum; }  # every entry and value: any write shows
# ldif_values ATTR: the values of ATTR in the unwrapped LDIF on stdin ("::" decoded).
ldif_values() {
  python3 -c '
import base64, sys
want = sys.argv[1].lower() + ":"
for line in sys.stdin:
    line = line.rstrip("\n")
    if line.lower().startswith(want + ":"):
        print(base64.b64decode(line[len(want) + 1:].strip()).decode())
    elif line.lower().startswith(want):
        print(line[len(want):].strip())' "$1"
}
run() {  # EXPECTED_EXIT WHAT ARGS...: runs mailwarden --json; sets out
  local want=$1 what=$2 rc=0
  shift 2
  out=$("$MW" -c "$CONF" --json "$@" 2> "$WORK/err") || rc=$?
  mw_assert_eq "$rc" "$want" "$what (exit $rc: $(head -c 300 "$WORK/err"))"
}

prov_features_suite() {
  local before dn n
  run 0 "directory init" directory init
  # A tenant with its new (default) and old domain (R-TJP-1).
  run 0 "R-TJP-1: tenant with two domains" tenant ensure --id court --domain "new.$DOMAIN" \
    --domain "old.$DOMAIN"

  # R-TJP-1: user add gives the mail in the default domain and an alias in the other.
  run 0 "R-TJP-1: user add" user add --region 3 --tenant court --cn 'Ana Lima' --sn Lima
  dn="uid=3000001,ou=users,$BASE"
  mw_assert_eq "$(attr_of "$dn" mail)" "3000001@new.$DOMAIN" \
    "R-TJP-1: the new domain is primary (mail)"
  mw_assert_eq "$(attr_of "$dn" mwAlias)" "3000001@old.$DOMAIN" \
    "R-TJP-1: the old domain is an alias"

  # A third domain added to the tenant: every existing account gets its address there,
  # once (tenant ensure), and sync-addresses then has nothing to do.
  run 0 "R-TJP-1: --check of a new domain" --check tenant ensure --id court \
    --domain "new.$DOMAIN" --domain "old.$DOMAIN" --domain "third.$DOMAIN"
  mw_assert_contains "$out" "+mwAlias: 3000001@third.$DOMAIN" "R-TJP-1: --check names the alias"
  mw_assert_eq "$(attr_of "$dn" mwAlias | sort | tr '\n' ' ')" "3000001@old.$DOMAIN " \
    "R-TJP-1: --check wrote nothing"
  run 0 "R-TJP-1: tenant ensure with a third domain" tenant ensure --id court \
    --domain "new.$DOMAIN" --domain "old.$DOMAIN" --domain "third.$DOMAIN"
  mw_assert_eq "$(attr_of "$dn" mwAlias | sort | tr '\n' ' ')" \
    "3000001@old.$DOMAIN 3000001@third.$DOMAIN " "R-TJP-1: the third domain's address added"
  run 0 "R-TJP-1: sync-addresses" tenant sync-addresses --id court
  mw_assert_eq "$(json_get "$out" 'd["changed"]')" False "R-TJP-1: sync-addresses is idempotent"
  run 0 "R-TJP-1: tenant ensure again" tenant ensure --id court \
    --domain "new.$DOMAIN" --domain "old.$DOMAIN" --domain "third.$DOMAIN"
  mw_assert_eq "$(json_get "$out" 'd["changed"]')" False "R-TJP-1: tenant ensure is idempotent"
  # A secondary address someone else holds stops the sync before anything is written.
  run 0 "R-TJP-1: a second account" user add --region 3 --tenant court --cn 'Rui Sa' --sn Sa
  run 0 "an alias in a fourth domain's name" tenant ensure --id court --domain "new.$DOMAIN" \
    --domain "old.$DOMAIN" --domain "third.$DOMAIN" --domain "fourth.$DOMAIN"
  run 0 "R-TJP-1: a later account has every domain at once" user add --region 3 --tenant court \
    --cn 'Eva Reis' --sn Reis
  mw_assert_eq "$(attr_of "uid=3000003,ou=users,$BASE" mwAlias | wc -l)" 3 \
    "R-TJP-1: three secondary addresses on a new account"
  run 0 "a number's future address taken by hand" alias add 3000003@new.$DOMAIN \
    "3000004@fourth.$DOMAIN"
  run 0 "R-TJP-1: a number whose address is taken is skipped" user add --region 3 \
    --tenant court --cn 'Ines Cruz' --sn Cruz
  mw_assert_eq "$(json_get "$out" 'd["entries"][0]["mail"]')" "3000005@new.$DOMAIN" \
    "R-TJP-1: 3000004 skipped (its fourth-domain address is someone's), 3000005 given"
  # Another tenant owns fifth.DOMAIN and one of its accounts holds Rui's address there.
  run 0 "another tenant" tenant ensure --id other --domain "fifth.$DOMAIN"
  run 0 "its account" user add --region 1 --tenant other --cn 'O T' --sn T
  run 0 "Rui's fifth-domain address taken by hand" alias add "1000001@fifth.$DOMAIN" \
    "3000002@fifth.$DOMAIN"
  before=$(snapshot)
  run 65 "R-TJP-1: a taken secondary address is refused" tenant ensure --id court \
    --domain "new.$DOMAIN" --domain "old.$DOMAIN" --domain "third.$DOMAIN" \
    --domain "fourth.$DOMAIN" --domain "fifth.$DOMAIN"
  mw_assert_contains "$(cat "$WORK/err")" "3000002@fifth.$DOMAIN" "R-TJP-1: the message names it"
  mw_assert_eq "$(snapshot)" "$before" "R-TJP-1: nothing written (not even the tenant)"
  mw_assert_eq "$(attr_of "ou=court,ou=tenants,$BASE" mwMailDomain | wc -l)" 4 \
    "R-TJP-1: the tenant keeps its four domains"

  # R-TJP-1 migration: a tenant that had only its old domain gets the new one as default;
  # existing mailboxes get the new address (an alias), and --make-primary makes it the mail.
  run 0 "a tenant on its old domain" tenant ensure --id mig --domain "old-mig.$DOMAIN"
  run 0 "its mailbox" user add --region 5 --tenant mig --cn 'M One' --sn One
  local mig="uid=5000001,ou=users,$BASE"
  run 0 "R-TJP-1: the new domain becomes the default" tenant ensure --id mig \
    --domain "new-mig.$DOMAIN" --domain "old-mig.$DOMAIN"
  mw_assert_eq "$(attr_of "$mig" mwAlias)" "5000001@new-mig.$DOMAIN" \
    "R-TJP-1: an existing mailbox gets the new domain's address"
  mw_assert_eq "$(attr_of "$mig" mail)" "5000001@old-mig.$DOMAIN" "R-TJP-1: its mail stays"
  run 0 "R-TJP-1: sync-addresses --make-primary" tenant sync-addresses --id mig --make-primary
  mw_assert_eq "$(attr_of "$mig" mail)" "5000001@new-mig.$DOMAIN" \
    "R-TJP-1: --make-primary: the new domain's address is the mail"
  mw_assert_eq "$(attr_of "$mig" mwAlias)" "5000001@old-mig.$DOMAIN" \
    "R-TJP-1: --make-primary: the old mail is an alias"
  run 0 "again" tenant sync-addresses --id mig --make-primary
  mw_assert_eq "$(json_get "$out" 'd["changed"]')" False "R-TJP-1: --make-primary is idempotent"

  # R-TJP-1 through import, and purge removes the secondary addresses with the account.
  cat > "$WORK/court.csv" <<CSV
external_id,region,tenant,cn,sn,alias
T-1,3,court,Joana Dias,Dias,yes
CSV
  run 0 "R-TJP-1: import" import "$WORK/court.csv"
  n=$(json_get "$out" '[e["dn"] for e in d["entries"] if e["action"] == "add"][0]')
  mw_assert_eq "$(attr_of "$n" mwAlias | grep -c "@fourth.$DOMAIN")" 1 \
    "R-TJP-1: an imported account has its secondary addresses"
  mw_assert_contains "$(attr_of "$n" mwAlias)" "joana.dias@new.$DOMAIN" \
    "R-SAV-6: and its first.last in the default domain"
  local id=${n#uid=}
  id=${id%%,*}
  run 0 "delete" user delete "$id@new.$DOMAIN"
  run 0 "purge" user purge --now 20990101000000Z
  mw_assert_eq "$(search_dn "(mwAlias=$id@old.$DOMAIN)" | wc -l)" 0 \
    "R-TJP-1 R-MYO-4: purge removes the secondary addresses with the account"

  # R-PSH-2: a limit of live mailboxes; tombstones do not count.
  run 0 "R-PSH-2: a tenant with 3 mailboxes" tenant ensure --id small --domain "small.$DOMAIN" \
    --max-mailboxes 3
  run 0 "R-PSH-2: 1st" user add --region 2 --tenant small --cn 'A One' --sn One
  run 0 "R-PSH-2: 2nd" user add --region 2 --tenant small --cn 'B Two' --sn Two
  before=$(snapshot)
  cat > "$WORK/small.csv" <<CSV
external_id,region,tenant,cn,sn
S-1,2,small,C Three,Three
S-2,2,small,D Four,Four
CSV
  run 65 "R-PSH-2: an import past the limit is refused" import "$WORK/small.csv"
  mw_assert_contains "$(cat "$WORK/err")" "tenant 'small'" "R-PSH-2: the message names the tenant"
  mw_assert_contains "$(cat "$WORK/err")" "limit of 3" "R-PSH-2: and the limit"
  mw_assert_eq "$(snapshot)" "$before" "R-PSH-2: the import wrote nothing"
  run 0 "R-PSH-2: 3rd" user add --region 2 --tenant small --cn 'C Three' --sn Three
  before=$(snapshot)
  run 65 "R-PSH-2: the 4th is refused" user add --region 2 --tenant small --cn 'D Four' --sn Four
  mw_assert_contains "$(cat "$WORK/err")" "limit of 3" "R-PSH-2: the message names the limit"
  mw_assert_eq "$(snapshot)" "$before" "R-PSH-2: nothing written (counter untouched)"
  run 0 "delete one" user delete "2000001@small.$DOMAIN"
  run 0 "R-PSH-2: a tombstone does not count" user add --region 2 --tenant small \
    --cn 'D Four' --sn Four
  run 0 "R-PSH-2: the limit raised" tenant ensure --id small --domain "small.$DOMAIN" \
    --max-mailboxes 10
  mw_assert_eq "$(attr_of "ou=small,ou=tenants,$BASE" mwMaxMailboxes)" 10 "R-PSH-2: stored"
  run 0 "R-PSH-2: an ensure without --max-mailboxes keeps it" tenant ensure --id small \
    --domain "small.$DOMAIN"
  mw_assert_eq "$(json_get "$out" 'd["changed"]')" False "R-PSH-2: limit left as it is"
  run 0 "R-PSH-2: none removes it" tenant ensure --id small --domain "small.$DOMAIN" \
    --max-mailboxes none
  mw_assert_eq "$(attr_of "ou=small,ou=tenants,$BASE" mwMaxMailboxes)" "" "R-PSH-2: removed"
  run 64 "R-PSH-2: a bad limit is a usage error" tenant ensure --id small \
    --domain "small.$DOMAIN" --max-mailboxes lots

  # R-SAV-8 / R-SAV-7: the configured lists.
  cp "$CONF" "$WORK/sav.yaml"
  printf 'provisioning:\n  relationships: "employee intern"\n  mailbox_hosts: "savba usav unix"\n' \
    >> "$WORK/sav.yaml"
  before=$(snapshot)
  local rc=0
  "$MW" -c "$WORK/sav.yaml" user add --region 1 --tenant court --cn 'X Y' --sn Y \
    --relationship contractor > /dev/null 2> "$WORK/err" || rc=$?
  mw_assert_eq "$rc" 65 "R-SAV-8: a relationship outside provisioning.relationships: 65"
  mw_assert_contains "$(cat "$WORK/err")" "employee, intern" "R-SAV-8: the message lists them"
  rc=0
  "$MW" -c "$WORK/sav.yaml" user add --region 1 --tenant court --cn 'X Y' --sn Y \
    --mailbox-host mail9 > /dev/null 2> "$WORK/err" || rc=$?
  mw_assert_eq "$rc" 65 "R-SAV-7: a host outside provisioning.mailbox_hosts: 65"
  cat > "$WORK/sav.csv" <<CSV
external_id,region,tenant,cn,sn,relationship,mailbox_host
V-1,1,court,X Y,Y,intern,usav
V-2,1,court,Z W,W,employee,mail9
CSV
  rc=0
  "$MW" -c "$WORK/sav.yaml" import "$WORK/sav.csv" > /dev/null 2> "$WORK/err" || rc=$?
  mw_assert_eq "$rc" 65 "R-SAV-7: an import row with an unknown host: 65"
  mw_assert_contains "$(cat "$WORK/err")" "row 3: mailbox host 'mail9'" "R-SAV-7: names the row"
  mw_assert_eq "$(snapshot)" "$before" "R-SAV-7 R-SAV-8: nothing written"
  "$MW" -c "$WORK/sav.yaml" user add --region 1 --tenant court --cn 'X Y' --sn Y \
    --relationship intern --mailbox-host UNIX > /dev/null || mw_fail "listed values refused"
  mw_pass "R-SAV-7 R-SAV-8: listed values are accepted"

  # {SSHA512}: hashed by mailwarden, stored as such, binds, verified by Dovecot's scheme.
  cp "$CONF" "$WORK/ssha.yaml"
  printf 'provisioning:\n  password_scheme: ssha512\n' >> "$WORK/ssha.yaml"
  printf 'Blue-Moon.2026x\n' > "$WORK/pw.in"
  "$MW" -c "$WORK/ssha.yaml" user passwd "3000001@new.$DOMAIN" --password-file "$WORK/pw.in" \
    > "$WORK/out" 2>&1 || { cat "$WORK/out" >&2; mw_fail "passwd with ssha512 failed"; }
  mw_assert_contains "$(cat "$WORK/out")" "{SSHA512}, hashed by mailwarden" \
    "{SSHA512}: the report says how it was set"
  grep -q 'Blue-Moon' "$WORK/out" && mw_fail "the password appears in the output"
  local stored
  stored=$(attr_of "$dn" userPassword)
  mw_assert_contains "$stored" "{SSHA512}" "{SSHA512}: userPassword holds the hash"
  printf 'Blue-Moon.2026x' > "$WORK/pw"
  bind_as "$dn" "$WORK/pw" || mw_fail "the {SSHA512} password does not bind"
  mw_pass "{SSHA512}: the server verifies it (bind)"
  # Dovecot's SSHA512 scheme (the test passes the test password in argv; the product never).
  doveadm pw -t "$stored" -p 'Blue-Moon.2026x' > /dev/null 2>&1 ||
    mw_fail "doveadm pw -t does not verify the {SSHA512} value"
  rc=0
  doveadm pw -t "$stored" -p 'wrong-password' > /dev/null 2>&1 || rc=$?
  [ "$rc" -ne 0 ] || mw_fail "doveadm verifies a wrong password"
  mw_pass "{SSHA512}: Dovecot's SSHA512 scheme verifies it (and refuses a wrong one)"

  # An import the server stops half-way: a telephone number its syntax refuses (row 4).
  # Rows before it are written and named; the same file, fixed, finishes the rest.
  cat > "$WORK/half.csv" <<CSV
external_id,region,tenant,cn,sn,telephone
H-1,4,court,H One,One,+375 17 000 00 01
H-2,4,court,H Two,Two,+375 17 000 00 02
H-3,4,court,H Three,Three,☎ 000 00 03
H-4,4,court,H Four,Four,+375 17 000 00 04
CSV
  run 65 "R-MYO-9: a row the server refuses stops the import" import "$WORK/half.csv"
  mw_assert_contains "$(cat "$WORK/err")" "row 4:" "R-MYO-9: the failing row is named"
  mw_assert_contains "$(cat "$WORK/err")" "were written (rows 2-3" \
    "R-MYO-9: the rows written are named"
  mw_assert_eq "$(json_get "$out" 'd["changed"]')" True "R-MYO-9: --json says something changed"
  mw_assert_eq "$(search_dn '(mwExternalId=H-3)' | wc -l)" 0 "R-MYO-9: no half-written account"
  mw_assert_eq "$(search_dn '(mwExternalId=H-1)' | wc -l)" 1 "R-MYO-9: row 2 is there"
  sed -i 's/☎ 000 00 03/+375 17 000 00 03/' "$WORK/half.csv"
  run 0 "R-MYO-9: the fixed file finishes the import" import "$WORK/half.csv"
  mw_assert_eq "$(search_dn '(&(mwRegion=4)(mwTenant=court))' | wc -l)" 4 \
    "R-MYO-9: all four accounts exist, once"
  run 0 "R-MYO-9: and again" import "$WORK/half.csv"
  mw_assert_eq "$(json_get "$out" 'd["changed"]')" False "R-MYO-9: the third run changes nothing"

  # Two imports and a run of single adds in one region at once: blocks of numbers and
  # single numbers never overlap.
  local p i
  for p in a b; do
    python3 - "$p" > "$WORK/conc-$p.csv" <<'PY'
import sys
p = sys.argv[1]
print("external_id,region,tenant,cn,sn")
for i in range(150):
    print(f"C-{p}-{i},6,court,Con {p}{i},Surname{p}{i}")
PY
  done
  ( "$MW" -c "$CONF" import "$WORK/conc-a.csv" > /dev/null 2> "$WORK/conc-a.err" ||
      echo fail >> "$WORK/conc.fail" ) &
  ( "$MW" -c "$CONF" import "$WORK/conc-b.csv" > /dev/null 2> "$WORK/conc-b.err" ||
      echo fail >> "$WORK/conc.fail" ) &
  (
    for ((i = 0; i < 30; i++)); do
      "$MW" -c "$CONF" user add --region 6 --tenant court --cn "Single $i" --sn "S$i" \
        > /dev/null 2>> "$WORK/conc-s.err" || echo fail >> "$WORK/conc.fail"
    done
  ) &
  wait
  [ ! -s "$WORK/conc.fail" ] || { cat "$WORK"/conc-*.err >&2; mw_fail "a concurrent writer failed"; }
  search_dn '(&(objectClass=mailwardenAccount)(mwRegion=6))' | sed 's/^dn: uid=\([0-9]*\),.*/\1/' |
    sort > "$WORK/conc.ids"
  mw_assert_eq "$(wc -l < "$WORK/conc.ids")" 330 "R-PSH-1: 2 x 150 imported + 30 added"
  mw_assert_eq "$(sort -u "$WORK/conc.ids" | wc -l)" 330 "R-PSH-1: 330 distinct numbers"
  mw_assert_eq "$(attr_of "cn=region-6,ou=counters,$BASE" mwNextNumber)" 331 \
    "R-PSH-1: consecutive: the counter stands right after the last number (no gap)"
}
