# test/servers/slapd.sh: a throwaway OpenLDAP slapd for the integration tests, on 127.0.0.1
# and a private ldapi socket, everything under one directory. Start takes ~0.1 s.
#
#   source test/servers/slapd.sh; slapd_start DIR    (then use $SLAPD_URI, ...)
#   bash test/servers/slapd.sh start|stop|pause|resume DIR   (start prints the env)
#
# slapd_start DIR makes a cn=config server (DIR/slapd.d, built offline with slapadd -n0, so
# schema can be loaded at run time over ldapi by root with SASL EXTERNAL, as the
# provisioner's `directory init --load-schema` does), one back_mdb database with modules
# back_mdb and unique loaded, schemas core, cosine, inetorgperson, nis plus every file in
# $SLAPD_EXTRA_SCHEMA (space-separated cn=config .ldif files), the suffix
# ${SLAPD_SUFFIX:-dc=example,dc=org} with its base entry, rootdn cn=admin,<suffix> with a
# random password, equality indexes on objectClass, mail and uid, and slapo-unique on the
# attributes in ${SLAPD_UNIQUE_ATTRS-mail} ("" for none). It writes DIR/env:
#   SLAPD_URI            ldap://127.0.0.1:<port>
#   SLAPD_LDAPI_URI      ldapi://<DIR/ldapi, %-encoded>  (root gets manage via EXTERNAL)
#   SLAPD_PORT, SLAPD_SUFFIX, SLAPD_ADMIN_DN
#   SLAPD_ADMIN_PW_FILE  DIR/admin.pw, mode 600, no trailing newline (ldap-utils' -y reads
#                        the whole file)
#   SLAPD_PID, SLAPD_DIR
# exports them and, unless SLAPD_NO_AUTOSTOP=1, registers slapd_stop with mw_on_exit.
# slapd_pause DIR stops the server but keeps its data ("LDAP is down"); slapd_resume DIR
# starts it again on the same port with the same data and updates SLAPD_PID.
# Access: userPassword is writable by self, usable for bind by anonymous, hidden from
# others; everything else readable by everyone; the rootdn and local root bypass all.
# shellcheck shell=bash

# shellcheck source=test/servers/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"


# _slapd_base_entry SUFFIX: the LDIF of the suffix entry, from its first RDN.
_slapd_base_entry() {
  local suffix=$1 rdn attr value
  rdn=${suffix%%,*}
  attr=${rdn%%=*}
  value=${rdn#*=}
  printf 'dn: %s\n' "$suffix"
  case "${attr,,}" in
    dc) printf 'objectClass: dcObject\nobjectClass: organization\ndc: %s\no: %s\n' \
          "$value" "$value" ;;
    o) printf 'objectClass: organization\no: %s\n' "$value" ;;
    ou) printf 'objectClass: organizationalUnit\nou: %s\n' "$value" ;;
    *) echo "slapd.sh: cannot make a base entry for suffix '$suffix' (dc=, o= or ou= only)" >&2
       return 1 ;;
  esac
}

