# test/integration/deploy/profile_lib.sh: installs a shipped profile (conf.d/profiles/NAME
# plus the shared conf.d/postfix, conf.d/dovecot snippets and profiles/common/) into the
# throwaway slapd + Dovecot + mailwarden-milter + Postfix of the harness, the way the
# profile's README tells an administrator to, with nothing edited by hand.
# Source after test/servers/{slapd,dovecot,postfix}.sh, test/integration/dovecot/common.sh,
# test/integration/postfix/milter_lib.sh and test/integration/provisioner/lib.sh; it sources
# provisioner/users_common.sh for json_get.
#
# THE ONLY CHANGES made to shipped files are the substitutions of deploy_subst, a fixed
# table of production literals -> this harness's values (conf.d/profiles/README.md
# "Testing" lists the same table):
#   ports    ldap://127.0.0.1:389 (slapd), "port = 993" / "port = 995" (IMAPS, POP3S),
#            12340 (quota-status), "submission inet" / "submissions inet" (master.cf
#            services 587, 465)
#   paths    /etc/mailwarden/, /var/lib/mailwarden/, /etc/postfix/, the milter socket
#            /var/spool/postfix/mailwarden/milter.sock (-> the harness Postfix's queue
#            directory, where main.cf.milter's relative unix:mailwarden/milter.sock points;
#            an older absolute unix:/run/mailwarden/milter.sock goes there too), /var/vmail/
#            (homes), the TLS pairs
#            /etc/dovecot/private/dovecot.{pem,key} and /etc/ssl/.../ssl-cert-snakeoil.*,
#            Dovecot's auth socket for Postfix (/var/spool/postfix/private/auth, and
#            smtpd_sasl_path = private/auth -> the harness's auth listener inet:127.0.0.1:PORT)
#   the host the package sets up: milter.user "mailwarden" -> "nobody" (no package here),
#            log.target syslog -> stderr (no syslog daemon; milter_start reads stderr)
#   secrets  "dnpass = change-me" -> the Dovecot service account's password (the profile
#            README's step; the password files themselves are written as the README says)
# Policy values (sizes, caps, quotas, grace, domains, activation address, password policy,
# TLS and auth settings) are never touched; a production path, port or secret left over
# after the substitutions (outside comments) fails the test.
# Servers: the harness binds 127.0.0.1 only and stops each by PID from the EXIT trap.
# Rules: R-SAV-10, R-MYO-11, R-MYO-13 (the common part every profile test proves) and
# whatever the calling profile_<name>.sh names.
# shellcheck shell=bash

# shellcheck source=test/integration/provisioner/users_common.sh
source "$MW_SOURCE_DIR/test/integration/provisioner/users_common.sh"

DEPLOY_PROFILES=$MW_SOURCE_DIR/conf.d/profiles
DEPLOY_CLIENT=$MW_SOURCE_DIR/test/integration/deploy/mail_client.py

