#!/usr/bin/env bash
# 389ds_test.sh: mailwarden::ldap against the shared 389ds fixture (FIXTURES ds389), over
# StartTLS verified against the instance's CA, as a real deployment connects. The
# "389ds" cases show why: a password modify on a plain connection is refused with rc 13
# (confidentialityRequired), and works over LDAPI (see test/servers/389ds.sh).
set -euo pipefail
# shellcheck source=test/servers/lib.sh
source "$MW_SOURCE_DIR/test/servers/lib.sh"

envfile="$MW_TEST_STATE/fixture-389ds.env"
[ -s "$envfile" ] || mw_fail "no 389ds fixture env at $envfile (did '389ds: start' run?)"
set -a
# shellcheck disable=SC1090
. "$envfile"
set +a
kill -0 "$DS_PID" 2> /dev/null || mw_fail "the 389ds fixture (pid $DS_PID) is not running"

# Loopback only, for the LDAP and the LDAPS port.
for addr in $(ss -ltnpH | grep "pid=$DS_PID," | awk '{print $4}'); do
  case "$addr" in 127.0.0.1:*) mw_pass "389ds listens on $addr" ;;
    *) mw_fail "389ds listens on $addr, not loopback" ;; esac
done
mw_assert_eq "$(stat -c %a "$DS_ADMIN_PW_FILE")" 600 "DM password file is mode 600"

export MW_LDAP_URI=$DS_URI MW_LDAP_BASE=$DS_SUFFIX MW_LDAP_BIND_DN=$DS_ADMIN_DN
export MW_LDAP_PASSWORD_FILE=$DS_ADMIN_PW_FILE MW_LDAP_START_TLS=1 MW_LDAP_CA_FILE=$DS_CA_FILE
export MW_LDAP_LDAPI_URI=$DS_LDAPI_URI
# A CA that did not sign the server certificate: StartTLS must refuse it.
work=$(mw_mktemp_dir ldap-389ds-test)
mw_on_exit "rm -rf $(printf '%q' "$work")"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/wrong-ca.key" -out "$work/wrong-ca.pem" \
  -subj /CN=not-the-389ds-ca -days 1 2> /dev/null || mw_fail "openssl could not make a CA"
export MW_LDAP_WRONG_CA_FILE=$work/wrong-ca.pem
# "ldap restart" needs a server it may stop: not the shared fixture.
"$MW_BIN_DIR/mailwarden_ldap_integration" --test-case-exclude='ldap restart*'
