#!/usr/bin/env bash
# install_layout.sh: "packaging: cmake --install lays out a host" (issue 6, part 1).
# DESTDIR=<scratch> cmake --install <build> --prefix /usr, then the tree: programs in
# /usr/sbin and /usr/bin, the plugin in Dovecot's module dir, the schema and examples as in
# the source tree, /etc/mailwarden/mailwarden.yaml (kept by a second install), the unit
# (systemd-analyze verify), the user and directories (systemd-sysusers and
# systemd-tmpfiles run with --root on the scratch tree), the man pages, and that the
# defaults agree with each other: milter.socket lies in the socket directory Postfix's
# snippet names relative to its chroot, send_cap.lmdb_path in the state directory,
# milter.user is the user sysusers makes. Nothing is installed on this machine.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/lib.sh"
src=$MW_SOURCE_DIR
d=$(mw_mktemp_dir install)
mw_on_exit "rm -rf '$d'"
root="$d/root"

DESTDIR="$root" cmake --install "$MW_BUILD_DIR" --prefix /usr > "$d/install.log"

# --- programs and plugin
for f in usr/sbin/mailwarden-milter usr/bin/mailwarden; do
  [ -x "$root/$f" ] || mw_fail "$f is not installed as a program"
done
plugin=$(sh -c '. /usr/lib/dovecot/dovecot-config; echo "$dovecot_moduledir"')
so="$root$plugin/lib20_mailwarden_quota_plugin.so"
[ -f "$so" ] || mw_fail "the plugin is not in Dovecot's module dir ($plugin)"
mw_assert_eq "$(stat -c %a "$so")" 644 "plugin mode (like Dovecot's own modules)"
version=$("$root/usr/bin/mailwarden" --version)
mw_assert_contains "$version" "mailwarden " "installed CLI runs"
mw_pass "programs in /usr/sbin and /usr/bin, plugin in $plugin"

# --- schema and examples: exactly the tree's files
diff -r "$src/ldap-schema" "$root/usr/share/mailwarden/ldap-schema" ||
  mw_fail "usr/share/mailwarden/ldap-schema differs from ldap-schema/"
diff -r "$src/conf.d" "$root/usr/share/doc/mailwarden/examples" ||
  mw_fail "usr/share/doc/mailwarden/examples differs from conf.d/"
mw_pass "schema and examples installed as in the tree"

# --- the configuration: conf.d/mailwarden.yaml, valid, never overwritten
conf="$root/etc/mailwarden/mailwarden.yaml"
cmp "$src/conf.d/mailwarden.yaml" "$conf" || mw_fail "mailwarden.yaml differs from conf.d's"
mw_assert_eq "$(stat -c %a "$conf")" 644 "mailwarden.yaml mode (it holds no secret)"
"$root/usr/sbin/mailwarden-milter" --check-config -c "$conf" > "$d/effective.yaml" ||
  mw_fail "the installed configuration does not load"
echo "# edited by the administrator" >> "$conf"
DESTDIR="$root" cmake --install "$MW_BUILD_DIR" --prefix /usr > "$d/install2.log"
grep -q "edited by the administrator" "$conf" ||
  mw_fail "a second install overwrote mailwarden.yaml"
mw_pass "/etc/mailwarden/mailwarden.yaml installed, loads, survives a second install"

# --- systemd unit
unit="$root/usr/lib/systemd/system/mailwarden-milter.service"
[ -f "$unit" ] || mw_fail "no unit at usr/lib/systemd/system"
for line in "ExecStart=/usr/sbin/mailwarden-milter -f -c /etc/mailwarden/mailwarden.yaml" \
    "ExecReload=/bin/kill -HUP \$MAINPID" "NoNewPrivileges=yes" "ProtectSystem=strict" \
    "ProtectHome=yes" "PrivateTmp=yes" "RuntimeDirectory=mailwarden" \
    "ReadWritePaths=/var/lib/mailwarden -/var/spool/postfix/mailwarden"; do
  grep -qxF "$line" "$unit" || mw_fail "the unit lacks: $line"
done
grep -q '^User=' "$unit" && mw_fail "the unit sets User= (the milter drops root itself)"
"$src/packaging/verify-unit" "$unit" "$root"
mw_pass "unit: hardened, verified by systemd-analyze"

