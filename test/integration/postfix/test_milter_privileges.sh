#!/usr/bin/env bash
# test_milter_privileges.sh: "milter drops privileges". Started as root, the running
# milter has no root uid or gid left (real, effective, saved, filesystem), and its unix
# socket is owned by it with group postfix, mode 0660 (Postfix may connect, other local
# users may not). A config naming root, or a user that does not exist, is refused.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"

[ "$(id -u)" = 0 ] || mw_fail "this test must start the milter as root (it is run as $(id -un))"
dir=$(mw_mktemp_dir milter-privileges)
mw_on_exit "rm -rf $(printf '%q' "$dir")"
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)

milter_start "$dir/m"
status=$(cat "/proc/$MILTER_PID/status")
mw_assert_eq "$(awk '/^Uid:/ {print $2, $3, $4, $5}' <<< "$status")" \
  "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" "real, effective, saved and fs uid are nobody"
mw_assert_eq "$(awk '/^Gid:/ {print $2, $3, $4, $5}' <<< "$status")" \
  "$nobody_gid $nobody_gid $nobody_gid $nobody_gid" "every gid is nobody's group"
groups=$(awk '/^Groups:/ {$1 = ""; print}' <<< "$status")
for g in $groups; do [ "$g" != 0 ] || mw_fail "supplementary group 0 kept: $groups"; done
mw_pass "no supplementary root group ($groups)"
mw_assert_eq "$(awk '/^CapEff:/ {print $2}' <<< "$status")" 0000000000000000 \
  "no effective capabilities"

sock=$dir/m/run/milter.sock
mw_assert_eq "$(stat -c '%U:%G %a %F' "$sock")" "nobody:postfix 660 socket" \
  "the socket is nobody:postfix, mode 660"
milter_stop

# Refused configurations: exit 78 and a reason, and no process left behind.
for user in root no-such-user-mw; do
  mkdir -p "$dir/$user"
  milter_write_config "$dir/$user" "unix:$dir/$user/milter.sock"
  sed -i "s/^  user: nobody/  user: $user/" "$dir/$user/milter.yaml"
  rc=0
  timeout 20 "$MILTER_BIN" -f -c "$dir/$user/milter.yaml" > /dev/null 2> "$dir/$user/err" || rc=$?
  mw_assert_eq "$rc" 78 "milter.user $user is refused with 78"
  [ -e "$dir/$user/milter.sock" ] && mw_fail "a socket was opened for milter.user $user"
done
mw_assert_contains "$(cat "$dir/root/err")" "never runs as root" "the root refusal says why"
mw_assert_contains "$(cat "$dir/no-such-user-mw/err")" "no such user 'no-such-user-mw'" \
  "the unknown-user refusal names the user"
