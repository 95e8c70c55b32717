# test/servers/postfix.sh: a throwaway Postfix for the integration tests: its own config
# directory, queue and log under one directory, smtpd on 127.0.0.1 only, and nothing ever
# leaves the host (local domains go to maildirs or Dovecot LMTP, everything else is
# discarded). Start takes ~1 s.
#
#   source test/servers/postfix.sh; postfix_start DIR    (then use $POSTFIX_PORT, ...)
#   bash test/servers/postfix.sh start|stop DIR          (start prints the env)
#
# Input (environment, all optional):
#   POSTFIX_MILTER     milter spec (unix:/PATH or inet:HOST:PORT) for smtpd_milters and
#                      non_smtpd_milters, with milter_default_action = tempfail and
#                      milter_protocol = 6 (a milter that is down means 451, never accept)
#   POSTFIX_DOMAINS    virtual mailbox domains, space- or comma-separated (example.org)
#   POSTFIX_MAILBOXES  addresses with a maildir of their own (DIR/mail/DOMAIN/USER/); every
#                      other address of a domain lands in DIR/mail/DOMAIN/catchall/
#   POSTFIX_LMTP       127.0.0.1:PORT: deliver the domains to Dovecot LMTP instead of maildirs
#   POSTFIX_SASL       none (default) | dovecot-inet:PORT (Dovecot's auth service) | cyrus
#                      (sasldb in DIR/etc/sasl/sasldb2, users from POSTFIX_SASL_USERS)
#   POSTFIX_SASL_USERS cyrus only: "user@domain:password ..." (log in as user@domain)
#   POSTFIX_MYNETWORKS clients that may relay without AUTH (127.0.0.0/8; "" for none)
#   POSTFIX_MESSAGE_SIZE_LIMIT  message_size_limit in bytes (Postfix default 10240000)
# postfix_start DIR writes DIR/env and exports:
#   POSTFIX_PORT, POSTFIX_DIR, POSTFIX_CONFIG_DIR (DIR/etc), POSTFIX_LOG (DIR/maillog),
#   POSTFIX_PID (the master)
# and, unless POSTFIX_NO_AUTOSTOP=1, registers postfix_stop with mw_on_exit.
# postfix_wait_delivered DIR QUEUEID [SECONDS] waits until the message left the queue with
# status=sent (delivered or discarded) and prints those log lines.
#
# Runs as root (CI and setup are); Postfix's daemons drop to user postfix themselves, the
# virtual(8) maildirs belong to nobody (65534). The syslog_name is unique per DIR, so
# several instances can run at once.
# shellcheck shell=bash

# shellcheck source=test/servers/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

_postfix_marker=.mailwarden-postfix

# _postfix_pidfile DIR: where master writes its PID (queue_directory/pid/master.pid).
_postfix_pidfile() { printf '%s/spool/pid/master.pid' "$1"; }

# _postfix_is_ours PID DIR: is PID a Postfix master started with DIR's config directory?
# (A PID file can outlive its process and the PID be reused.)
_postfix_is_ours() {
  local pid=$1 dir=$2
  [ -r "/proc/$pid/environ" ] &&
    tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qxF "MAIL_CONFIG=$dir/etc"
}

# _postfix_kill PID: SIGTERM the master (it passes the signal to its process group: every
# Postfix daemon), then wait for that group to go, then SIGKILL whatever is left.
_postfix_kill() {
  local pid=$1 i left
  mw_kill_pid "$pid" 15
  for ((i = 0; i < 200; i++)); do
    left=$(pgrep -g "$pid" || true)
    [ -z "$left" ] && return 0
    sleep 0.05
  done
  echo "postfix.sh: daemons of master $pid still running after 10 s: $left; killing" >&2
  for i in $left; do kill -KILL "$i" 2>/dev/null || true; done
}

# _postfix_list TEXT: TEXT's words, split at spaces and commas.
_postfix_list() { tr ',' ' ' <<< "$1" | tr -s ' ' '\n' | sed '/^$/d'; }

_postfix_write_env() {
  local dir=$1 v
  : > "$dir/env"
  for v in POSTFIX_PORT POSTFIX_DIR POSTFIX_CONFIG_DIR POSTFIX_LOG POSTFIX_PID; do
    printf '%s=%q\n' "$v" "${!v}" >> "$dir/env"
  done
}

