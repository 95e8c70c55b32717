# lists_common.sh: the distribution list and resource tests run against both servers
# (lists_slapd.sh, lists_389ds.sh): list add/ensure/show/modify/member/delete/list and
# resource-group / resource add/ensure/show/list/modify/delete; a taken address refused
# with 65 and nothing written; hostile names (filter metacharacters) as data or refused;
# --check prints the diff and changes nothing; --json changed true, then false on a re-run.
# Needs what users_common.sh needs ($MW, CONF, BASE, search_dn, WORK, DOMAIN) and its
# json_get / snapshot (source it first).
# shellcheck shell=bash

# lists_setup: the base, a tenant with two domains, another tenant, three accounts
# (ACCT1, ACCT2, ACCT3 = their addresses; ACCT2_UID = the second one's login).
lists_setup() {
  local out
  "$MW" -c "$CONF" directory init > /dev/null || mw_fail "directory init failed"
  "$MW" -c "$CONF" tenant ensure --id minfin --domain "$DOMAIN" --domain "old.$DOMAIN" \
    > /dev/null || mw_fail "tenant ensure failed"
  "$MW" -c "$CONF" tenant ensure --id other --domain "other.$DOMAIN" > /dev/null
  for i in 1 2 3; do
    out=$("$MW" -c "$CONF" --json user add --region 7 --tenant minfin --cn "Person $i" \
          --sn "P$i") || mw_fail "user add $i failed"
    printf -v "ACCT$i" '%s' "$(json_get "$out" 'd["entries"][0]["mail"]')"
  done
  ACCT2_UID=${ACCT2%@*}
}

# expect_code CODE WHAT ARGS...: mailwarden ARGS exits CODE.
expect_code() {
  local code=$1 what=$2 rc=0
  shift 2
  "$MW" -c "$CONF" "$@" > "$WORK/out" 2> "$WORK/err" || rc=$?
  mw_assert_eq "$rc" "$code" "$what: exit $code ($(head -c 300 "$WORK/err"))"
}

# changed_is WANT WHAT ARGS...: mailwarden --json ARGS succeeds with "changed": WANT; the
# document is left in $out.
changed_is() {
  local want=$1 what=$2
  shift 2
  out=$("$MW" -c "$CONF" --json "$@") || mw_fail "$what: exit $?"
  mw_assert_eq "$(json_get "$out" 'd["changed"]')" "$want" "$what"
}

# list_field ADDRESS PYEXPR: PYEXPR on the attributes `a` of `list show ADDRESS`.
list_field() {
  "$MW" -c "$CONF" --json list show "$1" | python3 -c 'import json,sys
a = json.load(sys.stdin)["entries"][0]["attributes"]; print(eval(sys.argv[1]))' "$2"
}

