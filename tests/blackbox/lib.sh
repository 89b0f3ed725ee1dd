# lib.sh -- what the black-box test scripts share, sourced after `set -u`: a temporary folder removed at exit
# (with the collector it started, if any), TAP-like lines and their counts, checks, sanitizer reports kept apart,
# and a collector started on a free port.
#   source "$src/tests/blackbox/lib.sh"   ...   finish   (the script's last line: its status)

tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0 fail=0
# The analyzer's derived cache (analyzer/read/colcache.h) of this test's databases: in its folder, gone with it.
export XDG_CACHE_HOME=$tmp/xdg-cache
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; shift; for l in "$@"; do echo "  $l"; done; }
# check NAME COMMAND...: ok when the command succeeds; otherwise prints what it printed.
check() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "command: $(echo "$*" | head -c 300)" "${out:0:2000}"; fi
}
# list_check NAME COMMAND...: the command prints a JSON list of problems; [] passes.
list_check() {
    local name=$1 res
    shift
    res=$("$@" 2>"$tmp/jqerr") || res="[\"the check failed: $(head -c 300 "$tmp/jqerr" | tr '\n"' ' ')\"]"
    if [ "$res" = "[]" ]; then ok "$name"; else
        not_ok "$name" "$(echo "$res" | jq -r '"\(length) problem(s):", (.[:12][] | "  " + .)')"
    fi
}

# Under the sanitizer build, every report goes to a file of its own ($tmp/sanitizer.PID): sanitizer_clean fails
# when there is one.
export ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}log_path=$tmp/sanitizer
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-}${UBSAN_OPTIONS:+:}log_path=$tmp/sanitizer
sanitizer_clean() { local f=("$tmp"/sanitizer.*); [ ! -e "${f[0]}" ] || { head -n 40 "${f[@]}"; return 1; }; }

# start_collector BINARY DB FORMS [FLAG...]: serves DB on a free port of 127.0.0.1 without rate limit; sets pid
# and base (http://127.0.0.1:PORT). stop_collector: SIGTERM, and its exit status.
start_collector() {
    local bin=$1 db=$2 forms=$3
    shift 3
    "$bin" serve --db "$db" --forms "$forms" --listen 127.0.0.1:0 --rate-limit 0 --quiet "$@" \
        >"$tmp/collector.out" 2>"$tmp/collector.err" &
    pid=$!
    for _ in $(seq 100); do grep -q listening "$tmp/collector.out" 2>/dev/null && break; sleep 0.1; done
    base=http://$(sed -n 's/listening on //p' "$tmp/collector.out")
}
stop_collector() {
    local st=0
    kill -TERM "$pid"
    wait "$pid" || st=$?
    pid=
    return $st
}

# The summary line and the script's status.
finish() {
    echo "$pass passed, $fail failed${1:+ ($1)}"
    [ "$fail" -eq 0 ]
}
