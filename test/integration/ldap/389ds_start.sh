#!/usr/bin/env bash
# 389ds_start.sh: CTest fixture setup "389ds: start" (FIXTURES_SETUP ds389): creates the one
# 389 Directory Server instance this ctest run shares (~10 s) and writes its env to
# ${MW_TEST_STATE}/fixture-389ds.env. A leftover instance of a killed earlier run is
# stopped (by its PID file) and removed first. "389ds: stop" removes it, even after failures.
set -euo pipefail
# shellcheck source=test/servers/389ds.sh
source "$MW_SOURCE_DIR/test/servers/389ds.sh"

dir="$MW_TEST_STATE/389ds-fixture"
envfile="$MW_TEST_STATE/fixture-389ds.env"
mkdir -p "$MW_TEST_STATE"
rm -f "$envfile"
# A failed start leaves nothing running (the fixture's cleanup would remove it anyway).
ok=0
# shellcheck disable=SC2016  # expanded when the hook runs, not now
mw_on_exit '[ "$ok" = 1 ] || ds389_stop "$dir"'
DS_NO_AUTOSTOP=1 ds389_start "$dir"
cp "$dir/env" "$envfile"
export ok=1
cat "$envfile"
