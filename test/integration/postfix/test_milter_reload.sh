#!/usr/bin/env bash
# test_milter_reload.sh: "milter reloads on SIGHUP". On an inet socket bound to 127.0.0.1
# only, with TCP_NODELAY set on the listener (libmilter trap 1): every SIGHUP reloads the
# config (the milter's own signal handling, not libmilter's, which would stop); a broken
# file is refused with its errors logged and the running config kept; a changed log level
# takes effect; SIGTERM stops the milter.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"

dir=$(mw_mktemp_dir milter-reload)
mw_on_exit "rm -rf $(printf '%q' "$dir")"
port=$(mw_free_port)
milter_start "$dir" "inet:$port@127.0.0.1"
mw_assert_contains "$(cat "$MILTER_LOG")" "TCP_NODELAY set on listening descriptor" \
  "TCP_NODELAY is set on the inet listener"
listeners=$(ss -Htln "sport = :$port" | awk '{print $4}')
mw_assert_eq "$listeners" "127.0.0.1:$port" "it listens on 127.0.0.1:$port only"

# wait_for_count PATTERN N: until the log has N lines matching PATTERN (5 s at most).
wait_for_count() {
  local i
  for ((i = 0; i < 100; i++)); do
    [ "$(grep -c -- "$1" "$MILTER_LOG" || true)" -ge "$2" ] && return 0
    sleep 0.05
  done
  return 1
}

for ((n = 1; n <= 5; n++)); do
  kill -HUP "$MILTER_PID"
  wait_for_count "info: reload: configuration loaded" "$n" || mw_fail "reload $n not logged"
done
kill -0 "$MILTER_PID" || mw_fail "the milter died on SIGHUP"
mw_pass "five SIGHUPs, five reloads, still running"

# A broken file: errors logged, the running configuration kept, still serving.
cp "$dir/milter.yaml" "$dir/milter.yaml.good"
printf 'log:\n  target: stderr\n  levle: debug\n' >> "$dir/milter.yaml"
kill -HUP "$MILTER_PID"
wait_for_count "keeping the running configuration" 1 || mw_fail "the broken reload was not refused"
mw_assert_contains "$(cat "$MILTER_LOG")" "error: $dir/milter.yaml:" \
  "the reload error names the file and line"
kill -0 "$MILTER_PID" || mw_fail "the milter died on a broken reload"
mw_pass "a broken config is refused and the milter keeps running"
mw_wait_port "$port" 5 || mw_fail "the milter stopped listening after a broken reload"
mw_pass "still listening after the refused reload"

# A good change takes effect: log level warning hides the info line of the next reload.
sed 's/level: debug/level: warning/' "$dir/milter.yaml.good" > "$dir/milter.yaml"
before=$(grep -c "info: reload: configuration loaded" "$MILTER_LOG")
kill -HUP "$MILTER_PID"
sleep 0.5
kill -HUP "$MILTER_PID"
sleep 0.5
mw_assert_eq "$(grep -c "info: reload: configuration loaded" "$MILTER_LOG")" "$before" \
  "after log.level: warning, reloads no longer log at info"
kill -0 "$MILTER_PID" || mw_fail "the milter died after the level change"

milter_stop
kill -0 "$MILTER_PID" 2>/dev/null && mw_fail "still running after SIGTERM"
mw_pass "SIGTERM stops the milter"
