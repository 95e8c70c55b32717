#!/usr/bin/env bash
# test/bench/milter.sh: mailwarden-milter's cost per message through a real Postfix, next to
# the policy services people use for the same job (postfwd2, policyd-rate-limit), and the
# milter's peak memory with 100,000 distinct senders in its counter store (R-PSH-6).
#   test/bench/milter.sh [BUILD_DIR] [COUNT] [ROUNDS]     (as root; not part of the test run)
# Environment: MW_BENCH_ACCOUNTS (default 100000; 0 skips the memory step),
#   MW_BENCH_BASELINE=/path/to/an/older/mailwarden-milter (adds it as one more variant, for
#   a before/after comparison within the same interleaved run), MW_BENCH_PEERS=0 (leaves
#   postfwd2 and policyd-rate-limit out, for a quicker run).
#
# Throughput: one private Postfix 3.7 per variant (test/servers/postfix.sh), loopback only,
# every recipient discarded, each fed by smtp-source (COUNT 500-byte messages, default
# 2000, over 1 and 8 sessions, one SMTP connection per session as `-d` keeps it open):
#   no milter          the baseline all ratios divide by;
#   libmilter no-op    test/bench/null_milter.c, negotiated like mailwarden-milter but
#                      deciding nothing: what Postfix + libmilter cost by themselves;
#   mailwarden         mailwarden-milter on a unix socket with every rule configured (sender
#                      identity with local_domains, trusted networks, size limits, recipient
#                      limit, LDAP directory in a private slapd with a warm cache, LMDB
#                      counter store);
#   postfwd2           check_policy_service at RCPT, rule RATE01 = rate(sender/1000000/86400)
#   policyd-rate-limit check_policy_service at RCPT, limits [1000000, 86400] by sender
# The peers run the 100-a-day send cap with its number raised so that nothing is refused
# but every message is counted (research/anchors: same settings and the same proofs).
# Every run proves each variant was consulted for every message: the milter's audit lines
# (R-TJP-4), postfwd2's rate counter (--dumpcache), policyd-rate-limit's sqlite rows; and
# that Postfix delivered (discarded) every message.
# XXX: smtp-source cannot authenticate, so mailwarden's per-login work (account status,
# send-cap count in LMDB) is not on this path while the peers count every message by
# sender: the memory step below measures that work at the milter's socket instead.
# ROUNDS (default 3) interleaved rounds, the variants' order rotating each round; queues
# drain between runs. Per run: wall rate of smtp-source, and CPU per message (from
# /proc/PID/stat, reaped children included) of the variant's own daemon, of the whole
# Postfix instance and of its smtpd processes alone. The summary prints medians, the ratio
# of median rates against no milter, and the median of the ratios taken within each round.
# Needs scripts/setup's packages (postfix, slapd, postfwd, policyd-rate-limit, lmdb-utils,
# libmilter-dev and a C compiler for the no-op milter).
#
# Memory: MW_BENCH_ACCOUNTS accounts are added to the slapd (offline slapadd, mwAlias
# indexed as in production), a fresh milter (ldap.cache_ttl 1h, so every account stays
# cached: the worst case) gets one authenticated message from each through
# test/bench/milter_driver.py (8 milter connections straight at its socket, no Postfix),
# then 20,000 more from already counted senders; printed: VmHWM/VmRSS before and after,
# the LMDB entry count, rate and milter CPU per message of both passes.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
count=${2:-2000}
rounds=${3:-3}
accounts=${MW_BENCH_ACCOUNTS:-100000}
baseline=${MW_BENCH_BASELINE:-}
peers=${MW_BENCH_PEERS:-1}
export MW_SOURCE_DIR=$root MW_BIN_DIR=$build/bin
source "$root/test/servers/slapd.sh"
source "$root/test/servers/postfix.sh"
source "$root/test/integration/postfix/milter_lib.sh"
source "$root/test/integration/postfix/rules_lib.sh"