prov_lists_suite() {
  local out before list=all-staff@$DOMAIN
  lists_setup

  # --check names the entry and writes nothing.
  before=$(snapshot)
  changed_is True "R-MYO-6: list add --check reports the add" --check list add --tenant minfin \
    --mail all-staff --display-name 'All staff' --member "$ACCT1"
  mw_assert_contains "$out" "mail=$list,ou=lists,$BASE" "--check names the list's DN"
  mw_assert_contains "$out" "+mwListPolicy: internal" "--check prints the diff"
  mw_assert_eq "$(snapshot)" "$before" "list add --check leaves the directory unchanged"

  # add: members by address and by login, an outside member, an owner.
  changed_is True "R-MYO-6: list add creates the list" list add --tenant minfin \
    --mail all-staff --display-name 'All staff' --member "$ACCT1" --member "$ACCT2_UID" \
    --member Partner@Outside.Example --owner "$ACCT1"
  mw_assert_eq "$(json_get "$out" 'd["entries"][0]["mail"]')" "$list" \
    "R-MYO-1: a local part gets the tenant's default domain"
  mw_assert_eq "$(list_field "$list" 'a["mwListPolicy"][0]')" internal \
    "R-MYO-6: a new list is internal-only by default"
  mw_assert_eq "$(list_field "$list" 'len(a["member"])')" 2 "R-MYO-6: two account members"
  mw_assert_eq "$(list_field "$list" 'a["mwExternalMember"]')" "['partner@outside.example']" \
    "R-MYO-6: an outside member is kept as an address"
  mw_assert_eq "$(list_field "$list" 'a["displayName"][0]')" 'All staff' "R-MYO-6: display name"
  mw_assert_eq "$(list_field "$list" 'a["mwTenant"][0]')" minfin "R-MYO-1: the list's tenant"

  # A taken address: 65, nothing written (a list, an account, an alias, a tombstone).
  "$MW" -c "$CONF" alias add "$ACCT3" "helpdesk@$DOMAIN" > /dev/null || mw_fail "alias add"
  "$MW" -c "$CONF" user delete "$ACCT2" > /dev/null || mw_fail "user delete"
  before=$(snapshot)
  local taken
  for taken in all-staff "ALL-STAFF@$DOMAIN" "$ACCT1" "helpdesk@$DOMAIN" "$ACCT2"; do
    expect_code 65 "R-MYO-6 R-MYO-4: a list address taken ($taken) is refused" \
      list add --tenant minfin --mail "$taken"
  done
  mw_assert_contains "$(cat "$WORK/err")" "already taken by uid=$ACCT2_UID" \
    "R-MYO-4: a tombstone keeps its address"
  # Hostile and wrong input: a clear error, nothing written.
  expect_code 65 "a list address with filter metacharacters" \
    list add --tenant minfin --mail '*)(mail=*'
  expect_code 65 "a list address with a DN metacharacter" list add --tenant minfin --mail 'a,b=c'
  expect_code 65 "R-MYO-1: a tenant id with filter metacharacters" \
    list add --tenant '*)(objectClass=*' --mail x1
  expect_code 65 "R-MYO-1: an unknown tenant" list add --tenant nosuch --mail x1
  expect_code 65 "R-MYO-1: a domain of another tenant" \
    list add --tenant minfin --mail "x1@other.$DOMAIN"
  expect_code 65 "R-MYO-6: an unknown policy" list add --tenant minfin --mail x1 --policy public
  expect_code 65 "a member with filter metacharacters names no account" \
    list add --tenant minfin --mail x1 --member '*)(uid=*'
  expect_code 65 "a member in our domain that nobody holds is a typo" \
    list add --tenant minfin --mail x1 --member "nobody@$DOMAIN"
  expect_code 65 "a deleted account is not a member" \
    list add --tenant minfin --mail x1 --member "$ACCT2"
  expect_code 65 "R-MYO-6: a list is not a member of a list" \
    list add --tenant minfin --mail x1 --member "$list"
  expect_code 65 "an owner must be an account" \
    list add --tenant minfin --mail x1 --owner partner@outside.example
  expect_code 64 "a missing --tenant is a usage error" list add --mail x1
  mw_assert_eq "$(snapshot)" "$before" "refused lists leave the directory unchanged"
  "$MW" -c "$CONF" user restore "$ACCT2" > /dev/null || mw_fail "user restore"
  # R-MYO-4: the delete took ACCT2 off the list and a restore does not put it back.
  mw_assert_eq "$(list_field "$list" 'len(a["member"])')" 1 "a deleted account left the list"
  "$MW" -c "$CONF" list member add "$list" "$ACCT2" > /dev/null || mw_fail "member add"

  # A display name full of metacharacters is data.
  changed_is True "a display name with metacharacters is stored as given" list add \
    --tenant minfin --mail odd-names --display-name '*)(cn=*\29,x=y+z' --member "$ACCT3"
  mw_assert_eq "$(list_field "odd-names@$DOMAIN" 'a["cn"][0]')" '*)(cn=*\29,x=y+z' \
    "the display name reads back exactly"
  out=$("$MW" -c "$CONF" --json list list --tenant '*)(x=*' 2>&1 || true)
  mw_assert_contains "$out" "is not valid" "list list: a hostile tenant id is refused"

  # ensure: the same state changes nothing; another state is written exactly.
  changed_is False "R-MYO-9: list ensure of the same state changes nothing" list ensure \
    --tenant minfin --mail all-staff --display-name 'All staff' --member "$ACCT2" \
    --member "$ACCT1" --member partner@outside.example --owner "$ACCT1"
  changed_is True "R-MYO-6: list ensure writes what differs" list ensure --tenant minfin \
    --mail all-staff --display-name 'All staff' --member "$ACCT1" --member "$ACCT3" \
    --policy open
  mw_assert_contains "$out" "+mwListPolicy: open" "the ensure diff names the policy"
  mw_assert_contains "$out" "-mwExternalMember: partner@outside.example" \
    "the ensure diff drops the outside member"
  changed_is False "R-MYO-9: list ensure again changes nothing" list ensure --tenant minfin \
    --mail all-staff --display-name 'All staff' --member "$ACCT1" --member "$ACCT3" \
    --policy open
  expect_code 65 "R-MYO-1: ensure of the list in another tenant is refused" \
    list ensure --tenant other --mail "all-staff@$DOMAIN"

  # modify: --check, for real, again.
  before=$(snapshot)
  changed_is True "list modify --check reports" --check list modify "$list" --policy internal
  mw_assert_eq "$(list_field "$list" 'a["mwListPolicy"][0]')" open "--check wrote nothing"
  changed_is True "R-MYO-6: list modify sets the policy" list modify "$list" --policy internal
  changed_is False "list modify again changes nothing" list modify "$list" --policy internal
  changed_is True "list modify --owner" list modify "$list" --owner "$ACCT3"
  mw_assert_eq "$(list_field "$list" 'a["owner"]')" "['uid=${ACCT3%@*},ou=users,$BASE']" \
    "the owner is stored as the account's DN"
  changed_is True "list modify --no-owners" list modify "$list" --no-owners
  mw_assert_eq "$(list_field "$list" '"owner" in a')" False "the owners are gone"
  expect_code 64 "list modify without a change is a usage error" list modify "$list"

  # members: add/remove are atomic and idempotent; the last member leaves a placeholder.
  changed_is False "R-MYO-6: adding a member already in changes nothing" \
    list member add "$list" "$ACCT1"
  changed_is True "R-MYO-6: member add (login and outside address)" \
    list member add "$list" "$ACCT2_UID" x@partner.example
  mw_assert_eq "$(list_field "$list" 'len(a["member"])')" 3 "three account members"
  changed_is True "R-MYO-6: member remove" list member remove "$list" "$ACCT1" "$ACCT2" "$ACCT3" \
    x@partner.example
  mw_assert_eq "$(list_field "$list" '"member" in a')" False "an empty list shows no member"
  changed_is False "removing them again changes nothing" list member remove "$list" "$ACCT1"
  changed_is True "member add to an empty list" list member add "$list" "$ACCT1"
  mw_assert_eq "$(list_field "$list" 'a["member"]')" "['uid=${ACCT1%@*},ou=users,$BASE']" \
    "the placeholder left with the first member"

  out=$("$MW" -c "$CONF" --json list list --tenant minfin)
  mw_assert_eq "$(json_get "$out" '[e["attributes"]["mail"][0] for e in d["entries"]]')" \
    "['$list', 'odd-names@$DOMAIN']" "list list: the tenant's lists by address"

  # delete: --check, for real, again (no change).
  before=$(snapshot)
  changed_is True "list delete --check" --check list delete "$list"
  mw_assert_eq "$(snapshot)" "$before" "list delete --check changes nothing"
  changed_is True "list delete" list delete "$list"
  changed_is False "list delete again changes nothing" list delete "$list"
  expect_code 65 "list show of a deleted list" list show "$list"
  changed_is True "a deleted list's address is free again" list add --tenant minfin \
    --mail all-staff --member "$ACCT1"

  # R-MYO-4: a deleted account leaves its lists (as member and owner); again: no change.
  local leaver
  leaver=$(json_get "$("$MW" -c "$CONF" --json user add --region 7 --tenant minfin \
    --cn "Leaving Person" --sn Person)" 'd["entries"][0]["mail"]')
  changed_is True "a leaver joins the list" list member add "$list" "$leaver"
  changed_is True "user delete" user delete "$leaver"
  mw_assert_eq "$(list_field "$list" 'a["member"]')" "['uid=${ACCT1%@*},ou=users,$BASE']" \
    "R-MYO-4 R-MYO-6: the deleted account left the list"
  changed_is False "user delete again changes nothing" user delete "$leaver"
}

