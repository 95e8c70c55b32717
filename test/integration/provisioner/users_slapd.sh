#!/usr/bin/env bash
# users_slapd.sh: the account suite (users_common.sh) against a private slapd with the
# mailwarden schema, indexes and uniqueness overlay. Rules: R-PSH-1, R-PSH-3, R-PSH-4,
# R-MYO-1, R-MYO-2, R-MYO-9.
set -euo pipefail
# shellcheck source=test/servers/slapd.sh
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
# shellcheck source=test/integration/provisioner/lib.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"
# shellcheck source=test/integration/provisioner/users_common.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/users_common.sh"

WORK=$(mw_mktemp_dir prov-users-slapd)
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
bind_as() { ldapwhoami -x -H "$SLAPD_URI" -D "$1" -y "$2" > /dev/null 2>&1; }
prov_users_suite "${PROV_PROCS:-4}" "${PROV_PER:-250}"
prov_lifecycle_suite
prov_alias_suite
prov_bulk_suite

# Hostile surroundings: a wrong bind password (77) and LDAP down (69), each a clear error
# that changes nothing.
before=$(snapshot)
printf 'not-the-password' > "$WORK/wrong.pw"
chmod 600 "$WORK/wrong.pw"
sed "s|bind_password_file: .*|bind_password_file: \"$WORK/wrong.pw\"|" "$CONF" > "$WORK/wrong.yaml"
rc=0
"$MW" -c "$WORK/wrong.yaml" user add --region 7 --tenant minfin --cn A --sn B \
  > /dev/null 2> "$WORK/err" || rc=$?
mw_assert_eq "$rc" 77 "a wrong bind password exits 77: $(cat "$WORK/err")"
grep -q 'not-the-password' "$WORK/err" && mw_fail "the bind password appears in the message"
slapd_pause "$SLAPD_DIR"
rc=0
"$MW" -c "$CONF" --json user add --region 7 --tenant minfin --cn A --sn B \
  > "$WORK/out" 2> "$WORK/err" || rc=$?
mw_assert_eq "$rc" 69 "LDAP down exits 69: $(cat "$WORK/err")"
mw_assert_eq "$(json_get "$(cat "$WORK/out")" 'd["changed"]')" False \
  "--json still prints one document with changed false when LDAP is down"
slapd_resume "$SLAPD_DIR" > /dev/null
mw_assert_eq "$(snapshot)" "$before" "the directory is unchanged after both failures"