# _slapd_config_ldif DIR SUFFIX PW_HASH: the cn=config tree, in slapadd -n0 input form.
_slapd_config_ldif() {
  local dir=$1 suffix=$2 hash=$3 f attr
  cat <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $dir/slapd.pid
olcArgsFile: $dir/slapd.args

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: unique

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

include: file:///etc/ldap/schema/cosine.ldif

include: file:///etc/ldap/schema/inetorgperson.ldif

include: file:///etc/ldap/schema/nis.ldif

EOF
  for f in ${SLAPD_EXTRA_SCHEMA:-}; do
    case "$f" in /*) ;; *) f="$PWD/$f" ;; esac
    [ -r "$f" ] || { echo "slapd.sh: SLAPD_EXTRA_SCHEMA: cannot read $f" >&2; return 1; }
    printf 'include: file://%s\n\n' "$f"
  done
  cat <<EOF
dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * break

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: $suffix
olcRootDN: cn=admin,$suffix
olcRootPW: $hash
olcDbDirectory: $dir/db
olcDbMaxSize: 268435456
olcDbIndex: objectClass eq
olcDbIndex: mail eq
olcDbIndex: uid eq
olcAccess: {0}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * break
olcAccess: {1}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {2}to * by * read

EOF
  if [ -n "${SLAPD_UNIQUE_ATTRS-mail}" ]; then
    printf 'dn: olcOverlay={0}unique,olcDatabase={1}mdb,cn=config\n'
    printf 'objectClass: olcOverlayConfig\nobjectClass: olcUniqueConfig\nolcOverlay: {0}unique\n'
    for attr in ${SLAPD_UNIQUE_ATTRS-mail}; do
      printf 'olcUniqueURI: ldap:///?%s?sub\n' "$attr"
    done
    printf '\n'
  fi
}

# _slapd_run DIR: start slapd on the URIs recorded in DIR and wait until it answers.
_slapd_run() {
  local dir=$1 uri ldapi i
  uri=$(cat "$dir/uri")
  ldapi=$(cat "$dir/ldapi_uri")
  rm -f "$dir/slapd.pid"
  # slapd detaches once it listens; a configuration error shows up as its exit status.
  if ! slapd -F "$dir/slapd.d" -h "$uri/ $ldapi" 2> "$dir/slapd.log"; then
    echo "slapd.sh: slapd did not start:" >&2
    cat "$dir/slapd.log" >&2
    return 1
  fi
  # Up to ~30 s: a loaded machine may be slow; tests must not fail for that.
  for ((i = 0; i < 1500; i++)); do
    if [ -s "$dir/slapd.pid" ] &&
       ldapsearch -x -H "$uri" -s base -b "" namingContexts > /dev/null 2>&1; then
      return 0
    fi
    sleep 0.02
  done
  echo "slapd.sh: slapd on $uri does not answer after 4 s" >&2
  cat "$dir/slapd.log" >&2
  return 1
}

# _slapd_write_env DIR
_slapd_write_env() {
  local dir=$1 v
  : > "$dir/env"
  for v in SLAPD_URI SLAPD_LDAPI_URI SLAPD_PORT SLAPD_SUFFIX SLAPD_ADMIN_DN \
           SLAPD_ADMIN_PW_FILE SLAPD_PID SLAPD_DIR; do
    printf '%s=%q\n' "$v" "${!v}" >> "$dir/env"
  done
}

# slapd_start DIR: create and start a server under DIR (see the header).
slapd_start() {
  local dir=${1:?usage: slapd_start DIR}
  local suffix=${SLAPD_SUFFIX:-dc=example,dc=org} port hash
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  if [ -e "$dir/slapd.d" ]; then
    echo "slapd.sh: $dir already holds a server (slapd_resume or slapd_stop it)" >&2
    return 1
  fi
  if [ ${#dir} -gt 95 ]; then
    echo "slapd.sh: $dir/ldapi is too long for a unix socket path; use a shorter DIR" >&2
    return 1
  fi
  mkdir -p "$dir/db" "$dir/slapd.d" && chmod 755 "$dir" || return 1
  (umask 077; head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24 > "$dir/admin.pw")
  [ "$(wc -c < "$dir/admin.pw")" -eq 24 ] || { echo "slapd.sh: no admin password" >&2; return 1; }
  # slappasswd reads the secret from the file (-T): it never appears on a command line.
  hash=$(slappasswd -T "$dir/admin.pw" -h '{SSHA}') || return 1
  _slapd_config_ldif "$dir" "$suffix" "$hash" > "$dir/config.ldif" || return 1
  if ! slapadd -n0 -F "$dir/slapd.d" -l "$dir/config.ldif" > "$dir/slapadd.log" 2>&1; then
    echo "slapd.sh: slapadd of the configuration failed:" >&2
    cat "$dir/slapadd.log" >&2
    return 1
  fi
  if ! _slapd_base_entry "$suffix" | slapadd -F "$dir/slapd.d" -b "$suffix" > "$dir/slapadd.log" 2>&1; then
    echo "slapd.sh: slapadd of the base entry failed:" >&2
    cat "$dir/slapadd.log" >&2
    return 1
  fi
  rm -f "$dir/config.ldif"
  port=$(mw_free_port) || return 1
  echo "ldap://127.0.0.1:$port" > "$dir/uri"
  echo "ldapi://$(mw_uri_encode "$dir/ldapi")" > "$dir/ldapi_uri"
  _slapd_run "$dir" || return 1

  export SLAPD_URI="ldap://127.0.0.1:$port" SLAPD_LDAPI_URI SLAPD_PORT=$port
  SLAPD_LDAPI_URI=$(cat "$dir/ldapi_uri")
  export SLAPD_SUFFIX=$suffix SLAPD_ADMIN_DN="cn=admin,$suffix"
  export SLAPD_ADMIN_PW_FILE="$dir/admin.pw" SLAPD_DIR=$dir SLAPD_PID
  SLAPD_PID=$(tr -dc 0-9 < "$dir/slapd.pid")
  _slapd_write_env "$dir"
  [ "${SLAPD_NO_AUTOSTOP:-0}" = 1 ] || mw_on_exit "slapd_stop $(printf '%q' "$dir")"
}

# _slapd_kill DIR: stop the slapd of DIR by the PID in DIR/slapd.pid, and only if that
# process really is a slapd of this DIR (slapd removes its PID file when it exits cleanly;
# a stale one, after a crash or SIGKILL, may name a PID reused by another process).
_slapd_kill() {
  local dir=$1 pid
  [ -s "$dir/slapd.pid" ] || return 0
  pid=$(tr -dc 0-9 < "$dir/slapd.pid")
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] &&
     tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$dir/slapd.d"; then
    mw_kill_pid "$pid" 15
  fi
  rm -f "$dir/slapd.pid"
}

# slapd_ldapadd [LDAPADD ARGS...]: ldapadd as the admin of the running slapd ($SLAPD_* env),
# LDIF on stdin; quiet unless it fails.
slapd_ldapadd() {
  ldapadd -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE" "$@" > /dev/null
}

# slapd_pause DIR: stop the server (by its PID), keep its data and port.
slapd_pause() {
  local dir=${1:?usage: slapd_pause DIR}
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  _slapd_kill "$dir"
}

# slapd_resume DIR: start a paused server again, same port, same data.
slapd_resume() {
  local dir=${1:?usage: slapd_resume DIR}
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  [ -d "$dir/slapd.d" ] || { echo "slapd.sh: no server in $dir" >&2; return 1; }
  if [ -s "$dir/slapd.pid" ] && kill -0 "$(tr -dc 0-9 < "$dir/slapd.pid")" 2>/dev/null; then
    echo "slapd.sh: the server in $dir is running" >&2
    return 1
  fi
  _slapd_run "$dir" || return 1
  set -a
  # shellcheck disable=SC1091
  . "$dir/env"
  set +a
  SLAPD_PID=$(tr -dc 0-9 < "$dir/slapd.pid")
  export SLAPD_PID
  _slapd_write_env "$dir"
}

# slapd_stop DIR: stop the server by its PID and remove DIR.
slapd_stop() {
  local dir=${1:?usage: slapd_stop DIR}
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  _slapd_kill "$dir"
  # Remove only what slapd_start made.
  if [ -d "$dir/slapd.d" ]; then rm -rf "$dir"; fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}:${2:-}" in
    start:?*) SLAPD_NO_AUTOSTOP=1 slapd_start "$2"; cat "$2/env" ;;
    stop:?*) slapd_stop "$2" ;;
    pause:?*) slapd_pause "$2" ;;
    resume:?*) slapd_resume "$2"; cat "$2/env" ;;
    *) echo "usage: $0 start|stop|pause|resume DIR" >&2; exit 64 ;;
  esac
fi
