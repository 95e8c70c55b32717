# test/servers/dovecot.sh: a throwaway Dovecot 2.3 for the integration tests, on 127.0.0.1
# only, everything (config, sockets, state, log, mail) under one directory.
#
#   source test/servers/dovecot.sh; dovecot_start DIR   (then use $DOVECOT_LMTP_PORT, ...)
#   bash test/servers/dovecot.sh start|stop DIR         (start prints the env)
#
# dovecot_start DIR writes DIR/dovecot.conf, starts the master as root (it drops to its
# own users and to the mail uid), waits until LMTP and IMAP send their greetings and the
# auth and quota-status ports accept connections (DOVECOT_WAIT_FOR), and writes DIR/env:
#   DOVECOT_LMTP_PORT          LMTP (deliveries; swaks --protocol LMTP)
#   DOVECOT_IMAP_PORT          IMAP (plaintext login allowed on loopback)
#   DOVECOT_AUTH_PORT          auth client protocol for Postfix SASL:
#                              smtpd_sasl_type = dovecot, smtpd_sasl_path = inet:127.0.0.1:PORT
#   DOVECOT_QUOTA_STATUS_PORT  quota-status -p postfix (check_policy_service inet:...)
#   DOVECOT_LOG                every process logs here (DIR/dovecot.log)
#   DOVECOT_CONF, DOVECOT_PID (master), DOVECOT_DIR, DOVECOT_MAIL_DIR (homes: MAIL_DIR/<user>)
# exports them and, unless DOVECOT_NO_AUTOSTOP=1, registers dovecot_stop with mw_on_exit.
# dovecot_restart DIR stops the master (by PID) and starts it again with the same config,
# mail and state (e.g. to prove that state survives a restart, or after editing the config).
#
# Knobs (environment, read by dovecot_start):
#   DOVECOT_USERDB=passwd|ldap   where users come from (default passwd)
#   DOVECOT_USERS                passwd: entries separated by spaces or newlines, each
#                                "user@domain:password[:field=value[,field=value...]]"; the
#                                fields are userdb extra fields (e.g.
#                                mailwarden_quota_storage=20MB; written with passwd-file's
#                                userdb_ prefix). Default alice@example.org:secret
#   ldap: SLAPD_URI, SLAPD_SUFFIX, SLAPD_ADMIN_DN, SLAPD_ADMIN_PW_FILE (test/servers/slapd.sh's
#         env); users are inetOrgPerson entries under SLAPD_SUFFIX found by mail=%u, password
#         in userPassword. DOVECOT_LDAP_USER_ATTRS: more user_attrs, comma-separated,
#         e.g. "=mailwarden_quota_storage=%{ldap:description}"
#   DOVECOT_LDAP_CONF            ldap: use this dovecot-ldap.conf.ext (e.g. a shipped one with its
#                                uris/dn/dnpass/base/home already substituted) instead of
#                                writing one; DOVECOT_LDAP_USER_ATTRS is then ignored
#   DOVECOT_MAIL_PLUGINS         mail_plugins (default "quota"; e.g. "quota mailwarden_quota");
#                                imap_quota is added for IMAP when "quota" is in the list;
#                                "" = none and no protocol imap filter (for a shipped snippet
#                                in DOVECOT_EXTRA_CONF that sets both)
#   DOVECOT_PLUGIN_SO            a plugin .so of ours, symlinked into DIR/modules next to
#                                symlinks of Dovecot's own plugins (mail_plugin_dir is one dir)
#   DOVECOT_QUOTA_RULE           plugin quota_rule (default "*:storage=100M")
#   DOVECOT_EXTRA_CONF           a file appended to dovecot.conf (later settings win)
#   DOVECOT_MAIL_UID, DOVECOT_MAIL_GID   owner of the mail (default 5000; never root)
#   DOVECOT_WANT_QUOTA_STATUS_PORT  use this port for quota-status instead of a free one (for
#                                a shipped snippet whose port the test substituted)
#   DOVECOT_WAIT_FOR             services that must answer before dovecot_start returns
#                                (default "lmtp imap auth quota-status"); a test that expects
#                                a service not to come up (a plugin that fails to load) lists
#                                only the others
# shellcheck shell=bash

