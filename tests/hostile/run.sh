#!/usr/bin/env bash
# Hostile requests against the real collector: starts `collector serve` on a temporary database with the shipped
# forms (port 0, --timeout 2 so that the entries about incomplete requests end quickly, and a rate limit too
# generous to bite), sends every entry of tests/hostile/catalogue.json with the hostile driver, then checks that
# the collector is still alive, wrote no 5xx to its access log, stops cleanly on SIGTERM, and that its database
# holds exactly what the catalogue's accepted entries submitted: no row from a refused request, free text with
# SQL in it stored verbatim, the tables intact. A second collector with --rate-limit 0.01 --burst 2 then runs the
# catalogue's "ratelimit" phase (429 with Retry-After, nothing stored). Works on the ASan build too: any
# sanitizer report in the collector's stderr is a failure. Needs jq and sqlite3 (scripts/setup).
# Usage: run.sh COLLECTOR_BINARY HOSTILE_BINARY SOURCE_DIR
set -u
bin=$1
hostile=$2
src=$3
catalogue=$src/tests/hostile/catalogue.json
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
    "$bin" serve --db "$db" --forms "$src/forms" --listen 127.0.0.1:0 "$@" >"$out" 2>"$srv_err" &
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

# Checks that the collector of this phase is alive, reported no sanitizer error, and stops with status 0.
alive_and_stop() {
    local phase=$1
    if kill -0 "$srv_pid" 2>/dev/null; then ok "$phase: the collector is still running"; else
        not_ok "$phase: the collector is still running" "$(tail -n 30 "$srv_err")"; fi
    kill -TERM "$srv_pid" 2>/dev/null
    wait "$srv_pid"
    local st=$?
    if [ $st -eq 0 ]; then ok "$phase: SIGTERM, exit 0"; else
        not_ok "$phase: SIGTERM, exit 0" "status $st" "$(tail -n 30 "$srv_err")"; fi
    if grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$srv_err"; then
        not_ok "$phase: no sanitizer report" "$(grep -m 1 -A 30 'ERROR: \|runtime error:' "$srv_err")"
    else
        ok "$phase: no sanitizer report"
    fi
}

for tool in jq sqlite3; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (scripts/setup installs it)"; exit 1; }
done

# ---- main phase ----------------------------------------------------------------------------------------------

db=$tmp/hostile.db
mediator=$("$bin" token add --db "$db" --role mediator --name hostile-mediator 2>"$tmp/token.err")
analyst=$("$bin" token add --db "$db" --role analyst --name hostile-analyst 2>>"$tmp/token.err")
if [[ ! $mediator =~ ^ds_ || ! $analyst =~ ^ds_ ]]; then
    not_ok "token add for the catalogue's {{MEDIATOR}} and {{ANALYST}}" "$(cat "$tmp/token.err")"
    echo "$pass passed, $fail failed"
    exit 1
fi
final=7e57f1a1-0000-4000-8000-$(printf '%012x' $$)