# --- the user and the directories, made in the scratch root only
systemd-sysusers --root="$root" mailwarden.conf
passwd_line='^mailwarden:x:[0-9]*:[0-9]*:[^:]*:/var/lib/mailwarden:/usr/sbin/nologin$'
grep -q "$passwd_line" "$root/etc/passwd" ||
  mw_fail "sysusers.d does not make the mailwarden user: $(cat "$root/etc/passwd")"
systemd-tmpfiles --root="$root" --create mailwarden.conf
uid=$(awk -F: '$1 == "mailwarden" { print $3 }' "$root/etc/passwd")
mw_assert_eq "$(stat -c '%a %u' "$root/var/lib/mailwarden")" "750 $uid" "state dir mode, owner"
mw_assert_eq "$(stat -c '%a %u' "$root/var/spool/postfix/mailwarden")" "755 0" \
  "socket dir mode, owner"
mw_pass "sysusers.d and tmpfiles.d: user mailwarden, /var/lib/mailwarden, the socket dir"

# --- the defaults agree with the layout
value() { sed -n "s/^  $1: \"\\{0,1\\}\\([^\"]*\\)\"\\{0,1\\}\$/\\1/p" "$d/effective.yaml"; }
socket=$(value socket)
mw_assert_eq "$socket" "unix:/var/spool/postfix/mailwarden/milter.sock" "default milter.socket"
snippet=$(sed -n 's/^smtpd_milters = unix://p' "$src/conf.d/postfix/main.cf.milter")
mw_assert_eq "unix:/var/spool/postfix/$snippet" "$socket" \
  "main.cf.milter names the socket relative to queue_directory"
mw_assert_eq "$(dirname "$(value lmdb_path)")" /var/lib/mailwarden "send_cap.lmdb_path's directory"
mw_assert_eq "$(value user)" mailwarden "milter.user"
mw_assert_eq "$(value socket_group)" postfix "milter.socket_group"
mw_pass "milter.socket, the Postfix snippet, lmdb_path and milter.user match the layout"

# --- man pages (built when go-md2man is installed, as scripts/setup does)
if [ -f "$MW_BUILD_DIR/docs/man/mailwarden.8" ]; then
  for p in man8/mailwarden.8 man8/mailwarden-milter.8 man5/mailwarden.yaml.5 \
      man7/mailwarden_quota.7; do
    [ -f "$root/usr/share/man/$p" ] || mw_fail "man page $p is not installed"
  done
  mw_pass "man pages installed"
else
  mw_fail "no man pages in $MW_BUILD_DIR/docs/man: is go-md2man installed (scripts/setup)?"
fi

# --- the package's version is the project's
changelog=$(sed -n '1s/^mailwarden (\([^)]*\)).*/\1/p' "$src/debian/changelog")
mw_assert_eq "mailwarden ${changelog%%-*}" "$version" \
  "debian/changelog version vs mailwarden --version"
mw_pass "debian/changelog has the project's version"

# --- debian/control's Build-Depends cover the build packages of scripts/setup (the lines
# between "# build" and the next comment line of its PACKAGES), so a library added to the
# build is added to the package too. Not needed by the package build: the compiler and
# make (build-essential), git, doctest-dev (no tests there), lmdb-utils and libsasl2-dev
# (test tools).
setup_build=$(awk '/^  # build$/ { on = 1; next } on && /^  #/ { exit } on' "$src/scripts/setup" |
  sed 's/#.*//' | tr ' ' '\n' | grep -v -x -e '' -e g++ -e make -e git -e doctest-dev \
    -e lmdb-utils -e libsasl2-dev)
[ -n "$setup_build" ] || mw_fail "found no build packages in scripts/setup"
build_depends=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$src/debian/control")
for p in $setup_build; do
  grep -qE "^ $(sed 's/[+.]/\\&/g' <<< "$p")( |,|\$)" <<< "$build_depends" ||
    mw_fail "debian/control Build-Depends lacks $p (scripts/setup builds with it)"
done
mw_pass "Build-Depends cover scripts/setup's build packages"