# shellcheck source=test/servers/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# _dovecot_wait_greeting PORT PATTERN [SECONDS]: connect and read the server's first line
# until it matches PATTERN (an accepted connection alone only proves the master listens).
_dovecot_wait_greeting() {
  local port=$1 pattern=$2 limit=${3:-30} line='' deadline=$((SECONDS + ${3:-30}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    line=$(exec 3<>"/dev/tcp/127.0.0.1/$port" && IFS= read -r -t 2 l <&3 && printf '%s' "$l") \
      2>/dev/null || true
    case "$line" in *"$pattern"*) return 0 ;; esac
    sleep 0.1
  done
  echo "dovecot.sh: no '$pattern' greeting on 127.0.0.1:$port after ${limit}s (got '$line')" >&2
  return 1
}

# _dovecot_write_users DIR UID GID: DIR/users (passwd-file) from DOVECOT_USERS.
_dovecot_write_users() {
  local dir=$1 uid=$2 gid=$3 entry user rest password fields extra field
  : > "$dir/users"
  for entry in ${DOVECOT_USERS:-alice@example.org:secret}; do
    user=${entry%%:*}
    rest=${entry#*:}
    [ "$rest" != "$entry" ] || { echo "dovecot.sh: '$entry' is not user:password" >&2; return 1; }
    password=${rest%%:*}
    fields=
    [ "$password" = "$rest" ] || fields=${rest#*:}
    case "$user" in
      *@*) ;;
      *) echo "dovecot.sh: user '$user' is not user@domain" >&2; return 1 ;;
    esac
    # passwd-file: user:password:uid:gid:gecos:home:shell:extra fields (space-separated);
    # in a file that is passdb and userdb at once, userdb fields carry a userdb_ prefix
    extra=
    for field in ${fields//,/ }; do
      case "$field" in
        *=*) extra+=" userdb_${field#userdb_}" ;;
        *) echo "dovecot.sh: field '$field' of $user is not name=value" >&2; return 1 ;;
      esac
    done
    printf '%s:{PLAIN}%s:%s:%s::%s::%s\n' "$user" "$password" "$uid" "$gid" \
      "$dir/mail/$user" "${extra# }" >> "$dir/users"
  done
  # read by the auth process, which runs as the internal user dovecot
  chgrp dovecot "$dir/users"
  chmod 640 "$dir/users"
}

# _dovecot_write_ldap DIR UID GID: DIR/dovecot-ldap.conf.ext from slapd.sh's env, or a copy
# of DOVECOT_LDAP_CONF.
_dovecot_write_ldap() {
  local dir=$1 uid=$2 gid=$3 v pw
  if [ -n "${DOVECOT_LDAP_CONF:-}" ]; then
    (umask 027; cp "$DOVECOT_LDAP_CONF" "$dir/dovecot-ldap.conf.ext") || return 1
    chgrp dovecot "$dir/dovecot-ldap.conf.ext"
    return 0
  fi
  for v in SLAPD_URI SLAPD_SUFFIX SLAPD_ADMIN_DN SLAPD_ADMIN_PW_FILE; do
    [ -n "${!v:-}" ] || { echo "dovecot.sh: DOVECOT_USERDB=ldap needs $v (slapd.sh)" >&2; return 1; }
  done
  pw=$(cat "$SLAPD_ADMIN_PW_FILE") || return 1
  case "$pw" in *$'\n'*) echo "dovecot.sh: admin password has a newline" >&2; return 1 ;; esac
  (umask 027; cat > "$dir/dovecot-ldap.conf.ext" <<EOF
# written by test/servers/dovecot.sh
uris = $SLAPD_URI
dn = $SLAPD_ADMIN_DN
dnpass = $pw
base = $SLAPD_SUFFIX
scope = subtree
pass_filter = (&(objectClass=inetOrgPerson)(mail=%u))
pass_attrs = mail=user,userPassword=password
user_filter = (&(objectClass=inetOrgPerson)(mail=%u))
user_attrs = =uid=$uid,=gid=$gid,=home=$dir/mail/%u${DOVECOT_LDAP_USER_ATTRS:+,$DOVECOT_LDAP_USER_ATTRS}
iterate_filter = (objectClass=inetOrgPerson)
iterate_attrs = mail=user
default_pass_scheme = PLAIN
EOF
)
  chgrp dovecot "$dir/dovecot-ldap.conf.ext"
}

