#!/usr/bin/env bash
# test_milter_tcp.sh: "postfix calls the milter over TCP without stalls". Postfix talks to
# the milter on inet:127.0.0.1:PORT; 40 messages in one SMTP session each get their audit
# line, and take far less than the 40 x 40 ms that a Nagle/delayed-ACK stall per message
# would add (recipes/README.md, libmilter traps: no NR_ steps over TCP, TCP_NODELAY on the
# listener, and no skipped DATA step whose macros Postfix sends unanswered).
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/postfix.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"

dir=$(mw_mktemp_dir milter-tcp)
mw_on_exit "rm -rf $(printf '%q' "$dir")"
port=$(mw_free_port)
milter_start "$dir/milter" "inet:$port@127.0.0.1"
mw_assert_eq "$MILTER_SOCKET" "inet:127.0.0.1:$port" "Postfix's form of the milter address"
POSTFIX_MILTER=$MILTER_SOCKET postfix_start "$dir/postfix"

count=40
start=$(date +%s%N)
/usr/sbin/smtp-source -s 1 -m "$count" -d -f alice@example.org -t bob@example.org \
  "127.0.0.1:$POSTFIX_PORT" || mw_fail "smtp-source failed"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "$count messages through Postfix and the milter over TCP in $elapsed_ms ms"

for ((i = 0; i < 100; i++)); do
  [ "$(grep -c ' verdict=accept$' "$MILTER_LOG" || true)" -ge "$count" ] && break
  sleep 0.05
done
mw_assert_eq "$(grep -c ' from=alice@example.org nrcpt=1 .* verdict=accept$' "$MILTER_LOG")" \
  "$count" "one audit line per message"
# A stall costs ~40 ms per message: 1600 ms for 40. Without it this takes ~100-300 ms.
[ "$elapsed_ms" -lt 1500 ] ||
  mw_fail "$count messages took $elapsed_ms ms: a per-message TCP stall is back"
mw_pass "no per-message TCP stall ($elapsed_ms ms for $count messages)"
grep -q ": error: " "$MILTER_LOG" && mw_fail "the milter logged errors"
mw_pass "no error lines in the milter log"
