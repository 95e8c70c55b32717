# users_common.sh: the account tests run against both servers (users_slapd.sh,
# users_389ds.sh): directory init (idempotent), tenant ensure, user add (R-PSH-1 number,
# R-PSH-3 pending, defaults from the config), --check and --json, hostile input, and
# PROCS processes adding PER accounts each into one region at once (R-PSH-1: distinct,
# consecutive numbers, no error).
# Needs: $MW, CONF (a mailwarden.yaml), BASE (its ldap.base_dn), search_dn FILTER
# (prints the DNs under BASE matching FILTER), WORK (a scratch directory), DOMAIN (the
# tenant's default mail domain).
# shellcheck shell=bash

# json_get JSON PYEXPR: evaluate PYEXPR on the parsed document d.
json_get() {
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}

snapshot() { search_dn '(objectClass=*)' | sort | md5sum; }

prov_users_suite() {
  local procs=$1 per=$2 out rc before
  printf '# test words\nsummer\npassword\n' > "$WORK/words"
  printf 'password_policy:\n  dictionary_file: "%s"\n' "$WORK/words" >> "$CONF"
  out=$("$MW" -c "$CONF" --json directory init) || mw_fail "directory init failed"
  mw_assert_eq "$(json_get "$out" 'd["changed"]')" True "R-PSH-1: directory init creates"
  mw_assert_contains "$out" "cn=region-7,ou=counters,$BASE" "R-PSH-1: a counter for region 7"
  out=$("$MW" -c "$CONF" --json directory init) || mw_fail "second directory init failed"
  mw_assert_eq "$(json_get "$out" 'd["changed"]')" False "R-PSH-1: directory init is idempotent"

  out=$("$MW" -c "$CONF" --json tenant ensure --id minfin --domain "$DOMAIN" \
        --domain "old.$DOMAIN")
  mw_assert_eq "$(json_get "$out" 'd["changed"]')" True "R-MYO-1: tenant ensure creates"
  out=$("$MW" -c "$CONF" --json tenant ensure --id minfin --domain "$DOMAIN" \
        --domain "old.$DOMAIN")
  mw_assert_eq "$(json_get "$out" 'd["changed"]')" False "R-MYO-1: tenant ensure again: no change"

  # --check changes nothing and names the entry it would add.
  before=$(snapshot)
  out=$("$MW" -c "$CONF" --json --check user add --region 7 --tenant minfin --cn 'Ivan Petrov' \
        --sn Petrov)
  mw_assert_contains "$out" "uid=7000001,ou=users,$BASE" "R-PSH-1: --check names 7000001"
  mw_assert_eq "$(snapshot)" "$before" "--check leaves the directory unchanged"

  out=$("$MW" -c "$CONF" --json user add --region 7 --tenant minfin --cn 'Ivan Petrov' \
        --sn Petrov --external-id HR-1) || mw_fail "user add failed"
  mw_assert_eq "$(json_get "$out" 'd["entries"][0]["mail"]')" 7000001@$DOMAIN \
    "R-PSH-1: the first mailbox of region 7 is 7000001@<tenant default domain>"
  out=$("$MW" -c "$CONF" --json user show 7000001@$DOMAIN)
  mw_assert_eq "$(json_get "$out" 'd["entries"][0]["attributes"]["mwAccountStatus"][0]')" \
    pending "R-PSH-3: a new mailbox is pending until activated"
  mw_assert_eq "$(json_get "$out" 'd["entries"][0]["attributes"]["mwQuotaBytes"][0]')" \
    2000000000 "R-PSH-4: the default quota comes from the config"

  # Hostile input: a clear error, the right exit code, nothing written.
  before=$(snapshot)
  expect_exit() {  # CODE WHAT ARGS...
    local code=$1 what=$2 rc=0
    shift 2
    "$MW" -c "$CONF" "$@" > "$WORK/out" 2> "$WORK/err" || rc=$?
    mw_assert_eq "$rc" "$code" "$what: exit $code ($(head -c 200 "$WORK/err"))"
  }
  expect_exit 65 "R-MYO-1: an unknown tenant" user add --region 7 --tenant nosuch --cn A --sn B
  expect_exit 65 "R-PSH-1: an unknown region" user add --region 9 --tenant minfin --cn A --sn B
  expect_exit 65 "R-MYO-1: a tenant id with filter metacharacters" \
    user add --region 7 --tenant '*)(objectClass=*' --cn A --sn B
  expect_exit 65 "R-MYO-9: an external id already used" \
    user add --region 7 --tenant minfin --cn A --sn B --external-id HR-1
  expect_exit 65 "R-MYO-2: a name with a control character" \
    user add --region 7 --tenant minfin --cn $'A\nB' --sn B
  expect_exit 65 "R-SAV-8: an unknown relationship" \
    user add --region 7 --tenant minfin --cn A --sn B --relationship boss
  expect_exit 64 "a missing --sn is a usage error" user add --region 7 --tenant minfin --cn A
  mw_assert_eq "$(snapshot)" "$before" "hostile input leaves the directory unchanged"
  # A name full of filter metacharacters is data, not a filter: it is stored as given.
  out=$("$MW" -c "$CONF" --json user add --region 6 --tenant minfin --cn '*)(uid=*' \
        --sn 'a\29,b=c+d') || mw_fail "a name with metacharacters is refused"
  mw_assert_eq "$(json_get "$out" 'd["entries"][0]["mail"]')" 6000001@$DOMAIN \
    "R-PSH-1: names with LDAP metacharacters are stored as data"

  # PROCS writers at once in one region.
  local p i start=$SECONDS
  for ((p = 0; p < procs; p++)); do
    (
      for ((i = 0; i < per; i++)); do
        "$MW" -c "$CONF" --json user add --region 7 --tenant minfin --cn "P$p N$i" --sn "N$i" \
          >> "$WORK/w$p.json" 2>> "$WORK/w$p.err" || echo "exit $?" >> "$WORK/w$p.fail"
      done
    ) &
  done
  wait
  echo "$procs x $per accounts in $((SECONDS - start)) s"
  for ((p = 0; p < procs; p++)); do
    [ ! -s "$WORK/w$p.fail" ] || { cat "$WORK/w$p.err" >&2; mw_fail "writer $p had errors"; }
  done
  local total=$((procs * per))
  cat "$WORK"/w*.json | python3 -c '
import json, sys
mails = [json.loads(l)["entries"][0]["mail"] for l in sys.stdin if l.strip()]
nums = sorted(int(m.split("@")[0]) for m in mails)
print(len(mails), len(set(nums)), nums[0], nums[-1])' > "$WORK/summary"
  read -r n distinct first last < "$WORK/summary"
  mw_assert_eq "$n" "$total" "R-PSH-1: $total adds reported a mailbox"
  mw_assert_eq "$distinct" "$total" "R-PSH-1: $total concurrent adds gave $total distinct numbers"
  mw_assert_eq "$first-$last" "7000002-$(printf '7%06d' $((total + 1)))" \
    "R-PSH-1: the numbers are consecutive (no gap, no reuse)"
  mw_assert_eq "$(search_dn '(&(objectClass=mailwardenAccount)(mwRegion=7))' | wc -l)" \
    "$((total + 1))" "R-PSH-1: the directory holds exactly those accounts"
}

