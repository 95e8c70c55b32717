#!/usr/bin/env bash
# test_redis_harness.sh: "redis harness". test/servers/redis.sh starts a private Redis on
# 127.0.0.1 that answers PONG, keeps its data across redis_restart (append-only file in
# DIR: R-PSH-6's block must survive a restart of the store), has no unix socket, runs as
# user redis, and redis_stop kills it by PID and removes its directory.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/redis.sh"

dir=$(mw_mktemp_dir redis-harness)
REDIS_NO_AUTOSTOP=1 redis_start "$dir"
mw_on_exit "redis_stop $(printf '%q' "$dir")"
cli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

mw_assert_eq "$(cli ping)" PONG "redis-cli ping answers PONG"
mw_assert_eq "$(cli config get protected-mode | tail -n 1)" yes "protected mode is on"
mw_assert_eq "$(cli config get unixsocket | tail -n 1)" "" "no unix socket"
mw_assert_eq "$(cli config get bind | tail -n 1)" 127.0.0.1 "bound to 127.0.0.1 only"
mw_assert_eq "$(awk '/^Uid:/ {print $3}' "/proc/$REDIS_PID/status")" "$(id -u redis)" \
  "redis-server runs as user redis"
# shellcheck source=/dev/null
source "$dir/env"
mw_assert_eq "$REDIS_URI" "tcp://127.0.0.1:$REDIS_PORT" "DIR/env carries REDIS_URI"

cli set mw:test:block until-tomorrow > /dev/null
old_pid=$REDIS_PID
redis_restart "$dir"
[ "$REDIS_PID" != "$old_pid" ] || mw_fail "redis_restart did not start a new process"
kill -0 "$old_pid" 2>/dev/null && mw_fail "the old redis $old_pid is still running"
mw_assert_eq "$(cli get mw:test:block)" until-tomorrow "data survives a restart"

pid=$REDIS_PID
redis_stop "$dir"
kill -0 "$pid" 2>/dev/null && mw_fail "redis $pid still running after redis_stop"
mw_pass "redis_stop: the PID is gone"
[ -e "$dir" ] && mw_fail "redis_stop left $dir behind"
mw_pass "redis_stop removed its directory"
