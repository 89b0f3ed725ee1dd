#!/usr/bin/env bash
# Crash test of the collector's durability promise: a submission acknowledged (201 or 200) is on disk.
# Each round starts the collector on one database (kept across rounds), puts it under load with loadgen (16
# keep-alive connections that record every acknowledged uuid as soon as they read the reply), kills it with
# SIGKILL at a random moment, lets loadgen run to its deadline (it keeps trying new connections), restarts the
# collector on the same database, and checks with sqlite3 that every acknowledged uuid is stored exactly once.
# A last round stops the collector with SIGTERM under the same load: exit 0, and again nothing acknowledged lost.
# A graceful stop must also answer every submission it committed (CRASH_STRICT_TERM=0 turns that check off)
# (the collector waits for its last replies to be written before it exits: none may be lost).
# Set CRASH_SEED to replay the same kill moments. Needs curl and sqlite3 (scripts/setup).
# Usage: crash_test.sh COLLECTOR_BINARY LOADGEN_BINARY SOURCE_DIR [ROUNDS]
set -u
bin=$1
loadgen=$2
src=$3
rounds=${4:-3}
load_seconds=4           # loadgen's run in each round
kill_min_ms=500          # the kill falls in [kill_min_ms, kill_min_ms + kill_span_ms) after the load starts
kill_span_ms=2500
seed=${CRASH_SEED:-$$}
RANDOM=$seed
tmp=$(mktemp -d)
db=$tmp/collector.db
srv_pid=
lg_pid=
cleanup() {
    for p in $srv_pid $lg_pid; do
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

# Starts the collector on $db; sets srv_pid and srv_port, or returns 1 (its output is in $tmp/serve.*).
nserve=0
serve() {
    nserve=$((nserve + 1))
    local out=$tmp/serve.$nserve.out
    "$bin" serve --db "$db" --forms "$src/forms" --listen 127.0.0.1:0 --rate-limit 0 --quiet \
        >"$out" 2>"$tmp/serve.$nserve.err" &
    srv_pid=$!
    srv_port=
    for _ in $(seq 100); do
        srv_port=$(sed -n '1s/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$out")
        [ -n "$srv_port" ] && return 0
        kill -0 "$srv_pid" 2>/dev/null || break
        sleep 0.1
    done
    not_ok "collector starts on $db" "$(cat "$out" "$tmp/serve.$nserve.err")"
    return 1
}

# Stops the collector with SIGTERM; passes when it exits 0.
stop() {
    kill -TERM "$srv_pid"
    wait "$srv_pid"
    local st=$?
    srv_pid=
    if [ $st -eq 0 ]; then ok "$1: SIGTERM, exit 0"; else
        not_ok "$1: SIGTERM, exit 0" "status $st" "$(tail -n 20 "$tmp/serve.$nserve.err")"; fi
}

echo "# seed $seed (CRASH_SEED=$seed replays these kill moments), $rounds rounds"
: >"$tmp/acked.all"
for r in $(seq "$rounds"); do
    serve || break
    acked=$tmp/acked.$r
    : >"$acked"
    "$loadgen" -c 16 -d "$load_seconds" 127.0.0.1 "$srv_port" "$acked" >"$tmp/loadgen.$r" 2>&1 &
    lg_pid=$!
    delay_ms=$((kill_min_ms + RANDOM % kill_span_ms))
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    at_kill=$(wc -l <"$acked")
    kill -KILL "$srv_pid"
    wait "$srv_pid" 2>/dev/null
    srv_pid=
    wait "$lg_pid"
    lg_status=$?
    lg_pid=
    sed 's/^/# /' "$tmp/loadgen.$r"
    # loadgen must have been stopped by the kill in mid-load: acknowledgements before it, refusals after it.
    if [ $lg_status -eq 0 ] && [ "$at_kill" -gt 0 ] && grep -q 'refused connections [1-9]' "$tmp/loadgen.$r"; then
        ok "round $r: killed under load after $delay_ms ms ($at_kill acknowledged by then)"
    else
        not_ok "round $r: killed under load" "loadgen status $lg_status, $at_kill acknowledged at the kill"
    fi

    serve || break
    if curl -sf --max-time 10 "http://127.0.0.1:$srv_port/healthz" >/dev/null; then
        ok "round $r: the collector restarts on the killed database"
    else
        not_ok "round $r: the collector restarts on the killed database"
    fi
    cat "$acked" >>"$tmp/acked.all"
    sqlite3 "$db" 'SELECT uuid FROM submissions' | sort >"$tmp/present"
    sort "$acked" >"$tmp/acked.sorted"
    sort "$tmp/acked.all" >"$tmp/acked.all.sorted"
    n_acked=$(wc -l <"$tmp/acked.sorted")
    dup_acked=$(uniq -d "$tmp/acked.sorted" | wc -l)
    missing=$(comm -23 "$tmp/acked.sorted" "$tmp/present" | wc -l)
    missing_all=$(comm -23 "$tmp/acked.all.sorted" "$tmp/present" | wc -l)
    read -r total distinct <<<"$(sqlite3 -separator ' ' "$db" 'SELECT count(*), count(DISTINCT uuid) FROM submissions')"
    integrity=$(sqlite3 "$db" 'PRAGMA integrity_check')
    acked_present=$(($(wc -l <"$tmp/acked.all") - missing_all))
    echo "# round $r: acknowledged $n_acked, present $((n_acked - missing)), missing $missing;" \
        "database: $total rows, $distinct distinct uuids, $((total - acked_present)) stored but never acknowledged"
    if [ "$n_acked" -gt 0 ] && [ "$missing" -eq 0 ] && [ "$dup_acked" -eq 0 ]; then
        ok "round $r: all $n_acked acknowledged submissions are stored"
    else
        not_ok "round $r: every acknowledged submission is stored" "$n_acked acknowledged, $missing missing," \
            "$dup_acked acknowledged twice" "$(comm -23 "$tmp/acked.sorted" "$tmp/present" | head -n 5)"
    fi
    if [ "$missing_all" -eq 0 ] && [ "$total" = "$distinct" ] && [ "$total" -ge "$(wc -l <"$tmp/acked.all")" ] &&
        [ "$integrity" = ok ]; then
        ok "round $r: each uuid once ($total rows, $distinct distinct), earlier rounds intact, integrity ok"
    else
        not_ok "round $r: each uuid once, earlier rounds intact" "$total rows, $distinct distinct uuids," \
            "$missing_all acknowledged in all rounds missing, integrity: $integrity"
    fi
    # The counts of /api/v1/stats live in the transactions of the rows (collector/store/store.c, migration 3): after a
    # kill they still add up to exactly what counts.
    tally_diff=$(sqlite3 "$db" "WITH t AS (SELECT form_id, territory, channel, lang, day, n FROM stats_tally),
        v AS (SELECT form_id, coalesce(territory, ''), channel, lang, substr(received_at, 1, 10), count(*)
              FROM counted_submissions GROUP BY 1, 2, 3, 4, 5)
        SELECT (SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM v)) +
               (SELECT count(*) FROM (SELECT * FROM v EXCEPT SELECT * FROM t))" 2>&1)
    if [ "$tally_diff" = 0 ]; then ok "round $r: the counts' tally equals the stored rows"; else
        not_ok "round $r: the counts' tally equals the stored rows" "rows that differ: $tally_diff"; fi
    stop "round $r"
done

# Last, a graceful stop under the same load: SIGTERM must answer what is in flight, exit 0 and lose nothing.
if [ $fail -eq 0 ] && serve; then
    before=$(sqlite3 "$db" 'SELECT count(*) FROM submissions')
    acked=$tmp/acked.term
    : >"$acked"
    "$loadgen" -c 16 -d 3 127.0.0.1 "$srv_port" "$acked" >"$tmp/loadgen.term" 2>&1 &
    lg_pid=$!
    sleep 1
    kill -TERM "$srv_pid"
    wait "$srv_pid"
    st=$?
    srv_pid=
    wait "$lg_pid"
    lg_pid=
    sed 's/^/# /' "$tmp/loadgen.term"
    sqlite3 "$db" 'SELECT uuid FROM submissions' | sort >"$tmp/present"
    sort "$acked" >"$tmp/acked.sorted"
    missing=$(comm -23 "$tmp/acked.sorted" "$tmp/present" | wc -l)
    unanswered=$(($(wc -l <"$tmp/present") - before - $(wc -l <"$acked") + missing))
    echo "# SIGTERM round: acknowledged $(wc -l <"$acked"), missing $missing, $unanswered stored but never acknowledged"
    if [ "${CRASH_STRICT_TERM:-1}" = 1 ]; then
        if [ "$unanswered" -eq 0 ]; then ok "SIGTERM under load: every stored submission was answered"; else
            not_ok "SIGTERM under load: every stored submission was answered" "$unanswered were not"; fi
    fi
    if [ $st -eq 0 ] && [ "$(wc -l <"$acked")" -gt 0 ] && [ "$missing" -eq 0 ]; then
        ok "SIGTERM under load: exit 0, all $(wc -l <"$acked") acknowledged submissions stored"
    else
        not_ok "SIGTERM under load: exit 0, nothing acknowledged lost" "status $st, $(wc -l <"$acked") acknowledged," \
            "$missing missing" "$(tail -n 5 "$tmp/serve.$nserve.err")"
    fi
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
