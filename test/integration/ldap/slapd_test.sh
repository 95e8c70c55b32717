#!/usr/bin/env bash
# slapd_test.sh: mailwarden::ldap against a private OpenLDAP slapd (test/servers/slapd.sh),
# plus the harness's own promises: loopback only, a 600 password file, schema loadable at
# start (SLAPD_EXTRA_SCHEMA) and at run time over ldapi by root (SASL EXTERNAL), and
# pause/resume keeping port and data (the "ldap restart" case drives those).
set -euo pipefail
# shellcheck source=test/servers/slapd.sh
source "$MW_SOURCE_DIR/test/servers/slapd.sh"

work=$(mw_mktemp_dir ldap-slapd-test)
mw_on_exit "rm -rf $(printf '%q' "$work")"

# Two tiny schemas under a test-only UUID arc (2.25.x needs no registration).
cat > "$work/start.ldif" <<'LDIF'
dn: cn=mwteststart,cn=schema,cn=config
objectClass: olcSchemaConfig
cn: mwteststart
olcAttributeTypes: ( 2.25.158926335532207427478427932473283413297.1 NAME 'mwTestStartAttr'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
olcObjectClasses: ( 2.25.158926335532207427478427932473283413297.2 NAME 'mwTestStart'
  SUP top AUXILIARY MAY mwTestStartAttr )
LDIF
cat > "$work/runtime.ldif" <<'LDIF'
dn: cn=mwtestruntime,cn=schema,cn=config
objectClass: olcSchemaConfig
cn: mwtestruntime
olcAttributeTypes: ( 2.25.158926335532207427478427932473283413297.3 NAME 'mwTestRuntimeAttr'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
LDIF

dir=$(mw_mktemp_dir slapd)
t0=$(date +%s%N)
SLAPD_EXTRA_SCHEMA="$work/start.ldif" slapd_start "$dir"
t1=$(date +%s%N)
echo "slapd started in $(((t1 - t0) / 1000000)) ms"
[ $(((t1 - t0) / 1000000)) -lt 3000 ] || mw_fail "slapd_start took over 3 s"

# DIR/env holds what slapd_start exported.
for v in SLAPD_URI SLAPD_LDAPI_URI SLAPD_PORT SLAPD_SUFFIX SLAPD_ADMIN_DN SLAPD_ADMIN_PW_FILE \
         SLAPD_PID SLAPD_DIR; do
  grep -q "^$v=" "$dir/env" || mw_fail "$dir/env lacks $v"
  [ -n "${!v}" ] || mw_fail "$v is not exported"
done
mw_assert_eq "$(stat -c %a "$SLAPD_ADMIN_PW_FILE")" 600 "admin password file is mode 600"
mw_assert_eq "$SLAPD_ADMIN_DN" "cn=admin,dc=example,dc=org" "rootdn below the default suffix"

# Listening on loopback (and the ldapi socket) only.
listen=$(ss -ltnpH | grep "pid=$SLAPD_PID," | awk '{print $4}')
[ -n "$listen" ] || mw_fail "slapd $SLAPD_PID listens on no TCP port"
for addr in $listen; do
  mw_assert_eq "$addr" "127.0.0.1:$SLAPD_PORT" "slapd listens on loopback only"
done

# Base entry, schema given at start, schema loaded at run time by root over ldapi.
out=$(ldapsearch -LLL -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE" \
  -s base -b "$SLAPD_SUFFIX" dn)
mw_assert_contains "$out" "dn: $SLAPD_SUFFIX" "the suffix entry exists"
out=$(ldapsearch -LLL -Q -Y EXTERNAL -H "$SLAPD_LDAPI_URI" -b cn=schema,cn=config \
  '(cn=*mwteststart)' dn)
mw_assert_contains "$out" "mwteststart" "SLAPD_EXTRA_SCHEMA is loaded"
ldapadd -Q -Y EXTERNAL -H "$SLAPD_LDAPI_URI" -f "$work/runtime.ldif" > /dev/null ||
  mw_fail "root cannot load schema over ldapi"
out=$(ldapsearch -LLL -x -H "$SLAPD_URI" -s base -b cn=subschema attributeTypes |
  tr -d '\n ')
mw_assert_contains "$out" "mwTestRuntimeAttr" "schema loaded at run time is live"

export MW_LDAP_URI=$SLAPD_URI MW_LDAP_BASE=$SLAPD_SUFFIX MW_LDAP_BIND_DN=$SLAPD_ADMIN_DN
export MW_LDAP_PASSWORD_FILE=$SLAPD_ADMIN_PW_FILE
script=$(printf '%q' "$MW_SOURCE_DIR/test/servers/slapd.sh")
qdir=$(printf '%q' "$dir")
export MW_LDAP_PAUSE_CMD="bash $script pause $qdir"
export MW_LDAP_RESUME_CMD="bash $script resume $qdir > /dev/null"
"$MW_BIN_DIR/mailwarden_ldap_integration" --test-case-exclude='389ds*'

# After pause/resume, the same port and data, and DIR/env names the new PID.
# shellcheck disable=SC1091
new_pid=$(. "$dir/env"; echo "$SLAPD_PID")
kill -0 "$new_pid" || mw_fail "DIR/env does not name the running slapd"
# shellcheck disable=SC1091
mw_assert_eq "$(. "$dir/env"; echo "$SLAPD_URI")" "$SLAPD_URI" "same URI after resume"