for tool in /usr/sbin/smtp-source /usr/sbin/postfwd2 /usr/bin/policyd-rate-limit mdb_stat; do
  command -v "$tool" > /dev/null || { echo "milter.sh: $tool missing (scripts/setup)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "milter.sh: run as root" >&2; exit 1; }
if [ -n "$baseline" ] && [ ! -x "$baseline" ]; then
  echo "milter.sh: $baseline: not executable" >&2
  exit 1
fi

dir=$(mw_mktemp_dir bench-milter)
mw_on_exit "rm -rf $(printf '%q' "$dir")"
results=$dir/results.csv
echo "round,sessions,variant,rate,daemon_ms,postfix_ms,smtpd_ms,delivered,evidence" > "$results"

# cpu_ticks PID [COMM]: CPU clock ticks used so far by PID and its descendants, reaped
# children included (cutime/cstime of their parent); with COMM, only the processes with
# that name, their own time only.
cpu_ticks() {
  python3 - "$@" <<'PY'
import os, sys
root, only = int(sys.argv[1]), (sys.argv[2] if len(sys.argv) > 2 else None)
procs = {}
for d in os.listdir("/proc"):
    if not d.isdigit():
        continue
    try:
        s = open(f"/proc/{d}/stat").read()
    except OSError:
        continue
    comm, f = s[s.index("(") + 1:s.rindex(")")], s[s.rindex(")") + 2:].split()
    procs[int(d)] = (int(f[1]), comm, int(f[11]) + int(f[12]), int(f[13]) + int(f[14]))
tree, grown = ({root} if root in procs else set()), True
while grown:
    grown = False
    for pid, (ppid, *_rest) in procs.items():
        if ppid in tree and pid not in tree:
            tree.add(pid)
            grown = True
print(sum((own + reaped) if only is None else (own if comm == only else 0)
          for ppid, comm, own, reaped in (procs[p] for p in tree)))
PY
}
tick_ms=$(echo "1000 / $(getconf CLK_TCK)" | bc -l)

# qwait PF_DIR: wait (up to 120 s) until the instance's queue is empty.
qwait() {
  local i n
  for ((i = 0; i < 1200; i++)); do
    n=$(find "$1"/spool/{incoming,active,maildrop,deferred} -type f 2> /dev/null | wc -l)
    [ "$n" = 0 ] && return 0
    sleep 0.1
  done
  echo "milter.sh: queue of $1 not drained ($n left)" >&2
}

# --- LDAP and the milters -----------------------------------------------------------
rules_start_ldap "$dir/slapd" > /dev/null
mw_config() {  # DIR [YAML...]: the benchmark's milter config (rules above, log level info)
  local d=$1
  shift
  rules_write_config "$d" "$@" "sender:" "  local_domains: \"example.org\"" \
    "  trusted_networks: \"192.0.2.0/24\"" "limits:" "  max_message_size_incoming: 5MB" \
    "  max_recipients: 100"
  sed -i 's/^  level: debug$/  level: info/' "$d/milter.yaml"
}
mw_config "$dir/mw"
milter_start "$dir/mw" > /dev/null
declare -A port daemon pf log
daemon[mw]=$MILTER_PID
log[mw]=$MILTER_LOG
mw_socket=$MILTER_SOCKET
variants=(bare mw)
# The floor: a libmilter milter that decides nothing, negotiated like mailwarden-milter.
mkdir -p "$dir/null"
chown postfix:postfix "$dir/null"
cc -O2 -Wall -o "$dir/null/null_milter" "$root/test/bench/null_milter.c" -lmilter -pthread
# As user postfix (its socket is then Postfix's to use); setpriv execs, so $! is its PID.
setpriv --reuid=postfix --regid=postfix --init-groups "$dir/null/null_milter" \
  "unix:$dir/null/milter.sock" < /dev/null > "$dir/null/log" 2>&1 &
daemon[null]=$!
mw_on_exit "mw_kill_pid ${daemon[null]} 15"
for ((i = 0; i < 600; i++)); do [ -S "$dir/null/milter.sock" ] && break; sleep 0.05; done
[ -S "$dir/null/milter.sock" ] || { cat "$dir/null/log" >&2; exit 1; }
variants+=(null)
if [ -n "$baseline" ]; then
  mw_config "$dir/base"
  saved_bin=$MILTER_BIN
  MILTER_BIN=$baseline milter_start "$dir/base" > /dev/null
  MILTER_BIN=$saved_bin
  daemon[base]=$MILTER_PID
  log[base]=$MILTER_LOG
  base_socket=$MILTER_SOCKET
  variants+=(base)
fi

# --- the peers ----------------------------------------------------------------------------
if [ "$peers" = 1 ]; then
  mkdir -p "$dir/postfwd"
  chown postfw:postfw "$dir/postfwd"  # its cache socket is made after it dropped to postfw
  pfw_port=$(mw_free_port)
  # Its policy daemon (running as postfw, taint mode) makes its lock file in /tmp, or in "/"
  # when /tmp is not writable, and dies. Older test/servers/lib.sh left /tmp mode 755: put
  # Debian's 1777 back if so, before postfwd2 starts.
  if [ "$(stat -c %a /tmp)" != 1777 ]; then
    echo "milter.sh: /tmp was mode $(stat -c %a /tmp), setting 1777"
    chmod 1777 /tmp
  fi
  # Per-sender accounting on every RCPT request; the limit is raised so nothing is refused.
  printf '%s\n' 'id=RATE01; protocol_state==RCPT;' \
    'action=rate(sender/1000000/86400/450 4.7.1 sender rate limit exceeded)' |
    paste -sd ' ' > "$dir/postfwd/postfwd.cf"
  # postfwd2 daemonizes (its own session); its master's PID is in the pidfile. Private cache
  # socket and pidfile: the defaults live in /var/tmp (research/anchors/GOTCHAS.md).
  /usr/sbin/postfwd2 --daemon -f "$dir/postfwd/postfwd.cf" -i 127.0.0.1 -p "$pfw_port" \
    --cache_proto unix --cache_port "$dir/postfwd/cache.sock" \
    --pidfile "$dir/postfwd/master.pid" -u postfw -g postfw --nodns -L \
    --summary=600 --cache=600 --cache-rdomain-only --cache-no-size \
    >> "$dir/postfwd/postfwd.log" 2>&1
  mw_wait_file "$dir/postfwd/master.pid" 30
  daemon[pfw]=$(tr -dc 0-9 < "$dir/postfwd/master.pid")
  pfw_stop() {  # TERM the master by PID (it stops its children), then its leftovers by PID
    local pid=${daemon[pfw]} i left
    kill -TERM "$pid" 2> /dev/null || true
    for ((i = 0; i < 200; i++)); do
      left=$(ps -o pid= -s "$pid" 2> /dev/null || true)
      [ -z "$left" ] && return 0
      sleep 0.05
    done
    for i in $left; do kill -KILL "$i" 2> /dev/null || true; done
  }
  mw_on_exit pfw_stop
  mw_wait_port "$pfw_port" 30
  # --dumpcache with a private cache socket dies in taint mode: a copy without -T reads it.
  sed '1s/ -T / /' /usr/sbin/postfwd2 > "$dir/postfwd/postfwd2-client"
  pfw_count() {
    perl "$dir/postfwd/postfwd2-client" --cache_proto unix --cache_port "$dir/postfwd/cache.sock" \
      --dumpcache 2> /dev/null | awk -F"'" '/RATE01\+1000000_86400 -> @count/{print $2}' || true
  }

  prl_port=$(mw_free_port)
  mkdir -p "$dir/prl"
  cat > "$dir/prl/policyd-rate-limit.yaml" <<EOF
# written by test/bench/milter.sh: 100-a-day cap raised to 1000000, by sender, on loopback
debug: False
user: "policyd-rate-limit"
group: "policyd-rate-limit"
pidfile: "$dir/prl/run/prl.pid"
sqlite_config:
    database: "$dir/prl/db/db.sqlite3"
backend: 0
SOCKET: ["127.0.0.1", $prl_port]
limits:
    - [1000000, 86400]
limits_by_id: {}
limit_by_sasl: True
limit_by_sender: True
limit_by_ip: False
limited_networks: []
success_action: "dunno"
fail_action: "defer_if_permit Rate limit reach, retry later"
db_error_action: "dunno"
report: False
delay_to_close: 300
EOF
  /usr/bin/policyd-rate-limit -f "$dir/prl/policyd-rate-limit.yaml" < /dev/null \
    >> "$dir/prl/prl.log" 2>&1 &
  daemon[prl]=$!
  mw_on_exit "mw_kill_pid ${daemon[prl]} 15"
  mw_wait_port "$prl_port" 30
  # Its rows are only pruned by its --clean job: emptied before each run, as its own user.
  prl_sql() {
    runuser -u policyd-rate-limit -- python3 - "$dir/prl/db/db.sqlite3" "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
r = c.execute(sys.argv[2]).fetchone()
c.commit()
print(r[0] if r else "")
PY
  }
  variants+=(pfw prl)
fi

# --- one Postfix per variant --------------------------------------------------------------
start_pf() {  # NAME [POLICY_PORT]: a Postfix instance for variant NAME
  local name=$1 policy=${2:-}
  POSTFIX_DOMAINS="example.org" POSTFIX_MYNETWORKS="127.0.0.0/8" postfix_start "$dir/pf-$name" \
    > /dev/null
  if [ -n "$policy" ]; then
    postconf -c "$POSTFIX_CONFIG_DIR" -e \
      "smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:$policy"
    postfix -c "$POSTFIX_CONFIG_DIR" reload > /dev/null 2>&1
  fi
  port[$name]=$POSTFIX_PORT
  pf[$name]=$POSTFIX_DIR
}
start_pf bare
POSTFIX_MILTER=$mw_socket start_pf mw
POSTFIX_MILTER="unix:$dir/null/milter.sock" start_pf null
[ -z "$baseline" ] || POSTFIX_MILTER=$base_socket start_pf base
[ "$peers" = 0 ] || start_pf pfw "$pfw_port"
[ "$peers" = 0 ] || start_pf prl "$prl_port"
postfix_master() { tr -dc 0-9 < "${pf[$1]}/spool/pid/master.pid"; }

# evidence VARIANT before|after: what proves the variant saw every message.
evidence() {
  case "$1:$2" in
    mw:*|base:*) grep -c " verdict=accept" "${log[$1]}" || true ;;
    pfw:*) pfw_count ;;
    prl:before) prl_sql "DELETE FROM mail_count" > /dev/null; echo 0 ;;
    prl:after) prl_sql "SELECT COUNT(*) FROM mail_count" ;;
    *) echo 0 ;;
  esac
}

