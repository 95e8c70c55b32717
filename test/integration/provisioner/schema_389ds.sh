#!/usr/bin/env bash
# schema_389ds.sh: the shipped 389ds dialect of ldap-schema/ against the shared 389ds
# fixture (FIXTURES ds389): 99mailwarden.ldif goes into cn=schema over LDAP (StartTLS as
# Directory Manager), indexes.ldif adds the index entries and the attribute uniqueness
# plugin on mail + mwAlias; an account carrying every attribute is accepted; duplicates
# of mail and alias are refused (rc 19) and leave the directory unchanged.
# Rules: R-MYO-10, R-SAV-6, R-TJP-1, R-PSH-1.
set -euo pipefail
# shellcheck source=test/servers/lib.sh
source "$MW_SOURCE_DIR/test/servers/lib.sh"
# shellcheck source=test/integration/provisioner/lib.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"
# shellcheck source=test/integration/provisioner/account_ldif.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/account_ldif.sh"

prov_ds389_env
work=$(mw_mktemp_dir prov-schema-389ds)
mw_on_exit "rm -rf $(printf '%q' "$work")"
prov_ds389_schema "$work"

out=$(ds_ldap ldapsearch -LLL -s base -b cn=schema objectClasses | tr -d '\n ')
for oc in mailwardenAccount mailwardenList mailwardenTenant mailwardenCounter; do
  mw_assert_contains "$out" "NAME'$oc'" "R-MYO-10: $oc is live in 389ds cn=schema"
done
out=$(ds_ldap ldapsearch -LLL -b 'cn=index,cn=userRoot,cn=ldbm database,cn=plugins,cn=config' \
  '(cn=mwTenant)' nsIndexType)
mw_assert_contains "$out" "nsIndexType: eq" "R-MYO-10: equality index on the tenant in 389ds"

# A private subtree of the shared instance, removed at the end.
base="ou=schema-test-$$,$DS_SUFFIX"
# shellcheck disable=SC2016
mw_on_exit 'ds_ldap ldapdelete -r "$base" > /dev/null 2>&1 || true'
ds_ldap ldapadd > /dev/null <<LDIF
dn: $base
objectClass: organizationalUnit
ou: schema-test-$$
LDIF
prov_account_ldif "uid=7000001,$base" 7000001 "7000001-$$@minfin.example" \
  "ivan.petrov-$$@minfin.example" "HR-$$" | ds_ldap ldapadd > /dev/null ||
  mw_fail "389ds refuses an account with every attribute"
out=$(ds_ldap ldapsearch -LLL -b "uid=7000001,$base" -s base '*')
for a in mwAlias mwSendAs mwAccountStatus mwRegion mwTenant mwQuotaBytes mwQuotaMessages \
         mwDailySendLimit mwInternalOnly mwAllowedRecipient mwMailboxHost mwRelationship \
         mwExternalId mwDeletedAt mwPurgeAfter; do
  mw_assert_contains "$out" "$a: " "R-PSH-1: the 389ds account stores $a"
done

dup() {  # WHAT UID MAIL ALIAS
  local before after rc=0
  before=$(ds_ldap ldapsearch -LLL -b "$base" '(objectClass=*)' dn | sort | md5sum)
  prov_account_ldif "uid=$2,$base" "$2" "$3" "$4" "X-$2-$$" |
    ds_ldap ldapadd > "$work/dup.log" 2>&1 || rc=$?
  mw_assert_eq "$rc" 19 "R-SAV-6: 389ds refuses $1 (constraint violation)"
  after=$(ds_ldap ldapsearch -LLL -b "$base" '(objectClass=*)' dn | sort | md5sum)
  mw_assert_eq "$after" "$before" "R-SAV-6: 389ds is unchanged after: $1"
}
dup "a second account with the same mail" 7000002 "7000001-$$@minfin.example" "o2-$$@x"
dup "an alias equal to another account's mail" 7000003 "7000003-$$@minfin.example" \
  "7000001-$$@minfin.example"
dup "a mail equal to another account's alias" 7000004 "ivan.petrov-$$@minfin.example" "o4-$$@x"
dup "the same alias twice" 7000005 "7000005-$$@minfin.example" "ivan.petrov-$$@minfin.example"
