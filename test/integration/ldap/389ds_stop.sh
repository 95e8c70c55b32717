#!/usr/bin/env bash
# 389ds_stop.sh: CTest fixture cleanup "389ds: stop" (FIXTURES_CLEANUP ds389): stops the
# shared 389ds instance by its PID and removes it; runs even when tests failed.
set -euo pipefail
# shellcheck source=test/servers/389ds.sh
source "$MW_SOURCE_DIR/test/servers/389ds.sh"

ds389_stop "$MW_TEST_STATE/389ds-fixture"
rm -f "$MW_TEST_STATE/fixture-389ds.env"
echo "389ds fixture stopped"
