#!/usr/bin/env bash
# users_389ds.sh: the account suite (users_common.sh) against the shared 389ds fixture
# (StartTLS), in a subtree of its own that is removed at the end. Rules: R-PSH-1, R-PSH-3,
# R-PSH-4, R-MYO-1, R-MYO-2, R-MYO-9.
set -euo pipefail
# shellcheck source=test/servers/lib.sh
source "$MW_SOURCE_DIR/test/servers/lib.sh"
# shellcheck source=test/integration/provisioner/lib.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"
# shellcheck source=test/integration/provisioner/users_common.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/users_common.sh"

prov_ds389_env
WORK=$(mw_mktemp_dir prov-users-389ds)
mw_on_exit "rm -rf $(printf '%q' "$WORK")"
prov_ds389_schema "$WORK"
BASE="ou=mail-$$,$DS_SUFFIX"
# shellcheck disable=SC2016
mw_on_exit 'ds_ldap ldapdelete -r "$BASE" > /dev/null 2>&1 || true'
CONF=$WORK/mailwarden.yaml
export DOMAIN=minfin-$$.example
prov_ds389_config "$CONF" "$BASE"
search_dn() { ds_ldap ldapsearch -LLL -b "$BASE" "$1" 1.1 2> /dev/null | grep '^dn:' || true; }
bind_as() {
  LDAPTLS_CACERT="$DS_CA_FILE" ldapwhoami -x -ZZ -H "$DS_URI" -D "$1" -y "$2" > /dev/null 2>&1
}
prov_users_suite "${PROV_PROCS:-4}" "${PROV_PER:-250}"
prov_lifecycle_suite
prov_alias_suite
prov_bulk_suite

# directory init --load-schema against a 389ds that has the schema, indexes and plugin
# already (loaded above from the shipped files): it finds each by OID / DN and changes
# nothing. (Loading into an empty 389ds is not tested here: the instance is shared.)
out=$("$MW" -c "$CONF" --json directory init --load-schema) || mw_fail "--load-schema failed"
mw_assert_eq "$(json_get "$out" 'd["changed"]')" False \
  "R-MYO-10: --load-schema on 389ds finds schema, indexes and uniqueness already there"
mw_assert_contains "${out,,}" "cn=mwtenant,cn=index,cn=userroot" \
  "R-MYO-10: it checks the tenant index"