# run VARIANT SESSIONS ROUND: one measured run, one CSV line.
run() {
  local v=$1 s=$2 r=$3 e0 e1 d0 d1 p0 p1 m0 m1 t0 t1 sent0 sent1 master
  for x in "${variants[@]}"; do qwait "${pf[$x]}"; done
  master=$(postfix_master "$v")
  e0=$(evidence "$v" before)
  sent0=$(grep -c "status=sent" "${pf[$v]}/maillog" || true)
  d0=0; [ "$v" = bare ] || d0=$(cpu_ticks "${daemon[$v]}")
  p0=$(cpu_ticks "$master"); m0=$(cpu_ticks "$master" smtpd)
  t0=$(date +%s.%N)
  /usr/sbin/smtp-source -d -s "$s" -m "$count" -l 500 -f bench@sender.example \
    -t sink@discard.example "127.0.0.1:${port[$v]}" 2>> "$dir/smtp-source.stderr"
  t1=$(date +%s.%N)
  qwait "${pf[$v]}"
  d1=0; [ "$v" = bare ] || d1=$(cpu_ticks "${daemon[$v]}")
  p1=$(cpu_ticks "$master"); m1=$(cpu_ticks "$master" smtpd)
  sent1=$(grep -c "status=sent" "${pf[$v]}/maillog" || true)
  e1=$(evidence "$v" after)
  printf '%s,%s,%s,%.1f,%.3f,%.3f,%.3f,%s,%s\n' "$r" "$s" "$v" \
    "$(echo "$count / ($t1 - $t0)" | bc -l)" \
    "$(echo "($d1 - $d0) * $tick_ms / $count" | bc -l)" \
    "$(echo "($p1 - $p0) * $tick_ms / $count" | bc -l)" \
    "$(echo "($m1 - $m0) * $tick_ms / $count" | bc -l)" \
    "$((sent1 - sent0))" "$((${e1:-0} - ${e0:-0}))" | tee -a "$results"
}