# _dovecot_write_conf DIR UID GID: DIR/dovecot.conf.
_dovecot_write_conf() {
  local dir=$1 uid=$2 gid=$3 plugins=${DOVECOT_MAIL_PLUGINS-quota} imap_plugins='' db
  case " $plugins " in *" quota "*) imap_plugins=imap_quota ;; esac
  case "${DOVECOT_USERDB:-passwd}" in
    passwd)
      db="
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $dir/users
}" ;;
    ldap)
      db="
passdb {
  driver = ldap
  args = $dir/dovecot-ldap.conf.ext
}
userdb {
  driver = ldap
  args = $dir/dovecot-ldap.conf.ext
}" ;;
    *) echo "dovecot.sh: DOVECOT_USERDB must be passwd or ldap" >&2; return 1 ;;
  esac
  # No plugins of ours (a shipped snippet in DOVECOT_EXTRA_CONF sets mail_plugins): then no
  # protocol imap filter here either, or Dovecot keeps the filter's earlier value.
  local imap_filter="protocol imap {
  mail_plugins = \$mail_plugins $imap_plugins
}"
  [ -n "$plugins" ] || imap_filter=
  cat > "$dir/dovecot.conf" <<EOF
# written by test/servers/dovecot.sh: a private instance, loopback only
instance_name = mw-dovecot-$(basename "$dir")
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
listen = 127.0.0.1
protocols = imap lmtp
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
hostname = dovecot.test
postmaster_address = postmaster@example.org
mail_location = maildir:~/Maildir
first_valid_uid = $uid
first_valid_gid = $gid
mail_plugin_dir = $dir/modules
mail_plugins = \$mail_plugins $plugins
lmtp_rcpt_check_quota = yes
$db

namespace inbox {
  inbox = yes
  separator = /
}
$imap_filter

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $DOVECOT_IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $DOVECOT_LMTP_PORT
  }
}
service auth {
  # the auth client protocol, for Postfix: smtpd_sasl_type = dovecot
  inet_listener sasl {
    address = 127.0.0.1
    port = $DOVECOT_AUTH_PORT
  }
}
service quota-status {
  executable = quota-status -p postfix
  inet_listener quota-status {
    address = 127.0.0.1
    port = $DOVECOT_QUOTA_STATUS_PORT
  }
  client_limit = 1
}

plugin {
  quota = count:User quota
  quota_vsizes = yes
  quota_rule = ${DOVECOT_QUOTA_RULE:-*:storage=100M}
  quota_status_success = DUNNO
  quota_status_nouser = DUNNO
  quota_status_overquota = "552 5.2.2 Mailbox is full"
}
EOF
  if [ -n "${DOVECOT_EXTRA_CONF:-}" ]; then
    { echo "# --- $DOVECOT_EXTRA_CONF"; cat "$DOVECOT_EXTRA_CONF"; } >> "$dir/dovecot.conf" ||
      return 1
  fi
}

# _dovecot_write_env DIR
_dovecot_write_env() {
  local dir=$1 v
  : > "$dir/env"
  for v in DOVECOT_LMTP_PORT DOVECOT_IMAP_PORT DOVECOT_AUTH_PORT DOVECOT_QUOTA_STATUS_PORT \
           DOVECOT_LOG DOVECOT_CONF DOVECOT_PID DOVECOT_DIR DOVECOT_MAIL_DIR; do
    printf '%s=%q\n' "$v" "${!v}" >> "$dir/env"
  done
}

