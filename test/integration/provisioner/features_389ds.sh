#!/usr/bin/env bash
# features_389ds.sh: the issue 3 additions (features_common.sh) against the shared 389ds
# fixture (StartTLS), in a subtree of its own that is removed at the end.
# Rules: R-TJP-1, R-PSH-2, R-SAV-7, R-SAV-8, R-SAV-5, R-MYO-9, R-PSH-1.
set -euo pipefail
# shellcheck source=test/servers/lib.sh
source "$MW_SOURCE_DIR/test/servers/lib.sh"
# shellcheck source=test/integration/provisioner/lib.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"
# shellcheck source=test/integration/provisioner/features_common.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/features_common.sh"

prov_ds389_env
WORK=$(mw_mktemp_dir prov-features-389ds)
mw_on_exit "rm -rf $(printf '%q' "$WORK")"
prov_ds389_schema "$WORK"
BASE="ou=feat-$$,$DS_SUFFIX"
# shellcheck disable=SC2016
mw_on_exit 'ds_ldap ldapdelete -r "$BASE" > /dev/null 2>&1 || true'
CONF=$WORK/mailwarden.yaml
# Domains of their own: the fixture's uniqueness spans the whole suffix.
export DOMAIN=feat-$$.example
prov_ds389_config "$CONF" "$BASE"
search_dn() { ds_ldap ldapsearch -LLL -b "$BASE" "$1" 1.1 2> /dev/null | grep '^dn:' || true; }
attr_of() {
  ds_ldap ldapsearch -LLL -o ldif-wrap=no -s base -b "$1" '(objectClass=*)' "$2" 2> /dev/null |
    ldif_values "$2"
}
dump_all() { ds_ldap ldapsearch -LLL -o ldif-wrap=no -b "$BASE" '(objectClass=*)' '*' 2> /dev/null; }
bind_as() {
  LDAPTLS_CACERT="$DS_CA_FILE" ldapwhoami -x -ZZ -H "$DS_URI" -D "$1" -y "$2" > /dev/null 2>&1
}
prov_features_suite
