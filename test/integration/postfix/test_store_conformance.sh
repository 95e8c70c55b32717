#!/usr/bin/env bash
# test_store_conformance.sh: "both store backends give the same answers" (R-PSH-6). Runs
# the one conformance suite (test/unit/store/store_conformance.hpp: cap, block, lift,
# refused sends not counted, reset, restart, atomicity under 8 threads, 400 pseudo-random
# steps compared with policy::apply) over a real Redis (test/servers/redis.sh, each thread
# its own connection, like several MTAs) and over an LMDB file. Then Redis is restarted
# (its scripts are gone: EVALSHA answers NOSCRIPT and the store loads the script again) and
# the suite passes again.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/redis.sh"

dir=$(mw_mktemp_dir store-conformance)
[ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$dir")"
redis_start "$dir/redis"

prog=$MW_BIN_DIR/mailwarden_store_conformance
MW_STORE="redis:$REDIS_URI" "$prog" || mw_fail "the Redis store does not answer like the reference"
mw_pass "Redis store: conformance suite passed"
MW_STORE="lmdb:$dir/sendcap.lmdb" "$prog" || mw_fail "the LMDB store does not answer like the reference"
mw_pass "LMDB store: conformance suite passed"
redis_restart "$dir/redis"
MW_STORE="redis:$REDIS_URI" "$prog" || mw_fail "the Redis store failed after a Redis restart"
mw_pass "Redis store: conformance suite passed again after a Redis restart"
