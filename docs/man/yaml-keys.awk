# yaml-keys.awk: conf.d/mailwarden.yaml -> the Markdown of mailwarden.yaml(5)'s UNITS and
# KEYS sections, so the page says exactly what the shipped file says (one source: a key's
# comment in conf.d/mailwarden.yaml is its documentation; test_conf_d.cpp keeps every key
# there, with its unit and rules).
#   awk -f yaml-keys.awk conf.d/mailwarden.yaml
# The file's shape, which this relies on:
#   a header comment; its "# Units" block ends at the next "#" line or the first section
#   section:                        a top-level mapping
#     # comment lines                the documentation of the key below them
#     key: value                     one key; "section.key" in the page
#   name: value                      a top-level key with an inline value (e.g. a map "{}")
# Comment text indented by more than one space ("#   literal TEXT ...") is a preformatted
# line: it becomes a code block, so tables and examples keep their columns.

# Markdown-escape prose, leaving `code spans` alone.
function escape(text,    out, n, parts, i) {
    n = split(text, parts, "`")
    out = ""
    for (i = 1; i <= n; i++) {
        if (i % 2 == 1) {
            gsub(/\\/, "\\\\", parts[i])
            gsub(/[*_<>\[\]]/, "\\\\&", parts[i])
        }
        out = out (i > 1 ? "`" : "") parts[i]
    }
    return out
}

function flush_prose() {
    if (prose != "") body = body escape(prose) "\n\n"
    prose = ""
}

function flush_code() {
    if (code != "") body = body code "\n"
    code = ""
}

# One comment line (without "#"): prose is joined into paragraphs, indented lines are code.
function add_comment(text) {
    if (text ~ /^  +[^ ]/ || (code != "" && text ~ /^ {2,}/)) {
        flush_prose()
        code = code "        " substr(text, 2) "\n"
    } else {
        flush_code()
        sub(/^ /, "", text)
        prose = prose (prose == "" ? "" : " ") text
    }
}

function emit_key(name, value) {
    flush_prose()
    flush_code()
    # Two keys may share one comment (class_limits and domain_limits).
    if (body == "") body = "As the key above describes.\n\n"
    printf "### %s\n\nDefault: `%s`\n\n%s", name, value, body
    body = ""
}

BEGIN { state = "header"; section = ""; body = ""; prose = ""; code = "" }

state == "header" && /^# Units/ {
    state = "units"
    print "# UNITS\n"
    next
}
state == "units" {
    if ($0 ~ /^#[ \t]*$/ || $0 !~ /^#/) {
        state = "header"
        print ""
    } else {
        print "    " substr($0, 5)
        next
    }
}
state == "header" && /^#/ { next }
state == "header" && /^[ \t]*$/ { next }
state == "header" {
    state = "keys"
    print "# KEYS\n"
}

/^[ \t]*$/ { next }
/^[a-z_]+:[ \t]*$/ {
    section = $0
    sub(/:.*/, "", section)
    next
}
/^[a-z_]+:[ \t]/ {
    name = $0
    sub(/:.*/, "", name)
    value = $0
    sub(/^[a-z_]+:[ \t]*/, "", value)
    emit_key(name, value)
    section = ""
    next
}
/^#/ {
    add_comment(substr($0, 2))
    next
}
/^  #/ {
    text = $0
    sub(/^  #/, "", text)
    add_comment(text)
    next
}
/^  [a-z_]+:/ {
    key = $0
    sub(/^  /, "", key)
    sub(/:.*/, "", key)
    value = $0
    sub(/^  [a-z_]+:[ \t]*/, "", value)
    emit_key(section "." key, value)
    next
}
{
    printf "yaml-keys.awk: %s:%d: a line of an unknown shape: %s\n", FILENAME, FNR, $0 \
        > "/dev/stderr"
    failed = 1
    exit 1
}
END { if (failed) exit 1 }
