# test/servers/389ds.sh: a throwaway 389 Directory Server for the integration tests, on
# 127.0.0.1 only, without systemd, everything under one directory.
#
#   source test/servers/389ds.sh; ds389_start DIR    (then use $DS_URI, ...)
#   bash test/servers/389ds.sh start|stop DIR        (start prints the env; for scripts/demo)
#
# ds389_start DIR creates an instance under DIR and writes DIR/env:
#   DS_URI            ldap://localhost:<port> (use StartTLS with DS_CA_FILE; see TLS below)
#   DS_LDAPI_URI      ldapi://<DIR/prefix/run/slapd-INSTANCE.socket, %-encoded>
#   DS_PORT, DS_SUFFIX (${DS_SUFFIX:-dc=example,dc=org}, entry created),
#   DS_ADMIN_DN       cn=Directory Manager
#   DS_ADMIN_PW_FILE  DIR/admin.pw, random, mode 600, no trailing newline
#   DS_CA_FILE        the CA that signed the server certificate (PEM), for StartTLS
#   DS_PID, DS_DIR, DS_INSTANCE
# exports them and, unless DS_NO_AUTOSTOP=1, registers ds389_stop with mw_on_exit.
# Optional input: DS_UNIQUE_ATTRS (default "mail"): attributes the attribute uniqueness
# plugin enforces under the suffix (one plugin instance each; "" for none). DS_PREFIX is
# never read: the prefix is DIR/prefix.
#
# How it runs without systemd (recipes/ldap/389ds-test.sh): lib389 honours $PREFIX, so we
# copy /usr/share/dirsrv and /etc/dirsrv/{config,schema} under DIR/prefix, relocate every
# path in the copied defaults.inf, set with_systemd = 0 there, and add listen hosts to the
# copied template-dse.ldif, so the server binds to 127.0.0.1 from its very first start.
# ns-slapd drops to user dirsrv: every parent of DIR must be traversable by it.
#
# Creating an instance takes ~10 s (dscreate generates the CA and server certificate and
# starts the server once), so the integration tests share one instance per ctest run
# through a CTest fixture (test/integration/ldap: "389ds: start" / "389ds: stop").
#
# TLS, and why it is on. 389ds refuses the RFC 3062 password modify extended operation on
# a connection without a security layer: passwd_extop.c answers rc 13
# (confidentialityRequired, "Operation requires a secure connection") unless the
# connection has a TLS, SASL or local (LDAPI) SSF. OpenLDAP's slapd has no such rule by
# default. A real deployment talks to 389ds over TLS (or LDAPI on the same host), so the
# tests do what production does: dscreate's self_sign_cert = True makes a private CA and a
# server certificate in the instance's NSS database (and exports the CA as ca.crt next to
# it); clients connect to ldap://localhost:<port>, use StartTLS and verify the certificate
# against that CA (DS_CA_FILE). Measured here: a password modify on the plain port gets
# rc 13; over LDAPI or after StartTLS it succeeds, with a given or a server-generated
# password. Name check trap: for a URI host "localhost", libldap (tls_g.c) checks the
# certificate against the machine's own canonical host name (gethostbyname(gethostname())
# ->h_name), not against "localhost". So the certificate is issued for that name
# (full_machine_name), and DS_URI says localhost, which resolves to 127.0.0.1 everywhere.
# The LDAPS port (DS_SECURE_PORT) listens on 127.0.0.1 too.
# shellcheck shell=bash

# shellcheck source=test/servers/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${DS_INSTANCE:=mailwarden}"


# _ds389_tls_name: the name libldap expects in a server certificate when the URI says
# "localhost": the canonical name of this host, as gethostbyname(gethostname()) gives it.
_ds389_tls_name() {
  python3 -c 'import socket; print(socket.gethostbyname_ex(socket.gethostname())[0])' 2>/dev/null ||
    hostname
}

# _ds389_pidfile DIR
_ds389_pidfile() { printf '%s/prefix/run/dirsrv/slapd-%s.pid' "$1" "$DS_INSTANCE"; }

# _ds389_kill DIR [WHY]: stop the ns-slapd of DIR by the PID in its PID file, and only if
# that process really is an ns-slapd of this DIR: a stale PID file (left by a killed run)
# may name a PID the system has given to another process since.
_ds389_kill() {
  local dir=$1 why=${2:-} pidfile pid
  pidfile=$(_ds389_pidfile "$dir")
  [ -s "$pidfile" ] || return 0
  pid=$(tr -dc 0-9 < "$pidfile")
  [ -n "$pid" ] || return 0
  if [ -r "/proc/$pid/cmdline" ] &&
     tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$dir/prefix/"; then
    [ -z "$why" ] || echo "389ds.sh: stopping $why ns-slapd $pid of $dir" >&2
    mw_kill_pid "$pid" 60
  fi
}

