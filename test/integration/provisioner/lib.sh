# lib.sh: helpers of the provisioner integration tests (source it after
# test/servers/lib.sh): the schema loaded into a server, a mailwarden.yaml for a server,
# the mailwarden program. Schema files are the shipped ones (ldap-schema/).
# shellcheck shell=bash

export MW=${MW_BIN_DIR:?}/mailwarden
SCHEMA_DIR=$MW_SOURCE_DIR/ldap-schema

# prov_slapd_start DIR: a slapd with the mailwarden schema loaded at start, no uniqueness
# overlay of the harness (ours comes from openldap/indexes.ldif, applied over ldapi).
prov_slapd_start() {
  SLAPD_EXTRA_SCHEMA="$SCHEMA_DIR/openldap/mailwarden.ldif" SLAPD_UNIQUE_ATTRS="" \
    slapd_start "$1"
  prov_slapd_indexes
}

# prov_slapd_indexes: our indexes and the mail+alias uniqueness overlay, over ldapi as
# root. The harness already indexes mail and uid (eq): drop those lines, keep the rest.
prov_slapd_indexes() {
  grep -v -E '^olcDbIndex: (mail|uid) ' "$SCHEMA_DIR/openldap/indexes.ldif" |
    ldapmodify -Q -Y EXTERNAL -H "$SLAPD_LDAPI_URI" > /dev/null ||
    mw_fail "openldap/indexes.ldif does not apply over ldapi"
}

# prov_slapd_config FILE BASE: a mailwarden.yaml for the running slapd.
prov_slapd_config() {
  cat > "$1" <<YAML
ldap:
  uri: "$SLAPD_URI"
  base_dn: "$2"
  bind_dn: "$SLAPD_ADMIN_DN"
  bind_password_file: "$SLAPD_ADMIN_PW_FILE"
log:
  target: stderr
YAML
}

# prov_ds389_env: load the ds389 fixture's env (FIXTURES ds389).
prov_ds389_env() {
  local envfile="$MW_TEST_STATE/fixture-389ds.env"
  [ -s "$envfile" ] || mw_fail "no 389ds fixture env at $envfile (did '389ds: start' run?)"
  set -a
  # shellcheck disable=SC1090
  . "$envfile"
  set +a
  kill -0 "$DS_PID" 2> /dev/null || mw_fail "the 389ds fixture (pid $DS_PID) is not running"
}

# ds_ldap TOOL ARGS...: an ldap-utils tool as Directory Manager over StartTLS.
ds_ldap() {
  local tool=$1
  shift
  LDAPTLS_CACERT="$DS_CA_FILE" LDAPTLS_REQCERT=demand \
    "$tool" -x -ZZ -H "$DS_URI" -D "$DS_ADMIN_DN" -y "$DS_ADMIN_PW_FILE" "$@"
}

# prov_ds389_schema WORKDIR: the schema (cn=schema over LDAP), our indexes and the
# mail+alias uniqueness plugin into the shared 389ds; a second call (another test)
# changes nothing.
prov_ds389_schema() {
  local work=$1
  if ! ds_ldap ldapsearch -LLL -s base -b cn=schema attributeTypes 2> /dev/null |
       tr -d '\n ' | grep -q "NAME'mwNextNumber'"; then
    # The dialect file is a schema-directory file (dn: cn=schema + values): as a modify.
    awk 'BEGIN { print "dn: cn=schema"; print "changetype: modify"; print "add: attributeTypes" }
         /^#/ || /^dn:/ { next }
         /^objectClasses:/ && !oc++ { print "-"; print "add: objectClasses" }
         { print }
         END { print "-" }' "$SCHEMA_DIR/389ds/99mailwarden.ldif" > "$work/schema-mod.ldif"
    ds_ldap ldapmodify -f "$work/schema-mod.ldif" > /dev/null ||
      mw_fail "389ds refuses 389ds/99mailwarden.ldif in cn=schema"
  fi
  # Index entries and the plugin instance: 68 (already there) from an earlier test is fine.
  ds_ldap ldapmodify -c -f "$SCHEMA_DIR/389ds/indexes.ldif" > "$work/idx.log" 2>&1 || true
  if grep 'ldap_' "$work/idx.log" | grep -v -q 'Already exists (68)'; then
    cat "$work/idx.log" >&2
    mw_fail "389ds refuses 389ds/indexes.ldif"
  fi
}

# prov_ds389_config FILE BASE: a mailwarden.yaml for the 389ds fixture (StartTLS).
prov_ds389_config() {
  cat > "$1" <<YAML
ldap:
  uri: "$DS_URI"
  base_dn: "$2"
  bind_dn: "$DS_ADMIN_DN"
  bind_password_file: "$DS_ADMIN_PW_FILE"
  start_tls: true
  ca_file: "$DS_CA_FILE"
log:
  target: stderr
YAML
}