# deploy_init NAME: work directory, TLS pair, ports, slapd with the schema, the services
# of common/ldap/services.ldif with their rights (openldap-access.ldif), the password files.
deploy_init() {
  DEPLOY_PROFILE=$DEPLOY_PROFILES/$1
  [ -f "$DEPLOY_PROFILE/mailwarden.yaml" ] || mw_fail "no profile $DEPLOY_PROFILE"
  W=$(mw_mktemp_dir "dep-$1")
  [ -n "${MW_KEEP:-}" ] || mw_on_exit "rm -rf $(printf '%q' "$W")"
  mkdir -p "$W/etc/mailwarden" "$W/state" "$W/tls" "$W/milter"
  # The package's layout: the state directory belongs to the milter's user.
  chown nobody:nogroup "$W/state"
  # A throwaway self-signed pair for Dovecot and Postfix (R-SAV-10: encryption is tested).
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mail.deploy.test" \
    -keyout "$W/tls/key.pem" -out "$W/tls/cert.pem" > /dev/null 2>&1 ||
    mw_fail "openssl could not make a test certificate"
  chmod 600 "$W/tls/key.pem"
  # Five ports the harness does not choose itself; mw_free_port may repeat one: ask again.
  local ports=''
  while [ "$(tr ' ' '\n' <<< "$ports" | sort -u | grep -c .)" != 5 ]; do
    DEPLOY_IMAPS_PORT=$(mw_free_port) DEPLOY_POP3S_PORT=$(mw_free_port)
    DEPLOY_QS_PORT=$(mw_free_port) DEPLOY_SUBMISSION_PORT=$(mw_free_port)
    DEPLOY_SUBMISSIONS_PORT=$(mw_free_port)
    ports="$DEPLOY_IMAPS_PORT $DEPLOY_POP3S_PORT $DEPLOY_QS_PORT $DEPLOY_SUBMISSION_PORT $DEPLOY_SUBMISSIONS_PORT"
  done
  DEPLOY_DOVECOT_DIR=$W/dv
  DEPLOY_AUTH_PORT=

  # The directory: schema and indexes as ldap-schema/README.md says (over ldapi as root);
  # the harness indexes mail and uid already, so prov_slapd_indexes drops those two lines.
  SLAPD_UNIQUE_ATTRS="" slapd_start "$W/slapd"
  ldapadd -Q -Y EXTERNAL -H "$SLAPD_LDAPI_URI" -f "$MW_SOURCE_DIR/ldap-schema/openldap/mailwarden.ldif" \
    > /dev/null || mw_fail "ldap-schema/openldap/mailwarden.ldif does not load over ldapi"
  prov_slapd_indexes
  [ "$SLAPD_SUFFIX" = "dc=example,dc=org" ] || mw_fail "the profiles' suffix is dc=example,dc=org"

  # common/ldap/services.ldif's steps: the password files, the entries, hashing, rights.
  (umask 027; openssl rand -base64 24 | tr -d '\n' > "$W/etc/mailwarden/ldap.pw")
  (umask 077; openssl rand -base64 24 | tr -d '\n' > "$W/etc/mailwarden/dovecot-ldap.pw")
  chgrp nogroup "$W/etc/mailwarden/ldap.pw"   # group of the milter's user (README: mailwarden)
  deploy_subst "$DEPLOY_PROFILES/common/ldap/services.ldif" "$W/services.ldif"
  ldapadd -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE" -f "$W/services.ldif" \
    > /dev/null || mw_fail "common/ldap/services.ldif does not load"
  local who
  for who in mailwarden:ldap dovecot:dovecot-ldap; do
    ldappasswd -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" -y "$SLAPD_ADMIN_PW_FILE" \
      -T "$W/etc/mailwarden/${who#*:}.pw" "cn=${who%%:*},ou=services,$SLAPD_SUFFIX" ||
      mw_fail "ldappasswd for cn=${who%%:*}"
  done
  ldapmodify -Q -Y EXTERNAL -H "$SLAPD_LDAPI_URI" \
    -f "$DEPLOY_PROFILES/common/ldap/openldap-access.ldif" > /dev/null ||
    mw_fail "common/ldap/openldap-access.ldif does not apply"
  ldapwhoami -x -H "$SLAPD_URI" -D "cn=mailwarden,ou=services,$SLAPD_SUFFIX" \
    -y "$W/etc/mailwarden/ldap.pw" > /dev/null || mw_fail "cn=mailwarden cannot bind"
  mw_pass "LDAP setup as common/ldap/ says: schema, indexes, services, hashed passwords, rights"

  # /etc/mailwarden/mailwarden.yaml: the profile's file, checked as installed.
  deploy_subst "$DEPLOY_PROFILE/mailwarden.yaml" "$W/etc/mailwarden/mailwarden.yaml"
  chmod 644 "$W/etc/mailwarden/mailwarden.yaml"
  if [ -f "$MW_SOURCE_DIR/conf.d/subject-block.rules" ] &&
     grep -q '/etc/mailwarden/subject-block.rules' "$DEPLOY_PROFILE/mailwarden.yaml"; then
    install -m 644 "$MW_SOURCE_DIR/conf.d/subject-block.rules" "$W/etc/mailwarden/"
  fi
  local out rc=0
  out=$("$MW_BIN_DIR/mailwarden-milter" -c "$W/etc/mailwarden/mailwarden.yaml" --check-config \
        2>&1 > /dev/null) || rc=$?
  mw_assert_eq "$rc" 0 "$1/mailwarden.yaml as installed passes mailwarden-milter --check-config $out"
}

# deploy_subst SRC DST: SRC with the substitution table of the header applied.
deploy_subst() {
  local src=$1 dst=$2 dnpass=''
  [ -f "$W/etc/mailwarden/dovecot-ldap.pw" ] && dnpass=$(cat "$W/etc/mailwarden/dovecot-ldap.pw")
  sed -e "s|ldap://127\.0\.0\.1:389|$SLAPD_URI|g" \
      -e "s|^\( *\)port = 993\$|\1port = $DEPLOY_IMAPS_PORT|" \
      -e "s|^\( *\)port = 995\$|\1port = $DEPLOY_POP3S_PORT|" \
      -e "s|^\( *\)port = 12340\$|\1port = $DEPLOY_QS_PORT|" \
      -e "s|127\.0\.0\.1:12340|127.0.0.1:$DEPLOY_QS_PORT|g" \
      -e "s|^submission inet |127.0.0.1:$DEPLOY_SUBMISSION_PORT inet |" \
      -e "s|^submissions inet |127.0.0.1:$DEPLOY_SUBMISSIONS_PORT inet |" \
      -e "s|unix:/var/spool/postfix/mailwarden/milter\.sock|unix:$W/postfix/spool/mailwarden/milter.sock|g" \
      -e "s|unix:/run/mailwarden/milter\.sock|unix:$W/postfix/spool/mailwarden/milter.sock|g" \
      -e "s|/etc/mailwarden/|$W/etc/mailwarden/|g" \
      -e "s|/var/lib/mailwarden/|$W/state/|g" \
      -e "s|/etc/postfix/|${POSTFIX_CONFIG_DIR:-$W/postfix/etc}/|g" \
      -e "s|/var/vmail/|$DEPLOY_DOVECOT_DIR/mail/|g" \
      -e "s|/etc/dovecot/private/dovecot\.pem|$W/tls/cert.pem|g" \
      -e "s|/etc/dovecot/private/dovecot\.key|$W/tls/key.pem|g" \
      -e "s|/etc/ssl/certs/ssl-cert-snakeoil\.pem|$W/tls/cert.pem|g" \
      -e "s|/etc/ssl/private/ssl-cert-snakeoil\.key|$W/tls/key.pem|g" \
      -e "s|/var/spool/postfix/private/auth|$W/auth-postfix|g" \
      -e "s|^smtpd_sasl_path = private/auth\$|smtpd_sasl_path = inet:127.0.0.1:${DEPLOY_AUTH_PORT:-0}|" \
      -e "s|^  user: \"mailwarden\"\$|  user: \"nobody\"|" \
      -e "s|^  target: syslog\$|  target: stderr|" \
      -e "s|^dnpass = change-me\$|dnpass = $dnpass|" \
      "$src" > "$dst" || mw_fail "cannot substitute $src"
  # Nothing production-only may survive (a literal the table missed would point the test
  # at the host's real servers or files): every such path must now start with $W
  # (comments may name the production values).
  if sed -e "s|$W|@W@|g" -e '/^[[:space:]]*#/d' "$dst" | grep -E \
       '(^|[^@])(/etc/mailwarden/|/var/lib/mailwarden/|/run/mailwarden/|/var/spool/postfix/mailwarden/|/etc/dovecot/private/)|ldap://127\.0\.0\.1:389|/var/vmail/|snakeoil|port = (993|995|12340)$|^dnpass = change-me$'; then
    mw_fail "$src: a production value is left after the substitutions (above)"
  fi
}

# deploy_dovecot_conf OUT: the Dovecot conf.d files of the profile, in the order Dovecot's
# `!include conf.d/*.conf` reads them (by name), substituted.
deploy_dovecot_conf() {
  local out=$1 f
  : > "$out"
  while IFS= read -r f; do
    [ -f "$f" ] || continue   # a profile without conf.d files of its own
    deploy_subst "$f" "$out.part"
    { echo "# --- $f"; cat "$out.part"; } >> "$out"
  done < <(printf '%s\n' "$MW_SOURCE_DIR/conf.d/dovecot/90-mailwarden-quota.conf" \
             "$DEPLOY_PROFILES"/common/dovecot/*.conf "$DEPLOY_PROFILE"/dovecot/*.conf |
           awk -F/ '{ print $NF "\t" $0 }' | sort -t "$(printf '\t')" -k1,1 | cut -f2)
  rm -f "$out.part"
}

# deploy_start_dovecot: Dovecot with the shared LDAP passdb/userdb file
# (as /etc/dovecot/dovecot-ldap.conf.ext, Debian's auth-ldap.conf.ext), the plugin from the
# build, and the profile's conf.d files. DOVECOT_WAIT_FOR as the harness reads it.
deploy_start_dovecot() {
  deploy_dovecot_conf "$W/dovecot-extra.conf"
  deploy_subst "$MW_SOURCE_DIR/conf.d/dovecot/dovecot-ldap-mailwarden.conf.ext" "$W/dovecot-ldap.conf.ext"
  DOVECOT_USERDB=ldap DOVECOT_LDAP_CONF="$W/dovecot-ldap.conf.ext" DOVECOT_MAIL_PLUGINS="" \
    DOVECOT_PLUGIN_SO=$(mwq_plugin_so) DOVECOT_EXTRA_CONF="$W/dovecot-extra.conf" \
    DOVECOT_WANT_QUOTA_STATUS_PORT=$DEPLOY_QS_PORT dovecot_start "$DEPLOY_DOVECOT_DIR"
  mw_on_exit mwq_dump_log_on_failure
  DEPLOY_AUTH_PORT=$DOVECOT_AUTH_PORT
}

# deploy_start_milter: mailwarden-milter on the installed /etc/mailwarden/mailwarden.yaml,
# its socket in the (future) harness Postfix's queue directory, in a directory of the
# milter's user as the package makes /var/spool/postfix/mailwarden.
deploy_start_milter() {
  mkdir -p "$W/postfix/spool/mailwarden"
  chmod 755 "$W/postfix" "$W/postfix/spool"
  chown nobody:nogroup "$W/postfix/spool/mailwarden"
  ln -sf "$W/etc/mailwarden/mailwarden.yaml" "$W/milter/milter.yaml"
  milter_start "$W/milter" "unix:$W/postfix/spool/mailwarden/milter.sock"
}

# deploy_postfix_apply FILE: each setting line of a main.cf snippet with postconf -e.
deploy_postfix_apply() {
  local line
  deploy_subst "$1" "$W/main.cf.part"
  while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    postconf -c "$POSTFIX_CONFIG_DIR" -e "$line" || mw_fail "postconf refused: $line ($1)"
  done < "$W/main.cf.part"
}

# deploy_start_postfix DOMAINS: the harness's Postfix (port 25 on a free port, mail for
# DOMAINS to Dovecot LMTP, no mynetworks), then the profile's Postfix steps: the main.cf
# snippets with postconf -e, common/postfix/master.cf.submission appended, the LDAP alias table copied when
# the profile names it, main.cf.quota and a restart (mwq_postfix_apply_shipped).
deploy_start_postfix() {
  POSTFIX_LMTP="127.0.0.1:$DOVECOT_LMTP_PORT" POSTFIX_DOMAINS=$1 POSTFIX_MYNETWORKS="" \
    postfix_start "$W/postfix"
  deploy_postfix_apply "$MW_SOURCE_DIR/conf.d/postfix/main.cf.milter"
  deploy_postfix_apply "$DEPLOY_PROFILES/common/postfix/main.cf.security"
  deploy_postfix_apply "$DEPLOY_PROFILE/postfix/main.cf"
  if grep -q 'mailwarden-aliases.cf' "$DEPLOY_PROFILE/postfix/main.cf"; then
    deploy_subst "$DEPLOY_PROFILES/common/postfix/mailwarden-aliases.cf" \
      "$POSTFIX_CONFIG_DIR/mailwarden-aliases.cf"
  fi
  deploy_subst "$DEPLOY_PROFILES/common/postfix/master.cf.submission" "$W/master.cf.part"
  # Debian's master.cf runs tlsmgr (TLS session cache and entropy for smtpd); the harness's
  # minimal one does not: add Debian's line, as on any real host.
  grep -q '^tlsmgr ' "$POSTFIX_CONFIG_DIR/master.cf" ||
    echo 'tlsmgr    unix  -       -       n       1000?   1       tlsmgr' >> "$POSTFIX_CONFIG_DIR/master.cf"
  cat "$W/master.cf.part" >> "$POSTFIX_CONFIG_DIR/master.cf"
  mw_on_exit deploy_dump_logs_on_failure
  mwq_postfix_apply_shipped "$DEPLOY_QS_PORT"
  postfix -c "$POSTFIX_CONFIG_DIR" check 2>&1 | sed 's/^/postfix check: /' >&2
  mw_wait_port "$DEPLOY_SUBMISSION_PORT" 30 || mw_fail "no submission service"
  mw_pass "Postfix runs with the profile's main.cf / master.cf snippets"
}

# deploy_dump_logs_on_failure: the Postfix and milter logs' last lines unless the test
# reached mwq_done (registered after postfix_start: runs before the stop removes them).
deploy_dump_logs_on_failure() {
  [ -z "${_mwq_done:-}" ] || return 0
  local f
  for f in "${POSTFIX_LOG:-}" "${MILTER_LOG:-}"; do
    [ -f "$f" ] || continue
    echo "--- last lines of $f" >&2
    tail -n 40 "$f" >&2
  done
}

# deploy_mw ARGS...: the mailwarden CLI on the installed configuration.
deploy_mw() { "$MW" -c "$W/etc/mailwarden/mailwarden.yaml" "$@"; }

# deploy_set_password LOGIN PASSWORD: `mailwarden user passwd` from stdin (as an admin).
deploy_set_password() {
  printf '%s\n' "$2" | deploy_mw user passwd "$1" --password-stdin > /dev/null ||
    mw_fail "user passwd $1"
}

# deploy_send ARGS...: mail_client.py send (see its --help); never fails.
deploy_send() { python3 "$DEPLOY_CLIENT" send "$@" 2>&1 || true; }
# deploy_submit LOGIN PASSWORD ARGS...: through the submission service (STARTTLS + AUTH).
deploy_submit() {
  local login=$1 password=$2
  shift 2
  deploy_send --port "$DEPLOY_SUBMISSION_PORT" --login "$login" --password "$password" "$@"
}
# deploy_incoming ARGS...: an outside server delivering on port 25.
deploy_incoming() { deploy_send --port "$POSTFIX_PORT" "$@"; }
# deploy_imap MODE PORT LOGIN PASSWORD: mail_client.py imap.
deploy_imap() {
  python3 "$DEPLOY_CLIENT" imap "$1" --port "$2" --login "$3" --password "$4" 2>&1 || true
}

# deploy_wait_maildir LOGIN MARKER: wait until a message with MARKER is in LOGIN's INBOX.
deploy_wait_maildir() {
  local i
  for ((i = 0; i < 300; i++)); do
    grep -l -r -F -q -- "Message-ID: <$2@deploy.test>" "$DOVECOT_MAIL_DIR/$1/Maildir/new" \
      2>/dev/null && return 0
    sleep 0.1
  done
  mw_fail "no message $2 in $1's INBOX"
}

# deploy_assert_tls_login LOGIN PASSWORD: R-SAV-10 on the plaintext IMAP port: a login
# without TLS is refused, the same login after STARTTLS works.
deploy_assert_tls_login() {
  local out
  out=$(deploy_imap plain "$DOVECOT_IMAP_PORT" "$1" "$2")
  mw_assert_contains "$out" "LOGINDISABLED" "R-SAV-10: IMAP without TLS offers no login"
  mw_assert_contains "$out" "LOGIN refused" "R-SAV-10: a plaintext IMAP LOGIN is refused"
  out=$(deploy_imap starttls "$DOVECOT_IMAP_PORT" "$1" "$2")
  mw_assert_contains "$out" "LOGIN OK" "R-SAV-10: the same login after STARTTLS works"
}
