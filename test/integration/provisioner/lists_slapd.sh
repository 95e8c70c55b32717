#!/usr/bin/env bash
# lists_slapd.sh: the list and resource suites (lists_common.sh) against a private slapd
# with the mailwarden schema, indexes and uniqueness overlay. Rules: R-MYO-1, R-MYO-6,
# R-TJP-6.
set -euo pipefail
# shellcheck source=test/servers/slapd.sh
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
# shellcheck source=test/integration/provisioner/lib.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"
# shellcheck source=test/integration/provisioner/users_common.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/users_common.sh"
# shellcheck source=test/integration/provisioner/lists_common.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/lists_common.sh"

WORK=$(mw_mktemp_dir prov-lists-slapd)
mw_on_exit "rm -rf $(printf '%q' "$WORK")"
prov_slapd_start "$(mw_mktemp_dir slapd)"
BASE="ou=mail,$SLAPD_SUFFIX"
CONF=$WORK/mailwarden.yaml
export DOMAIN=minfin.example
prov_slapd_config "$CONF" "$BASE"
search_dn() {
  ldapsearch -LLL -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE" \
    -b "$BASE" "$1" 1.1 2> /dev/null | grep '^dn:' || true
}
prov_lists_suite
prov_resources_suite