# dovecot_start DIR: configure and start an instance in DIR (see the header).
dovecot_start() {
  local dir=${1:?usage: dovecot_start DIR}
  local uid=${DOVECOT_MAIL_UID:-5000} gid=${DOVECOT_MAIL_GID:-5000} so
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  if [ "$uid" = 0 ] || [ "$gid" = 0 ]; then
    echo "dovecot.sh: mail must not be owned by root (DOVECOT_MAIL_UID/GID)" >&2
    return 1
  fi
  # base_dir holds unix sockets: their paths must fit in sun_path (108 bytes).
  if [ ${#dir} -gt 70 ]; then
    echo "dovecot.sh: $dir is too long for Dovecot's socket paths; use a shorter DIR" >&2
    return 1
  fi
  mkdir -p "$dir"
  chmod 755 "$dir"
  mkdir -p "$dir/modules" "$dir/mail" "$dir/state"
  chown "$uid:$gid" "$dir/mail"
  # mail_plugin_dir is one directory: Dovecot's own plugins and ours side by side.
  for so in /usr/lib/dovecot/modules/*.so; do ln -sf "$so" "$dir/modules/"; done
  if [ -n "${DOVECOT_PLUGIN_SO:-}" ]; then
    [ -f "$DOVECOT_PLUGIN_SO" ] || { echo "dovecot.sh: no $DOVECOT_PLUGIN_SO" >&2; return 1; }
    ln -sf "$(readlink -f "$DOVECOT_PLUGIN_SO")" "$dir/modules/"
  fi

  export DOVECOT_LMTP_PORT DOVECOT_IMAP_PORT DOVECOT_AUTH_PORT DOVECOT_QUOTA_STATUS_PORT
  DOVECOT_LMTP_PORT=$(mw_free_port)
  DOVECOT_IMAP_PORT=$(mw_free_port)
  DOVECOT_AUTH_PORT=$(mw_free_port)
  DOVECOT_QUOTA_STATUS_PORT=${DOVECOT_WANT_QUOTA_STATUS_PORT:-$(mw_free_port)}
  # mw_free_port may hand out one port twice: ask again until all four differ
  while [ "$(printf '%s\n' "$DOVECOT_LMTP_PORT" "$DOVECOT_IMAP_PORT" "$DOVECOT_AUTH_PORT" \
               "$DOVECOT_QUOTA_STATUS_PORT" | sort -u | wc -l)" != 4 ]; do
    DOVECOT_IMAP_PORT=$(mw_free_port)
    DOVECOT_AUTH_PORT=$(mw_free_port)
    DOVECOT_QUOTA_STATUS_PORT=${DOVECOT_WANT_QUOTA_STATUS_PORT:-$(mw_free_port)}
  done

  case "${DOVECOT_USERDB:-passwd}" in
    passwd) _dovecot_write_users "$dir" "$uid" "$gid" || return 1 ;;
    ldap) _dovecot_write_ldap "$dir" "$uid" "$gid" || return 1 ;;
  esac
  _dovecot_write_conf "$dir" "$uid" "$gid" || return 1

  export DOVECOT_LOG="$dir/dovecot.log" DOVECOT_CONF="$dir/dovecot.conf" DOVECOT_DIR=$dir
  export DOVECOT_MAIL_DIR="$dir/mail" DOVECOT_PID=
  if ! dovecot -c "$DOVECOT_CONF" 2> "$dir/start.err"; then
    echo "dovecot.sh: dovecot did not start:" >&2
    cat "$dir/start.err" >&2
    [ -f "$DOVECOT_LOG" ] && tail -n 20 "$DOVECOT_LOG" >&2
    return 1
  fi
  # Registered before waiting: a half-started instance is stopped too.
  [ "${DOVECOT_NO_AUTOSTOP:-0}" = 1 ] || mw_on_exit "dovecot_stop $(printf '%q' "$dir")"
  mw_wait_file "$dir/run/master.pid" 30 || return 1
  DOVECOT_PID=$(tr -dc 0-9 < "$dir/run/master.pid")
  _dovecot_write_env "$dir"
  local service ok=1
  for service in ${DOVECOT_WAIT_FOR-lmtp imap auth quota-status}; do
    case "$service" in
      lmtp) _dovecot_wait_greeting "$DOVECOT_LMTP_PORT" "220 " || ok= ;;
      imap) _dovecot_wait_greeting "$DOVECOT_IMAP_PORT" "* OK" || ok= ;;
      auth) mw_wait_port "$DOVECOT_AUTH_PORT" || ok= ;;
      quota-status) mw_wait_port "$DOVECOT_QUOTA_STATUS_PORT" || ok= ;;
      *) echo "dovecot.sh: DOVECOT_WAIT_FOR: unknown service '$service'" >&2; ok= ;;
    esac
    [ -n "$ok" ] || break
  done
  if [ -z "$ok" ]; then
    tail -n 20 "$DOVECOT_LOG" >&2
    return 1
  fi
  echo "dovecot.sh: master $DOVECOT_PID in $dir: lmtp $DOVECOT_LMTP_PORT," \
    "imap $DOVECOT_IMAP_PORT, auth $DOVECOT_AUTH_PORT," \
    "quota-status $DOVECOT_QUOTA_STATUS_PORT" >&2
}

# _dovecot_stop_master DIR: stop the master by its PID and wait for its children.
_dovecot_stop_master() {
  local dir=$1 pid children c i
  [ -f "$dir/run/master.pid" ] && pid=$(tr -dc 0-9 < "$dir/run/master.pid")
  if [ -n "${pid:-}" ] && kill -0 "$pid" 2>/dev/null; then
    # the master's children by parent PID (not by name: others run Dovecot too)
    children=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
    mw_kill_pid "$pid" 15
    for c in $children; do
      for ((i = 0; i < 15 * 20; i++)); do
        kill -0 "$c" 2>/dev/null || break
        sleep 0.05
      done
      kill -0 "$c" 2>/dev/null && { echo "dovecot.sh: child $c outlived the master" >&2;
                                   kill -KILL "$c" 2>/dev/null || true; }
    done
  fi
  return 0
}

# dovecot_restart DIR: see the header. Updates DOVECOT_PID and DIR/env.
dovecot_restart() {
  local dir=${1:?usage: dovecot_restart DIR}
  _dovecot_stop_master "$dir"
  rm -f "$dir/run/master.pid"
  if ! dovecot -c "$dir/dovecot.conf" 2> "$dir/start.err"; then
    echo "dovecot.sh: dovecot did not restart:" >&2
    cat "$dir/start.err" >&2
    return 1
  fi
  mw_wait_file "$dir/run/master.pid" 30 || return 1
  DOVECOT_PID=$(tr -dc 0-9 < "$dir/run/master.pid")
  _dovecot_write_env "$dir"
  _dovecot_wait_greeting "$DOVECOT_LMTP_PORT" "220 " &&
    _dovecot_wait_greeting "$DOVECOT_IMAP_PORT" "* OK" &&
    mw_wait_port "$DOVECOT_QUOTA_STATUS_PORT"
}

# dovecot_stop DIR: stop the master by its PID, wait for its children, remove DIR.
dovecot_stop() {
  local dir=${1:?usage: dovecot_stop DIR}
  _dovecot_stop_master "$dir"
  # Remove only what dovecot_start made.
  if [ -f "$dir/dovecot.conf" ] && [ -d "$dir/modules" ]; then rm -rf "$dir"; fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}:${2:-}" in
    start:?*) DOVECOT_NO_AUTOSTOP=1 dovecot_start "$2"; cat "$2/env" ;;
    stop:?*) dovecot_stop "$2" ;;
    *) echo "usage: $0 start|stop DIR" >&2; exit 64 ;;
  esac
fi
