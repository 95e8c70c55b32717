#!/usr/bin/env bash
# exports.sh: "exports". The module exports exactly Dovecot's four entry points of ours
# (init, deinit, version, dependencies) and nothing else: the static C++ core, fmt and
# template instantiations stay local, so they cannot clash with other plugins' symbols in
# a Dovecot process. And only the pure core is inside: no LDAP, counter-store or SASL
# client library is linked into Dovecot processes (DESIGN.md).
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/lib.sh"
source "$MW_SOURCE_DIR/test/integration/dovecot/common.sh"

so=$(mwq_plugin_so)
defined=$(nm -D --defined-only "$so" | awk '{print $3}' | sort)
expected=$(printf '%s\n' mailwarden_quota_plugin_deinit mailwarden_quota_plugin_dependencies \
  mailwarden_quota_plugin_init mailwarden_quota_plugin_version | sort)
mw_assert_eq "$defined" "$expected" "nm -D shows exactly the four plugin symbols"

kinds=$(nm -D --defined-only "$so" | awk '{print $2 " " $3}' | sort -k2)
mw_assert_contains "$kinds" "T mailwarden_quota_plugin_init" "init is a function"
mw_assert_contains "$kinds" "D mailwarden_quota_plugin_version" "version is data"

needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
bad=$(printf '%s\n' "$needed" | grep -E '^lib(ldap|lber|hiredis|lmdb|sasl2|milter)' || true)
[ -z "$bad" ] || mw_fail "Dovecot processes would load $bad; NEEDED: $needed"
mw_pass "no LDAP, store, SASL or milter library is linked in (NEEDED: ${needed//$'\n'/ })"
! printf '%s\n' "$needed" | grep -q 'quota' || mw_fail "linked against the quota plugin"
mw_pass "not linked against the quota plugin (Dovecot loads it first)"

# The plugin logs only through Dovecot's events (style rule 24): syslog(3) must not even be
# referenced, which also shows the core's syslog sink stayed out of the module.
undefined=$(nm -D --undefined-only "$so" | awk '{print $2}')
! printf '%s\n' "$undefined" | grep -qE '^(syslog|openlog|vsyslog)(@|$)' \
  || mw_fail "the module references syslog(3): $(printf '%s\n' "$undefined" | grep syslog)"
mw_pass "no syslog(3) reference: logging goes through Dovecot"
