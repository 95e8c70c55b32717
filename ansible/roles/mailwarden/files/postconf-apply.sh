#!/bin/sh
# postconf-apply.sh: applies "name = value" lines (main.cf snippets) to a Postfix
# configuration directory with `postconf -e`, only those whose value differs (a later line
# for the same name wins), printing "CHANGED name: 'old' -> 'new'" for each; with --check
# it changes nothing. The mailwarden role runs it with the settings on standard input
# (tasks/postfix.yml), so a second run changes nothing and check mode shows the diff.
#   postconf-apply.sh [--check] POSTCONF CONFIG_DIR FILE|-
# Rules: R-MYO-9 (idempotent), R-MYO-7 (message_size_limit), R-MYO-11, R-SAV-10.
set -eu
check=
if [ "${1:-}" = --check ]; then check=1; shift; fi
postconf=$1 dir=$2 file=$3
[ "$file" != - ] || file=/dev/stdin
# name<TAB>value, the last value of each name, in first-seen order.
list=$(awk '
  /^[ \t]*#/ || /^[ \t]*$/ { next }
  /^[ \t]/ { print "postconf-apply: continuation lines are not supported: " $0 > "/dev/stderr"; exit 2 }
  {
    i = index($0, "=")
    if (i == 0) { print "postconf-apply: not name = value: " $0 > "/dev/stderr"; exit 2 }
    name = substr($0, 1, i - 1); value = substr($0, i + 1)
    sub(/[ \t]+$/, "", name); sub(/^[ \t]+/, "", value); sub(/[ \t]+$/, "", value)
    if (!(name in seen)) { order[++n] = name; seen[name] = 1 }
    val[name] = value
  }
  END { for (k = 1; k <= n; k++) printf "%s\t%s\n", order[k], val[order[k]] }
' "$file")
tab=$(printf '\t')
printf '%s\n' "$list" | while IFS="$tab" read -r name value; do
  [ -n "$name" ] || continue
  now=$("$postconf" -c "$dir" -h "$name" 2>/dev/null || true)
  [ "$now" = "$value" ] && continue
  echo "CHANGED $name: '$now' -> '$value'"
  [ -n "$check" ] || "$postconf" -c "$dir" -e "$name = $value"
done
