#!/usr/bin/env bash
# lists_389ds.sh: the list and resource suites (lists_common.sh) against the shared 389ds
# fixture (StartTLS), in a subtree of its own that is removed at the end. Rules: R-MYO-1,
# R-MYO-6, R-TJP-6.
set -euo pipefail
# shellcheck source=test/servers/lib.sh
source "$MW_SOURCE_DIR/test/servers/lib.sh"
# shellcheck source=test/integration/provisioner/lib.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"
# shellcheck source=test/integration/provisioner/users_common.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/users_common.sh"
# shellcheck source=test/integration/provisioner/lists_common.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/lists_common.sh"

prov_ds389_env
WORK=$(mw_mktemp_dir prov-lists-389ds)
mw_on_exit "rm -rf $(printf '%q' "$WORK")"
prov_ds389_schema "$WORK"
BASE="ou=lists-$$,$DS_SUFFIX"
# shellcheck disable=SC2016
mw_on_exit 'ds_ldap ldapdelete -r "$BASE" > /dev/null 2>&1 || true'
CONF=$WORK/mailwarden.yaml
export DOMAIN=lists-$$.example
prov_ds389_config "$CONF" "$BASE"
search_dn() { ds_ldap ldapsearch -LLL -b "$BASE" "$1" 1.1 2> /dev/null | grep '^dn:' || true; }
prov_lists_suite
prov_resources_suite