# _ds389_kill_leftover DIR: a server left by an earlier run that was killed before its
# cleanup ran.
_ds389_kill_leftover() { _ds389_kill "$1" leftover; }

# _ds389_prepare_prefix P: the relocated copy of 389ds' data and config under P.
_ds389_prepare_prefix() {
  local p=$1
  mkdir -p "$p/share" "$p/etc/dirsrv" || return 1
  cp -a /usr/share/dirsrv "$p/share/" || return 1
  cp -a /etc/dirsrv/config /etc/dirsrv/schema "$p/etc/dirsrv/" || return 1
  sed -i -E \
    -e "s#^(with_systemd) = .*#\1 = 0#" \
    -e "s#^(with_selinux) = .*#\1 = no#" \
    -e "s#^(data_dir) = .*#\1 = $p/share#" \
    -e "s#^(system_schema_dir) = .*#\1 = $p/share/dirsrv/schema#" \
    -e "s#^(inst_dir) = .*#\1 = $p/lib/dirsrv/slapd-{instance_name}#" \
    -e "s#^(sysconf_dir|initconfig_dir|config_dir|local_state_dir|run_dir|ldapi|pid_file|tmpfiles_d|schema_dir|cert_dir|lock_dir|log_dir|access_log|audit_log|error_log|security_log|db_dir|db_home_dir|backup_dir|ldif_dir|tmp_dir) = /#\1 = $p/#" \
    "$p/share/dirsrv/inf/defaults.inf" || return 1
  grep -q "^with_systemd = 0" "$p/share/dirsrv/inf/defaults.inf" ||
    { echo "389ds.sh: could not patch defaults.inf (format changed?)" >&2; return 1; }
  # Loopback only, for the plain and the LDAPS port, from the first (setup-time) start.
  sed -i -e 's#^nsslapd-port: %ds_port%#&\nnsslapd-listenhost: 127.0.0.1\nnsslapd-securelistenhost: 127.0.0.1#' \
    "$p/share/dirsrv/data/template-dse.ldif"
  grep -q '^nsslapd-listenhost: 127.0.0.1' "$p/share/dirsrv/data/template-dse.ldif" ||
    { echo "389ds.sh: could not patch template-dse.ldif (format changed?)" >&2; return 1; }
  # dscreate makes missing parents root:root 0770, which ns-slapd (user dirsrv) cannot
  # enter: pre-create them world-traversable.
  mkdir -p "$p/run/lock" "$p/var/log/dirsrv" "$p/var/lib/dirsrv" "$p/lib/dirsrv" \
    "$p/etc/tmpfiles.d" "$p/etc/default" "$p/dev/shm" "$p/tmp" || return 1
  chmod 755 "$p" "$p/run" "$p/run/lock" "$p/var" "$p/var/log" "$p/var/log/dirsrv" \
    "$p/var/lib" "$p/var/lib/dirsrv" "$p/lib" "$p/lib/dirsrv" "$p/dev" "$p/etc" \
    "$p/etc/tmpfiles.d" "$p/etc/default" "$p/etc/dirsrv" || return 1
  chmod 1777 "$p/tmp" "$p/dev/shm" || return 1
}

# _ds389_ldap TOOL DIR ARGS...: an ldap-utils TOOL as Directory Manager over the plain port; the
# password is read from the file (-y), never put on a command line.
_ds389_ldap() {
  local tool=$1 dir=$2
  shift 2
  "$tool" -x -H "ldap://127.0.0.1:$(cat "$dir/port")" -D "cn=Directory Manager" \
    -y "$dir/admin.pw" "$@"
}

# _ds389_write_env DIR
_ds389_write_env() {
  local dir=$1 v
  : > "$dir/env"
  for v in DS_URI DS_LDAPI_URI DS_PORT DS_SECURE_PORT DS_SUFFIX DS_ADMIN_DN DS_ADMIN_PW_FILE \
           DS_CA_FILE DS_PID DS_DIR DS_INSTANCE; do
    printf '%s=%q\n' "$v" "${!v}" >> "$dir/env"
  done
}