# Warm up: smtpd processes, policy connections, the milter's directory cache.
for v in "${variants[@]}"; do
  /usr/sbin/smtp-source -s 1 -m 20 -f bench@sender.example -t sink@discard.example \
    "127.0.0.1:${port[$v]}"
done
echo "# $(nproc) CPUs, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# round,sessions,variant,msg/s,daemon ms/msg,postfix ms/msg,smtpd ms/msg,delivered,evidence"
n=${#variants[@]}
for ((r = 1; r <= rounds; r++)); do
  for s in 1 8; do
    for ((k = 0; k < n; k++)); do
      run "${variants[$(((k + r - 1) % n))]}" "$s" "$r"
    done
  done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Summary: medians per variant and session count; every run must show full evidence.
python3 - "$results" "$count" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
count = int(sys.argv[2])
label = {"bare": "no milter", "null": "libmilter no-op (floor)", "mw": "mailwarden",
         "base": "mailwarden (baseline)", "pfw": "postfwd2", "prl": "policyd-rate-limit"}
bad = [r for r in rows if int(r["delivered"]) != count or
       (r["variant"] not in ("bare", "null") and int(r["evidence"]) != count)]
# ratio: median rate / median rate of no milter; per round: the median of the ratios
# taken within each round (same minutes, so less exposed to a shared machine's drift).
print("\n| sessions | variant | msg/s (median) | ratio | ratio per round (median) "
      "| daemon CPU ms/msg | Postfix CPU ms/msg | smtpd CPU ms/msg | rounds |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
for s in ("1", "8"):
    def med(v, key):
        vals = [float(r[key]) for r in rows if r["sessions"] == s and r["variant"] == v]
        return statistics.median(vals) if vals else float("nan"), len(vals)
    def per_round(v):
        rate = {(r["round"], r["variant"]): float(r["rate"]) for r in rows if r["sessions"] == s}
        ratios = [rate[(rd, v)] / rate[(rd, "bare")] for rd, x in rate
                  if x == v and (rd, "bare") in rate]
        return statistics.median(ratios) if ratios else float("nan")
    bare, _ = med("bare", "rate")
    for v in label:
        rate, n = med(v, "rate")
        if n == 0:
            continue
        print(f"| {s} | {label[v]} | {rate:.0f} | {rate / bare:.2f} | {per_round(v):.2f} | "
              f"{med(v, 'daemon_ms')[0]:.3f} | {med(v, 'postfix_ms')[0]:.3f} | "
              f"{med(v, 'smtpd_ms')[0]:.3f} | {n} |")
print(f"\nruns with every message delivered and seen by its variant: {len(rows) - len(bad)} "
      f"of {len(rows)}")
for r in bad:
    print("INCOMPLETE RUN:", r)
PY
echo "milter peak RSS after the throughput runs (VmHWM): $(awk '/VmHWM/{print $2, $3}' \
  /proc/"${daemon[mw]}"/status)"

# --- memory with many distinct senders ----------------------------------------------------
[ "$accounts" -gt 0 ] || exit 0
echo
echo "# memory: $accounts distinct authenticated senders"
ldapmodify -Y EXTERNAL -H "$SLAPD_LDAPI_URI" -Q > /dev/null <<EOF
dn: olcDatabase={1}mdb,cn=config
changetype: modify
add: olcDbIndex
olcDbIndex: mwAlias eq
-
replace: olcDbMaxSize
olcDbMaxSize: 2147483648
EOF
python3 - "$accounts" "$SLAPD_SUFFIX" > "$dir/accounts.ldif" <<'PY'
import sys
n, suffix = int(sys.argv[1]), sys.argv[2]
out = sys.stdout
for i in range(n):
    out.write(f"dn: uid=u{i:06d},ou=people,{suffix}\nobjectClass: inetOrgPerson\n"
              f"objectClass: mailwardenAccount\nuid: u{i:06d}\ncn: Bench User {i}\nsn: User\n"
              f"mail: u{i:06d}@example.org\nmwAccountStatus: active\n\n")
PY
t0=$(date +%s.%N)
slapd_pause "$SLAPD_DIR"
if ! slapadd -q -F "$SLAPD_DIR/slapd.d" -b "$SLAPD_SUFFIX" -l "$dir/accounts.ldif" \
  > "$dir/slapadd.log" 2>&1; then
  cat "$dir/slapadd.log" >&2
  exit 1
fi
slapd_resume "$SLAPD_DIR"
echo "slapadd of $accounts accounts: $(echo "$(date +%s.%N) - $t0" | bc -l | cut -c1-5) s"

mw_config "$dir/rss" "  cache_ttl: 1h" "send_cap:" "  daily_limit: 100" \
  "  lmdb_path: \"$dir/rss/sendcap.lmdb\""
milter_start "$dir/rss" > /dev/null
rss_pid=$MILTER_PID
status() {  # peak and current RSS; RssFile is mostly the LMDB map's pages (page cache)
  awk '/VmHWM|VmRSS|RssAnon|RssFile/{printf "%s %s %s  ", $1, $2, $3}' /proc/"$rss_pid"/status
  echo
}
echo "milter started: $(status)"
# drive MESSAGES FIRST: MESSAGES authenticated messages from logins FIRST.., one each.
drive() {
  local c0 c1 out
  c0=$(cpu_ticks "$rss_pid")
  out=$(python3 "$root/test/bench/milter_driver.py" --socket "$MILTER_SOCKET" --sessions 8 \
    --messages "$1" --first "$2" --logins "$accounts")
  c1=$(cpu_ticks "$rss_pid")
  echo "$out"
  echo "milter CPU: $(echo "($c1 - $c0) * $tick_ms / $1" | bc -l | cut -c1-5) ms/msg"
  python3 -c "import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if not d['errors'] and
d['answers'].get('continue', 0) == d['messages'] else 1)" "$out" ||
    { echo "milter.sh: not every message was accepted" >&2; exit 1; }
}
echo "pass 1: one message from each of $accounts accounts (directory miss, new counter)"
drive "$accounts" 0
echo "after pass 1: $(status)"
echo "pass 2: 20000 messages from accounts already counted (cached account, counter update)"
drive 20000 $((accounts / 2))
echo "after pass 2: $(status)"
entries=$(mdb_stat -n -e "$dir/rss/sendcap.lmdb" | awk '/Entries/{print $2}')
echo "LMDB counter store: $entries entries, file $(du -k "$dir/rss/sendcap.lmdb" | cut -f1) kB"
