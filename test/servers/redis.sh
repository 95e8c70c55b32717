# test/servers/redis.sh: a throwaway Redis for the integration tests (the shared send-cap
# counter store, DESIGN "send caps live in a counter store"): 127.0.0.1 only, protected
# mode on, no unix socket, append-only file in DIR so its data survives a restart (R-PSH-6:
# a 24-hour send block must outlive a restart of the store). Start takes ~0.1 s.
#
#   source test/servers/redis.sh; redis_start DIR    (then use $REDIS_PORT, ...)
#   bash test/servers/redis.sh start|stop|restart DIR  (start and restart print the env)
#
# redis_start DIR writes DIR/env and exports REDIS_PORT, REDIS_PID, REDIS_DIR, REDIS_URI
# (tcp://127.0.0.1:PORT, the form send_cap.redis_uri takes) and, unless
# REDIS_NO_AUTOSTOP=1, registers redis_stop with mw_on_exit.
# redis_restart DIR stops the server and starts it again on the same port with the same
# data (REDIS_PID changes); redis_stop DIR stops it and removes DIR.
# As root, redis-server runs as user redis (setpriv); DIR is handed to that user.
# shellcheck shell=bash

# shellcheck source=test/servers/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

_redis_marker=.mailwarden-redis

# _redis_is_ours PID DIR: is PID a redis-server whose pid file is in DIR?
_redis_is_ours() {
  local pid=$1 dir=$2
  [ -r "/proc/$pid/cmdline" ] &&
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q '^redis-server\|/redis-server' &&
    [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$dir" ]
}

_redis_write_env() {
  local dir=$1 v
  : > "$dir/env"
  for v in REDIS_PORT REDIS_PID REDIS_DIR REDIS_URI; do
    printf '%s=%q\n' "$v" "${!v}" >> "$dir/env"
  done
}

# _redis_kill DIR: stop the server of DIR by the PID in its pid file, keep the data.
_redis_kill() {
  local dir=$1 pid
  [ -s "$dir/redis.pid" ] || return 0
  pid=$(tr -dc 0-9 < "$dir/redis.pid")
  # SIGTERM: Redis fsyncs the append-only file and exits.
  if [ -n "$pid" ] && _redis_is_ours "$pid" "$dir"; then mw_kill_pid "$pid" 15; fi
  rm -f "$dir/redis.pid"
}

# _redis_run DIR PORT: start redis-server for DIR on PORT and wait for PONG.
_redis_run() {
  local dir=$1 port=$2 i
  cat > "$dir/redis.conf" <<EOF
# Written by test/servers/redis.sh: a private test instance, loopback only.
bind 127.0.0.1
port $port
protected-mode yes
# no "unixsocket": TCP on loopback only
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
dir $dir
appendonly yes
appendfsync always
save ""
EOF
  local -a run=()
  if [ "$(id -u)" = 0 ] && id redis > /dev/null 2>&1; then
    chown -R redis:redis "$dir"
    run=(setpriv --reuid=redis --regid=redis --init-groups)
  fi
  if ! (cd "$dir" && "${run[@]}" redis-server "$dir/redis.conf" < /dev/null > /dev/null 2>&1); then
    echo "redis.sh: redis-server would not start; its log:" >&2
    tail -n 20 "$dir/redis.log" >&2 2>/dev/null
    return 1
  fi
  for ((i = 0; i < 300; i++)); do
    [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] && [ -s "$dir/redis.pid" ] &&
      break
    sleep 0.05
  done
  if [ "$i" -ge 300 ]; then
    echo "redis.sh: no PONG from 127.0.0.1:$port after 15 s; its log:" >&2
    tail -n 20 "$dir/redis.log" >&2 2>/dev/null
    return 1
  fi
  export REDIS_PORT=$port REDIS_DIR=$dir REDIS_URI="tcp://127.0.0.1:$port"
  REDIS_PID=$(tr -dc 0-9 < "$dir/redis.pid")
  export REDIS_PID
  _redis_write_env "$dir"
}

# redis_start DIR: start a fresh server in DIR (see the header).
redis_start() {
  local dir=${1:?usage: redis_start DIR}
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  redis_stop "$dir" 2>/dev/null || true   # leftover of an earlier run of this DIR
  mkdir -p "$dir"
  chmod 755 "$dir"
  touch "$dir/$_redis_marker"
  _redis_run "$dir" "$(mw_free_port)" || return 1
  [ "${REDIS_NO_AUTOSTOP:-0}" = 1 ] || mw_on_exit "redis_stop $(printf '%q' "$dir")"
  echo "redis.sh: 127.0.0.1:$REDIS_PORT (pid $REDIS_PID) ready" >&2
}

# redis_restart DIR: stop and start again, same port, same data.
redis_restart() {
  local dir=${1:?usage: redis_restart DIR} port
  if [ ! -f "$dir/$_redis_marker" ] || [ ! -s "$dir/env" ]; then
    echo "redis.sh: no instance in $dir" >&2
    return 1
  fi
  port=$(sed -n 's/^REDIS_PORT=//p' "$dir/env")
  _redis_kill "$dir"
  _redis_run "$dir" "$port"
}

# redis_stop DIR: stop the server by its PID and remove DIR.
redis_stop() {
  local dir=${1:?usage: redis_stop DIR}
  _redis_kill "$dir"
  # Remove only what redis_start made.
  if [ -f "$dir/$_redis_marker" ]; then rm -rf "$dir"; fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}:${2:-}" in
    start:?*) REDIS_NO_AUTOSTOP=1 redis_start "$2"; cat "$2/env" ;;
    restart:?*) redis_restart "$2"; cat "$2/env" ;;
    stop:?*) redis_stop "$2" ;;
    *) echo "usage: $0 start|stop|restart DIR" >&2; exit 64 ;;
  esac
fi
