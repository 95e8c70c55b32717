#!/usr/bin/env bash
# man_pages.sh: "docs: man pages agree with the README, the CLI and the config" (issue 6,
# part 3). The man pages and the README cannot drift apart:
#   - the README's Install / Upgrade / Operate sections are mailwarden(8)'s, word for word
#     (docs/man/sync-readme --check);
#   - every command of `mailwarden` (found by walking --help) and its global options are
#     in mailwarden(8) as **command**; every option of `mailwarden-milter --help` is in
#     mailwarden-milter(8);
#   - every key of the effective configuration (mailwarden-milter --check-config on an
#     empty file) is a subsection of the rendered mailwarden.yaml(5);
#   - every mailwarden_quota_* setting the plugin reads (dovecot-plugin/*.c, *.h) but the
#     test-only clock is in mailwarden_quota(7);
#   - the rendered pages pass man --warnings, as lintian runs it.
set -euo pipefail
source "$MW_SOURCE_DIR/test/servers/lib.sh"
src=$MW_SOURCE_DIR man="$MW_SOURCE_DIR/docs/man" built="$MW_BUILD_DIR/docs/man"
d=$(mw_mktemp_dir manpages)
mw_on_exit "rm -rf '$d'"
missing=()

"$man/sync-readme" --check "$src/README.md" || mw_fail "README and mailwarden(8) differ"
for title in "INSTALL ON AN EXISTING HOST" UPGRADE OPERATE; do
  grep -qxF "<!-- from docs/man/mailwarden.8.md: $title -->" "$src/README.md" ||
    mw_fail "the README has no block for mailwarden(8)'s $title"
done
mw_pass "README's Install, Upgrade and Operate are mailwarden(8)'s"

# mailwarden's commands: every path to a command without subcommands of its own.
walk() {
  local subs s
  subs=$("$MW_BIN_DIR/mailwarden" "$@" --help |
    awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
  [ -n "$subs" ] || { echo "$*"; return; }
  for s in $subs; do walk "$@" "$s"; done
}
commands=$(walk)
[ "$(wc -l <<< "$commands")" -gt 20 ] ||
  mw_fail "walking mailwarden --help found too little: $commands"
while IFS= read -r c; do
  grep -qF "**$c**" "$man/mailwarden.8.md" || missing+=("mailwarden(8): command '$c'")
done <<< "$commands"
options() {  # the long options of a --help text
  grep -o -- '--[a-z][a-z-]*' | sort -u | grep -v -x -e '--help'
}
for o in $("$MW_BIN_DIR/mailwarden" --help | sed -n '/^Options:/,/^$/p' | options); do
  grep -qF -- "**$o**" "$man/mailwarden.8.md" || missing+=("mailwarden(8): option $o")
done
for o in $("$MW_BIN_DIR/mailwarden-milter" --help | sed -n '/^Options:/,/^$/p' | options); do
  grep -qF -- "**$o**" "$man/mailwarden-milter.8.md" || missing+=("mailwarden-milter(8): option $o")
done
mw_pass "walked $(wc -l <<< "$commands") mailwarden commands"

# configuration keys, from the effective configuration of an empty file
: > "$d/empty.yaml"
"$MW_BIN_DIR/mailwarden-milter" --check-config -c "$d/empty.yaml" > "$d/effective.yaml"
keys=$(awk '/^[a-z_]+:[ \t]*$/ { s = $1; sub(/:$/, "", s); next }
            /^[a-z_]+:[ \t]/   { k = $1; sub(/:$/, "", k); print k; next }
            /^  [a-z_]+:/      { k = $1; sub(/:$/, "", k); print s "." k }' "$d/effective.yaml")
[ "$(wc -l <<< "$keys")" -gt 50 ] || mw_fail "too few keys in the effective configuration"
[ -f "$built/mailwarden.yaml.5" ] ||
  mw_fail "mailwarden.yaml.5 is not built (go-md2man, scripts/setup)"
while IFS= read -r k; do
  grep -qxF ".SS $k" "$built/mailwarden.yaml.5" || missing+=("mailwarden.yaml(5): key $k")
done <<< "$keys"
mw_pass "checked $(wc -l <<< "$keys") configuration keys"

# the quota plugin's settings
settings=$(grep -ho '"mailwarden_quota_[a-z_]*"' "$src"/dovecot-plugin/*.[ch] |
  tr -d '"' | sort -u | grep -v -x mailwarden_quota_test_clock_offset)
[ -n "$settings" ] || mw_fail "found no mailwarden_quota_* setting in dovecot-plugin/"
for s in $settings; do
  grep -qF "**$s**" "$man/mailwarden_quota.7.md" || missing+=("mailwarden_quota(7): setting $s")
done
mw_pass "checked $(wc -w <<< "$settings") plugin settings"

if [ ${#missing[@]} -gt 0 ]; then
  printf 'missing from the man pages (docs/man/*.md):\n' >&2
  printf '  %s\n' "${missing[@]}" >&2
  mw_fail "${#missing[@]} thing(s) the man pages do not document"
fi

for page in mailwarden.8 mailwarden-milter.8 mailwarden.yaml.5 mailwarden_quota.7; do
  w=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z \
    "$built/$page" 2>&1 >/dev/null)
  [ -z "$w" ] || mw_fail "$page: man --warnings: $w"
done
mw_pass "the pages render without warnings"
