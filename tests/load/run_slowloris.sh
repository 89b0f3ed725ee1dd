#!/usr/bin/env bash
# Slow clients against the real collector (tests/load/slowloris.c), in three runs on fresh databases:
#   1. 300 connections trickle their headers (one byte every 500 ms) for 20 s under the default limits while an
#      ordinary client does GET /healthz and POSTs a submission every 200 ms: every ordinary request must be
#      answered within 1 s, every 201 must be a stored row, and the collector must stop cleanly (exit 0, no
#      sanitizer report).
#   2. README promises that --timeout is the time allowed to receive a request: with --timeout 2, 20 trickling
#      connections must be closed by the server before they are 5 s old.
#   3. A measurement, not a check: 300 trickling connections against --max-connections 200 --timeout 2; prints
#      how long the ordinary client waits (README: at the cap, clients wait in the kernel's backlog).
# The slow connections and the ordinary client all come from 127.0.0.1, as slow clients spread over many addresses
# would (or all of them behind the reverse proxy): the per-client connection cap is off in these runs
# (--max-connections-per-client 0), so that they measure the deadline and the global cap;
# tests/load/run_conncap.sh tests the per-client cap.
# Environment: SLOWLORIS_SECONDS (default 20) for run 1, SLOWLORIS_CONNECTIONS (default 300).
# Needs sqlite3 (scripts/setup).
# Usage: run_slowloris.sh COLLECTOR_BINARY SLOWLORIS_BINARY SOURCE_DIR
set -u
bin=$1
slowloris=$2
src=$3
seconds=${SLOWLORIS_SECONDS:-20}
slow=${SLOWLORIS_CONNECTIONS:-300}
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { # name, details...
    fail=$((fail + 1))
    echo "not ok - $1"
    shift
    for d in "$@"; do echo "  $d"; done
}

# Starts `collector serve` on database $1 with extra flags; sets srv_pid, srv_port, srv_err.
nserve=0
serve() {
    local db=$1
    shift
    nserve=$((nserve + 1))
    local out=$tmp/serve.$nserve.out
    srv_err=$tmp/serve.$nserve.err
    "$bin" serve --db "$db" --forms "$src/forms" --listen 127.0.0.1:0 --quiet --max-connections-per-client 0 "$@" \
        >"$out" 2>"$srv_err" &
    srv_pid=$!
    pids+=("$srv_pid")
    srv_port=
    for _ in $(seq 150); do
        srv_port=$(sed -n '1s/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$out")
        [ -n "$srv_port" ] && return 0
        kill -0 "$srv_pid" 2>/dev/null || break
        sleep 0.1
    done
    not_ok "collector serve $* starts" "$(cat "$out" "$srv_err" | head -n 20)"
    return 1
}

stop() { # NAME: SIGTERM, exit 0, no sanitizer report
    kill -TERM "$srv_pid" 2>/dev/null
    wait "$srv_pid"
    local st=$?
    if [ $st -eq 0 ] && ! grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$srv_err"; then
        ok "$1: the collector stops with SIGTERM, exit 0, no sanitizer report"
    else
        not_ok "$1: the collector stops with SIGTERM, exit 0, no sanitizer report" "status $st" \
            "$(tail -n 30 "$srv_err")"
    fi
}

field() { # FILE NAME: the value of NAME=... on the SLOWLORIS line
    sed -n "s/^SLOWLORIS .*\b$2=\([0-9.]*\).*/\1/p" "$1"
}

# ---- 1. the default limits: ordinary clients are answered within a second --------------------------------------
if serve "$tmp/one.db"; then
    "$slowloris" -n "$slow" -d "$seconds" -i 500 -p 200 -l 1000 127.0.0.1 "$srv_port" >"$tmp/one.out" 2>"$tmp/one.err"
    st=$?
    sed 's/^/# /' "$tmp/one.out"
    if [ $st -eq 0 ] && [ "$(field "$tmp/one.out" open_at_end)" = "$slow" ]; then
        ok "$slow slow connections for $seconds s: every ordinary request answered within 1 s (p50 $(field \
            "$tmp/one.out" p50_ms) ms, p99 $(field "$tmp/one.out" p99_ms) ms, max $(field "$tmp/one.out" max_ms) ms)"
    else
        not_ok "$slow slow connections for $seconds s: every ordinary request answered within 1 s" \
            "$(cat "$tmp/one.out")" "$(tail -n 3 "$tmp/one.err")"
    fi
    if kill -0 "$srv_pid" 2>/dev/null; then ok "the collector is still running"; else
        not_ok "the collector is still running" "$(tail -n 30 "$srv_err")"; fi
    stop "run 1"
    created=$(field "$tmp/one.out" created)
    rows=$(sqlite3 "$tmp/one.db" 'SELECT count(*) FROM submissions')
    if [ -n "$created" ] && [ "$created" -gt 0 ] && [ "$rows" = "$created" ]; then
        ok "every one of the $created submissions answered 201 is stored"
    else
        not_ok "every submission answered 201 is stored" "$created answered 201, $rows rows"
    fi
fi

# ---- 2. --timeout bounds the time to receive a request ----------------------------------------------------------
if serve "$tmp/two.db" --timeout 2; then
    "$slowloris" -n 20 -d 8 -i 500 -p 500 -l 1000 -k 5000 127.0.0.1 "$srv_port" >"$tmp/two.out" 2>"$tmp/two.err"
    st=$?
    sed 's/^/# /' "$tmp/two.out"
    if [ $st -eq 0 ]; then
        ok "with --timeout 2, a connection trickling its headers is closed before it is 5 s old"
    else
        # BUG: libevent's timeout is reset by every byte received; nothing bounds the whole request.
        not_ok "with --timeout 2, a connection trickling its headers is closed before it is 5 s old" \
            "$(grep '^FAIL' "$tmp/two.out")" \
            "--timeout is an inactivity timeout (each byte re-arms it), not the time allowed to receive a request"
    fi
    stop "run 2"
fi

# ---- 3. at --max-connections: a measurement -----------------------------------------------------------------------
if serve "$tmp/three.db" --max-connections 200 --timeout 2; then
    "$slowloris" -n "$slow" -d 15 -i 500 -p 200 -l 1000 -t 5000 127.0.0.1 "$srv_port" >"$tmp/three.out" \
        2>"$tmp/three.err"
    echo "# measurement: $slow slow connections against --max-connections 200 --timeout 2, 15 s, ordinary requests"
    echo "# given up after 5 s:"
    sed 's/^/#   /' "$tmp/three.out"
    stop "run 3"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