if serve "$db" --timeout 2 --rate-limit 1000 --burst 100000; then
    "$hostile" --timeout 20 --var "MEDIATOR=$mediator" --var "ANALYST=$analyst" --final-uuid "$final" \
        "127.0.0.1:$srv_port" "$catalogue" >"$tmp/driver.out" 2>&1
    st=$?
    cat "$tmp/driver.out"
    summary=$(tail -n 1 "$tmp/driver.out")
    if [ $st -eq 0 ]; then ok "catalogue, main phase: $summary"; else
        not_ok "catalogue, main phase: $summary" "(the failing entries and their reasons are listed above)"; fi
    main_err=$srv_err
    alive_and_stop "main phase"

    # The access log has method, route, status and duration: no request may have ended in a 5xx.
    if grep -qE ' 5[0-9][0-9] [0-9.]+ms' "$main_err"; then
        not_ok "no 5xx in the access log" "$(grep -E ' 5[0-9][0-9] [0-9.]+ms' "$main_err" | sort | uniq -c | head)"
    else
        ok "no 5xx in the access log ($(grep -cE ' [0-9]{3} [0-9.]+ms' "$main_err") requests logged)"
    fi

    # What is stored: exactly the uuids of the accepted entries, once each, and the final valid submission.
    jq -r '.entries[] | select((.phase // "main") == "main") | .stored_uuid // empty' "$catalogue" |
        tr 'A-F' 'a-f' | sort -u >"$tmp/expected"
    echo "$final" >>"$tmp/expected"
    sort -o "$tmp/expected" "$tmp/expected"
    sqlite3 "$db" 'SELECT uuid FROM submissions' | sort >"$tmp/present"
    extra=$(comm -13 "$tmp/expected" "$tmp/present" | sort -u)
    missing=$(comm -23 "$tmp/expected" "$tmp/present")
    dups=$(uniq -d "$tmp/present")
    why=()
    for u in $extra; do
        who=$(jq -r --arg u "$u" '[.entries[] | select(tostring | ascii_downcase | contains($u)) | .name] | join("; ")' \
            "$catalogue")
        why+=("stored but refused by the catalogue: $u (entry: ${who:-none})")
    done
    for u in $missing; do why+=("expected but not stored: $u"); done
    for u in $dups; do why+=("stored twice: $u"); done
    if [ ${#why[@]} -eq 0 ]; then ok "the database holds only the $(wc -l <"$tmp/present") accepted submissions"; else
        not_ok "the database holds only the accepted submissions" "${why[@]}"; fi

    # No hostile payload anywhere but where the catalogue stores it on purpose (free text is free).
    sql_uuid=$(jq -r '.entries[] | select(.name | startswith("SQL in a free-text answer")) | .stored_uuid' "$catalogue")
    r39=$(sqlite3 "$db" "SELECT json_extract(answers, '\$.R39') FROM submissions WHERE uuid = '$sql_uuid'")
    others=$(sqlite3 "$db" "SELECT count(*) FROM submissions WHERE uuid != '$sql_uuid' AND (answers LIKE '%DROP TABLE%'
        OR answers LIKE '%UNION SELECT%' OR answers LIKE '%<script%' OR form_id != 'resident' OR lang != 'fr'
        OR channel NOT IN ('web', 'mediator'))")
    if [ "$r39" = "Robert'); DROP TABLE submissions; -- \" OR 1=1" ] && [ "$others" = 0 ]; then
        ok "SQL in free text is stored verbatim; no other row holds a hostile payload"
    else
        not_ok "SQL in free text is stored verbatim; no other row holds a hostile payload" "R39: '$r39'" \
            "$others other rows with a payload or odd metadata"
    fi
    long_uuid=$(jq -r '.entries[] | select(.name | contains("exactly 2,000 two-byte")) | .stored_uuid' "$catalogue")
    long=$(sqlite3 "$db" "SELECT length(json_extract(answers, '\$.R39')) FROM submissions WHERE uuid = '$long_uuid'")
    if [ "$long" = 2000 ]; then ok "the 2,000-character answer is stored whole"; else
        not_ok "the 2,000-character answer is stored whole" "length '$long'"; fi
    tables=$(sqlite3 "$db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type = 'table'
        AND name IN ('submissions', 'sheets', 'tokens') ORDER BY name)")
    integrity=$(sqlite3 "$db" 'PRAGMA integrity_check')
    read -r sheets tokens <<<"$(sqlite3 -separator ' ' "$db" 'SELECT (SELECT count(*) FROM sheets),
        (SELECT count(*) FROM tokens)')"
    if [ "$tables" = "sheets submissions tokens" ] && [ "$integrity" = ok ] && [ "$sheets" = 0 ] && [ "$tokens" = 2 ]
    then
        ok "tables intact, integrity ok, no paper sheet and no token created by a request"
    else
        not_ok "tables intact, integrity ok" "tables: '$tables'" "integrity: $integrity" "sheets $sheets, tokens $tokens"
    fi
fi

# ---- rate-limit phase, on a second collector -------------------------------------------------------------------

if serve "$tmp/limited.db" --timeout 2 --rate-limit 0.01 --burst 2; then
    "$hostile" --timeout 20 --phase ratelimit "127.0.0.1:$srv_port" "$catalogue" >"$tmp/driver.rl" 2>&1
    st=$?
    cat "$tmp/driver.rl"
    summary=$(tail -n 1 "$tmp/driver.rl")
    if [ $st -eq 0 ]; then ok "catalogue, rate-limit phase: $summary"; else
        not_ok "catalogue, rate-limit phase: $summary" "(the failing entries and their reasons are listed above)"; fi
    alive_and_stop "rate-limit phase"
    n=$(sqlite3 "$tmp/limited.db" 'SELECT count(*) FROM submissions')
    if [ "$n" = 0 ]; then ok "nothing refused with 429 was stored"; else
        not_ok "nothing refused with 429 was stored" "$n rows"; fi
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