# _postfix_main_cf DIR SYSLOG_NAME: main.cf for the instance (see the header).
_postfix_main_cf() {
  local dir=$1 syslog_name=$2 domains
  domains=$(_postfix_list "${POSTFIX_DOMAINS:-example.org}" | paste -sd ' ')
  cat <<EOF
# Written by test/servers/postfix.sh: a private test instance, loopback only.
compatibility_level   = 3.6
queue_directory       = $dir/spool
data_directory        = $dir/data
mail_owner            = postfix
setgid_group          = postdrop
maillog_file          = $dir/maillog
maillog_file_prefixes = $dir
syslog_name           = $syslog_name
myhostname            = mx.test.example
mydomain              = test.example
myorigin              = \$mydomain
inet_interfaces       = loopback-only
inet_protocols        = ipv4
mynetworks            = ${POSTFIX_MYNETWORKS-127.0.0.0/8}
smtp_bind_address     = 127.0.0.1
biff                  = no

# Nothing leaves: the test domains go to maildirs (or LMTP), everything else is discarded.
mydestination         =
local_recipient_maps  =
alias_maps            =
alias_database        =
virtual_mailbox_domains = $domains
virtual_mailbox_base  = $dir/mail
virtual_mailbox_maps  = texthash:$dir/etc/vmailbox
virtual_uid_maps      = static:65534
virtual_gid_maps      = static:65534
virtual_minimum_uid   = 100
default_transport     = discard:test instance
relay_transport       = discard:test instance
smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated reject_unauth_destination
EOF
  [ -n "${POSTFIX_MESSAGE_SIZE_LIMIT:-}" ] &&
    echo "message_size_limit    = $POSTFIX_MESSAGE_SIZE_LIMIT"
  [ -n "${POSTFIX_LMTP:-}" ] && echo "virtual_transport     = lmtp:inet:$POSTFIX_LMTP"
  return 0
}

# _postfix_master_cf PORT: master.cf with smtpd on 127.0.0.1:PORT and the usual daemons.
_postfix_master_cf() {
  cat <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$1 inet n     -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# _postfix_sasl DIR: the SASL part of the configuration (POSTFIX_SASL).
_postfix_sasl() {
  local dir=$1 conf=$1/etc sasl=${POSTFIX_SASL:-none} entry user pw
  case "$sasl" in
    none)
      postconf -c "$conf" -e smtpd_sasl_auth_enable=no ;;
    cyrus)
      postconf -c "$conf" -e smtpd_sasl_auth_enable=yes smtpd_sasl_type=cyrus \
        smtpd_sasl_path=smtpd smtpd_sasl_security_options=noanonymous \
        smtpd_sasl_authenticated_header=yes
      # Debian's Postfix reads $config_directory/sasl/smtpd.conf (recipes/postfix).
      cat > "$conf/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $conf/sasl/sasldb2
EOF
      for entry in ${POSTFIX_SASL_USERS:-}; do
        user=${entry%%:*}
        pw=${entry#*:}
        case "$user" in
          ?*@?*) ;;
          *) echo "postfix.sh: POSTFIX_SASL_USERS wants user@domain:password, not '$entry'" >&2
             return 1 ;;
        esac
        # -p: the password comes on stdin, never on a command line.
        printf '%s' "$pw" | saslpasswd2 -p -c -f "$conf/sasl/sasldb2" -u "${user#*@}" \
          "${user%@*}" || return 1
      done
      # smtpd (user postfix) reads it; nobody else may.
      if [ -f "$conf/sasl/sasldb2" ]; then
        chown root:postfix "$conf/sasl/sasldb2"
        chmod 640 "$conf/sasl/sasldb2"
      fi ;;
    dovecot-inet:[0-9]*)
      postconf -c "$conf" -e smtpd_sasl_auth_enable=yes smtpd_sasl_type=dovecot \
        "smtpd_sasl_path=inet:127.0.0.1:${sasl#dovecot-inet:}" \
        smtpd_sasl_security_options=noanonymous smtpd_sasl_authenticated_header=yes ;;
    *)
      echo "postfix.sh: POSTFIX_SASL must be none, cyrus or dovecot-inet:PORT, not '$sasl'" >&2
      return 1 ;;
  esac
}

# _postfix_wait_banner PORT SECONDS: wait until smtpd answers with its 220 greeting.
_postfix_wait_banner() {
  local port=$1 limit=$2 i line
  for ((i = 0; i < limit * 10; i++)); do
    # The braces keep 2>/dev/null from becoming permanent (a bare exec would make it so).
    if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
      line=
      IFS= read -r -t 5 line <&3 || true
      printf 'QUIT\r\n' >&3 2>/dev/null || true
      exec 3>&-
      case "$line" in 220*) return 0 ;; esac
    fi
    sleep 0.1
  done
  echo "postfix.sh: smtpd on 127.0.0.1:$port gave no 220 greeting in ${limit}s" >&2
  return 1
}