# resource_field ADDRESS PYEXPR: PYEXPR on the attributes `a` of `resource show ADDRESS`.
resource_field() {
  "$MW" -c "$CONF" --json resource show "$1" | python3 -c 'import json,sys
a = json.load(sys.stdin)["entries"][0]["attributes"]; print(eval(sys.argv[1]))' "$2"
}

prov_resources_suite() {
  local out before room=room-101@$DOMAIN
  local group_dn="cn=Rooms,ou=minfin,ou=tenants,$BASE"

  # groups
  before=$(snapshot)
  changed_is True "R-MYO-1: resource-group add --check" --check resource-group add \
    --tenant minfin --name Rooms
  mw_assert_eq "$(snapshot)" "$before" "resource-group add --check changes nothing"
  changed_is True "R-MYO-1: resource-group add" resource-group add --tenant minfin --name Rooms \
    --display-name 'Meeting rooms'
  expect_code 65 "R-MYO-1: a second add of the group" resource-group add --tenant minfin \
    --name Rooms
  changed_is False "R-MYO-1: resource-group ensure of the same state" resource-group ensure \
    --tenant minfin --name Rooms --display-name 'Meeting rooms'
  expect_code 65 "R-MYO-1: a group of an unknown tenant" resource-group add --tenant nosuch \
    --name Rooms
  changed_is True "a group name with metacharacters is data" resource-group add \
    --tenant minfin --name '*)(cn=*,x=y'
  out=$("$MW" -c "$CONF" --json resource-group show --tenant minfin --name '*)(cn=*,x=y')
  mw_assert_eq "$(json_get "$out" 'd["entries"][0]["attributes"]["cn"][0]')" '*)(cn=*,x=y' \
    "the hostile group name reads back exactly"
  changed_is True "a resource in the hostile group" resource add --tenant minfin \
    --group '*)(cn=*,x=y' --type equipment --mail beamer --display-name 'Beamer'
  changed_is True "the resource leaves the hostile group" resource delete "beamer@$DOMAIN"
  changed_is True "an empty group is deleted" resource-group delete --tenant minfin \
    --name '*)(cn=*,x=y'

  # resources
  before=$(snapshot)
  changed_is True "R-MYO-1: resource add --check" --check resource add --tenant minfin \
    --group Rooms --type room --mail room-101 --display-name 'Room 101'
  mw_assert_contains "$out" "+mwResourceType: room" "--check prints the resource's diff"
  mw_assert_contains "$out" "+member: mail=$room,$group_dn" "--check prints the group's diff"
  mw_assert_eq "$(snapshot)" "$before" "resource add --check changes nothing"
  changed_is True "R-MYO-1: resource add" resource add --tenant minfin --group Rooms \
    --type room --mail room-101 --display-name 'Room 101' --locality Minsk
  mw_assert_eq "$(json_get "$out" 'd["entries"][0]["mail"]')" "$room" \
    "R-MYO-1: the resource's address in the tenant's default domain"
  mw_assert_eq "$(resource_field "$room" 'a["mwResourceType"][0]')" room "the type is stored"
  mw_assert_eq "$(resource_field "$room" 'a["mwAccountStatus"][0]')" active \
    "a resource's mailbox is active at once"
  mw_assert_eq "$(resource_field "$room" 'a["l"][0]')" Minsk "the city is stored"
  out=$("$MW" -c "$CONF" --json resource-group show --tenant minfin --name Rooms)
  mw_assert_eq "$(json_get "$out" 'd["entries"][0]["attributes"]["member"]')" \
    "['mail=$room,$group_dn']" "R-MYO-1: the group lists its resource"

  # Taken and hostile: 65, nothing written.
  before=$(snapshot)
  for taken in room-101 "$ACCT1" "all-staff@$DOMAIN" "helpdesk@$DOMAIN"; do
    expect_code 65 "a resource address taken ($taken) is refused" resource add \
      --tenant minfin --group Rooms --type room --mail "$taken" --display-name X
  done
  expect_code 65 "a resource address with filter metacharacters" resource add --tenant minfin \
    --group Rooms --type room --mail '*)(mail=*' --display-name X
  expect_code 65 "an unknown resource type" resource add --tenant minfin --group Rooms \
    --type car --mail car-1 --display-name X
  expect_code 65 "an unknown group" resource add --tenant minfin --group '*)(cn=*' \
    --type room --mail room-9 --display-name X
  expect_code 65 "a group of another tenant" resource add --tenant other --group Rooms \
    --type room --mail room-9 --display-name X
  expect_code 65 "a group holding resources is not deleted" resource-group delete \
    --tenant minfin --name Rooms
  mw_assert_eq "$(snapshot)" "$before" "refused resources leave the directory unchanged"

  # ensure, modify, list
  changed_is False "R-MYO-9: resource ensure of the same state changes nothing" resource ensure \
    --tenant minfin --group Rooms --type room --mail room-101 --display-name 'Room 101' \
    --locality Minsk
  changed_is True "resource ensure writes what differs" resource ensure --tenant minfin \
    --group Rooms --type room --mail room-101 --display-name 'Room 101' --description Big
  mw_assert_contains "$out" "-l: Minsk" "the ensure diff removes what is not given"
  changed_is True "resource modify" resource modify "$room" --type equipment
  changed_is False "resource modify again" resource modify "$room" --type equipment
  "$MW" -c "$CONF" resource add --tenant minfin --group Rooms --type room --mail room-102 \
    --display-name 'Room 102' > /dev/null || mw_fail "a second resource"
  out=$("$MW" -c "$CONF" --json resource list --tenant minfin --group Rooms --type room)
  mw_assert_eq "$(json_get "$out" '[e["attributes"]["mail"][0] for e in d["entries"]]')" \
    "['room-102@$DOMAIN']" "resource list by tenant, group and type"
  out=$("$MW" -c "$CONF" --json user list --tenant minfin --mail 'room*')
  mw_assert_eq "$(json_get "$out" 'len(d["entries"])')" 0 "resources are not in user list"

  # delete: the group's member list follows; the empty group can go.
  changed_is True "resource delete" resource delete "$room"
  changed_is True "resource delete (the last one)" resource delete "room-102@$DOMAIN"
  changed_is False "resource delete again changes nothing" resource delete "$room"
  out=$("$MW" -c "$CONF" --json resource-group show --tenant minfin --name Rooms)
  mw_assert_eq "$(json_get "$out" '"member" in d["entries"][0]["attributes"]')" False \
    "the empty group shows no member"
  changed_is True "resource-group delete of the empty group" resource-group delete \
    --tenant minfin --name Rooms
  changed_is False "resource-group delete again changes nothing" resource-group delete \
    --tenant minfin --name Rooms
}
