#!/usr/bin/env bash
# The per-client connection cap (--max-connections-per-client) against the real collector, with idle
# connections from one address (tests/load/slowloris.c -i 0 -s 127.0.0.2: each one the server closes is opened
# again at once) while an ordinary client on another address (127.0.0.1; Linux answers all of 127/8) does
# GET /healthz and POSTs a submission every 100 ms, each on a new connection:
#   1. 600 idle connections: more than the default share (128), fewer than --max-connections (1024);
#   2. 1,100 idle connections: more than --max-connections (before the cap, the collector stopped accepting and
#      the ordinary client waited for --timeout, 30 s);
#   in both, every ordinary request is answered 200 / 201 within 1 s and the flooding address holds exactly 128
#   connections at the end;
#   3. afterwards the collector's open sockets are back to what they were before the floods, and the address has
#      its whole share again: 136 idle connections, exactly 128 held (a count not given back would leave fewer);
#   4. with --trust-proxy every connection comes from the proxy: 200 from one address are all held;
#   5. bad values of the flag: a French message and exit status 2.
# The collector stops with SIGTERM, exit 0, no sanitizer report. About 15 s.
# Usage: run_conncap.sh COLLECTOR_BINARY SLOWLORIS_BINARY SOURCE_DIR
set -u
bin=$1
slowloris=$2
src=$3
share=128
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

# Starts `collector serve` with extra flags; sets srv_pid, srv_port, srv_err.
nserve=0
serve() {
    nserve=$((nserve + 1))
    local out=$tmp/serve.$nserve.out
    srv_err=$tmp/serve.$nserve.err
    "$bin" serve --db "$tmp/c.$nserve.db" --forms "$src/forms" --listen 127.0.0.1:0 --quiet "$@" >"$out" \
        2>"$srv_err" &
    srv_pid=$!
    pids+=("$srv_pid")
    srv_port=
    for _ in $(seq 150); do # up to 15 s: the sanitizer build starts slowly
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

sockets() { # the collector's open sockets: its listener, libevent's own, and one per connection
    find "/proc/$srv_pid/fd" -lname 'socket:*' 2>/dev/null | wc -l
}

# flood NAME N SECONDS [LIMIT_MS]: N idle connections from 127.0.0.2, the ordinary client on 127.0.0.1.
flood() {
    "$slowloris" -n "$2" -d "$3" -i 0 -p 100 -l "${4:-1000}" -t 3000 -s 127.0.0.2 -o 127.0.0.1 127.0.0.1 \
        "$srv_port" >"$tmp/$1.out" 2>"$tmp/$1.err"
    flood_status=$?
    sed 's/^/# /' "$tmp/$1.out"
}

# ---- 1-3. the default share ------------------------------------------------------------------------------------
if serve; then
    before=$(sockets)
    for n in 600 1100; do
        flood "flood$n" "$n" 2
        if [ $flood_status -eq 0 ]; then
            f=$tmp/flood$n.out
            ok "$n idle connections from one address: every request of another client answered within 1 s (p50 \
$(field "$f" p50_ms) ms, p99 $(field "$f" p99_ms) ms, max $(field "$f" max_ms) ms, $(field "$f" ordinary) requests)"
        else
            not_ok "$n idle connections from one address: every request of another client answered within 1 s" \
                "$(cat "$tmp/flood$n.out")" "$(tail -n 3 "$tmp/flood$n.err")"
        fi
        held=$(field "$tmp/flood$n.out" held_at_end)
        if [ "$held" = "$share" ]; then
            ok "$n idle connections from one address: it holds exactly its share, $share ($(field \
                "$tmp/flood$n.out" closed_by_server) closed at once)"
        else
            not_ok "$n idle connections from one address: it holds exactly its share, $share" "held: $held"
        fi
        created=$(field "$tmp/flood$n.out" created)
        if [ "${created:-0}" -gt 0 ]; then ok "$n idle connections: submissions stored meanwhile ($created)"; else
            not_ok "$n idle connections: submissions stored meanwhile" "none"; fi
    done
    after=
    for _ in $(seq 50); do
        after=$(sockets)
        [ "$after" = "$before" ] && break
        sleep 0.1
    done
    if [ "$after" = "$before" ]; then
        ok "after the floods the collector's sockets are back to $before"
    else
        not_ok "after the floods the collector's sockets are back to $before" "$after open"
    fi
    flood again $((share + 8)) 1
    held=$(field "$tmp/again.out" held_at_end)
    if [ "$held" = "$share" ]; then ok "the address has its whole share again: $held held"; else
        not_ok "the address has its whole share again" "held: $held of $share"; fi
    if kill -0 "$srv_pid" 2>/dev/null; then ok "the collector is still running"; else
        not_ok "the collector is still running" "$(tail -n 30 "$srv_err")"; fi
    stop "the default share"
fi

# ---- 4. behind a proxy -----------------------------------------------------------------------------------------
if serve --trust-proxy; then
    flood proxy 200 1
    held=$(field "$tmp/proxy.out" held_at_end)
    if [ "$held" = 200 ]; then ok "--trust-proxy: 200 connections from the proxy's address are all held"; else
        not_ok "--trust-proxy: 200 connections from the proxy's address are all held" "held: $held"; fi
    stop "--trust-proxy"
fi

# ---- 5. bad values ---------------------------------------------------------------------------------------------
bad() { # NAME EXPECTED_MESSAGE_PART ARGS...: exit 2 with the message, nothing served
    local name=$1 want=$2
    shift 2
    timeout 10 "$bin" serve --db "$tmp/bad.db" --forms "$src/forms" --listen 127.0.0.1:0 --quiet "$@" \
        >"$tmp/bad.out" 2>"$tmp/bad.err"
    local st=$?
    if [ $st -eq 2 ] && grep -q -- "$want" "$tmp/bad.err" && [ ! -s "$tmp/bad.out" ]; then ok "$name"; else
        not_ok "$name" "status $st, stderr: $(head -c 400 "$tmp/bad.err")"; fi
}
bad "--max-connections-per-client without a value is refused" "demande une valeur" --max-connections-per-client
bad "--max-connections-per-client abc is refused" "attend un entier de 0 à 100000, pas « abc »" \
    --max-connections-per-client abc
bad "--max-connections-per-client -1 is refused" "attend un entier de 0 à 100000" --max-connections-per-client -1
bad "--max-connections-per-client 12.5 is refused" "attend un entier" --max-connections-per-client 12.5
bad "--max-connections-per-client over --max-connections is refused" "dépasse --max-connections (1024)" \
    --max-connections-per-client 2000
bad "--max-connections-per-client over a lower --max-connections is refused" "dépasse --max-connections (10)" \
    --max-connections-per-client 20 --max-connections 10
bad "--max-connections-per-client with --trust-proxy is refused" "sans effet avec --trust-proxy" \
    --trust-proxy --max-connections-per-client 16
if "$bin" --help | grep -q -- '--max-connections-per-client N'; then ok "collector --help names the flag"; else
    not_ok "collector --help names the flag" "$("$bin" --help)"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
