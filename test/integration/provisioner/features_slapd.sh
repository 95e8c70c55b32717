#!/usr/bin/env bash
# features_slapd.sh: the issue 3 additions (features_common.sh) against a private slapd
# with the mailwarden schema, indexes and uniqueness overlay.
# Rules: R-TJP-1, R-PSH-2, R-SAV-7, R-SAV-8, R-SAV-5, R-MYO-9, R-PSH-1.
set -euo pipefail
# shellcheck source=test/servers/slapd.sh
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
# shellcheck source=test/integration/provisioner/lib.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"
# shellcheck source=test/integration/provisioner/features_common.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/features_common.sh"

WORK=$(mw_mktemp_dir prov-features-slapd)
mw_on_exit "rm -rf $(printf '%q' "$WORK")"
prov_slapd_start "$(mw_mktemp_dir slapd)"
BASE="ou=mail,$SLAPD_SUFFIX"
# slapd verifies {SSHA512} binds with its pw-sha2 module (Debian's slapd ships it); loaded
# over ldapi as root, as an administrator would.
ldapmodify -Q -Y EXTERNAL -H "$SLAPD_LDAPI_URI" > /dev/null <<'LDIF'
dn: cn=module{0},cn=config
changetype: modify
add: olcModuleLoad
olcModuleLoad: pw-sha2
LDIF
CONF=$WORK/mailwarden.yaml
export DOMAIN=court.example
prov_slapd_config "$CONF" "$BASE"
admin() { "$@" -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE"; }
search_dn() { admin ldapsearch -LLL -b "$BASE" "$1" 1.1 2> /dev/null | grep '^dn:' || true; }
attr_of() {
  admin ldapsearch -LLL -o ldif-wrap=no -s base -b "$1" '(objectClass=*)' "$2" 2> /dev/null |
    ldif_values "$2"
}
dump_all() { admin ldapsearch -LLL -o ldif-wrap=no -b "$BASE" '(objectClass=*)' '*' 2> /dev/null; }
bind_as() { ldapwhoami -x -H "$SLAPD_URI" -D "$1" -y "$2" > /dev/null 2>&1; }
prov_features_suite
