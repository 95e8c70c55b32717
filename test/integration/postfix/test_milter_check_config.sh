#!/usr/bin/env bash
# test_milter_check_config.sh: "milter --check-config". A good file: exit 0 and the
# effective configuration on stdout, which itself checks clean (it round-trips). A bad one:
# exit 78 (EX_CONFIG) and "FILE:LINE: KEY:" for each error; the daemon itself refuses the
# same file with 78 before it opens any socket.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/lib.sh"
source "$MW_SOURCE_DIR/test/integration/postfix/milter_lib.sh"

dir=$(mw_mktemp_dir milter-check-config)
mw_on_exit "rm -rf $(printf '%q' "$dir")"

# Good: what we set shows up in the effective config, defaults are filled in.
milter_write_config "$dir" "unix:$dir/good.sock"
rc=0
"$MILTER_BIN" -c "$dir/milter.yaml" --check-config > "$dir/out" 2> "$dir/err" || rc=$?
mw_assert_eq "$rc" 0 "--check-config exits 0 for a good file"
out=$(cat "$dir/out")
mw_assert_contains "$out" "unix:$dir/good.sock" "the effective config shows milter.socket"
mw_assert_contains "$out" "nobody" "the effective config shows milter.user"
mw_assert_contains "$out" "send_cap:" "the effective config includes defaulted sections"
mw_assert_eq "$(cat "$dir/err")" "" "nothing on stderr for a good file"

# The printed config is itself a valid config.
cp "$dir/out" "$dir/effective.yaml"
rc=0
"$MILTER_BIN" -c "$dir/effective.yaml" --check-config > "$dir/out2" 2>&1 || rc=$?
mw_assert_eq "$rc" 0 "the effective config checks clean"
mw_assert_eq "$(grep -v '^#' "$dir/out2")" "$(grep -v '^#' "$dir/out")" \
  "the effective config round-trips unchanged"

# Bad: an unknown key on line 3.
cat > "$dir/bad.yaml" <<EOF
milter:
  socket: "unix:$dir/bad.sock"
  sokcet: "unix:$dir/typo.sock"
EOF
rc=0
"$MILTER_BIN" -c "$dir/bad.yaml" --check-config > "$dir/out" 2> "$dir/err" || rc=$?
mw_assert_eq "$rc" 78 "--check-config exits 78 for an unknown key"
mw_assert_contains "$(cat "$dir/err")" "$dir/bad.yaml:3: milter.sokcet:" \
  "the error names FILE:LINE: KEY:"

# Bad value on a line of its own: the socket needs an address (never "every interface").
printf 'log:\n  target: stderr\nmilter:\n  socket: "inet:8891"\n' > "$dir/bad2.yaml"
rc=0
"$MILTER_BIN" -c "$dir/bad2.yaml" --check-config > /dev/null 2> "$dir/err" || rc=$?
mw_assert_eq "$rc" 78 "--check-config exits 78 for a socket without address"
mw_assert_contains "$(cat "$dir/err")" "$dir/bad2.yaml:4: milter.socket:" \
  "the socket error names FILE:LINE: KEY:"

# A missing file is a config error too.
rc=0
"$MILTER_BIN" -c "$dir/missing.yaml" --check-config > /dev/null 2> "$dir/err" || rc=$?
mw_assert_eq "$rc" 78 "--check-config exits 78 for a missing file"
mw_assert_contains "$(cat "$dir/err")" "$dir/missing.yaml" "the error names the missing file"

# The daemon refuses the bad file the same way, before it opens its socket.
rc=0
"$MILTER_BIN" -f -c "$dir/bad.yaml" > /dev/null 2> "$dir/err" || rc=$?
mw_assert_eq "$rc" 78 "the daemon exits 78 on a bad config"
mw_assert_contains "$(cat "$dir/err")" "$dir/bad.yaml:3: milter.sokcet:" \
  "the daemon names FILE:LINE: KEY:"
[ -e "$dir/bad.sock" ] && mw_fail "the daemon created its socket despite the bad config"
mw_pass "no socket was created for a bad config"

# Usage errors are not config errors.
rc=0
"$MILTER_BIN" --no-such-option > /dev/null 2>&1 || rc=$?
mw_assert_eq "$rc" 64 "an unknown option exits 64 (EX_USAGE)"
mw_assert_contains "$("$MILTER_BIN" --version)" "mailwarden-milter " "--version prints the version"
