# test/servers/lib.sh: shared helpers for the throwaway-server scripts and integration
# tests. Source it; it defines functions only (plus MW_SOURCE_DIR if unset).
#
# Conventions every server script follows (slapd.sh, 389ds.sh, postfix.sh, dovecot.sh,
# redis.sh):
#   - everything lives in one directory given by the caller (mw_mktemp_dir makes one);
#   - it listens on 127.0.0.1 only, on ports from mw_free_port;
#   - <name>_start waits until the server answers, writes DIR/env (shell assignments the
#     caller can source) and registers its stop with mw_on_exit;
#   - <name>_stop kills by the PID it recorded (never by name) and removes DIR.
# Tests run as root (CI and setup are root); servers that must not run as root drop to
# their own users (dirsrv, postfix, dovecot).

: "${MW_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export MW_SOURCE_DIR

_mw_exit_hooks=()

# mw_on_exit CMD...: run CMD when the shell exits (any way but SIGKILL), last in first out.
mw_on_exit() {
  _mw_exit_hooks+=("$*")
  trap _mw_run_exit_hooks EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

_mw_run_exit_hooks() {
  local rc=$? i
  for ((i = ${#_mw_exit_hooks[@]} - 1; i >= 0; i--)); do
    eval "${_mw_exit_hooks[i]}" || true
  done
  _mw_exit_hooks=()
  return $rc
}

# mw_mktemp_dir NAME: a fresh directory for one server, traversable by service users.
mw_mktemp_dir() {
  local base=${MW_TEST_STATE:-/tmp}
  # Only a state directory of our own is opened up: chmod 755 on /tmp itself would drop
  # its sticky, world-writable mode and break every other program on the machine.
  if [ ! -d "$base" ]; then
    mkdir -p "$base"
    chmod 755 "$base"
  elif [ -O "$base" ] && [ "$base" != /tmp ] && [ "$base" != /var/tmp ]; then
    chmod a+rx "$base"
  fi
  local d
  d=$(mktemp -d "$base/$1.XXXXXX")
  chmod 755 "$d"
  echo "$d"
}

# mw_free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
mw_free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# mw_uri_encode TEXT: TEXT %-encoded for a URI (ldapi://%2Fpath%2Fto%2Fsocket).
mw_uri_encode() {
  local s=$1 out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case "$c" in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) printf -v c '%%%02X' "'$c"; out+=$c ;;
    esac
  done
  printf '%s' "$out"
}

# mw_wait_port PORT [SECONDS]: wait until 127.0.0.1:PORT accepts connections.
mw_wait_port() {
  local port=$1 limit=${2:-30} i
  for ((i = 0; i < limit * 20; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nothing answers on 127.0.0.1:$port after ${limit}s" >&2
  return 1
}

# mw_wait_file PATH [SECONDS]: wait until PATH exists and is not empty.
mw_wait_file() {
  local path=$1 limit=${2:-30} i
  for ((i = 0; i < limit * 20; i++)); do
    [ -s "$path" ] && return 0
    sleep 0.05
  done
  echo "$path did not appear after ${limit}s" >&2
  return 1
}

# mw_kill_pid PID [SECONDS]: SIGTERM, wait up to SECONDS (default 15), then SIGKILL.
mw_kill_pid() {
  local pid=$1 limit=${2:-15} i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < limit * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.05
  done
  echo "pid $pid ignored SIGTERM for ${limit}s; killing" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

# mw_kill_pidfile FILE [SECONDS]
mw_kill_pidfile() {
  [ -s "$1" ] || return 0
  mw_kill_pid "$(tr -dc 0-9 < "$1")" "${2:-15}"
}

# Assertions for test scripts: they print what was expected and fail the test.
mw_fail() { echo "FAIL: $*" >&2; exit 1; }
mw_pass() { echo "PASS: $*"; }
mw_assert_contains() {  # HAYSTACK NEEDLE WHAT
  case "$1" in *"$2"*) mw_pass "$3";; *) printf 'FAIL: %s: expected to find %q in:\n%s\n' "$3" "$2" "$1" >&2; exit 1;; esac
}
mw_assert_eq() {  # ACTUAL EXPECTED WHAT
  [ "$1" = "$2" ] && mw_pass "$3" || mw_fail "$3: expected '$2', got '$1'"
}