# The rest of an account's life on the account made by prov_users_suite's first add
# (7000001, external id HR-1): list/search, modify, block/unblock/activate, passwd,
# delete (tombstone), restore, purge, ensure; --check and "changed" everywhere.
prov_lifecycle_suite() {
  local out before acct=7000001@$DOMAIN
  changed() {  # EXPECTED WHAT ARGS...
    local want=$1 what=$2
    shift 2
    out=$("$MW" -c "$CONF" --json "$@") || mw_fail "$what: exit $?"
    mw_assert_eq "$(json_get "$out" 'd["changed"]')" "$want" "$what"
  }
  field() {
    "$MW" -c "$CONF" --json user show "$acct" | python3 -c 'import json,sys
print(json.load(sys.stdin)["entries"][0]["attributes"].get(sys.argv[1], ["-"])[0])' "$1"
  }

  # list / search: by cn with a wildcard, sorted, paged; metacharacters match nothing.
  "$MW" -c "$CONF" user add --region 5 --tenant minfin --cn 'Anna Zubova' --sn Zubova > /dev/null
  "$MW" -c "$CONF" user add --region 5 --tenant minfin --cn 'Boris Abramov' --sn Abramov > /dev/null
  out=$("$MW" -c "$CONF" --json user list --tenant minfin --sort sn --mail '5*')
  mw_assert_eq "$(json_get "$out" '[e["attributes"]["sn"][0] for e in d["entries"]]')" \
    "['Abramov', 'Zubova']" "R-MYO-5: list by mail wildcard, sorted by sn"
  out=$("$MW" -c "$CONF" --json user list --cn 'Anna*')
  mw_assert_eq "$(json_get "$out" 'len(d["entries"])')" 1 "R-MYO-5: search by cn prefix"
  mw_assert_eq "$(json_get "$out" 'd["entries"][0]["quota_kb"]')" 2000000 \
    "R-MYO-5: the quota is shown in KB"
  out=$("$MW" -c "$CONF" --json user list --cn '*)(objectClass=*')
  mw_assert_eq "$(json_get "$out" 'len(d["entries"])')" 0 \
    "R-MYO-5: filter metacharacters in a search are data"

  # modify: --check first (nothing written), then for real, then again (no change).
  before=$(snapshot)
  changed True "modify --check reports the change" --check user modify "$acct" --title Chief
  mw_assert_eq "$(field title)" - "--check wrote nothing"
  changed True "R-MYO-2: modify sets the title" user modify "$acct" --title Chief
  mw_assert_eq "$(field title)" Chief "R-MYO-2: the title is stored"
  changed False "R-MYO-9: the same modify again changes nothing" user modify "$acct" --title Chief

  # status: activate, block, unblock (status, not login locking).
  changed True "R-PSH-3: activate" user activate "$acct"
  mw_assert_eq "$(field mwAccountStatus)" active "R-PSH-3: the account is active"
  changed True "R-TJP-5: block" user block "$acct"
  mw_assert_eq "$(field mwAccountStatus)" blocked "R-TJP-5: the account is blocked"
  changed False "R-TJP-5: block again changes nothing" user block "$acct"
  changed True "R-TJP-5: unblock" user unblock "$acct"
  mw_assert_eq "$(field mwAccountStatus)" active "R-TJP-5: unblocked -> active"

  # passwd: from stdin; a generated one is shown once and works for a bind.
  printf 'S3cure-Pass.word\n' | "$MW" -c "$CONF" user passwd "$acct" --password-stdin \
    > /dev/null || mw_fail "passwd from stdin"
  out=$("$MW" -c "$CONF" --json user passwd "$acct" --generate)
  local pw
  pw=$(json_get "$out" 'd["entries"][0]["password"]')
  [ ${#pw} -ge 16 ] || mw_fail "the generated password is short"
  printf '%s' "$pw" > "$WORK/pw"
  bind_as "uid=7000001,ou=users,$BASE" "$WORK/pw" || mw_fail "the generated password does not bind"
  mw_pass "passwd: RFC 3062 password set; the generated one binds"
  local rc=0
  "$MW" -c "$CONF" user passwd "$acct" > /dev/null 2>&1 || rc=$?
  mw_assert_eq "$rc" 64 "passwd without a source is a usage error (never argv)"
  # The policy, checked before anything is written; the message names the rule.
  weak() {  # PASSWORD RULE
    local rc=0
    printf '%s\n' "$1" | "$MW" -c "$CONF" user passwd "$acct" --password-stdin \
      > /dev/null 2> "$WORK/err" || rc=$?
    mw_assert_eq "$rc" 65 "R-SAV-5 R-MYO-3: a password failing $2 is refused"
    mw_assert_contains "$(cat "$WORK/err")" "password_policy.$2" "R-SAV-5: the message names $2"
    grep -q -F -- "$1" "$WORK/err" && mw_fail "the refused password appears in the message"
    return 0
  }
  weak 'Sh0rt!' min_length
  weak 'NoDigits!here' min_digits
  weak 'nouppercase1!' min_upper
  weak 'NoSpecial123' min_special
  weak 'Пароль123!Ab' reject_cyrillic
  weak 'Summer2026!' dictionary_file
  weak 'Petrov#2026x' reject_personal_data
  bind_as "uid=7000001,ou=users,$BASE" "$WORK/pw" ||
    mw_fail "a refused password changed the stored one"
  mw_pass "R-SAV-5: refused passwords leave the stored password unchanged"

  # delete: a tombstone (hidden from list, address reserved), restore, purge.
  changed True "R-MYO-4: delete makes a tombstone" user delete "$acct"
  mw_assert_eq "$(field mwAccountStatus)" deleted "R-MYO-4: status deleted"
  out=$("$MW" -c "$CONF" --json user list --tenant minfin --mail "$acct")
  mw_assert_eq "$(json_get "$out" 'len(d["entries"])')" 0 "R-MYO-4: a tombstone is hidden"
  changed False "R-MYO-4: purge keeps a fresh tombstone" user purge
  changed True "R-MYO-4: restore" user restore "$acct"
  mw_assert_eq "$(field mwAccountStatus)" active "R-MYO-4: restored to active"
  changed True "R-MYO-4: delete again" user delete "$acct"
  changed True "R-MYO-4: purge after the retention removes it" user purge --now 20990101000000Z
  rc=0
  "$MW" -c "$CONF" user show "$acct" > /dev/null 2>&1 || rc=$?
  mw_assert_eq "$rc" 65 "R-MYO-4: the purged account is gone"

  # ensure: creates, then no change, then updates exactly what differs.
  changed True "R-MYO-9: ensure creates" user ensure --external-id HR-77 --region 3 \
    --tenant minfin --cn 'Olga Kim' --sn Kim --title Clerk
  changed False "R-MYO-9: ensure again changes nothing" user ensure --external-id HR-77 \
    --region 3 --tenant minfin --cn 'Olga Kim' --sn Kim --title Clerk
  changed True "R-MYO-9: ensure updates what differs" user ensure --external-id HR-77 \
    --region 3 --tenant minfin --cn 'Olga Kim' --sn Kim --title Head
  mw_assert_contains "$out" '"+title: Head"' "R-MYO-9: the diff names the change"
  rc=0
  "$MW" -c "$CONF" user ensure --external-id HR-77 --region 4 --tenant minfin --cn 'Olga Kim' \
    --sn Kim > /dev/null 2>&1 || rc=$?
  mw_assert_eq "$rc" 65 "R-PSH-1: ensure never moves a mailbox to another region"
}

# R-SAV-6 aliases: first.last by ICU transliteration, adjusted against every live address,
# alias and tombstone; explicit add/remove with the same uniqueness; hostile input.
prov_alias_suite() {
  local out rc before
  out=$("$MW" -c "$CONF" --json user add --region 2 --tenant minfin --cn 'Ľubomír Šťastný' \
        --sn 'Šťastný' --with-alias)
  mw_assert_eq \
    "$(json_get "$out" '[c for c in d["entries"][0]["changes"] if c.startswith("+mwAlias: l")][0]')" \
    "+mwAlias: lubomir.stastny@$DOMAIN" "R-SAV-6: Ľubomír Šťastný -> lubomir.stastny"
  out=$("$MW" -c "$CONF" --json user add --region 2 --tenant minfin --cn 'Lubomir Stastny' \
        --sn Stastny --with-alias)
  mw_assert_contains "$out" "+mwAlias: lubomir.stastny2@$DOMAIN" \
    "R-SAV-6: a taken first.last is adjusted to first.last2"
  local second
  second=$(json_get "$out" 'd["entries"][0]["mail"]')
  # A tombstone keeps its alias reserved (R-MYO-4).
  "$MW" -c "$CONF" user delete "$second" > /dev/null
  out=$("$MW" -c "$CONF" --json user add --region 2 --tenant minfin --cn 'Lubomír Šťastny' \
        --sn 'Šťastny' --with-alias)
  mw_assert_contains "$out" "+mwAlias: lubomir.stastny3@$DOMAIN" \
    "R-SAV-6 R-MYO-4: a tombstone's alias stays reserved"
  out=$("$MW" -c "$CONF" --json user add --region 2 --tenant minfin --cn 'Іван Пятроў' \
        --sn 'Пятроў' --with-alias)
  mw_assert_contains "$out" "+mwAlias: ivan.p" "R-SAV-6: a Belarusian name gets an ASCII alias"
  local ivan
  ivan=$(json_get "$out" 'd["entries"][0]["mail"]')

  # Explicit aliases: add, idempotent add, a taken one refused, remove.
  changed True "R-SAV-6: alias add" alias add "$ivan" "Conference2026@$DOMAIN"
  changed False "R-SAV-6: the same alias again changes nothing" alias add "$ivan" \
    "conference2026@$DOMAIN"
  before=$(snapshot)
  for taken in "lubomir.stastny@$DOMAIN" "lubomir.stastny2@$DOMAIN" "$second"; do
    rc=0
    "$MW" -c "$CONF" alias add "$ivan" "$taken" > /dev/null 2> "$WORK/err" || rc=$?
    mw_assert_eq "$rc" 65 "R-SAV-6: a taken address ($taken) is refused: $(cat "$WORK/err")"
  done
  rc=0
  "$MW" -c "$CONF" alias add "$ivan" "x@not-our-domain.example" > /dev/null 2>&1 || rc=$?
  mw_assert_eq "$rc" 65 "R-MYO-1: an alias outside the tenant's domains is refused"
  rc=0
  "$MW" -c "$CONF" alias add "$ivan" '*)(mail=*@x' > /dev/null 2>&1 || rc=$?
  mw_assert_eq "$rc" 65 "R-SAV-6: an address with filter metacharacters is refused"
  mw_assert_eq "$(snapshot)" "$before" "refused aliases leave the directory unchanged"
  changed True "R-SAV-6: alias remove" alias remove "$ivan" "conference2026@$DOMAIN"
  changed False "R-SAV-6: removing it again changes nothing" alias remove "$ivan" \
    "conference2026@$DOMAIN"
}

# R-MYO-9 bulk: import CSV and YAML (all rows checked first, idempotent through the
# external id), a bad row writes nothing, export is deterministic LDIF.
prov_bulk_suite() {
  local out rc before
  cat > "$WORK/people.csv" <<'CSV'
external_id,region,tenant,cn,sn,title,quota_bytes,alias
CSV-1,4,minfin,"Petrov, Ivan",Petrov,"Chief, ""acting""",20000000,no
CSV-2,4,minfin,Anna Kim,Kim,,,yes
CSV-3,4,minfin,João Conceição,Conceição,,,yes
CSV
  changed True "R-MYO-9: import creates the rows" import "$WORK/people.csv"
  mw_assert_eq "$(search_dn '(&(objectClass=mailwardenAccount)(mwRegion=4))' | wc -l)" 3 \
    "R-MYO-9: three accounts imported"
  mw_assert_contains "$out" "+mwAlias: joao.conceicao@$DOMAIN" "R-SAV-6: import makes aliases"
  changed False "R-MYO-9: importing the same file again changes nothing" import "$WORK/people.csv"
  sed -i 's/^CSV-2,4,minfin,Anna Kim,Kim,,/CSV-2,4,minfin,Anna Kim,Kim,Clerk,/' "$WORK/people.csv"
  changed True "R-MYO-9: a changed row is updated" import "$WORK/people.csv"
  mw_assert_contains "$out" '"+title: Clerk"' "R-MYO-9: only the difference is written"

  before=$(snapshot)
  cat > "$WORK/bad.csv" <<'CSV'
external_id,region,tenant,cn,sn
CSV-10,4,minfin,Good,Row
CSV-11,4,minfin,"*)(uid=*",Fine
CSV-12,9,minfin,Bad,Region
CSV-13,4,nosuchtenant,Bad,Tenant
CSV
  rc=0
  "$MW" -c "$CONF" import "$WORK/bad.csv" > "$WORK/out" 2> "$WORK/err" || rc=$?
  mw_assert_eq "$rc" 65 "R-MYO-9: a file with bad rows exits 65"
  mw_assert_contains "$(cat "$WORK/err")" "row 4: region" \
    "R-MYO-9: the error names the row and rule"
  mw_assert_contains "$(cat "$WORK/err")" "row 5: tenant 'nosuchtenant' is unknown" \
    "R-MYO-1: the unknown tenant's row is named too"
  mw_assert_eq "$(snapshot)" "$before" "R-MYO-9: nothing is written when any row is bad"

  cat > "$WORK/people.yaml" <<'YAML'
- {external_id: YML-1, region: 4, tenant: minfin, cn: Olga Sidorova, sn: Sidorova}
YAML
  changed True "R-MYO-9: YAML import" import "$WORK/people.yaml"
  changed False "R-MYO-9: YAML import again changes nothing" import "$WORK/people.yaml"

  "$MW" -c "$CONF" export > "$WORK/a.ldif" || mw_fail "export failed"
  "$MW" -c "$CONF" export > "$WORK/b.ldif"
  cmp -s "$WORK/a.ldif" "$WORK/b.ldif" || mw_fail "two exports differ"
  mw_assert_contains "$(cat "$WORK/a.ldif")" "mwExternalId: CSV-1" "R-MYO-9: export holds the data"
  mw_assert_contains "$(head -n 3 "$WORK/a.ldif")" "dn: $BASE" "R-MYO-9: export starts at the base"
  mw_pass "R-MYO-9: export is deterministic LDIF"
}