# postfix_start DIR: create and start an instance under DIR (see the header).
postfix_start() {
  local dir=${1:?usage: postfix_start DIR}
  local port pid syslog_name domain mailbox t0=$SECONDS
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  postfix_stop "$dir" 2>/dev/null || true   # leftover of an earlier run of this DIR
  mkdir -p "$dir"/{etc/sasl,spool,data,mail}
  chmod 755 "$dir"
  touch "$dir/$_postfix_marker"
  chown postfix:postfix "$dir/data"     # master.lock etc.: owned by mail_owner
  chown 65534:65534 "$dir/mail"         # virtual(8) delivers as 65534

  port=$(mw_free_port)
  # Unique per DIR (tests often call their instance DIR/postfix): name + checksum of DIR.
  syslog_name="postfix-mw-$(basename "$dir" | tr -c 'A-Za-z0-9\n' '-')-$(printf '%s' "$dir" |
    cksum | cut -d' ' -f1)"
  _postfix_main_cf "$dir" "$syslog_name" > "$dir/etc/main.cf"
  _postfix_master_cf "$port" > "$dir/etc/master.cf"
  : > "$dir/etc/vmailbox"
  for domain in $(_postfix_list "${POSTFIX_DOMAINS:-example.org}"); do
    printf '@%s %s/catchall/\n' "$domain" "$domain" >> "$dir/etc/vmailbox"
  done
  for mailbox in $(_postfix_list "${POSTFIX_MAILBOXES:-}"); do
    printf '%s %s/%s/\n' "$mailbox" "${mailbox#*@}" "${mailbox%@*}" >> "$dir/etc/vmailbox"
  done
  _postfix_sasl "$dir" || return 1
  if [ -n "${POSTFIX_MILTER:-}" ]; then
    postconf -c "$dir/etc" -e "smtpd_milters=$POSTFIX_MILTER" \
      "non_smtpd_milters=$POSTFIX_MILTER" milter_default_action=tempfail milter_protocol=6
  fi

  # check creates the queue subdirectories with the right owners (post-install).
  if ! postfix -c "$dir/etc" check > "$dir/postfix-start.log" 2>&1 ||
     ! postfix -c "$dir/etc" start < /dev/null >> "$dir/postfix-start.log" 2>&1; then
    echo "postfix.sh: postfix would not start; its output:" >&2
    cat "$dir/postfix-start.log" >&2
    return 1
  fi
  mw_wait_file "$(_postfix_pidfile "$dir")" 30 || return 1
  pid=$(tr -dc 0-9 < "$(_postfix_pidfile "$dir")")

  export POSTFIX_PORT=$port POSTFIX_DIR=$dir POSTFIX_CONFIG_DIR=$dir/etc
  export POSTFIX_LOG=$dir/maillog POSTFIX_PID=$pid
  _postfix_write_env "$dir"
  [ "${POSTFIX_NO_AUTOSTOP:-0}" = 1 ] || mw_on_exit "postfix_stop $(printf '%q' "$dir")"
  _postfix_wait_banner "$port" 30 || return 1
  echo "postfix.sh: $syslog_name on 127.0.0.1:$port (master $pid) ready in $((SECONDS - t0)) s" >&2
}

# postfix_stop DIR: stop the master by its PID, wait for its daemons, remove DIR.
postfix_stop() {
  local dir=${1:?usage: postfix_stop DIR} pidfile pid
  pidfile=$(_postfix_pidfile "$dir")
  if [ -s "$pidfile" ]; then
    pid=$(tr -dc 0-9 < "$pidfile")
    if [ -n "$pid" ] && _postfix_is_ours "$pid" "$dir"; then _postfix_kill "$pid"; fi
  fi
  # Remove only what postfix_start made.
  if [ -f "$dir/$_postfix_marker" ]; then rm -rf "$dir"; fi
}

# postfix_wait_delivered DIR QUEUEID [SECONDS]: wait until QUEUEID left the queue (qmgr
# logs "removed") and print its status=sent lines; fail, showing its log lines, when it
# was bounced, deferred past SECONDS (default 30) or never seen.
postfix_wait_delivered() {
  local dir=${1:?usage: postfix_wait_delivered DIR QUEUEID [SECONDS]} qid=${2:?queue id}
  local limit=${3:-30} i log=$1/maillog
  case "$qid" in *[!A-Za-z0-9]*|'') echo "postfix.sh: bad queue id '$qid'" >&2; return 2 ;; esac
  for ((i = 0; i < limit * 10; i++)); do
    if grep -q ": $qid: removed\$" "$log" 2>/dev/null; then
      if grep -q ": $qid: .* status=sent " "$log" &&
         ! grep -q ": $qid: .* status=\(bounced\|deferred\) " "$log"; then
        grep ": $qid: .* status=sent " "$log"
        return 0
      fi
      break
    fi
    sleep 0.1
  done
  echo "postfix.sh: $qid was not delivered within ${limit}s; its log lines:" >&2
  grep ": $qid: " "$log" >&2 || echo "(none)" >&2
  return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}:${2:-}" in
    start:?*) POSTFIX_NO_AUTOSTOP=1 postfix_start "$2"; cat "$2/env" ;;
    stop:?*) postfix_stop "$2" ;;
    *) echo "usage: $0 start|stop DIR" >&2; exit 64 ;;
  esac
fi
