#!/usr/bin/env bash
# test/bench/milter.sh: mailwarden-milter's cost per message through a real Postfix.
#   test/bench/milter.sh [BUILD_DIR] [COUNT]        (as root; not part of the test run)
# Two private Postfix instances on loopback (test/servers/postfix.sh), every recipient
# discarded (both relay for 127.0.0.0/8 in Postfix; the milter still treats 127.0.0.1 as an
# outside client, its trusted_networks do not list it): (1) no milter, (2) mailwarden-milter on a unix socket with every rule
# configured (sender identity with local_domains, trusted networks, size limits, recipient
# limit, LDAP account directory in a private slapd with a warm cache, LMDB counter store).
# smtp-source sends COUNT (default 2000) 500-byte messages at 1 and at 8 sessions, in 3
# interleaved rounds; the median rate and the ratio (2)/(1) are printed.
# XXX: smtp-source cannot authenticate, so the per-login rules (send cap, account status)
# are not on this path: each message does the outside-client work (envelope and From:
# checks, a cached directory lookup of its local recipient for R-MYO-6, size counting).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
count=${2:-2000}
export MW_SOURCE_DIR=$root MW_BIN_DIR=$build/bin
source "$root/test/servers/slapd.sh"
source "$root/test/servers/postfix.sh"
source "$root/test/integration/postfix/milter_lib.sh"
source "$root/test/integration/postfix/rules_lib.sh"

dir=$(mw_mktemp_dir bench-milter)
mw_on_exit "rm -rf $(printf '%q' "$dir")"
rules_start_ldap "$dir/slapd" > /dev/null
rules_write_config "$dir/milter" "sender:" "  local_domains: \"example.org\"" \
  "  trusted_networks: \"192.0.2.0/24\"" "limits:" "  max_message_size_incoming: 5MB" \
  "  max_recipients: 100"
sed -i 's/^  level: debug$/  level: info/' "$dir/milter/milter.yaml"
milter_start "$dir/milter" > /dev/null
POSTFIX_DOMAINS="example.org" POSTFIX_MYNETWORKS="127.0.0.0/8" \
  postfix_start "$dir/bare" > /dev/null
bare_port=$POSTFIX_PORT
POSTFIX_MILTER=$MILTER_SOCKET POSTFIX_DOMAINS="example.org" POSTFIX_MYNETWORKS="127.0.0.0/8" \
  postfix_start "$dir/milter-pf" > /dev/null
milter_port=$POSTFIX_PORT

# rate PORT SESSIONS: messages per second for COUNT messages.
rate() {
  local start end
  start=$(date +%s.%N)
  /usr/sbin/smtp-source -d -s "$2" -m "$count" -l 500 -f bench@sender.example \
    -t sink@discard.example "127.0.0.1:$1"
  end=$(date +%s.%N)
  echo "$count / ($end - $start)" | bc -l
}
median() { sort -g | sed -n 2p; }

# Warm up (cache, connections).
/usr/sbin/smtp-source -s 1 -m 20 -f bench@sender.example -t sink@discard.example \
  "127.0.0.1:$milter_port"
for s in 1 8; do
  : > "$dir/bare.$s"; : > "$dir/milter.$s"
  for round in 1 2 3; do
    rate "$bare_port" "$s" >> "$dir/bare.$s"
    rate "$milter_port" "$s" >> "$dir/milter.$s"
  done
  b=$(median < "$dir/bare.$s")
  m=$(median < "$dir/milter.$s")
  printf 'sessions=%s  no milter %.0f msg/s  mailwarden-milter %.0f msg/s  ratio %.2f\n' \
    "$s" "$b" "$m" "$(echo "$m / $b" | bc -l)"
done
n=$(grep -c " verdict=accept" "$MILTER_LOG" || true)
echo "milter audit lines (accept): $n (expected $((count * 6 + 20)))"
echo "milter peak RSS: $(grep VmHWM /proc/"$MILTER_PID"/status | awk '{print $2, $3}')"