# ds389_start DIR: create and start an instance under DIR (see the header).
ds389_start() {
  local dir=${1:?usage: ds389_start DIR}
  local suffix=${DS_SUFFIX:-dc=example,dc=org}
  local p port sport ldapi t0=$SECONDS
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  p="$dir/prefix"
  _ds389_kill_leftover "$dir"
  rm -rf "$dir"
  mkdir -p "$dir" && chmod 755 "$dir" || return 1
  ldapi="$p/run/slapd-$DS_INSTANCE.socket"
  if [ ${#ldapi} -gt 100 ]; then
    echo "389ds.sh: $ldapi is too long for a unix socket path; use a shorter DIR" >&2
    return 1
  fi
  _ds389_prepare_prefix "$p" || return 1
  port=$(mw_free_port)
  sport=$(mw_free_port)
  while [ "$sport" = "$port" ]; do sport=$(mw_free_port); done
  echo "$port" > "$dir/port"
  (umask 077; head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24 > "$dir/admin.pw")
  [ "$(wc -c < "$dir/admin.pw")" -eq 24 ] || { echo "389ds.sh: no admin password" >&2; return 1; }
  # The .inf carries the password in clear for dscreate: private to root, removed after.
  (umask 077; cat > "$dir/instance.inf" <<EOF
[general]
config_version = 2
full_machine_name = $(_ds389_tls_name)
strict_host_checking = False
selinux = False
systemd = False
start = True

[slapd]
instance_name = $DS_INSTANCE
port = $port
secure_port = $sport
self_sign_cert = True
self_sign_cert_valid_months = 12
root_dn = cn=Directory Manager
root_password = $(cat "$dir/admin.pw")

[backend-userroot]
suffix = $suffix
create_suffix_entry = True
sample_entries = no
EOF
) || return 1
  if ! PREFIX="$p" dscreate from-file "$dir/instance.inf" > "$dir/dscreate.log" 2>&1; then
    rm -f "$dir/instance.inf"
    echo "389ds.sh: dscreate failed; its output:" >&2
    tail -n 30 "$dir/dscreate.log" >&2
    _ds389_kill_leftover "$dir"
    return 1
  fi
  rm -f "$dir/instance.inf"
  mw_wait_file "$(_ds389_pidfile "$dir")" 30 || return 1

  export DS_URI="ldap://localhost:$port" DS_LDAPI_URI
  DS_LDAPI_URI="ldapi://$(mw_uri_encode "$ldapi")"
  export DS_PORT=$port DS_SECURE_PORT=$sport DS_SUFFIX=$suffix
  export DS_ADMIN_DN="cn=Directory Manager" DS_ADMIN_PW_FILE="$dir/admin.pw"
  export DS_CA_FILE="$p/etc/dirsrv/slapd-$DS_INSTANCE/ca.crt"
  export DS_PID DS_DIR=$dir DS_INSTANCE
  DS_PID=$(tr -dc 0-9 < "$(_ds389_pidfile "$dir")")
  [ -s "$DS_CA_FILE" ] || { echo "389ds.sh: no CA certificate at $DS_CA_FILE" >&2; return 1; }
  _ds389_write_env "$dir"
  [ "${DS_NO_AUTOSTOP:-0}" = 1 ] || mw_on_exit "ds389_stop $(printf '%q' "$dir")"

  # Plugin configuration changes (uniqueness, later DNA) take effect without a restart.
  _ds389_ldap ldapmodify "$dir" > /dev/null <<'EOF' || return 1
dn: cn=config
changetype: modify
replace: nsslapd-dynamic-plugins
nsslapd-dynamic-plugins: on
EOF
  local attr
  for attr in ${DS_UNIQUE_ATTRS-mail}; do
    _ds389_ldap ldapadd "$dir" > /dev/null <<EOF || return 1
dn: cn=$attr uniqueness,cn=plugins,cn=config
objectClass: top
objectClass: nsSlapdPlugin
objectClass: extensibleObject
cn: $attr uniqueness
nsslapd-pluginPath: libattr-unique-plugin
nsslapd-pluginInitfunc: NSUniqueAttr_Init
nsslapd-pluginType: betxnpreoperation
nsslapd-pluginEnabled: on
nsslapd-plugin-depends-on-type: database
nsslapd-pluginId: NSUniqueAttr
nsslapd-pluginVendor: 389 Project
nsslapd-pluginVersion: none
nsslapd-pluginDescription: Enforce unique attribute values
uniqueness-attribute-name: $attr
uniqueness-subtrees: $suffix
EOF
  done
  # The suffix entry exists and StartTLS verifies against the CA: what the tests rely on.
  LDAPTLS_CACERT="$DS_CA_FILE" LDAPTLS_REQCERT=demand \
    ldapsearch -x -ZZ -H "$DS_URI" -D "$DS_ADMIN_DN" -y "$DS_ADMIN_PW_FILE" \
      -s base -b "$suffix" dn > /dev/null ||
    { echo "389ds.sh: the suffix $suffix is not readable over StartTLS" >&2; return 1; }
  echo "389ds.sh: $DS_INSTANCE on $DS_URI (pid $DS_PID) ready in $((SECONDS - t0)) s" >&2
}

# ds389_stop DIR: stop the server by its PID and remove DIR.
ds389_stop() {
  local dir=${1:?usage: ds389_stop DIR}
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  _ds389_kill "$dir"
  # Remove only what ds389_start made.
  if [ -d "$dir/prefix/share/dirsrv" ] || [ -f "$dir/env" ]; then rm -rf "$dir"; fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}:${2:-}" in
    start:?*) DS_NO_AUTOSTOP=1 ds389_start "$2"; cat "$2/env" ;;
    stop:?*) ds389_stop "$2" ;;
    *) echo "usage: $0 start|stop DIR" >&2; exit 64 ;;
  esac
fi
