#!/usr/bin/env bash
# test/bench/quota.sh: LMTP delivery rate of a private Dovecot 2.3 with (1) no quota, (2) stock
# count quota, (3) stock count quota + mailwarden_quota (limits, 7-day grace and a warning
# threshold configured, none reached). Prints msg/s per variant and the ratios from ONE run.
# Not a test: the numbers depend on the machine; docs/benchmarks.md records them. The three
# instances run side by side and take turns in rounds, so load changes hit all alike.
# Goal (issue 5): (3) >= 0.95 x (2).
#   test/bench/quota.sh [BUILD_DIR] [COUNT]     (defaults: build, 2000; run as root)
# Rules measured: R-SAV-1, R-SAV-2, R-PSH-4 (the plugin's per-delivery cost).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
count=${2:-2000}
so="$build/lib/lib20_mailwarden_quota_plugin.so"
[ -f "$so" ] || { echo "quota.sh: no $so; build the mailwarden_quota_plugin target" >&2; exit 1; }
source "$root/test/servers/dovecot.sh"

base=$(mktemp -d /tmp/mwq-bench.XXXXXX)
chmod 755 "$base"   # Dovecot's auth (user dovecot) reads the users file below it
cleanup() {
  local d
  for d in "$base"/*/; do [ -f "$d/dovecot.conf" ] && dovecot_stop "${d%/}"; done
  rm -rf "$base"
}
mw_on_exit cleanup

deliver() {  # PORT USER COUNT -> prints the seconds COUNT deliveries took (one connection)
  python3 - "$@" <<'PY'
import smtplib, sys, time
port, user, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
body = ("x" * 76 + "\r\n") * 25   # ~2 kB
c = smtplib.LMTP("127.0.0.1", port)
c.ehlo("bench")
t0 = time.monotonic()
for i in range(count):
    msg = (f"From: s@example.net\r\nTo: {user}\r\nSubject: bench {i}\r\n"
           f"Message-ID: <b{i}.{time.time()}@bench>\r\n\r\n{body}")
    c.sendmail("s@example.net", [user], msg)
print(f"{time.monotonic() - t0:.6f}")
c.quit()
PY
}

start() {  # NAME PLUGINS USERDB_FIELDS EXTRA_CONF_TEXT: start a variant, print its LMTP port
  local name=$1 dir="$base/$1"
  printf '%s\n' "$4" > "$base/$name.conf"
  DOVECOT_MAIL_PLUGINS=$2 DOVECOT_PLUGIN_SO=$so DOVECOT_EXTRA_CONF="$base/$name.conf" \
  DOVECOT_QUOTA_RULE='*:storage=10G:messages=1000000' DOVECOT_NO_AUTOSTOP=1 \
  DOVECOT_USERS="bench@example.org:secret${3:+:$3}" DOVECOT_WAIT_FOR="lmtp" \
    dovecot_start "$dir" 2> /dev/null
  printf '%s\n' "$DOVECOT_LMTP_PORT"
}

# cpu MASTER_PID: CPU seconds used so far by a Dovecot instance: the master with its exited
# children (cutime/cstime) plus its live children (lmtp, auth, ...). Load on a shared machine
# stretches wall time but hardly CPU time, so this is the steadier figure.
cpu() {
  python3 - "$1" <<'PY'
import os, sys
hz = os.sysconf("SC_CLK_TCK")
def fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()
master = sys.argv[1]
f = fields(master)
total = sum(int(x) for x in f[11:15])          # utime stime cutime cstime
for pid in os.listdir("/proc"):
    if pid.isdigit() and pid != master:
        try:
            g = fields(pid)
        except OSError:
            continue
        if g[1] == master:                      # ppid
            total += int(g[11]) + int(g[12])
print(total / hz)
PY
}

# All three run at once and take turns in rounds, so a change in the machine's load during
# the run hits every variant alike (the machine is often shared).
rounds=4
declare -A port secs pid cpus
port[none]=$(start none "" "" "")
pid[none]=$(tr -dc 0-9 < "$base/none/run/master.pid")
port[stock]=$(start stock "quota" "" "")
pid[stock]=$(tr -dc 0-9 < "$base/stock/run/master.pid")
port[mwq]=$(start mwq "quota mailwarden_quota" \
  "mailwarden_quota_storage=10GB,mailwarden_quota_messages=1000000" "plugin {
  mailwarden_quota_grace = 7d
  mailwarden_quota_hard_storage = 150%%
  mailwarden_quota_warnings = 20GB
}")
pid[mwq]=$(tr -dc 0-9 < "$base/mwq/run/master.pid")
echo "quota.sh: $count LMTP deliveries of ~2 kB per variant in $rounds interleaved rounds" \
  "(one run; $(nproc) CPUs)"
for v in none stock mwq; do   # warm-up: processes started, indexes created
  deliver "${port[$v]}" bench@example.org 50 > /dev/null ||
    { echo "quota.sh: deliveries failed ($v):" >&2; tail -n 20 "$base/$v/dovecot.log" >&2; exit 1; }
  secs[$v]=0
  cpus[$v]=$(cpu "${pid[$v]}")
done
for ((r = 0; r < rounds; r++)); do
  for v in none stock mwq; do
    t=$(deliver "${port[$v]}" bench@example.org $((count / rounds))) ||
      { echo "quota.sh: deliveries failed ($v)" >&2; exit 1; }
    secs[$v]=$(python3 -c "print(${secs[$v]} + $t)")
  done
done
for v in none stock mwq; do cpus[$v]=$(python3 -c "print($(cpu "${pid[$v]}") - ${cpus[$v]})"); done
python3 - "$((count / rounds * rounds))" "${secs[none]}" "${secs[stock]}" "${secs[mwq]}" \
  "${cpus[none]}" "${cpus[stock]}" "${cpus[mwq]}" <<'PY'
import sys
n = int(sys.argv[1])
none, stock, mwq = (n / float(s) for s in sys.argv[2:5])
cnone, cstock, cmwq = (float(s) * 1000 / n for s in sys.argv[5:8])
print(f"  {'':34} {'wall msg/s':>10} {'Dovecot CPU ms/msg':>19}")
print(f"  {'no quota':34} {none:10.1f} {cnone:19.2f}")
print(f"  {'stock count quota':34} {stock:10.1f} {cstock:19.2f}")
print(f"  {'stock quota + mailwarden_quota':34} {mwq:10.1f} {cmwq:19.2f}")
print(f"  wall ratios: stock/none = {stock / none:.3f}, mailwarden/stock = {mwq / stock:.3f} "
      f"(goal >= 0.95)")
print(f"  CPU ratios (msg per CPU second): stock/none = {cnone / cstock:.3f}, "
      f"mailwarden/stock = {cstock / cmwq:.3f} (goal >= 0.95)")
PY
