#!/usr/bin/env bash
# provision.sh: benchmark (not a test; prints numbers and ratios from one run).
# Creates N (default 10000) accounts with `mailwarden import` of a CSV against a private
# slapd, then loads the LDIF of the same N entries into a second, empty slapd with
# `ldapadd` (the floor: one add per entry, nothing checked), then re-runs the same import
# (nothing to change). Goals (issue 3): import <= 1.5x ldapadd; unchanged re-run <= 0.5x
# import. Record the output in docs/benchmarks.md ("## Provisioner").
#   usage: test/bench/provision.sh [BUILD_DIR]     (BENCH_N=1000 for a quick run)
set -euo pipefail
MW_SOURCE_DIR=$(cd "$(dirname "$0")/../.." && pwd)
export MW_SOURCE_DIR
MW_BIN_DIR=${1:-$MW_SOURCE_DIR/build}/bin
export MW_BIN_DIR MW_TEST_STATE=${MW_TEST_STATE:-/tmp/mailwarden-bench}
N=${BENCH_N:-10000}
# shellcheck source=test/servers/slapd.sh
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
# shellcheck source=test/integration/provisioner/lib.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/lib.sh"

work=$(mw_mktemp_dir bench-provision)
mw_on_exit "rm -rf $(printf '%q' "$work")"
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }

# 1. mailwarden import into slapd A.
prov_slapd_start "$(mw_mktemp_dir slapd)"
base="ou=mail,$SLAPD_SUFFIX"
prov_slapd_config "$work/a.yaml" "$base"
"$MW" -c "$work/a.yaml" directory init > /dev/null
"$MW" -c "$work/a.yaml" tenant ensure --id bench --domain bench.example > /dev/null
python3 - "$N" > "$work/people.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("external_id,region,tenant,cn,sn,title")
for i in range(n):
    print(f"B-{i:06d},5,bench,Person {i},Surname{i},Title {i % 7}")
PY
t0=$(now)
"$MW" -c "$work/a.yaml" import "$work/people.csv" > /dev/null
t1=$(now)
import_s=$(secs "$t0" "$t1")

# 2. ldapadd of the LDIF of the same entries into an empty slapd B (containers there).
"$MW" -c "$work/a.yaml" export > "$work/all.ldif"
python3 - "$work/all.ldif" > "$work/users.ldif" <<'PY'
import sys
blocks = open(sys.argv[1]).read().split("\n\n")
print("\n\n".join(b for b in blocks if b.startswith("dn: uid=")))
PY
[ "$(grep -c '^dn: uid=' "$work/users.ldif")" -eq "$N" ] ||
  mw_fail "the LDIF does not hold $N entries"
prov_slapd_start "$(mw_mktemp_dir slapd)"
prov_slapd_config "$work/b.yaml" "$base"
"$MW" -c "$work/b.yaml" directory init > /dev/null
t0=$(now)
ldapadd -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE" -f "$work/users.ldif" \
  > /dev/null
t1=$(now)
ldapadd_s=$(secs "$t0" "$t1")

# 3. The same import again on A: nothing to change.
t0=$(now)
"$MW" -c "$work/a.yaml" --json import "$work/people.csv" > "$work/rerun.json"
t1=$(now)
rerun_s=$(secs "$t0" "$t1")
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["changed"] is False' \
  "$work/rerun.json" || mw_fail "the re-run changed something"

python3 - "$N" "$import_s" "$ldapadd_s" "$rerun_s" <<'PY'
import sys
n, imp, add, rerun = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"accounts:                {n}")
print(f"mailwarden import:       {imp:8.2f} s  ({n / imp:7.0f} accounts/s)")
print(f"ldapadd of the LDIF:     {add:8.2f} s  ({n / add:7.0f} entries/s)  (floor)")
print(f"import unchanged re-run: {rerun:8.2f} s")
print(f"ratio import / ldapadd:  {imp / add:8.2f}  (goal <= 1.5)")
print(f"ratio re-run / import:   {rerun / imp:8.2f}  (goal <= 0.5)")
PY
