#!/usr/bin/env bash
# schema_dialects.sh: the shipped schema files are exactly what `mailwarden directory
# schema` generates from the one source (ldap-schema/mailwarden.schema, compiled in), so
# the three dialects and the index files can never drift apart. Rules: R-MYO-10.
set -euo pipefail
# shellcheck source=test/servers/lib.sh
source "$MW_SOURCE_DIR/test/servers/lib.sh"
# shellcheck source=test/integration/provisioner/lib.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"
# An empty file: every default (the shipped index files use the default attribute names),
# and independent of other sections being edited in conf.d.
work=$(mw_mktemp_dir prov-dialects)
mw_on_exit "rm -rf $(printf '%q' "$work")"
conf=$work/empty.yaml
: > "$conf"
check() {  # FORMAT FILE
  if ! diff -u "$SCHEMA_DIR/$2" <("$MW" -c "$conf" directory schema --format "$1"); then
    mw_fail "ldap-schema/$2 differs from the generated $1 dialect (regenerate: \
mailwarden -c EMPTY.yaml directory schema --format $1 > ldap-schema/$2)"
  fi
  mw_pass "R-MYO-10: ldap-schema/$2 equals the generated $1 dialect"
}
check openldap-schema mailwarden.schema
check openldap-ldif openldap/mailwarden.ldif
check 389ds 389ds/99mailwarden.ldif
check openldap-indexes openldap/indexes.ldif
check 389ds-indexes 389ds/indexes.ldif
