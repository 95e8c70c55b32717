#!/usr/bin/env bash
# secret_warning.sh: "packaging: a bind password file every local user can read is warned
# about" (issue 6, part 2). Against a throwaway slapd, `mailwarden export` binds with
# ldap.bind_password_file: mode 0640 (the documented root:mailwarden layout) binds
# silently; mode 0644 binds too (a mode bit must not stop the mail flow) and says, once, on
# standard error, which file and how to fix it. The milter reads the file through the
# same code (core/ldap/connection.cpp); the modes are unit-tested in test_secret_file.cpp.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/lib.sh"
source "$MW_SOURCE_DIR/test/servers/slapd.sh"
d=$(mw_mktemp_dir secret)
mw_on_exit "rm -rf '$d'"
slapd_start "$d/slapd"

for mode in 640 644; do
  install -m "$mode" "$SLAPD_ADMIN_PW_FILE" "$d/pw-$mode"
  cat > "$d/conf-$mode.yaml" <<YAML
ldap:
  uri: "$SLAPD_URI"
  base_dn: "$SLAPD_SUFFIX"
  bind_dn: "$SLAPD_ADMIN_DN"
  bind_password_file: "$d/pw-$mode"
YAML
  "$MW_BIN_DIR/mailwarden" -c "$d/conf-$mode.yaml" export > "$d/out-$mode" 2> "$d/err-$mode" ||
    mw_fail "mailwarden export with a $mode password file failed: $(cat "$d/err-$mode")"
  grep -q "^dn: $SLAPD_SUFFIX" "$d/out-$mode" || mw_fail "export with mode $mode printed no base"
done
[ ! -s "$d/err-640" ] || mw_fail "mode 0640 was warned about: $(cat "$d/err-640")"
mw_pass "0640 (root:mailwarden): bound, no warning"
warning="mailwarden: warning: secret file $d/pw-644 is readable by every local user"
warning+=" (mode 0644); chmod o-rwx,g-w $d/pw-644"
mw_assert_contains "$(cat "$d/err-644")" "$warning" \
  "0644: bound, and warned with the file and the fix"
mw_assert_eq "$(grep -c 'secret file' "$d/err-644")" 1 "the warning comes once"
