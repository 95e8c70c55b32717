# test/integration/postfix/milter_lib.sh: start and stop mailwarden-milter for the
# integration tests. Source after test/servers/lib.sh.
#
#   milter_write_config DIR SOCKET [YAML...]  writes DIR/milter.yaml: log to stderr, the
#                                             socket, user nobody, plus extra YAML lines;
#                                             send_cap.lmdb_path DIR/sendcap.lmdb unless a
#                                             line is "send_cap:"
#   milter_start DIR [SOCKET]                 runs the milter in the foreground (-f) on
#                                             DIR/milter.yaml (written with SOCKET, default
#                                             unix:DIR/run/milter.sock, if absent), its
#                                             stderr in DIR/milter.log; waits for "started"
#                                             exports MILTER_PID, MILTER_LOG, MILTER_SOCKET
#                                             (the Postfix form: unix:/PATH or inet:HOST:PORT)
#   milter_stop                               SIGTERM by PID, waits until it is gone
# shellcheck shell=bash

: "${MW_BIN_DIR:?MW_BIN_DIR is not set (run through ctest)}"
MILTER_BIN=$MW_BIN_DIR/mailwarden-milter

milter_write_config() {
  local dir=$1 socket=$2 line
  shift 2
  {
    echo "# written by milter_lib.sh"
    echo "log:"
    echo "  target: stderr"
    echo "  level: debug"
    echo "milter:"
    echo "  socket: \"$socket\""
    echo "  user: nobody"
    for line in "$@"; do echo "$line"; done
    # The send-cap counters live in DIR unless the caller configures send_cap itself.
    case " $* " in
      *" send_cap: "*) ;;
      *) echo "send_cap:"; echo "  lmdb_path: \"$dir/sendcap.lmdb\"" ;;
    esac
  } > "$dir/milter.yaml"
}

milter_start() {
  local dir=$1 socket=${2:-} i
  mkdir -p "$dir/run"
  chmod 755 "$dir"
  # The socket's directory belongs to the milter's user, so it can remove its socket at exit.
  chown nobody "$dir/run"
  [ -n "$socket" ] || socket="unix:$dir/run/milter.sock"
  [ -f "$dir/milter.yaml" ] || milter_write_config "$dir" "$socket"
  MILTER_LOG=$dir/milter.log
  # Emptied here, not only by the child's 2> redirection: the wait below could otherwise
  # read the previous run's "started" line before the new process truncates the file.
  : > "$MILTER_LOG"
  "$MILTER_BIN" -f -c "$dir/milter.yaml" < /dev/null > "$dir/milter.out" 2> "$MILTER_LOG" &
  MILTER_PID=$!
  mw_on_exit "mw_kill_pid $MILTER_PID 15"
  # Up to 60 s: a loaded CI machine may be slow; a milter that dies ends the wait at once.
  for ((i = 0; i < 1200; i++)); do
    grep -q ": info: started mailwarden-milter" "$MILTER_LOG" 2>/dev/null && break
    kill -0 "$MILTER_PID" 2>/dev/null || break
    sleep 0.05
  done
  if ! grep -q ": info: started mailwarden-milter" "$MILTER_LOG"; then
    echo "milter did not start; its log:" >&2
    cat "$MILTER_LOG" >&2
    if ! kill -0 "$MILTER_PID" 2>/dev/null; then
      local status=0
      wait "$MILTER_PID" 2>/dev/null || status=$?
      echo "milter exit status $status (>128: killed by signal $((status - 128)))" >&2
    fi
    return 1
  fi
  case "$socket" in
    inet:*@*) socket=${socket#inet:}; MILTER_SOCKET="inet:${socket#*@}:${socket%@*}" ;;
    *) MILTER_SOCKET=$socket ;;
  esac
  export MILTER_PID MILTER_LOG MILTER_SOCKET
}

milter_stop() {
  mw_kill_pid "$MILTER_PID" 15
  wait "$MILTER_PID" 2>/dev/null || true
}
